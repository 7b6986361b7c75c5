package sandbox

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/restylab/restylab/sandbox/proto"
)

// abuseConf is a workspace whose /abuse location holds the abuse and whose
// /ok location shows that the instance still serves.
func abuseConf(abuse string) string { return abuseConfHTTP("", abuse) }

// abuseConfHTTP is abuseConf with directives at http level.
func abuseConfHTTP(httpLevel, abuse string) string {
	return `events {}
http {
    ` + httpLevel + `
    server {
        listen 8080;
        location /ok {
            content_by_lua_block { ngx.say("ok") }
        }
        location /abuse {
` + abuse + `
        }
    }
}
`
}

// neighbour sends a request every 20 ms to an instance and records the
// latency of each until stop is called.
type neighbour struct {
	mu        sync.Mutex
	latencies []time.Duration
	failures  []string
	stop      chan struct{}
	done      chan struct{}
}

func watchNeighbour(port int) *neighbour {
	n := &neighbour{stop: make(chan struct{}), done: make(chan struct{})}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	url := fmt.Sprintf("http://127.0.0.1:%d/ok", port)
	go func() {
		defer close(n.done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-n.stop:
				return
			case <-t.C:
			}
			start := time.Now()
			resp, err := c.Get(url)
			var body []byte
			if err == nil {
				body, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			d := time.Since(start)
			n.mu.Lock()
			n.latencies = append(n.latencies, d)
			switch {
			case err != nil:
				n.failures = append(n.failures, err.Error())
			case resp.StatusCode != 200 || string(body) != "ok\n":
				n.failures = append(n.failures, fmt.Sprintf("%d %q", resp.StatusCode, body))
			}
			n.mu.Unlock()
		}
	}()
	return n
}

// finish stops the pinger and returns the p99 latency, the request count
// and the failures.
func (n *neighbour) finish() (p99 time.Duration, count int, failures []string) {
	close(n.stop)
	<-n.done
	l := slices.Clone(n.latencies)
	slices.Sort(l)
	if len(l) == 0 {
		return 0, 0, n.failures
	}
	return l[(len(l)*99+99)/100-1], len(l), n.failures
}

type httpResult struct {
	status int
	body   string // the first 64 KiB
	n      int64  // the body's length
	err    error
}

func try(in *Instance, path string) httpResult {
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d%s", in.Port(), path))
	if err != nil {
		return httpResult{err: err}
	}
	defer resp.Body.Close()
	var head strings.Builder
	n, err := io.Copy(&head, io.LimitReader(resp.Body, 64<<10))
	if err == nil {
		var rest int64
		rest, err = io.Copy(io.Discard, resp.Body)
		n += rest
	}
	return httpResult{status: resp.StatusCode, body: head.String(), n: n, err: err}
}

// collectLog returns the first error_log line containing want and the lines
// seen, waiting at most within (or until the instance ends);
// "" when none came.
func collectLog(in *Instance, want string, within time.Duration) (string, []string) {
	deadline := time.After(within)
	var seen []string
	for {
		select {
		case ev, ok := <-in.Events():
			if !ok {
				return "", seen
			}
			if l, ok := ev.(*proto.LogLine); ok {
				seen = append(seen, l.Line)
				for _, w := range strings.Split(want, "|") { // alternatives
					if strings.Contains(l.Line, w) {
						return l.Line, seen
					}
				}
			}
		case <-deadline:
			return "", seen
		}
	}
}

// expectLog fails t unless an error_log line with want (alternatives
// separated by "|") arrives within 10 s.
func expectLog(t *testing.T, in *Instance, want string) {
	t.Helper()
	line, seen := collectLog(in, want, 10*time.Second)
	if line == "" {
		t.Errorf("no error_log line with %q; saw %q", want, seen)
		return
	}
	t.Logf("error_log: %s", line)
}

