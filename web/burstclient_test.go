package web

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestBurstClient: the burst's own HTTP/1.1 client against a real server:
// what it keeps of each response, and when it reuses a connection.
func TestBurstClient(t *testing.T) {
	var conns atomic.Int64
	big := strings.Repeat("b", bodyKept+bodyDrained+10)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/chunked":
			w.Write([]byte("part one, "))
			w.(http.Flusher).Flush() // no Content-Length: chunked
			w.Write([]byte("part two"))
		case "/head":
			w.Header().Set("Content-Length", "1234") // a HEAD response has no body whatever it says
		case "/close":
			w.Header().Set("Connection", "close")
			fmt.Fprint(w, "closing")
		case "/big":
			fmt.Fprint(w, big)
		case "/echo":
			fmt.Fprintf(w, "%s %s ua=%q host=%s conn=%q", r.Method, r.URL.Path, r.UserAgent(), r.Host, r.Header.Get("Connection"))
		default:
			w.WriteHeader(http.StatusTeapot)
			fmt.Fprint(w, "short")
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	tests := []struct {
		method, path string
		wantStatus   int
		wantBody     string
		wantNewConn  bool // the next request needs a new connection
	}{
		{"GET", "/echo", 200, `GET /echo ua="" host=localhost conn=""`, false},
		{"GET", "/chunked", 200, "part one, part two", false},
		{"HEAD", "/head", 200, "", false},
		{"GET", "/other", 418, "short", false},
		{"POST", "/echo", 200, `POST /echo ua="" host=localhost conn=""`, false},
		{"GET", "/close", 200, "closing", true},
		{"GET", "/big", 200, big[:bodyKept], true},
	}
	for _, tt := range tests {
		t.Run(tt.method+tt.path, func(t *testing.T) {
			bc := newBurstClient(addr, sendRequest{Method: tt.method, Path: tt.path})
			var c *burstConn
			before := conns.Load()
			for i := 0; i < 3; i++ {
				status, body, err := bc.roundTrip(ctx, &c)
				if err != nil || status != tt.wantStatus || body != tt.wantBody {
					t.Fatalf("request %d: %d %.60q %v; want %d %.60q", i, status, body, err, tt.wantStatus, tt.wantBody)
				}
			}
			if c != nil {
				c.nc.Close()
			}
			opened := conns.Load() - before
			if want := map[bool]int64{false: 1, true: 3}[tt.wantNewConn]; opened != want {
				t.Errorf("3 requests opened %d connections, want %d", opened, want)
			}
		})
	}
}

// TestBurstClientRedialsAClosedConnection: a keep-alive connection the
// server closed while it was idle (nginx's keepalive_timeout) is dialed
// again for the next request, which succeeds.
func TestBurstClientRedialsAClosedConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
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
				br := bufio.NewReader(nc)
				if _, err := http.ReadRequest(br); err != nil {
					return
				}
				fmt.Fprintf(nc, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n%d", n)
				// then close while idle: one request per connection
			}()
		}
	}()
	bc := newBurstClient(ln.Addr().String(), sendRequest{Method: "GET", Path: "/"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var c *burstConn
	for i := 1; i <= 3; i++ {
		if i > 1 {
			time.Sleep(50 * time.Millisecond) // the server's close arrives
		}
		status, body, err := bc.roundTrip(ctx, &c)
		if err != nil || status != 200 || body != fmt.Sprint(i) {
			t.Fatalf("request %d: %d %q %v; want 200 %q on a new connection", i, status, body, err, fmt.Sprint(i))
		}
	}
}

// TestBurstTLSFinish: a burst's TLS counts are copied when it ends; a
// handshake of a connection the Transport was still dialing (it may start
// one more than the burst needed) neither changes the answer being encoded
// nor counts.
func TestBurstTLSFinish(t *testing.T) {
	bt := newBurstTLS()
	cs := tls.ConnectionState{Version: tls.VersionTLS13, CipherSuite: tls.TLS_AES_128_GCM_SHA256}
	bt.verify(cs)
	got := bt.finish()
	done := make(chan struct{})
	go func() {
		defer close(done)
		bt.verify(cs) // late: after the burst's end
	}()
	if _, err := json.Marshal(got); err != nil {
		t.Fatal(err)
	}
	<-done
	if got.Handshakes != 1 || got.Versions["TLSv1.3"] != 1 || bt.Handshakes != 1 {
		t.Fatalf("answer %d handshakes %v, counts %d; want 1, 1 TLSv1.3, 1", got.Handshakes, got.Versions, bt.Handshakes)
	}
}
