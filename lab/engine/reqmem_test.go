package engine

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// keepAliveClient sends GETs one after another on one connection.
type keepAliveClient struct {
	c  net.Conn
	br *bufio.Reader
}

func dialKeepAlive(t *testing.T, base string) *keepAliveClient {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return &keepAliveClient{c: c, br: bufio.NewReader(c)}
}

// get sends GET path and returns the status and body; the connection must
// stay open for the next request.
func (k *keepAliveClient) get(t *testing.T, path string) (int, string) {
	t.Helper()
	if _, err := fmt.Fprintf(k.c, "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", path); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	resp, err := http.ReadResponse(k.br, nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("GET %s: body: %v", path, err)
	}
	if resp.Close {
		t.Fatalf("GET %s: the server closes the connection", path)
	}
	return resp.StatusCode, string(body)
}

// memReused is how many requests of e's workers got a finished request's
// memory (conn.nextMem), read on each worker's loop.
func memReused(t *testing.T, e *Engine) int {
	t.Helper()
	n := 0
	for _, w := range e.workers {
		done := make(chan int)
		w.loop.Submit(func() { done <- w.memReused })
		select {
		case m := <-done:
			n += m
		case <-time.After(10 * time.Second):
			t.Fatal("worker loop does not answer")
		}
	}
	return n
}

// reqMemConf: /plain pins nothing; each /keep_* leaves an object that
// points at its request in a Lua table that outlives it, and the matching
// /use_* uses that object from the next request on the same connection,
// which must not get the old request's memory: the object would take
// the new request for its own.
const reqMemConf = `access_log off;
init_by_lua_block { store = {} }
server { listen 127.0.0.1:{{PORT}};
  location = /plain { content_by_lua_block { ngx.say("plain ", ngx.var.uri) } }
  location = /keep_thread { content_by_lua_block {
    store.th = ngx.thread.spawn(function() return "old" end)
    ngx.say("kept")
  } }
  location = /use_thread { content_by_lua_block {
    local ok, a, b = pcall(ngx.thread.wait, store.th)
    ngx.say(tostring(ok), " ", tostring(a), " ", tostring(b))
  } }
  location = /keep_co { content_by_lua_block {
    store.co = coroutine.create(function() end)
    ngx.say("kept")
  } }
  location = /use_co { content_by_lua_block {
    local ok, a, b = pcall(ngx.thread.wait, store.co)
    ngx.say(tostring(ok), " ", tostring(a), " ", tostring(b))
  } }
  location = /keep_sock { content_by_lua_block {
    store.sock = ngx.socket.tcp()
    ngx.say("kept")
  } }
  location = /use_sock { content_by_lua_block {
    local ok, err = store.sock:connect("127.0.0.1", tonumber(ngx.var.arg_port))
    ngx.say(tostring(ok), " ", tostring(err))
  } }
  location = /keep_sleep { content_by_lua_block {
    ngx.sleep(0.001)
    ngx.say("slept")
  } }
}`

// closedPort returns a loopback port nothing listens on (one just closed).
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return fmt.Sprint(port)
}