// TestAbuse runs one abusive workspace per row in its own instance of a
// shared Manager while a neighbour instance is asked every 20 ms; the
// neighbour's p99 over the whole suite must stay under 100 ms.
func TestAbuse(t *testing.T) {
	const budget = 300 * time.Millisecond
	// Small fd and connection limits keep the exhaustion rows quick. The
	// instances run at the test's priority (newManager): the CPU-per-minute
	// row needs its hog to get half a core even while other test packages
	// compete (at nice 19 it would get a few percent).
	m := newManager(t, Config{CPUBudget: budget, MemoryLimit: 64 << 20, OpenFiles: 256, MaxConnections: 100,
		CPUPerMinute: time.Second, CPUWindow: 2 * time.Second, MaxClientTimeout: time.Second})
	nb, err := m.Start(context.Background(), "neighbour", Workspace{Conf: abuseConf(`content_by_lua_block { ngx.say("ok") }`)})
	if err != nil {
		t.Fatal(err)
	}
	watch := watchNeighbour(nb.Port())
	const memExit = "memory limit of 64 MiB exceeded"
	budgetLog := "CPU budget exceeded"
	const cpuExit = "CPU limit: the instance used 1 s of CPU in the last 2 s"
	// A memory bomb burns CPU too: with this test's small CPU-per-minute
	// limit, either limit may end it first; both are the right sentence.
	const memOrCPUExit = memExit + "|" + cpuExit
	const responseLog = "response larger than the lab's limit of 16 MiB: connection closed"

	tests := []struct {
		name  string
		http  string // directives at http level
		abuse string
		// what the learner sees: the answer to GET /abuse (wantStatus 0:
		// no response; -1: not checked, the instance is ending), a LogLine,
		// Instance.Exited()
		wantStatus int
		wantBody   string
		wantLog    string
		wantExit   string
		wantLen    int64
		// run replaces GET /abuse when set
		run func(t *testing.T, in *Instance)
		// orBudget: the CPU budget stopping the request (500 and its
		// error_log line) while the instance serves on is a correct
		// containment too. A bomb that nears the memory limit makes the Go
		// collector run hard, and its assists are charged to the worker
		// thread's CPU time: which limit fires first depends on the machine.
		orBudget bool
	}{
		{name: "loop in content", abuse: `content_by_lua_block { while true do end }`,
			wantStatus: 500, wantLog: budgetLog},
		{name: "loop in rewrite", abuse: `rewrite_by_lua_block { while true do end }
            content_by_lua_block { ngx.say("unreachable") }`,
			wantStatus: 500, wantLog: budgetLog},
		// A timer that loops is stopped by the CPU budget of its one
		// resume, and the instance keeps serving.
		{name: "loop in timer", abuse: `content_by_lua_block {
                ngx.timer.at(0, function() while true do end end)
                ngx.say("scheduled")
            }`,
			wantStatus: 200, wantBody: "scheduled\n", wantLog: budgetLog},
		// As in nginx, a failed header filter ends the request without a
		// response: the client sees the connection closed, the learner
		// reads the error_log line.
		// One that burns 200 ms per resume (under the budget) and sleeps a
		// millisecond, forever, is stopped by the CPU-per-minute watchdog.
		{name: "CPU hog in a timer under the budget", abuse: `content_by_lua_block {
                ngx.timer.at(0, function()
                    while true do
                        -- 200 ms of wall time (so at most 200 ms of CPU:
                        -- under the 300 ms budget), then a yield
                        ngx.update_time()
                        local t = ngx.now()
                        while ngx.now() - t < 0.2 do ngx.update_time() end
                        ngx.sleep(0.001)
                    end
                end)
                ngx.say("scheduled")
            }`,
			wantStatus: 200, wantBody: "scheduled\n", wantExit: cpuExit},
		{name: "loop in header_filter", abuse: `content_by_lua_block { ngx.say("body") }
            header_filter_by_lua_block { while true do end }`,
			wantStatus: 0, wantLog: budgetLog},
		{name: "recursion bomb", abuse: `content_by_lua_block {
                local function f() return f() + 1 end
                f()
            }`,
			wantStatus: 500, wantLog: "stack overflow"}, // LuaJIT's words (the fork raised gopher-lua's "lua callstack overflow")
		{name: "table memory bomb", abuse: `content_by_lua_block {
                local t = {}
                for i = 1, 1e9 do
                    t[i] = string.rep("x", 1000) .. i
                    if i % 5000 == 0 then ngx.sleep(0) end
                end
            }`,
			wantStatus: -1, wantExit: memOrCPUExit, orBudget: true},
		{name: "string memory bomb", abuse: `content_by_lua_block {
                local ok, err = pcall(string.rep, "x", 1e9)
                ngx.log(ngx.ERR, "string.rep: ", err)
                local s = string.rep("x", 1024 * 1024)
                while true do s = s .. s end
            }`,
			wantStatus: -1, wantLog: "string.rep: ", wantExit: memOrCPUExit, orBudget: true},
		{name: "fd exhaustion via cosockets to own port", abuse: `content_by_lua_block {
                local socks = {}
                for i = 1, 100000 do
                    local s = ngx.socket.tcp()
                    local ok, err = s:connect("127.0.0.1", tonumber(ngx.var.server_port))
                    if not ok then
                        ngx.say("connect ", i, ": ", err)
                        return
                    end
                    socks[i] = s
                end
                ngx.say("all connected")
            }`,
			wantStatus: 200, wantBody: "too many open files"},
		{name: "100k timers", abuse: `content_by_lua_block {
                for i = 1, 100000 do
                    local ok, err = ngx.timer.at(3600, function() end)
                    if not ok then ngx.say("timer ", i, ": ", err) return end
                end
                ngx.say("all pending")
            }`,
			wantStatus: 200, wantBody: "timer 1025: too many pending timers\n"},
		{name: "100k timers past lua_max_pending_timers", http: "lua_max_pending_timers 1000000;", abuse: `content_by_lua_block {
                for i = 1, 100000 do
                    local ok, err = ngx.timer.at(3600, function() end)
                    if not ok then ngx.say("timer ", i, ": ", err) return end
                end
                ngx.say("all pending")
            }`,
			wantStatus: 200, wantBody: "timer 1025: too many pending timers\n",
			wantLog: "the lab's limit of 1024 pending timers per worker is reached (lua_max_pending_timers 1000000)"},
		{name: "coroutine bomb", abuse: `content_by_lua_block {
                for i = 1, 1e6 do coroutine.create(function() end) end
                ngx.say("created")
            }`,
			wantStatus: 500, wantLog: budgetLog},
		// ngx.say does not wait for the client (as in nginx): what the
		// socket does not take is buffered. With a client that does not
		// read, the response limit (16 MiB) cuts 100 MB said in one resume
		// before they fill the memory: the buffered output is dropped and
		// the connection closed; ngx.say returns nil, "closed" from then on.
		{name: "100 MB of ngx.say", abuse: `content_by_lua_block {
                local chunk = string.rep("x", 1024 * 1024 - 1)
                for i = 1, 100 do
                    local ok, err = ngx.say(chunk)
                    if not ok then ngx.log(ngx.ERR, "ngx.say ", i, ": ", err) return end
                end
            }`,
			run: requestWithoutReading},
		// With ngx.flush(true) the client reads them as they come: 16 MiB
		// arrive, then the connection is closed.
		{name: "100 MB of ngx.say with ngx.flush(true)", abuse: `content_by_lua_block {
                local chunk = string.rep("x", 1024 * 1024 - 1)
                for i = 1, 100 do ngx.say(chunk) ngx.flush(true) end
            }`,
			run: responseCut, wantLog: responseLog},
		{name: "os.execute", abuse: `content_by_lua_block { os.execute("id") }`,
			wantStatus: 500, wantLog: "os.execute is disabled in the lab's sandbox"},
		{name: "io.open /etc/passwd", abuse: `content_by_lua_block { io.open("/etc/passwd") }`,
			wantStatus: 500, wantLog: "io.open is disabled in the lab's sandbox"},
		{name: "require ffi", abuse: `content_by_lua_block { require("ffi") }`,
			wantStatus: 500, wantLog: "module 'ffi' is not available: RestyLab runs Lua 5.1"},
		{name: "loadstring of a binary chunk", abuse: `content_by_lua_block {
                local f, err = loadstring("\27LuaQ\0\1\4\8\4\8\0")
                ngx.say(tostring(f), " ", err)
            }`,
			wantStatus: 200, wantBody: "nil "},
		{name: "debug.getregistry", abuse: `content_by_lua_block { debug.getregistry() }`,
			wantStatus: 500, wantLog: "debug.getregistry is disabled in the lab's sandbox"},
		{name: "cosocket to a non-lab address", abuse: `content_by_lua_block {
                local s = ngx.socket.tcp()
                local ok, err = s:connect("10.1.2.3", 80)
                ngx.say(tostring(ok), " ", err)
            }`,
			wantStatus: 200, wantBody: "nil connection to 10.1.2.3:80 refused by the lab's sandbox: an instance may connect only to its own port (listen 0.0.0.0:8080, served at 127.0.0.1:"},
		// Header injection: CR/LF in every header a learner's Lua can set
		// is escaped as ngx_lua does (or refused, for ngx.redirect), so no
		// Set-Cookie of the learner's making reaches a browser.
		{name: "CR/LF in response headers", abuse: `content_by_lua_block {
                ngx.header["X-A"] = "a\r\nSet-Cookie: restylab_session=evil"
                ngx.header["X-B\r\nSet-Cookie: restylab_session=evil2"] = "v"
                ngx.header["X-List"] = {"1", "2\nSet-Cookie: x=1"}
                ngx.header.content_type = "text/plain\r\nSet-Cookie: y=1"
                ngx.say("ok")
            }`, run: noInjectedHeaders},
		{name: "CR/LF in a redirect", abuse: `content_by_lua_block {
                ngx.redirect("/x\r\nSet-Cookie: restylab_session=evil")
            }`, wantStatus: 500, wantLog: "unsafe byte"},
		{name: "slowloris", abuse: `content_by_lua_block { ngx.say("ok") }`, run: slowloris},
		{name: "150 idle connections", abuse: `content_by_lua_block { ngx.say("ok") }`, run: idleConnections,
			wantLog: "the lab's limit of 100 connections per worker is reached (worker_connections 512): new connections wait until one closes"},
		{name: "20 MiB request body", http: "client_max_body_size 0;", abuse: `content_by_lua_block { ngx.req.read_body() ngx.say("read") }`,
			run: postBody(20<<20, 413), wantLog: "client intended to send too large body: 20971520 bytes (the lab's limit is 16 MiB)"},
		{name: "chunked request body past the limit", http: "client_max_body_size 0;", abuse: `content_by_lua_block { ngx.req.read_body() ngx.say("read") }`,
			run: postBody(-(20 << 20), 413), wantLog: "(the lab's limit is 16 MiB)"},
		{name: "syntax error", abuse: `content_by_lua_block { local x = = 1 }`,
			wantStatus: 500, wantLog: "content_by_lua"},
		{name: "runtime error", abuse: `content_by_lua_block { local t = nil; ngx.say(t.x) }`,
			wantStatus: 500, wantLog: "attempt to index"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			in, err := m.Start(context.Background(), "abuser", Workspace{Conf: abuseConfHTTP(tt.http, tt.abuse)})
			if err != nil {
				t.Fatal(err)
			}
			defer in.Stop()
			if len(in.Warnings()) > 0 {
				t.Logf("warnings: %q", in.Warnings())
			}
			var early []string // error_log lines read while looking for the budget's
			if tt.run != nil {
				tt.run(t, in)
			} else {
				r := try(in, "/abuse")
				t.Logf("GET /abuse: %d, %d bytes, %v", r.status, r.n, r.err)
				// A 500 may also come from a bomb that the memory limit ends
				// (the budget's line, if any, lost with the instance).
				if tt.orBudget && r.status == 500 {
					line, seen := collectLog(in, budgetLog, 5*time.Second)
					early = seen
					if line != "" {
						t.Logf("contained by the CPU budget: %s", line)
						r := try(in, "/ok")
						if r.err == nil && r.status == 200 && r.body == "ok\n" {
							return
						}
						// the bomb's last string may still be live when the
						// heap watchdog looks: then the instance ends too
						select {
						case <-in.Done():
						case <-time.After(30 * time.Second):
						}
						if got := in.Exited(); !slices.Contains(strings.Split(tt.wantExit, "|"), got) {
							t.Errorf("after the budget stopped the bomb: GET /ok = %d %q %v, Exited() = %q, want it served or %q", r.status, r.body, r.err, got, tt.wantExit)
						}
						return
					}
				}
				if len(r.body) < 200 {
					t.Logf("body: %q", r.body)
				}
				if tt.wantStatus == 0 && r.err == nil {
					t.Errorf("GET /abuse = %d %q, want no response", r.status, r.body)
				}
				if tt.wantLen > 0 && r.n != tt.wantLen {
					t.Errorf("GET /abuse: %d bytes, want %d", r.n, tt.wantLen)
				}
				if tt.wantStatus > 0 && (r.err != nil || r.status != tt.wantStatus || !strings.Contains(r.body, tt.wantBody)) {
					t.Errorf("GET /abuse = %d %.200q %v, want %d with %q", r.status, r.body, r.err, tt.wantStatus, tt.wantBody)
				}
			}
			if tt.wantLog != "" && !slices.ContainsFunc(early, func(l string) bool { return strings.Contains(l, tt.wantLog) }) {
				expectLog(t, in, tt.wantLog)
			}
			if tt.wantExit != "" {
				select {
				case <-in.Done():
				case <-time.After(30 * time.Second):
					t.Fatal("the instance did not end")
				}
				if got := in.Exited(); !slices.Contains(strings.Split(tt.wantExit, "|"), got) {
					t.Errorf("Exited() = %q, want %q", got, tt.wantExit)
				}
				t.Logf("Exited(): %s", in.Exited())
				// the metrics' classification of the same end
				wantKind := map[string]string{cpuExit: ExitCPU, memExit: ExitMemory}[in.Exited()]
				if got := in.ExitKind(); wantKind != "" && got != wantKind {
					t.Errorf("ExitKind() = %q after %q, want %q", got, in.Exited(), wantKind)
				}
			} else {
				if r := try(in, "/ok"); r.err != nil || r.status != 200 || r.body != "ok\n" {
					_, seen := collectLog(in, "\x00never", 500*time.Millisecond)
					t.Errorf("after the abuse: GET /ok = %d %q %v (%s); error_log %q", r.status, r.body, r.err, in.Exited(), seen)
				}
			}
			t.Logf("row took %v", time.Since(start).Round(time.Millisecond))
		})
	}
	p99, n, failures := watch.finish()
	t.Logf("neighbour: %d requests, p99 %v, %d failures", n, p99, len(failures))
	if len(failures) > 0 {
		t.Errorf("the neighbour failed %d times: %q", len(failures), failures[:min(len(failures), 5)])
	}
	if p99 >= 100*time.Millisecond {
		t.Errorf("neighbour p99 = %v, want < 100ms", p99)
	}
	if got := nb.Exited(); got != "" {
		t.Errorf("the neighbour ended: %s", got)
	}
}

