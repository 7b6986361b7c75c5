// Command tls measures TLS handshakes on real nginx + ngx_lua and on the
// RestyLab engine, side by side in one run: new handshakes per second and
// resumed ones (session tickets), each with the server's CPU time per
// handshake (utime+stime of its processes from /proc, before and after).
//
//	go run ./bench/tls                      # ECDSA P-256, TLS 1.3, 3 interleaved runs of 5 s each
//	go run ./bench/tls -rsa -tls12 -d 10s   # RSA 2048 over TLS 1.2
//	go run ./bench/tls -lua                 # with an ssl_certificate_by_lua_block that does ngx.sleep(0)
//
// Each operation is one connection: dial, handshake, GET /, read the
// response, close. Both servers run one worker with the same nginx.conf;
// the clients run in this process on the same machine (so the figures
// compare the servers, they are not absolute). Only the standard library.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	dur := flag.Duration("d", 5*time.Second, "duration of each measurement")
	conc := flag.Int("c", 8, "concurrent clients")
	repeat := flag.Int("r", 3, "runs per server, interleaved (the median is shown)")
	useRSA := flag.Bool("rsa", false, "RSA 2048 certificate instead of ECDSA P-256")
	tls12 := flag.Bool("tls12", false, "TLS 1.2 instead of TLS 1.3")
	lua := flag.Bool("lua", false, "add ssl_certificate_by_lua_block { ngx.sleep(0) } (the ssl phase's cost)")
	nginx := flag.String("nginx", "nginx", "nginx binary")
	engine := flag.String("engine", "", "restylab binary (default: go build ./cmd/restylab)")
	flag.Parse()

	work, err := os.MkdirTemp("", "restylab-tlsbench.")
	check(err)
	defer os.RemoveAll(work)
	if *engine == "" {
		*engine = filepath.Join(work, "restylab")
		out, err := exec.Command("go", "build", "-o", *engine, "./cmd/restylab").CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
			os.Exit(1)
		}
	}
	crt, key := makeCert(*useRSA)
	proto := "TLSv1.3"
	if *tls12 {
		proto = "TLSv1.2"
	}
	luaLine := ""
	if *lua {
		luaLine = "ssl_certificate_by_lua_block { ngx.sleep(0) }"
	}
	fmt.Printf("machine: nproc %d, %s; cert %s, %s, %d clients, %v per run, %d runs%s\n",
		numCPU(), kernel(), map[bool]string{true: "RSA 2048", false: "ECDSA P-256"}[*useRSA], proto, *conc, *dur, *repeat,
		map[bool]string{true: ", ssl_certificate_by_lua", false: ""}[*lua])

	type sample struct{ newRate, newCPU, resRate, resCPU float64 }
	results := map[string][]sample{}
	for run := 0; run < *repeat; run++ {
		for _, side := range []string{"nginx", "engine"} {
			port := freePort()
			prefix := filepath.Join(work, fmt.Sprintf("%s-%d", side, run))
			check(os.MkdirAll(filepath.Join(prefix, "conf"), 0o755))
			check(os.MkdirAll(filepath.Join(prefix, "logs"), 0o755))
			check(os.WriteFile(filepath.Join(prefix, "conf", "c.crt"), crt, 0o644))
			check(os.WriteFile(filepath.Join(prefix, "conf", "c.key"), key, 0o600))
			conf := fmt.Sprintf(`%sdaemon off;
pid logs/nginx.pid;
error_log logs/error.log warn;
worker_processes 1;
events {}
http {
    access_log off;
    server {
        listen 127.0.0.1:%d ssl;
        ssl_certificate c.crt;
        ssl_certificate_key c.key;
        ssl_protocols %s;
        %s
        location / { return 200 "ok\n"; }
    }
}
`, loadModules(side), port, proto, luaLine)
			check(os.WriteFile(filepath.Join(prefix, "conf", "nginx.conf"), []byte(conf), 0o644))
			var cmd *exec.Cmd
			if side == "nginx" {
				cmd = exec.Command(*nginx, "-p", prefix+"/", "-c", filepath.Join(prefix, "conf", "nginx.conf"))
			} else {
				cmd = exec.Command(*engine, "run", "-p", prefix+"/", "-c", filepath.Join(prefix, "conf", "nginx.conf"))
			}
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			cmd.Stderr = os.Stderr
			check(cmd.Start())
			addr := "127.0.0.1:" + strconv.Itoa(port)
			waitPort(addr)
			pgid := cmd.Process.Pid
			newRate, newCPU := measure(addr, pgid, *conc, *dur, false)
			resRate, resCPU := measure(addr, pgid, *conc, *dur, true)
			_ = syscall.Kill(-pgid, syscall.SIGQUIT)
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				_ = syscall.Kill(-pgid, syscall.SIGKILL)
				<-done
			}
			results[side] = append(results[side], sample{newRate, newCPU, resRate, resCPU})
			fmt.Printf("  run %d %-6s new %7.0f/s %6.0f us CPU each   resumed %7.0f/s %6.0f us CPU each\n",
				run+1, side, newRate, newCPU, resRate, resCPU)
		}
	}
	med := func(side string, f func(sample) float64) float64 {
		var v []float64
		for _, s := range results[side] {
			v = append(v, f(s))
		}
		sort.Float64s(v)
		return v[len(v)/2]
	}
	fmt.Printf("\n| handshakes | nginx /s | engine /s | engine/nginx | nginx CPU us each | engine CPU us each | engine/nginx |\n|---|---|---|---|---|---|---|\n")
	for _, row := range []struct {
		name      string
		rate, cpu func(sample) float64
	}{
		{"new", func(s sample) float64 { return s.newRate }, func(s sample) float64 { return s.newCPU }},
		{"resumed", func(s sample) float64 { return s.resRate }, func(s sample) float64 { return s.resCPU }},
	} {
		nr, er := med("nginx", row.rate), med("engine", row.rate)
		nc, ec := med("nginx", row.cpu), med("engine", row.cpu)
		fmt.Printf("| %s | %.0f | %.0f | %.2fx | %.0f | %.0f | %.2fx |\n", row.name, nr, er, er/nr, nc, ec, ec/nc)
	}
}

