package engine

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/restylab/restylab/lab/trace"
)

// testCert writes a self-signed ECDSA certificate for name and its key to
// dir and returns their paths.
func testCert(t testing.TB, dir, name string) (certFile, keyFile string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		DNSNames: []string{name}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// httpsGet fetches path over TLS with the given SNI name and returns the
// status, body and the served certificate's name.
func httpsGet(t *testing.T, addr, sni, path string) (int, string, string, error) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true,
		TLSClientConfig: &tls.Config{ServerName: sni, InsecureSkipVerify: true}}}
	req, err := http.NewRequest("GET", "https://"+addr+path, nil)
	if err != nil {
		return 0, "", "", err
	}
	if sni != "" {
		req.Host = sni // the Host header picks the server for the request, as SNI did for the handshake
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", "", err
	}
	cn := ""
	if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
		cn = resp.TLS.PeerCertificates[0].Subject.CommonName
	}
	return resp.StatusCode, string(b), cn, nil
}

// TestTLSHandshakesOverlap: the ssl phase is a coroutine on the worker,
// so 100 handshakes whose ssl_certificate_by_lua sleeps 10 ms wait side by
// side (the trace shows many ssl_cert phases entered before the first one
// ends) and a handshake for a server without the handler, on the same
// worker, is served meanwhile.
func TestTLSHandshakesOverlap(t *testing.T) {
	dir := t.TempDir()
	crt, key := testCert(t, dir, "a.test")
	tr := trace.New(1, 1<<18)
	sub := tr.Subscribe()
	defer sub.Close()
	_, base, _ := startEngine(t, 1, fmt.Sprintf(`
    server {
        listen 127.0.0.1:{{PORT}} ssl;
        server_name fast.test;
        ssl_certificate %[1]s;
        ssl_certificate_key %[2]s;
        location / { return 200 "fast\n"; }
    }
    server {
        listen 127.0.0.1:{{PORT}} ssl;
        server_name sleepy.test;
        ssl_certificate %[1]s;
        ssl_certificate_key %[2]s;
        ssl_certificate_by_lua_block { ngx.sleep(0.01) }
        location / { return 200 "sleepy\n"; }
    }`, crt, key), Options{Tracer: tr})
	addr := strings.TrimPrefix(base, "http://")
	const n = 100
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n+1)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, body, _, err := httpsGet(t, addr, "sleepy.test", "/")
			if err == nil && (status != 200 || body != "sleepy\n") {
				err = fmt.Errorf("sleepy: %d %q", status, body)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	status, body, _, err := httpsGet(t, addr, "fast.test", "/")
	if err != nil || status != 200 || body != "fast\n" {
		t.Errorf("fast.test during the burst: %d %q %v", status, body, err)
	}
	wg.Wait()
	wall := time.Since(start)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	evs := collect(t, sub, func(evs []trace.Event) bool {
		exits := 0
		for _, ev := range evs {
			if ev.Kind == trace.PhaseExit && ev.Phase == "ssl_cert" {
				exits++
			}
		}
		return exits >= n
	})
	entered, most, hellos, done := 0, 0, 0, 0
	for _, ev := range evs {
		switch {
		case ev.Kind == trace.PhaseEnter && ev.Phase == "ssl_cert":
			entered++
			most = max(most, entered)
		case ev.Kind == trace.PhaseExit && ev.Phase == "ssl_cert":
			entered--
		case ev.Kind == trace.TLSHello:
			hellos++
		case ev.Kind == trace.TLSDone && !strings.HasPrefix(ev.Detail, "failed"):
			done++
		}
	}
	t.Logf("%d handshakes with a 10 ms ssl phase in %v; at most %d ssl phases at once", n, wall, most)
	if most < 5 {
		t.Errorf("at most %d ssl_cert phases were running at once: the handshakes did not overlap", most)
	}
	if hellos < n+1 || done < n+1 {
		t.Errorf("trace: %d tls_hello and %d tls_done events, want %d of each", hellos, done, n+1)
	}
}

