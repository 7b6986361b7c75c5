package loadgen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingServer is an httptest server that counts the connections it
// accepted.
func countingServer(t *testing.T, h http.HandlerFunc) (netip.AddrPort, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return netip.MustParseAddrPort(srv.Listener.Addr().String()), &conns
}

func request(method, path, extra string) []byte {
	return []byte(method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n" + extra + "\r\n")
}

// TestRun: a burst against a real server: what each request's result
// keeps, and when a connection carries the next request.
func TestRun(t *testing.T) {
	big := strings.Repeat("b", KeepBody+DrainBody+10)
	addr, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/chunked":
			w.Write([]byte("part one, "))
			w.(http.Flusher).Flush() // no Content-Length: chunked
			w.Write([]byte("part two"))
		case "/head":
			w.Header().Set("Content-Length", "1234")
		case "/close":
			w.Header().Set("Connection", "close")
			fmt.Fprint(w, "closing")
		case "/big":
			fmt.Fprint(w, big)
		case "/echo":
			body, _ := io.ReadAll(r.Body)
			fmt.Fprintf(w, "%s %s body=%d ua=%q", r.Method, r.URL.Path, len(body), r.UserAgent())
		default:
			w.WriteHeader(http.StatusTeapot)
			fmt.Fprint(w, "short")
		}
	})
	large := strings.Repeat("p", 3<<20) // more than a socket buffer: written over several EPOLLOUT edges
	tests := []struct {
		name       string
		req        []byte
		head       bool
		n, c       int
		wantStatus int
		wantBody   string
		wantConns  int64
	}{
		{"keep-alive", request("GET", "/echo", ""), false, 50, 5, 200, `GET /echo body=0 ua=""`, 5},
		{"chunked", request("GET", "/chunked", ""), false, 6, 2, 200, "part one, part two", 2},
		{"head", request("HEAD", "/head", ""), true, 4, 1, 200, "", 1},
		{"status", request("GET", "/other", ""), false, 3, 3, 418, "short", 3},
		{"large request body", request("POST", "/echo", fmt.Sprintf("Content-Length: %d\r\n", len(large))), false, 3, 1, 200,
			fmt.Sprintf(`POST /echo body=%d ua=""`, len(large)), 1},
		{"connection close", request("GET", "/close", ""), false, 5, 2, 200, "closing", 5},
		{"body past the drain bound", request("GET", "/big", ""), false, 3, 1, 200, big[:KeepBody], 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			if strings.HasPrefix(tt.name, "large") {
				req = append(append([]byte{}, req...), large...)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			before := conns.Load()
			res, err := Run(ctx, Plan{Addr: addr, Request: req, Head: tt.head, N: tt.n, C: tt.c})
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != tt.n {
				t.Fatalf("%d results, want %d", len(res), tt.n)
			}
			for i, r := range res {
				if r.Err != nil || r.Status != tt.wantStatus || r.Body != tt.wantBody || r.Latency <= 0 {
					t.Fatalf("request %d: %d %.60q %v latency %v; want %d %.60q", i, r.Status, r.Body, r.Err, r.Latency, tt.wantStatus, tt.wantBody)
				}
			}
			// the server counts a connection when it reads from it: wait for the last
			deadline := time.Now().Add(5 * time.Second)
			for conns.Load()-before < tt.wantConns && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if opened := conns.Load() - before; opened != tt.wantConns {
				t.Errorf("%d requests at %d opened %d connections, want %d", tt.n, tt.c, opened, tt.wantConns)
			}
		})
	}
}

// rawServer accepts connections and runs serve on each.
func rawServer(t *testing.T, serve func(n int64, c net.Conn)) (netip.AddrPort, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var accepted atomic.Int64
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			n := accepted.Add(1)
			go func() {
				defer nc.Close()
				serve(n, nc)
			}()
		}
	}()
	return netip.MustParseAddrPort(ln.Addr().String()), &accepted
}

