package engine

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// FuzzRequestBytes throws arbitrary bytes at a live engine (Lua handlers
// that read bodies, sleep, use headers and cosockets) and checks that it
// answers a well-formed request right after: nothing a client sends may
// take the worker down.
func FuzzRequestBytes(f *testing.F) {
	for _, seed := range []string{
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
		"POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"GET /sleep HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /hdr?a=1&a=2&b HTTP/1.0\r\nX-A: 1\r\nX-A: 2\r\nCookie: c=1\r\n\r\n",
		"GET /sock HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
		"\x00\xff GET",
	} {
		f.Add([]byte(seed))
	}
	addr := startFuzzEngine(f) // one engine for all inputs of this process
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(300 * time.Millisecond))
		c.Write(data)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
		io.Copy(io.Discard, c)
		c.Close()

		// the engine still serves
		c2, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("engine gone after %q: %v", data, err)
		}
		defer c2.Close()
		c2.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c2, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		line, err := bufio.NewReader(c2).ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "HTTP/1.1 200") {
			t.Fatalf("after %q: status line %q, %v", data, line, err)
		}
	})
}

func startFuzzEngine(f *testing.F) string {
	_, base, _ := startEngine(f, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        location / { content_by_lua_block { ngx.say("ok") } }
        location /body { content_by_lua_block { ngx.req.read_body() ngx.say(#(ngx.req.get_body_data() or "")) } }
        location /sleep { content_by_lua_block { ngx.sleep(0.01) ngx.say("slept") } }
        location /hdr { content_by_lua_block {
            local h = ngx.req.get_headers()
            local a = ngx.req.get_uri_args()
            ngx.say(type(h["x-a"]), " ", type(a.a), " ", tostring(ngx.var.cookie_c))
        } }
        location /sock { content_by_lua_block {
            local s = ngx.socket.tcp()
            s:settimeout(100)
            local ok, err = s:connect("127.0.0.1", 1)
            ngx.say(tostring(ok), " ", err)
        } }
    }`, Options{})
	return strings.TrimPrefix(base, "http://")
}