// TestTLSBadInput: garbage after a TLS record header, a client that
// closes before its ClientHello, a handshake without SNI and certificates
// Lua cannot set each end with a clear error_log line, and the worker
// keeps serving TLS afterwards.
func TestTLSBadInput(t *testing.T) {
	dir := t.TempDir()
	crt, key := testCert(t, dir, "a.test")
	_, base, prefix := startEngine(t, 1, fmt.Sprintf(`
    server {
        listen 127.0.0.1:{{PORT}} ssl;
        ssl_certificate %s;
        ssl_certificate_key %s;
        ssl_certificate_by_lua_block {
            local ssl = require "ngx.ssl"
            if ssl.server_name() == "junk.test" then
                local ok, err = ssl.set_der_cert("not a certificate")
                ngx.log(ngx.ERR, "set_der_cert: ", tostring(ok), " ", err)
                local ok, err = ssl.set_der_priv_key("not a key")
                ngx.log(ngx.ERR, "set_der_priv_key: ", tostring(ok), " ", err)
                local ok, err = ssl.cert_pem_to_der("junk")
                ngx.log(ngx.ERR, "cert_pem_to_der: ", tostring(ok), " ", err)
            end
        }
        location / { return 200 "ok $ssl_server_name\n"; }
    }`, crt, key), Options{})
	addr := strings.TrimPrefix(base, "http://")

	// garbage in a handshake record
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte("\x16\x03\x01\x00\x05hello")); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	alert, _ := io.ReadAll(conn)
	conn.Close()
	if len(alert) == 0 || alert[0] != 0x15 {
		t.Errorf("garbage handshake: got %q, want a TLS alert record", alert)
	}
	// a client that connects and leaves
	conn, err = net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()

	// Lua's bad certificate input fails softly; the handshake goes on
	// with the configured certificate
	status, body, cn, err := httpsGet(t, addr, "junk.test", "/")
	if err != nil || status != 200 || body != "ok junk.test\n" || cn != "a.test" {
		t.Errorf("junk.test: %d %q %q %v", status, body, cn, err)
	}
	// the worker keeps serving
	status, body, _, err = httpsGet(t, addr, "a.test", "/")
	if err != nil || status != 200 || body != "ok a.test\n" {
		t.Errorf("after bad input: %d %q %v", status, body, err)
	}
	waitLogLines(t, prefix, []string{
		"SSL_do_handshake() failed (SSL: ",
		"while SSL handshaking, client: 127.0.0.1, server: " + addr,
		"client closed connection while SSL handshaking",
		"set_der_cert: nil d2i_X509_bio() failed",
		"set_der_priv_key: nil d2i_PrivateKey_bio() failed",
		"cert_pem_to_der: nil PEM_read_bio_X509_AUX() failed",
	})
}

