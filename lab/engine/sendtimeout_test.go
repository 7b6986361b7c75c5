package engine

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSendTimeout: a client that stops reading a large response is cut off
// after send_timeout, as nginx does (observed with nginx 1.22 + ngx_lua
// 0.10.23 and the same configuration): an info-level "client timed out"
// line, the connection closed, and the log phase run afterwards with $status
// 200 and $bytes_sent counting what reached the socket, which is what the
// client then reads. A thread in ngx.flush(true) gets nil, "timeout" first.
// A client that closes its side after the request is cut off at once
// ("client prematurely closed connection"). A client that reads gets the
// whole response.
func TestSendTimeout(t *testing.T) {
	_, base, prefix := startEngine(t, 1, `
    log_format f '$request_uri $status $bytes_sent';
    access_log logs/access.log f;
    send_timeout 1s;
    server {
        listen 127.0.0.1:{{PORT}};
        root html;
        location = /lua {
            content_by_lua_block {
                local s = string.rep("b", 1000000)
                for i = 1, 20 do ngx.print(s) end
            }
        }
        location = /luaflush {
            content_by_lua_block {
                local s = string.rep("b", 1000000)
                for i = 1, 20 do
                    ngx.print(s)
                    local ok, err = ngx.flush(true)
                    if not ok then ngx.log(ngx.WARN, "flush failed: ", err) return end
                end
            }
        }
    }`, Options{})
	if err := os.MkdirAll(filepath.Join(prefix, "html"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(prefix, "html", "big.txt"), bytes.Repeat([]byte("a"), 20<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimPrefix(base, "http://")

	// stall asks for path on a socket with a small receive buffer and
	// reads nothing until the server has ended the request (its access log
	// line), then reads what reaches it within a second: the server's
	// kernel sends what it held at the close slowly to so small a window,
	// so the client need not see the end.
	accessLine := func(path string) (int, bool) {
		data, _ := os.ReadFile(filepath.Join(prefix, "logs", "access.log"))
		for _, ln := range strings.Split(string(data), "\n") {
			f := strings.Fields(ln)
			if len(f) == 3 && f[0] == path {
				n, err := strconv.Atoi(f[2])
				return n, err == nil
			}
		}
		return 0, false
	}
	stall := func(path string, halfClose bool) (read, sent int, took time.Duration) {
		t.Helper()
		d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
			return rc.Control(func(fd uintptr) {
				syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
			})
		}}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		start := time.Now()
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path)
		if halfClose {
			c.(*net.TCPConn).CloseWrite()
		}
		for {
			if n, ok := accessLine(path); ok {
				sent, took = n, time.Since(start)
				break
			}
			if time.Since(start) > 30*time.Second {
				t.Fatalf("%s: the request never ended (no access log line after 30 s)", path)
			}
			time.Sleep(50 * time.Millisecond)
		}
		c.SetReadDeadline(time.Now().Add(time.Second))
		n, _ := io.Copy(io.Discard, c)
		return int(n), sent, took
	}
	for _, path := range []string{"/big.txt", "/lua", "/luaflush", "/big.txt?halfclosed", "/lua?halfclosed"} {
		read, sent, took := stall(path, strings.HasSuffix(path, "halfclosed"))
		if sent <= 0 || sent >= 20<<20 {
			t.Errorf("%s: $bytes_sent %d, want a part of the 20 MB", path, sent)
		}
		if read > sent {
			t.Errorf("%s: the client read %d bytes, more than the $bytes_sent %d the log says reached the socket", path, read, sent)
		}
		if took > 15*time.Second {
			t.Errorf("%s: ended after %v, want about send_timeout after the output stopped", path, took)
		}
	}
	// a client that reads takes the whole response
	st, body := get(t, base+"/lua")
	if st != 200 || len(body) != 20000000 {
		t.Errorf("GET /lua read at once: status %d, %d bytes, want 200 and 20000000", st, len(body))
	}

	errlog := waitLog(t, filepath.Join(prefix, "logs", "error.log"), "flush failed")
	for _, want := range []string{
		`[info] {{ANY}} client timed out (110: Connection timed out) while sending response to client, client: 127.0.0.1, server: , request: "GET /big.txt HTTP/1.1"`,
		`[info] {{ANY}} client timed out (110: Connection timed out), client: 127.0.0.1, server: , request: "GET /lua HTTP/1.1"`,
		`[warn] {{ANY}} flush failed: timeout, client: 127.0.0.1, server: , request: "GET /luaflush HTTP/1.1"`,
		`[info] {{ANY}} client prematurely closed connection while sending response to client, client: 127.0.0.1, server: , request: "GET /big.txt?halfclosed HTTP/1.1"`,
		`[info] {{ANY}} client prematurely closed connection, client: 127.0.0.1, server: , request: "GET /lua?halfclosed HTTP/1.1"`,
	} {
		if !logHas(errlog, want) {
			t.Errorf("error.log lacks %q:\n%s", want, errlog)
		}
	}
}

// waitLog returns the file's text once it contains marker (log lines are
// written after the response ends), failing after 10 s.
func waitLog(t *testing.T, path, marker string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if strings.Contains(string(b), marker) || time.Now().After(deadline) {
			return string(b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// logHas reports whether one line of text holds pattern, where {{ANY}}
// matches any run of characters.
func logHas(text, pattern string) bool {
	parts := strings.Split(pattern, "{{ANY}}")
	for _, line := range strings.Split(text, "\n") {
		rest, ok := line, true
		for _, p := range parts {
			i := strings.Index(rest, p)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(p):]
		}
		if ok {
			return true
		}
	}
	return false
}