// TestReqMemPinned checks that a request's memory serves the connection's
// next request only when nothing can reach the finished request: each
// object a request leaves behind (a light thread's handle, a cosocket)
// still sees its own, finished request from the next one, as it would in
// a new allocation; and plain requests do reuse it.
func TestReqMemPinned(t *testing.T) {
	e, base, _ := startEngine(t, 1, reqMemConf, Options{})
	tests := []struct {
		name, keep, use string
		want            string // /use's body
		reuse           bool   // whether /use got /keep's memory
	}{
		{"plain requests share memory", "/plain", "/plain", "plain /plain\n", true},
		// the thread's handle names its request (uthread.r); the engine
		// forgets a request's threads when it ends (keeping only that
		// the handle was a light thread), so either way the handle is a
		// thread of another request
		{"light thread handle", "/keep_thread", "/use_thread", "false only the parent coroutine can wait on the thread nil\n", false},
		// a plain coroutine kept the same way is no light thread, then
		// or now (the engine tells the two apart by the handles of
		// ended light threads it keeps, weakly); it keeps nothing of
		// its request, so the next request may take the memory
		{"coroutine handle", "/keep_co", "/use_co", "false attempt to wait on a coroutine that is not a user thread nil\n", true},
		// a cosocket names its request (cosock.r): from a later request
		// it is closed; in the old request's memory it would take the new
		// request for its own and try the connect (refused)
		{"cosocket object", "/keep_sock", "/use_sock?port=" + closedPort(t), "nil closed\n", false},
		// a yield (a timer) pins the request
		{"yielded handler", "/keep_sleep", "/plain", "plain /plain\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := dialKeepAlive(t, base)
			k.get(t, "/plain") // the connection's first request: its memory is new
			if st, _ := k.get(t, tt.keep); st != 200 {
				t.Fatalf("%s: status %d", tt.keep, st)
			}
			before := memReused(t, e)
			st, body := k.get(t, tt.use)
			reused := memReused(t, e) - before
			if st != 200 || body != tt.want {
				t.Errorf("%s after %s: %d %q, want 200 %q", tt.use, tt.keep, st, body, tt.want)
			}
			if want := map[bool]int{true: 1, false: 0}[tt.reuse]; reused != want {
				t.Errorf("%s after %s: %d requests in reused memory, want %d", tt.use, tt.keep, reused, want)
			}
		})
	}
}

// reqMemLeakConf: /set leaves what a request can leave in its own memory
// (a response header, a status, ngx.ctx, a variable, request headers);
// /get reads them all.
const reqMemLeakConf = `access_log off;
init_by_lua_block { function nheaders() local n = 0 for _ in pairs(ngx.req.get_headers()) do n = n + 1 end return n end }
server { listen 127.0.0.1:{{PORT}};
  location = /set { content_by_lua_block {
    ngx.header["X-A"] = "1"
    ngx.header.content_type = "text/x-set"
    ngx.ctx.v = "one"
    ngx.var.limit_rate = 0
    ngx.status = 201
    ngx.say(ngx.var.http_x_in or "none", " ", nheaders())
  } }
  location = /get { content_by_lua_block {
    ngx.say(tostring(ngx.ctx.v), " ", tostring(ngx.header["X-A"]), " ", tostring(ngx.header.content_type), " ",
      ngx.var.http_x_in or "none", " ", nheaders())
  } }
}`

// TestReqMemNoLeak checks that a request in a finished request's memory
// starts clean: nothing the previous request set (headers, status, ctx,
// its request headers) shows in the next one, sent after it or pipelined
// with it (then the memory is reused before the loop turns).
func TestReqMemNoLeak(t *testing.T) {
	e, base, _ := startEngine(t, 1, reqMemLeakConf, Options{})
	set := "GET /set HTTP/1.1\r\nHost: localhost\r\nX-In: a\r\nX-Two: b\r\nX-Three: c\r\n\r\n"
	get := "GET /get HTTP/1.1\r\nHost: localhost\r\n\r\n"
	for _, pipelined := range []bool{false, true} {
		t.Run(fmt.Sprintf("pipelined=%v", pipelined), func(t *testing.T) {
			k := dialKeepAlive(t, base)
			before := memReused(t, e)
			read := func(want int, wantBody string, wantHeader map[string]string) {
				t.Helper()
				resp, err := http.ReadResponse(k.br, nil)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want || string(body) != wantBody {
					t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, want, wantBody)
				}
				for name, v := range wantHeader {
					if got := resp.Header.Get(name); got != v {
						t.Errorf("%s: %q, want %q", name, got, v)
					}
				}
			}
			for i := 0; i < 3; i++ {
				if pipelined {
					io.WriteString(k.c, set+get)
				} else {
					io.WriteString(k.c, set)
				}
				read(201, "a 4\n", map[string]string{"X-A": "1", "Content-Type": "text/x-set"})
				if !pipelined {
					io.WriteString(k.c, get)
				}
				read(200, "nil nil nil none 1\n", map[string]string{"X-A": "", "Content-Type": "text/plain"})
			}
			if n := memReused(t, e) - before; n < 5 {
				t.Errorf("%d of 6 requests in reused memory, want at least 5 (the connection's first is new)", n)
			}
		})
	}
}