// waitLogLines waits until error.log holds every want line part (a
// stalled TLS client is cut off only once the kernel's buffers are full,
// which takes a few seconds under the race detector).
func waitLogLines(t *testing.T, prefix string, want []string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		data, _ := os.ReadFile(filepath.Join(prefix, "logs", "error.log"))
		missing := ""
		for _, w := range want {
			if !strings.Contains(string(data), w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("error.log has no %q:\n%s", missing, data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// FuzzHelloExtensions: any bytes a client sends before its ClientHello is
// handled are parsed without a panic.
func FuzzHelloExtensions(f *testing.F) {
	f.Add([]byte("\x16\x03\x01\x00\x05hello"))
	f.Add([]byte("\x16\x03\x01\x00\x30\x01\x00\x00\x2c\x03\x03" + strings.Repeat("r", 32) + "\x00\x00\x02\x13\x01\x01\x00\x00\x05\x00\x00\x00\x01\x00"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		exts, ok := helloExtensions(raw)
		if !ok && exts != nil {
			t.Fatal("extensions without ok")
		}
	})
}

// BenchmarkTLSHandshake: one new TLS 1.3 handshake (ECDSA P-256) and one
// request per connection, client and engine in this process (bench/tls
// compares the engine with nginx).
func BenchmarkTLSHandshake(b *testing.B) {
	dir := b.TempDir()
	crt, key := testCert(b, dir, "a.test")
	_, base, _ := startEngine(b, 1, fmt.Sprintf(`
    server {
        listen 127.0.0.1:{{PORT}} ssl;
        ssl_certificate %s;
        ssl_certificate_key %s;
        ssl_protocols TLSv1.2 TLSv1.3;
        location / { return 200 "ok\n"; }
    }`, crt, key), Options{})
	addr := strings.TrimPrefix(base, "http://")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true, ServerName: "a.test"})
		if _, err := io.WriteString(tc, "GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n"); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadAll(tc); err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}

// TestTLSSendTimeout: a TLS client that stops reading a large response is
// cut off after send_timeout as a plain one is (the records queued for the
// socket count as output waiting), and the worker goes on serving TLS.
func TestTLSSendTimeout(t *testing.T) {
	dir := t.TempDir()
	crt, key := testCert(t, dir, "a.test")
	_, base, prefix := startEngine(t, 1, fmt.Sprintf(`
    send_timeout 1s;
    server {
        listen 127.0.0.1:{{PORT}} ssl;
        ssl_certificate %s;
        ssl_certificate_key %s;
        location = /big {
            content_by_lua_block {
                local s = string.rep("b", 1000000)
                for i = 1, 20 do ngx.print(s) end
            }
        }
        location / { return 200 "ok\n"; }
    }`, crt, key), Options{})
	addr := strings.TrimPrefix(base, "http://")
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	c := tls.Client(raw, &tls.Config{InsecureSkipVerify: true, ServerName: "a.test"})
	if _, err := io.WriteString(c, "GET /big HTTP/1.1\r\nHost: a.test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	waitLogLines(t, prefix, []string{"client timed out (110: Connection timed out)"})
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("cut off after %v, before send_timeout", d)
	}
	// what the kernel still holds for the client arrives; the rest is gone
	// (the socket's end may linger in the kernel as after nginx's close)
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	n, _ := io.Copy(io.Discard, c)
	if n >= 20_000_000 {
		t.Errorf("the stalled client read the whole response (%d bytes)", n)
	}
	status, body, _, err := httpsGet(t, addr, "a.test", "/")
	if err != nil || status != 200 || body != "ok\n" {
		t.Errorf("after the timeout: %d %q %v", status, body, err)
	}
}

// TestTLSRunawaySSLPhase: an ssl_certificate_by_lua that never yields is
// stopped by the CPU budget like any handler: that handshake fails, and the
// worker goes on serving other handshakes.
func TestTLSRunawaySSLPhase(t *testing.T) {
	dir := t.TempDir()
	crt, key := testCert(t, dir, "a.test")
	_, base, prefix := startEngine(t, 1, fmt.Sprintf(`
    server {
        listen 127.0.0.1:{{PORT}} ssl;
        ssl_certificate %s;
        ssl_certificate_key %s;
        ssl_certificate_by_lua_block {
            if require("ngx.ssl").server_name() == "spin.test" then while true do end end
        }
        location / { return 200 "ok $ssl_server_name\n"; }
    }`, crt, key), Options{CPUBudget: 200 * time.Millisecond})
	addr := strings.TrimPrefix(base, "http://")
	if _, _, _, err := httpsGet(t, addr, "spin.test", "/"); err == nil {
		t.Fatal("a handshake whose ssl phase spins forever succeeded")
	}
	status, body, _, err := httpsGet(t, addr, "a.test", "/")
	if err != nil || status != 200 || body != "ok a.test\n" {
		t.Fatalf("after the runaway ssl phase: %d %q %v", status, body, err)
	}
	waitLogLines(t, prefix, []string{"CPU budget", "SSL_do_handshake() failed (SSL: error:0A000179:SSL routines::cert cb error)"})
}
