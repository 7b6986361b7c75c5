// Command lab measures the whole lab under a classroom's load (one-shot):
// it runs the web server (package web) with -n learner sessions, starts
// each session's sandboxed instance through the /s/{session}/ proxy, then
// for -load sends one request per second to every instance (through the
// proxy, as curl would) while a "teacher" loads the playground page
// (GET /play) -rate times per second, and reports the latency percentiles
// of both, the start time of the instances and their memory.
//
//	go run ./bench/lab [-n 100] [-load 30s] [-rate 10]
//
// The tool is its own child: run as `sandbox ...` it is `restylab sandbox`,
// so the figures include no -race and no test binary.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/restylab/restylab/sandbox"
	"github.com/restylab/restylab/web"
)

// helloWorkspace answers at once: the latency measured is the lab's.
const helloWorkspace = `{"conf": "events {}\nhttp { server { listen 8080; location / { content_by_lua_block { ngx.say(\"hello from \", ngx.var.uri) } } } }\n"}`

func main() {
	if len(os.Args) > 1 && os.Args[1] == "sandbox" {
		os.Exit(sandbox.ChildMain(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	n := flag.Int("n", 100, "learner sessions, each with a live instance")
	load := flag.Duration("load", 30*time.Second, "how long the load runs")
	rate := flag.Int("rate", 10, "playground page loads per second during the load")
	flag.Parse()

	data, err := os.MkdirTemp("", "bench-lab-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(data)
	srv, err := web.New(web.Config{
		DataDir: data,
		Sandbox: sandbox.Config{MaxInstances: *n + 2, TempDir: data},
		Logger:  slog.New(slog.DiscardHandler),
	})
	if err != nil {
		fail(err)
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	defer hs.Close()
	base := "http://" + ln.Addr().String()
	fmt.Printf("machine: %d CPUs, load average %s; the lab's default limits; %d sessions\n", runtime.NumCPU(), loadavg(), *n)

	// Sessions: what a browser's first visit does.
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	ids := make([]string, *n)
	for i := range ids {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
		if _, err := get(c, base+"/play"); err != nil {
			fail(err)
		}
		resp, err := c.Post(base+"/api/workspace", "application/json", strings.NewReader(helloWorkspace))
		if err != nil || resp.StatusCode != 200 {
			fail(fmt.Errorf("save the workspace: %v %v", err, resp))
		}
		resp.Body.Close()
		u, _ := http.NewRequest("GET", base, nil)
		for _, ck := range jar.Cookies(u.URL) {
			if ck.Name == "restylab_session" {
				ids[i] = ck.Value
			}
		}
		if ids[i] == "" {
			fail(fmt.Errorf("no session cookie"))
		}
	}
	// Instances: the first proxied request starts each one.
	var starts []time.Duration
	t0 := time.Now()
	for _, id := range ids {
		t := time.Now()
		if _, err := get(client, base+"/s/"+id+"/"); err != nil {
			fail(fmt.Errorf("first request of %s: %w", id, err))
		}
		starts = append(starts, time.Since(t))
	}
	fmt.Printf("%d instances started in %v; first request (start + serve): %s\n", *n, time.Since(t0).Round(time.Millisecond), pct(starts))

	// Load: 1 req/s to every instance, spread over the second, and page loads.
	ctx, cancel := context.WithTimeout(context.Background(), *load)
	defer cancel()
	var mu sync.Mutex
	var reqLat, pageLat []time.Duration
	var reqErr, pageErr int
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			offset := time.Duration(i) * time.Second / time.Duration(len(ids))
			select {
			case <-time.After(offset):
			case <-ctx.Done():
				return
			}
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for {
				t := time.Now()
				_, err := get(client, base+"/s/"+id+"/load")
				mu.Lock()
				if err != nil {
					reqErr++
				} else {
					reqLat = append(reqLat, time.Since(t))
				}
				mu.Unlock()
				select {
				case <-tick.C:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		jar, _ := cookiejar.New(nil)
		teacher := &http.Client{Jar: jar, Timeout: 10 * time.Second}
		tick := time.NewTicker(time.Second / time.Duration(*rate))
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			}
			t := time.Now()
			body, err := get(teacher, base+"/play")
			if err == nil && !strings.Contains(body, `id="boot"`) {
				err = fmt.Errorf("not the playground")
			}
			mu.Lock()
			if err != nil {
				pageErr++
			} else {
				pageLat = append(pageLat, time.Since(t))
			}
			mu.Unlock()
		}
	}()
	wg.Wait()
	fmt.Printf("load %v: %d proxied requests, %s, %d errors\n", *load, len(reqLat), pct(reqLat), reqErr)
	fmt.Printf("page loads (GET /play): %d, %s, %d errors\n", len(pageLat), pct(pageLat), pageErr)
	rss := childrenRSS()
	slices.Sort(rss)
	var total int64
	for _, r := range rss {
		total += r
	}
	if len(rss) > 0 {
		fmt.Printf("instances' RSS: %d children, median %.1f MiB, max %.1f MiB, total %.0f MiB; load average %s\n",
			len(rss), mib(rss[len(rss)/2]), mib(rss[len(rss)-1]), mib(total), loadavg())
	}
}

func get(c *http.Client, url string) (string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("%s: %d %s", url, resp.StatusCode, body)
	}
	return string(body), nil
}

func pct(d []time.Duration) string {
	if len(d) == 0 {
		return "no samples"
	}
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return fmt.Sprintf("p50 %v, p99 %v, max %v", at(0.5).Round(10*time.Microsecond), at(0.99).Round(10*time.Microsecond), s[len(s)-1].Round(10*time.Microsecond))
}

// childrenRSS reads VmRSS of this process's children.
func childrenRSS() []int64 {
	self := strconv.Itoa(os.Getpid())
	entries, _ := os.ReadDir("/proc")
	var out []int64
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(stat)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 2 || f[1] != self {
			continue
		}
		status, err := os.ReadFile("/proc/" + e.Name() + "/status")
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				out = append(out, kb<<10)
			}
		}
	}
	return out
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench/lab:", err)
	os.Exit(1)
}