// slowloris opens 50 connections that send one byte of a request header
// every 100 ms for 2 s; the instance must keep answering other clients.
func slowloris(t *testing.T, in *Instance) {
	const conns = 50
	const header = "GET /ok HTTP/1.1\r\nHost: slow\r\nX-Slow: "
	var wg sync.WaitGroup
	stop := make(chan struct{})
	closed := make(chan string, conns)
	for range conns {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", in.Port()))
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-t.C:
				}
				if _, err := c.Write([]byte{header[i%len(header)]}); err != nil {
					closed <- err.Error()
					return
				}
			}
		}()
	}
	deadline := time.Now().Add(2 * time.Second)
	var worst time.Duration
	for time.Now().Before(deadline) {
		s := time.Now()
		if r := try(in, "/ok"); r.err != nil || r.status != 200 {
			t.Errorf("during the slowloris: GET /ok = %d %v", r.status, r.err)
		}
		worst = max(worst, time.Since(s))
		time.Sleep(100 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	close(closed)
	// client_header_timeout is nginx's 60 s, capped by the lab's
	// MaxClientTimeout (1 s in TestAbuse): every slow connection was
	// closed within the 2 s, and its file descriptor freed.
	n := 0
	for range closed {
		n++
	}
	t.Logf("slowloris: %d of %d slow connections closed by the server; worst GET /ok %v", n, conns, worst.Round(time.Millisecond))
	if n != conns {
		t.Errorf("%d of %d slow connections closed after the header timeout's cap", n, conns)
	}
	time.Sleep(200 * time.Millisecond) // a Health report or more
	if h := in.Health(); h.Conns > 5 {
		t.Errorf("after the slowloris: %d connections open (%d fds), want the slow ones closed", h.Conns, h.FDs)
	}
}

// idleConnections opens 150 connections that send nothing: past the 100
// a worker may hold, new ones wait in the backlog; once the slots free up
// (here: the idle ones are closed) the instance answers again.
func idleConnections(t *testing.T, in *Instance) {
	var conns []net.Conn
	for range 150 {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", in.Port()))
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	time.Sleep(100 * time.Millisecond)
	for _, c := range conns {
		c.Close()
	}
}

// postBody sends POST /abuse with a body of n bytes (chunked when n < 0)
// and wants status.
func postBody(n int, status int) func(t *testing.T, in *Instance) {
	return func(t *testing.T, in *Instance) {
		size := int64(max(n, -n))
		body := io.LimitReader(zeros{}, size)
		req, err := http.NewRequest("POST", fmt.Sprintf("http://127.0.0.1:%d/abuse", in.Port()), body)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			req.ContentLength = size
		} else {
			req.ContentLength = -1 // chunked
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Logf("POST /abuse: %v (the server may close before it read the whole body)", err)
			return
		}
		resp.Body.Close()
		if resp.StatusCode != status {
			t.Errorf("POST /abuse with %d bytes = %d, want %d", n, resp.StatusCode, status)
		}
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// responseCut reads GET /abuse to its end: the response limit cuts it
// after 16 MiB and closes the connection.
func responseCut(t *testing.T, in *Instance) {
	r := try(in, "/abuse")
	t.Logf("GET /abuse: %d, %d bytes, %v", r.status, r.n, r.err)
	if r.status != 200 || r.err == nil || r.n > 16<<20 || r.n < 8<<20 {
		t.Errorf("GET /abuse = %d, %d bytes, %v; want 200 and a body cut short of 16 MiB", r.status, r.n, r.err)
	}
}

// requestWithoutReading sends GET /abuse and reads nothing: the response
// limit must cut the response, with an error_log line.
func requestWithoutReading(t *testing.T, in *Instance) {
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", in.Port()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET /abuse HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	// Saying 17 MiB into a buffer in one resume costs CPU, and under
	// load the Go collector's assists (charged to the worker thread) can
	// make it cross the 300 ms budget first: the request is stopped then,
	// which contains it as well.
	const limitLine, budgetLine = "response larger than the lab's limit of 16 MiB: connection closed", "CPU budget exceeded"
	line, seen := collectLog(in, limitLine+"|"+budgetLine, 20*time.Second)
	if line == "" {
		t.Fatalf("no response limit line; log %q, exited %q", seen, in.Exited())
	}
	t.Logf("error_log: %s", line)
	if strings.Contains(line, budgetLine) {
		t.Logf("contained by the CPU budget before the response limit")
		return
	}
	// then the handler reads the refusal: ngx.say returns nil, "closed"
	// (or, on a loaded machine, the budget stops it in that same call)
	if line, seen := collectLog(in, "ngx.say 17: closed|"+budgetLine, 10*time.Second); line == "" {
		t.Errorf("no error_log line with %q; saw %q", "ngx.say 17: closed", seen)
	}
}

// noInjectedHeaders reads GET /abuse raw: no header line the learner's
// CR/LF would have started (Set-Cookie) reaches the client.
func noInjectedHeaders(t *testing.T, in *Instance) {
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/abuse", in.Port()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if c := resp.Header.Values("Set-Cookie"); len(c) > 0 {
		t.Errorf("injected Set-Cookie reached the client: %q (headers %q)", c, resp.Header)
	}
	if v := resp.Header.Get("X-A"); !strings.Contains(v, "%0D%0A") {
		t.Errorf("X-A = %q, want the CR/LF escaped", v)
	}
}
