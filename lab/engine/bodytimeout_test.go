package engine

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestClientBodyTimeout: a client that stops sending its body is cut off
// after client_body_timeout with no response (nginx terminates the request,
// as the oracle shows for 408 in difftest conn/return_408); one that keeps
// sending, however slowly, is not.
func TestClientBodyTimeout(t *testing.T) {
	_, base, _ := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        client_body_timeout 2s;
        location / {
            content_by_lua_block {
                ngx.req.read_body()
                ngx.say("read ", ngx.req.get_body_data())
            }
        }
    }`, Options{})
	addr := strings.TrimPrefix(base, "http://")
	dial := func() net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(15 * time.Second))
		return c
	}

	c := dial()
	start := time.Now()
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345")
	got, _ := io.ReadAll(c)
	c.Close()
	if len(got) != 0 {
		t.Errorf("stalled body: got %q, want the connection closed with no response", got)
	}
	if el := time.Since(start); el < 1500*time.Millisecond || el > 10*time.Second {
		t.Errorf("stalled body: closed after %v, want about 2s", el)
	}

	c = dial()
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\n")
	for _, b := range []string{"a", "b", "c", "d", "e"} {
		time.Sleep(500 * time.Millisecond) // 2.5s in all, each pause under the timeout
		io.WriteString(c, b)
	}
	got, _ = io.ReadAll(c)
	c.Close()
	if !strings.HasPrefix(string(got), "HTTP/1.1 200 OK") || !strings.Contains(string(got), "read abcde") {
		t.Errorf("slow body: got %q, want 200 with the body", got)
	}
}