// TestRunRetriesAConnectionClosedWhileIdle: a keep-alive connection the
// server closes when the next request comes (nginx's keepalive_timeout
// racing it) carries that request again once, on a new connection; a new
// connection closed before any response is a failure, not retried.
func TestRunRetriesAConnectionClosedWhileIdle(t *testing.T) {
	addr, accepted := rawServer(t, func(n int64, nc net.Conn) {
		br := bufio.NewReader(nc)
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		fmt.Fprintf(nc, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%d", len(fmt.Sprint(n)), n)
		_, _ = http.ReadRequest(br) // the next request: closed unanswered
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := Run(ctx, Plan{Addr: addr, Request: request("GET", "/", ""), N: 4, C: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil || r.Status != 200 || r.Body != fmt.Sprint(i+1) {
			t.Fatalf("request %d: %d %q %v; want 200 %q, on connection %d", i, r.Status, r.Body, r.Err, fmt.Sprint(i+1), i+1)
		}
	}
	if got := accepted.Load(); got != 4 {
		t.Errorf("%d connections, want 4", got)
	}

	addr, _ = rawServer(t, func(int64, net.Conn) {}) // closes at once
	res, err = Run(ctx, Plan{Addr: addr, Request: request("GET", "/", ""), N: 3, C: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err == nil || (!errors.Is(r.Err, ErrNoResponse) && !strings.Contains(r.Err.Error(), "connection reset")) {
			t.Errorf("request %d: %d %v; want %q", i, r.Status, r.Err, ErrNoResponse)
		}
	}
}

// TestRunFailures: a refused connection, a malformed response and a
// server that never answers each fail every request with a clear error,
// and Run ends by the context's deadline.
func TestRunFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := netip.MustParseAddrPort(ln.Addr().String())
	ln.Close()
	garbage, _ := rawServer(t, func(_ int64, nc net.Conn) {
		http.ReadRequest(bufio.NewReader(nc))
		io.WriteString(nc, "SSH-2.0-OpenSSH_9.2\r\n\r\n")
	})
	silent, _ := rawServer(t, func(_ int64, nc net.Conn) { io.Copy(io.Discard, nc) })
	endless, _ := rawServer(t, func(_ int64, nc net.Conn) { // a header that never ends
		http.ReadRequest(bufio.NewReader(nc))
		line := []byte("X-Endless: " + strings.Repeat("h", 1000) + "\r\n")
		for _, err := io.WriteString(nc, "HTTP/1.1 200 OK\r\n"); err == nil; _, err = nc.Write(line) {
		}
	})
	tests := []struct {
		name    string
		addr    netip.AddrPort
		timeout time.Duration
		want    string
	}{
		{"refused", refused, 10 * time.Second, "connect " + refused.String() + ": connection refused"},
		{"not HTTP", garbage, 10 * time.Second, `malformed status line "SSH-2.0-OpenSSH_9.2"`},
		{"no answer", silent, 300 * time.Millisecond, context.DeadlineExceeded.Error()},
		{"endless header", endless, 10 * time.Second, "the response's header is larger than 16 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			start := time.Now()
			res, err := Run(ctx, Plan{Addr: tt.addr, Request: request("GET", "/", ""), N: 10, C: 4})
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range res {
				if r.Err == nil || r.Err.Error() != tt.want {
					t.Fatalf("request %d: %d %v; want the error %q", i, r.Status, r.Err, tt.want)
				}
			}
			if took := time.Since(start); took > tt.timeout+5*time.Second {
				t.Errorf("Run took %v", took)
			}
		})
	}
}

// TestRunIPv6: a burst to an IPv6 loopback address.
func TestRunIPv6(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback here:", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "six") })}
	go srv.Serve(ln)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := Run(ctx, Plan{Addr: netip.MustParseAddrPort(ln.Addr().String()), Request: request("GET", "/", ""), N: 5, C: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil || r.Body != "six" {
			t.Fatalf("request %d: %q %v", i, r.Body, r.Err)
		}
	}
}

// TestRunEndlessBody: a body that never ends (chunked, written until the
// client goes) counts as its status with the start of its body kept; the
// client stops reading past KeepBody+DrainBody and closes the connection.
func TestRunEndlessBody(t *testing.T) {
	addr, accepted := rawServer(t, func(_ int64, nc net.Conn) {
		http.ReadRequest(bufio.NewReader(nc))
		chunk := []byte("400\r\n" + strings.Repeat("z", 0x400) + "\r\n")
		for _, err := io.WriteString(nc, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"); err == nil; _, err = nc.Write(chunk) {
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := Run(ctx, Plan{Addr: addr, Request: request("GET", "/", ""), N: 4, C: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil || r.Status != 200 || r.Body != strings.Repeat("z", KeepBody) {
			t.Fatalf("request %d: %d %.40q... (%d bytes) %v", i, r.Status, r.Body, len(r.Body), r.Err)
		}
	}
	if got := accepted.Load(); got != 4 {
		t.Errorf("%d connections for 4 endless bodies, want 4 (none reused)", got)
	}
}