// measure runs conc clients for d, each doing one connection after the
// other, and returns handshakes per second and the server's CPU
// microseconds per handshake. With resume, each client keeps a session
// cache (primed by one connection first) so its handshakes resume.
func measure(addr string, pgid, conc int, d time.Duration, resume bool) (rate, cpuUS float64) {
	var ok, resumed atomic.Int64
	var failed atomic.Int64
	caches := make([]tls.ClientSessionCache, conc)
	for i := range caches {
		if resume {
			caches[i] = tls.NewLRUClientSessionCache(4)
			_, _ = once(addr, caches[i])
		}
	}
	cpu0 := groupCPU(pgid)
	start := time.Now()
	stop := start.Add(d)
	var wg sync.WaitGroup
	for i := 0; i < conc; i++ {
		wg.Add(1)
		go func(cache tls.ClientSessionCache) {
			defer wg.Done()
			for time.Now().Before(stop) {
				r, err := once(addr, cache)
				if err != nil {
					failed.Add(1)
					continue
				}
				ok.Add(1)
				if r {
					resumed.Add(1)
				}
			}
		}(caches[i])
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := groupCPU(pgid) - cpu0
	n := ok.Load()
	if f := failed.Load(); f > 0 {
		fmt.Fprintf(os.Stderr, "  %d failed handshakes\n", f)
	}
	if resume && resumed.Load() < n*9/10 {
		fmt.Fprintf(os.Stderr, "  only %d of %d handshakes resumed\n", resumed.Load(), n)
	}
	if n == 0 {
		return 0, 0
	}
	return float64(n) / elapsed.Seconds(), cpu.Seconds() * 1e6 / float64(n)
}

// once does one connection: handshake, GET /, read to the end.
func once(addr string, cache tls.ClientSessionCache) (bool, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return false, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true, ServerName: "bench.test", ClientSessionCache: cache})
	if err := tc.Handshake(); err != nil {
		return false, err
	}
	if _, err := io.WriteString(tc, "GET / HTTP/1.1\r\nHost: bench.test\r\nConnection: close\r\n\r\n"); err != nil {
		return false, err
	}
	b, err := io.ReadAll(tc)
	if err != nil && len(b) == 0 {
		return false, err
	}
	if !strings.HasPrefix(string(b), "HTTP/1.1 200") {
		return false, fmt.Errorf("bad response %q", b)
	}
	return tc.ConnectionState().DidResume, nil
}

// groupCPU sums utime+stime of the processes of a process group.
func groupCPU(pgid int) time.Duration {
	ents, _ := os.ReadDir("/proc")
	var ticks int64
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+2:])
		// fields after the name: state(0) ppid(1) pgrp(2) ... utime(11) stime(12)
		if len(f) < 13 {
			continue
		}
		if pg, _ := strconv.Atoi(f[2]); pg != pgid {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + st
	}
	return time.Duration(ticks) * (time.Second / 100) // USER_HZ is 100 on Linux
}

func makeCert(useRSA bool) (certPEM, keyPEM []byte) {
	var pub, priv any
	var keyDER []byte
	typ := "EC PRIVATE KEY"
	if useRSA {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		check(err)
		pub, priv, keyDER, typ = &k.PublicKey, k, x509.MarshalPKCS1PrivateKey(k), "RSA PRIVATE KEY"
	} else {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		check(err)
		keyDER, err = x509.MarshalECPrivateKey(k)
		check(err)
		pub, priv = &k.PublicKey, k
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bench.test"},
		DNSNames: []string{"bench.test"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	check(err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: keyDER})
}

func loadModules(side string) string {
	if side != "nginx" {
		return ""
	}
	return "load_module /usr/lib/nginx/modules/ndk_http_module.so;\nload_module /usr/lib/nginx/modules/ngx_http_lua_module.so;\n"
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitPort(addr string) {
	for i := 0; i < 500; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Fprintf(os.Stderr, "server on %s did not start\n", addr)
	os.Exit(1)
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(b), "processor\t:")
}

func kernel() string {
	b, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return "kernel " + strings.TrimSpace(string(b))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
