package engine

import (
	"bytes"
	"net"
	"testing"
	"time"
)

// helloConf is bench/run.sh's hello location: the path issue 16 measures.
const helloConf = `access_log off; keepalive_requests 1000000000;
server { listen 127.0.0.1:{{PORT}}; location = /hello { content_by_lua_block { ngx.say("hello") } } }`

// helloClient is a keep-alive HTTP/1.1 client that allocates nothing per
// request: it writes one fixed request and reads the response into a
// fixed buffer, so that the benchmark's allocs/op are the engine's own.
type helloClient struct {
	c   net.Conn
	req []byte
	buf []byte
}

func dialHello(tb testing.TB, base string) *helloClient {
	tb.Helper()
	c, err := net.Dial("tcp", base[len("http://"):])
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	tb.Cleanup(func() { c.Close() })
	return &helloClient{
		c:   c,
		req: []byte("GET /hello HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n"),
		buf: make([]byte, 4096),
	}
}

// do sends one request and returns the response (valid until the next
// call); a response ends with the body "hello\n" (ngx.say's chunk is one
// write, and the engine sends header and body together).
func (h *helloClient) do() ([]byte, error) {
	if _, err := h.c.Write(h.req); err != nil {
		return nil, err
	}
	n := 0
	for {
		m, err := h.c.Read(h.buf[n:])
		n += m
		if err != nil {
			return h.buf[:n], err
		}
		if r := h.buf[:n]; bytes.HasSuffix(r, []byte("\r\n\r\n6\r\nhello\n\r\n0\r\n\r\n")) || bytes.HasSuffix(r, []byte("\r\n\r\nhello\n")) {
			return r, nil
		}
		if n == len(h.buf) {
			return h.buf[:n], errShortBuf
		}
	}
}

var errShortBuf = &net.OpError{Op: "read", Err: bytes.ErrTooLarge}

// BenchmarkHelloRequest drives keep-alive GETs of content_by_lua_block {
// ngx.say("hello") } over real loopback TCP through the real engine (one
// worker) and reports the allocations per request of the whole process:
// the client side allocates nothing, so allocs/op are the engine's.
func BenchmarkHelloRequest(b *testing.B) {
	_, base, _ := startEngine(b, 1, helloConf, Options{})
	h := dialHello(b, base)
	// warm up: the coroutine pool, the Date cache, the buffers
	for i := 0; i < 100; i++ {
		if _, err := h.do(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := h.do(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestHelloResponse checks what BenchmarkHelloRequest measures: a
// well-formed keep-alive response, many times on one connection, one read each.
func TestHelloResponse(t *testing.T) {
	_, base, _ := startEngine(t, 1, helloConf, Options{})
	h := dialHello(t, base)
	h.c.SetDeadline(time.Now().Add(10 * time.Second))
	for i := 0; i < 50; i++ {
		r, err := h.do()
		if err != nil {
			t.Fatalf("request %d: %v (got %q)", i, err, r)
		}
		for _, want := range []string{"HTTP/1.1 200 OK\r\n", "\r\nServer: nginx", "\r\nDate: ", "\r\nContent-Type: text/plain\r\n", "\r\nConnection: keep-alive\r\n"} {
			if !bytes.Contains(r, []byte(want)) {
				t.Fatalf("request %d: response lacks %q:\n%s", i, want, r)
			}
		}
	}
}

// TestHelloAllocs checks what BenchmarkHelloRequest reports: a keep-alive
// hello request allocates nothing in the engine (the request's memory is
// reused, the head's text shared, the resume's results and ngx.say's
// buffer kept). Allocations by the runtime or the test itself now and then
// are allowed for: the bound is a tenth of one per request.
func TestHelloAllocs(t *testing.T) {
	_, base, _ := startEngine(t, 1, helloConf, Options{})
	h := dialHello(t, base)
	h.c.SetDeadline(time.Now().Add(30 * time.Second))
	for i := 0; i < 100; i++ { // warm up, as the benchmark does
		if _, err := h.do(); err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(500, func() {
		if r, err := h.do(); err != nil {
			t.Fatalf("%v (got %q)", err, r)
		}
	})
	if allocs > 0.1 {
		t.Errorf("%.2f allocations per hello request, want 0", allocs)
	}
}
