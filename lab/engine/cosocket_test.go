package engine

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/restylab/restylab/lab/trace"
)

// echoServer is a line echo server on loopback that answers after delay.
func echoServer(t *testing.T, delay time.Duration) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					time.Sleep(delay)
					if _, err := c.Write([]byte(line)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

// TestCosocketReceiveYieldsToEpoll: a receive that must wait yields with
// "read fd N", epoll reports fd N readable, and only then the coroutine
// resumes, in that order.
func TestCosocketReceiveYieldsToEpoll(t *testing.T) {
	addr := echoServer(t, 50*time.Millisecond)
	host, port, _ := net.SplitHostPort(addr)
	tr := trace.New(1, 1<<14)
	sub := tr.Subscribe()
	defer sub.Close()
	_, base, _ := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        location / { content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("`+host+`", `+port+`))
            assert(sock:send("ping\n"))
            local line, err = sock:receive()
            ngx.say(line or err)
            sock:setkeepalive()
        } }
    }`, Options{Tracer: tr})
	if st, body := get(t, base+"/"); st != 200 || body != "ping\n" {
		t.Fatalf("got %d %q", st, body)
	}
	evs := collect(t, sub, func(evs []trace.Event) bool { return count(evs, trace.RequestEnd) >= 1 })
	yield, ready, resume := -1, -1, -1
	var fd int32
	for i, ev := range evs {
		switch {
		case ev.Kind == trace.CoYield && strings.HasPrefix(ev.Detail, "read fd "):
			yield = i
			fd = parseFD(ev.Detail)
		case yield >= 0 && ready < 0 && ev.Kind == trace.EpollReady && ev.FD == fd:
			ready = i
		case ready >= 0 && resume < 0 && ev.Kind == trace.CoResume:
			resume = i
		}
	}
	if yield < 0 || ready < 0 || resume < 0 {
		t.Fatalf("want yield(read fd) < epoll_ready(fd) < resume; got %d %d %d", yield, ready, resume)
	}
	if evs[ready].Arg&1 == 0 {
		t.Errorf("epoll_ready mask %#x lacks EPOLLIN", evs[ready].Arg)
	}
}

func parseFD(detail string) int32 {
	var n int32
	for _, c := range strings.TrimPrefix(detail, "read fd ") {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int32(c-'0')
	}
	return n
}

// TestCosocketErrors: ngx_lua's error values for a refused connection, a
// read timeout, a peer closing, a policy refusal and a socket kept from an
// earlier request; the worker keeps serving.
func TestCosocketErrors(t *testing.T) {
	addr := echoServer(t, 300*time.Millisecond)
	host, port, _ := net.SplitHostPort(addr)
	closed := oneShotCloser(t)
	_, base, _ := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        location /refused { content_by_lua_block {
            local s = ngx.socket.tcp()
            ngx.say(s:connect("127.0.0.1", 1))
        } }
        location /timeout { content_by_lua_block {
            local s = ngx.socket.tcp()
            s:settimeout(50)
            assert(s:connect("`+host+`", `+port+`))
            s:send("slow\n")
            ngx.say(s:receive())
            s:settimeout(2000) -- the socket survives a read timeout
            ngx.say(s:receive("*l"))
        } }
        location /closed { content_by_lua_block {
            local s = ngx.socket.tcp()
            assert(s:connect("127.0.0.1", `+closed+`))
            ngx.say(s:receive(10))
            ngx.say(s:receive())
        } }
        location /policy { content_by_lua_block {
            local s = ngx.socket.tcp()
            ngx.say(s:connect("10.1.2.3", 80))
        } }
        location /shared { content_by_lua_block {
            if not shared_sock then
                shared_sock = ngx.socket.tcp()
                ngx.say("made")
                return
            end
            ngx.say(shared_sock:connect("`+host+`", `+port+`))
        } }
    }`, Options{})
	for _, tc := range []struct{ path, want string }{
		{"/refused", "nilconnection refused\n"},
		{"/timeout", "niltimeout\nslow\n"},
		{"/closed", "nilclosedhalf\nnilclosed\n"},
		{"/policy", "nilconnection to 10.1.2.3:80 refused by the lab's policy (loopback only)\n"},
		{"/shared", "made\n"},
		{"/shared", "nilclosed\n"}, // its request is over: nginx closed it (a live one raises "bad request")
	} {
		if st, body := get(t, base+tc.path); st != 200 || body != tc.want {
			t.Errorf("%s: %d %q, want %q", tc.path, st, body, tc.want)
		}
	}
}

// oneShotCloser accepts connections, writes "half" and closes each; it
// returns its port.
func oneShotCloser(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { l.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("half"))
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// TestTimerFlood: 10,000 timers from one handler hit lua_max_pending_timers
// with ngx_lua's error, and the worker keeps serving.
func TestTimerFlood(t *testing.T) {
	_, base, _ := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        location /flood { content_by_lua_block {
            local ok, refused, last = 0, 0, nil
            for i = 1, 10000 do
                local h, err = ngx.timer.at(60, function() end)
                if h then ok = ok + 1 else refused = refused + 1; last = err end
            end
            ngx.say(ok, " ", refused, " ", last, " ", ngx.timer.pending_count())
        } }
        location /ping { content_by_lua_block { ngx.say("pong") } }
    }`, Options{})
	if st, body := get(t, base+"/flood"); st != 200 || body != "1024 8976 too many pending timers 1024\n" {
		t.Fatalf("flood: %d %q", st, body)
	}
	if st, body := get(t, base+"/ping"); st != 200 || body != "pong\n" {
		t.Fatalf("after the flood: %d %q", st, body)
	}
}
