package engine

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestKeepaliveIdleTimer checks the connection's lazily re-armed idle timer
// (conn.armIdle) against what nginx does: every request moves the
// keep-alive deadline, a request running past the deadline of the one
// before is not cut, and an idle connection closes once keepalive_timeout
// (or client_header_timeout for a partial head) has passed.
func TestKeepaliveIdleTimer(t *testing.T) {
	_, base, _ := startEngine(t, 1, `
		keepalive_timeout 1s; client_header_timeout 1s; access_log off;
		server { listen 127.0.0.1:{{PORT}};
			location = /hi { content_by_lua_block { ngx.say("hi") } }
			location = /slow { content_by_lua_block { ngx.sleep(1.5) ngx.say("slow") } }
		}`, Options{})
	addr := strings.TrimPrefix(base, "http://")
	type step struct {
		after time.Duration // pause before this request
		path  string
	}
	cases := []struct {
		name  string
		steps []step
	}{
		// 4 requests 0.6 s apart: 1.8 s in all, each within 1 s of the last
		{"deadline moves with each request", []step{{0, "/hi"}, {600 * time.Millisecond, "/hi"}, {600 * time.Millisecond, "/hi"}, {600 * time.Millisecond, "/hi"}}},
		// the timer armed after the first request fires while /slow runs
		{"a request outlives the previous deadline", []step{{0, "/hi"}, {300 * time.Millisecond, "/slow"}, {500 * time.Millisecond, "/hi"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			br := bufio.NewReader(c)
			for i, s := range tc.steps {
				time.Sleep(s.after)
				c.SetDeadline(time.Now().Add(10 * time.Second))
				if _, err := io.WriteString(c, "GET "+s.path+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("request %d (%s): %v: the connection was closed early", i, s.path, err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("request %d: status %d", i, resp.StatusCode)
				}
			}
			expectClose(t, c, br, 500*time.Millisecond, 10*time.Second)
		})
	}
	t.Run("client_header_timeout on a partial head", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, "GET /hi HTTP/1.1\r\n"); err != nil {
			t.Fatal(err)
		}
		expectClose(t, c, bufio.NewReader(c), 500*time.Millisecond, 10*time.Second)
	})
}

// expectClose waits for the server to close c: not before min (the
// timeout is 1 s; min leaves room for a slow client side), and within max.
func expectClose(t *testing.T, c net.Conn, br *bufio.Reader, min, max time.Duration) {
	t.Helper()
	start := time.Now()
	c.SetReadDeadline(start.Add(max))
	_, err := br.ReadByte()
	took := time.Since(start)
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		t.Fatalf("the idle connection was still open after %v", max)
	case err == nil:
		t.Fatal("unexpected bytes on an idle connection")
	case took < min:
		t.Fatalf("closed after %v, before the 1 s timeout", took)
	}
}
