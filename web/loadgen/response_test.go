package loadgen

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// TestResponseFeed parses responses fed in pieces of every size from 1
// byte to all at once: the result never depends on how reads split them.
func TestResponseFeed(t *testing.T) {
	tests := []struct {
		name, in   string
		head       bool
		wantStatus int
		wantBody   string
		wantKeep   bool
		wantErr    string // "" for a complete response
		wantEOF    bool   // the body ends with the stream
	}{
		{name: "length", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", wantStatus: 200, wantBody: "hello", wantKeep: true},
		{name: "empty body", in: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", wantStatus: 200, wantKeep: true},
		{name: "chunked, extension, trailer", in: "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"5;name=v\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Trailer: 1\r\n\r\n", wantStatus: 201, wantBody: "hello, world!!!", wantKeep: true},
		{name: "chunked over a length", in: "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
			wantStatus: 200, wantBody: "abc", wantKeep: true},
		{name: "bare LF", in: "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", wantStatus: 200, wantBody: "ok", wantKeep: true},
		{name: "interim responses skipped", in: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" +
			"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nyes", wantStatus: 200, wantBody: "yes", wantKeep: true},
		{name: "HEAD has no body", in: "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", head: true, wantStatus: 200, wantKeep: true},
		{name: "204", in: "HTTP/1.1 204 No Content\r\n\r\n", wantStatus: 204, wantKeep: true},
		{name: "304", in: "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", wantStatus: 304, wantKeep: true},
		{name: "Connection: close", in: "HTTP/1.1 200 OK\r\nConnection: Keep-Alive, close\r\nContent-Length: 2\r\n\r\nok", wantStatus: 200, wantBody: "ok"},
		{name: "HTTP/1.0 without keep-alive", in: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", wantStatus: 200, wantBody: "ok"},
		{name: "HTTP/1.0 keep-alive", in: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", wantStatus: 200, wantBody: "ok", wantKeep: true},
		{name: "body to the close", in: "HTTP/1.1 200 OK\r\n\r\nuntil the end", wantStatus: 200, wantBody: "until the end", wantEOF: true},
		{name: "switching protocols", in: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", wantStatus: 101},
		{name: "not HTTP", in: "SSH-2.0-OpenSSH\r\n\r\n", wantErr: "malformed status line"},
		{name: "short status", in: "HTTP/1.1 20 OK\r\n\r\n", wantErr: "malformed status line"},
		{name: "header without colon", in: "HTTP/1.1 200 OK\r\nnocolon\r\n\r\n", wantErr: "malformed header line"},
		{name: "two lengths", in: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", wantErr: "malformed Content-Length"},
		{name: "negative length", in: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", wantErr: "malformed Content-Length"},
		{name: "bad chunk size", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", wantErr: "malformed chunked body"},
		{name: "chunk without CRLF", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX", wantErr: "malformed chunked body"},
		{name: "cut short", in: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", wantErr: "in the middle of a response", wantEOF: true},
		{name: "nothing", in: "", wantErr: ErrNoResponse.Error(), wantEOF: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for size := 1; size <= max(len(tt.in), 1); size++ {
				var r response
				r.reset(tt.head)
				done, err := false, error(nil)
				in := []byte(tt.in)
				for len(in) > 0 && !done && err == nil {
					n := min(size, len(in))
					done, err = r.feed(in[:n])
					in = in[n:]
				}
				if !done && err == nil && tt.wantEOF {
					done, err = r.eof()
				}
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
						t.Fatalf("pieces of %d: error %v, want %q", size, err, tt.wantErr)
					}
					continue
				}
				if err != nil || !done {
					t.Fatalf("pieces of %d: done %v, error %v", size, done, err)
				}
				var last string
				if r.status != tt.wantStatus || r.body(&last) != tt.wantBody || r.keepAlive() != tt.wantKeep {
					t.Fatalf("pieces of %d: %d %q keep %v; want %d %q keep %v", size, r.status, r.body(&last), r.keepAlive(), tt.wantStatus, tt.wantBody, tt.wantKeep)
				}
			}
		})
	}
}

// TestResponseBodyBounds: the first KeepBody bytes are kept, a body up to
// KeepBody+DrainBody is read to its end (the connection may carry the
// next request), a longer one is cut there and its connection is not
// reused.
func TestResponseBodyBounds(t *testing.T) {
	for _, n := range []int{KeepBody - 1, KeepBody + DrainBody, KeepBody + DrainBody + 1} {
		var r response
		r.reset(false)
		head := "HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(n) + "\r\n\r\n"
		done, err := r.feed([]byte(head + strings.Repeat("x", n)))
		if err != nil || !done {
			t.Fatalf("%d bytes: done %v err %v", n, done, err)
		}
		var last string
		if got := len(r.body(&last)); got != min(n, KeepBody) {
			t.Errorf("%d bytes: kept %d", n, got)
		}
		if want := n <= KeepBody+DrainBody; r.keepAlive() != want {
			t.Errorf("%d bytes: keep-alive %v, want %v", n, r.keepAlive(), want)
		}
	}
	var r response
	r.reset(false)
	for _, size := range []int{1, 1000, maxHead + 100} { // in many reads, in one
		r.reset(false)
		in := []byte("HTTP/1.1 200 OK\r\nX: " + strings.Repeat("h", maxHead))
		var err error
		for len(in) > 0 && err == nil {
			n := min(size, len(in))
			_, err = r.feed(in[:n])
			in = in[n:]
		}
		if !errors.Is(err, errHeadTooLarge) || len(r.hbuf) > maxHead {
			t.Fatalf("a head past %d bytes in pieces of %d: error %v, %d bytes kept", maxHead, size, err, len(r.hbuf))
		}
	}
}
