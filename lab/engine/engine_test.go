package engine

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/lab/oracle"
	"github.com/restylab/restylab/lab/trace"
)

// startEngine writes an nginx.conf (the http block body given, {{PORT}}
// replaced) into a temp prefix and serves it in-process.
func startEngine(t testing.TB, workers int, httpBody string, opts Options) (*Engine, string, string) {
	t.Helper()
	return startEngineEvents(t, workers, "", httpBody, opts)
}

// startEngineEvents is startEngine with lines for the events block.
func startEngineEvents(t testing.TB, workers int, events, httpBody string, opts Options) (*Engine, string, string) {
	t.Helper()
	return startEngineMain(t, "", workers, events, httpBody, opts)
}

// startEngineMain is startEngineEvents with lines for the main context.
func startEngineMain(t testing.TB, mainLines string, workers int, events, httpBody string, opts Options) (*Engine, string, string) {
	t.Helper()
	prefix := t.TempDir()
	if err := os.MkdirAll(filepath.Join(prefix, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	port := oracle.FreePort(t)
	src := fmt.Sprintf("%sworker_processes %d;\nerror_log logs/error.log info;\nevents {%s}\nhttp {\n%s\n}\n",
		mainLines, workers, events, strings.ReplaceAll(httpBody, "{{PORT}}", fmt.Sprint(port)))
	path := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := conf.Load(path, prefix)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		e.Stop()
		if err := e.Wait(); err != nil {
			t.Errorf("engine: %v", err)
		}
	})
	return e, fmt.Sprintf("http://127.0.0.1:%d", port), prefix
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// collect reads trace events until cond is met or the deadline passes.
func collect(t *testing.T, sub *trace.Subscription, cond func([]trace.Event) bool) []trace.Event {
	t.Helper()
	var all []trace.Event
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for !cond(all) {
		evs, err := sub.Next(ctx, 4096)
		all = append(all, evs...)
		if err != nil {
			t.Fatalf("trace: %v (after %d events)", err, len(all))
		}
	}
	return all
}

func count(evs []trace.Event, k trace.Kind) int {
	n := 0
	for _, ev := range evs {
		if ev.Kind == k {
			n++
		}
	}
	return n
}

// TestSleepingRequestsInterleaveOnOneThread is the engine's core promise:
// N requests that each sleep run as N coroutines on one worker thread,
// every one yields on its timer before any timer fires, and they all
// finish in about one sleep, not N.
func TestSleepingRequestsInterleaveOnOneThread(t *testing.T) {
	const n = 30
	tr := trace.New(1, 1<<16)
	sub := tr.Subscribe()
	defer sub.Close()
	_, base, _ := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        location / { content_by_lua_block { ngx.sleep(0.2) ngx.say("hi ", ngx.var.arg_i) } }
    }`, Options{Tracer: tr})

	var wg sync.WaitGroup
	errs := make(chan string, n)
	start := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			st, body := get(t, fmt.Sprintf("%s/?i=%d", base, i))
			if st != 200 || body != fmt.Sprintf("hi %d\n", i) {
				errs <- fmt.Sprintf("request %d: %d %q", i, st, body)
			}
		}(i)
	}
	wg.Wait()
	wall := time.Since(start)
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	// Serial execution would take n * 200ms = 6s.
	if wall > 3*time.Second {
		t.Errorf("%d sleeping requests took %v: they did not overlap", n, wall)
	}
	evs := collect(t, sub, func(evs []trace.Event) bool { return count(evs, trace.RequestEnd) >= n })

	yields := map[int64]int{}    // co -> index of its sleep yield
	fires := map[int64]int{}     // co -> index of its timer firing
	resumes := map[int64][]int{} // co -> indexes of its resumes
	for i, ev := range evs {
		if ev.Worker != 0 {
			t.Fatalf("event on worker %d with one worker: %+v", ev.Worker, ev)
		}
		switch ev.Kind {
		case trace.CoYield:
			if ev.Detail != "sleep 200ms" {
				t.Errorf("yield reason %q, want \"sleep 200ms\"", ev.Detail)
			}
			yields[ev.Co] = i
		case trace.TimerFire:
			fires[ev.Co] = i
		case trace.CoResume:
			resumes[ev.Co] = append(resumes[ev.Co], i)
		}
	}
	if len(yields) != n {
		t.Fatalf("%d coroutines yielded, want %d", len(yields), n)
	}
	overlapped := 0
	for co, y := range yields {
		f, ok := fires[co]
		if !ok || f < y {
			t.Fatalf("coroutine %d: timer fire at %d, yield at %d", co, f, y)
		}
		if rs := resumes[co]; len(rs) != 2 || rs[1] < f {
			t.Errorf("coroutine %d: resumes at %v, timer fired at %d: want start + resume after the timer", co, rs, f)
		}
		// another coroutine yielded between this one's yield and its wake-up
		for co2, y2 := range yields {
			if co2 != co && y2 > y && y2 < f {
				overlapped++
				break
			}
		}
	}
	if overlapped == 0 {
		t.Errorf("no coroutine ran while another slept")
	}
}

// TestWorkersShareDictNotGlobals: each worker has its own VM and epoll
// instance; lua_shared_dict is shared by all of them.
func TestWorkersShareDictNotGlobals(t *testing.T) {
	const n = 200
	tr := trace.New(2, 1<<12)
	sub := tr.Subscribe()
	defer sub.Close()
	_, base, _ := startEngine(t, 2, `
    lua_shared_dict d 1m;
    server {
        listen 127.0.0.1:{{PORT}} reuseport;
        location / { content_by_lua_block {
            counter = (counter or 0) + 1
            local total = ngx.shared.d:incr("total", 1, 0)
            ngx.say(ngx.worker.id(), " ", counter, " ", total)
        } }
    }`, Options{Tracer: tr})
	perWorker := map[string]int{}
	maxGlobal := map[string]int{}
	for i := 0; i < n; i++ {
		_, body := get(t, base+"/")
		var w string
		var g, total int
		if _, err := fmt.Sscanf(body, "%s %d %d", &w, &g, &total); err != nil {
			t.Fatalf("body %q: %v", body, err)
		}
		perWorker[w]++
		if g > maxGlobal[w] {
			maxGlobal[w] = g
		}
		if total != i+1 {
			t.Fatalf("shared dict total %d after %d requests", total, i+1)
		}
	}
	if len(perWorker) != 2 {
		t.Fatalf("requests per worker %v: want both workers to serve", perWorker)
	}
	for w, c := range perWorker {
		if maxGlobal[w] != c {
			t.Errorf("worker %s served %d requests but its global counter reached %d", w, c, maxGlobal[w])
		}
	}
	evs := collect(t, sub, func(evs []trace.Event) bool { return count(evs, trace.RequestEnd) >= n })
	epfd := map[int32]int32{}
	for _, ev := range evs {
		if ev.Kind == trace.EpollWait {
			epfd[ev.Worker] = ev.FD
		}
	}
	if len(epfd) != 2 || epfd[0] == epfd[1] {
		t.Errorf("epoll fds per worker %v: want two workers, each with its own", epfd)
	}
}

// TestCPUBudgetAbortsRunawayLua: a resume over the budget ends with 500 and
// an error naming the budget and the Lua line; the worker keeps serving.
func TestCPUBudgetAbortsRunawayLua(t *testing.T) {
	_, base, prefix := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        location /spin { content_by_lua_block {
            local x = 0
            while true do x = x + 1 end
        } }
        location /ok { content_by_lua_block { ngx.say("ok") } }
    }`, Options{CPUBudget: 100 * time.Millisecond})
	st, _ := get(t, base+"/spin")
	if st != 500 {
		t.Fatalf("runaway loop: status %d, want 500", st)
	}
	if st, body := get(t, base+"/ok"); st != 200 || body != "ok\n" {
		t.Fatalf("after the runaway: %d %q", st, body)
	}
	logb, _ := os.ReadFile(filepath.Join(prefix, "logs", "error.log"))
	log := string(logb)
	if !strings.Contains(log, "CPU budget") || !strings.Contains(log, "content_by_lua(nginx.conf:8):3:") {
		t.Errorf("error.log does not name the budget and the line:\n%s", log)
	}
}

// TestCPUBudgetStopsRunawayPattern: a Lua pattern that backtracks for
// ever inside one string.find (Go code, no VM instruction in between) is
// stopped by the budget like a loop; LuaJIT would spin there too.
func TestCPUBudgetStopsRunawayPattern(t *testing.T) {
	_, base, prefix := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        location /pattern { content_by_lua_block {
            local s = string.rep("a", 5000)
            ngx.say(string.find(s, ".-.-.-.-.-b"))
        } }
        location /ok { content_by_lua_block { ngx.say(string.find("key=value", "(%w+)=(%w+)")) } }
    }`, Options{CPUBudget: 100 * time.Millisecond})
	if st, _ := get(t, base+"/pattern"); st != 500 {
		t.Fatalf("runaway pattern: status %d, want 500", st)
	}
	if st, body := get(t, base+"/ok"); st != 200 || body != "19keyvalue\n" {
		t.Fatalf("after the runaway: %d %q", st, body)
	}
	logb, _ := os.ReadFile(filepath.Join(prefix, "logs", "error.log"))
	if log := string(logb); !strings.Contains(log, "CPU budget exceeded: the Lua code used 100ms of CPU time without yielding") || !strings.Contains(log, "content_by_lua(nginx.conf:8):3:") {
		t.Errorf("error.log does not name the budget and the line:\n%s", log)
	}
}

// TestCPUBoundLuaStallsTheWorker: Lua that never yields holds the worker's
// only thread: a request that arrives meanwhile is not even read until
// the loop ends (the trace shows no epoll_wait in between).
func TestCPUBoundLuaStallsTheWorker(t *testing.T) {
	tr := trace.New(1, 1<<14)
	sub := tr.Subscribe()
	defer sub.Close()
	_, base, _ := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        location /spin { content_by_lua_block {
            local t0 = os.clock()
            while os.clock() - t0 < 0.3 do end
            ngx.say("done")
        } }
        location /ping { content_by_lua_block { ngx.say("pong") } }
    }`, Options{Tracer: tr})
	done := make(chan struct{})
	go func() {
		defer close(done)
		get(t, base+"/spin")
	}()
	time.Sleep(100 * time.Millisecond)
	if st, body := get(t, base+"/ping"); st != 200 || body != "pong\n" {
		t.Fatalf("ping: %d %q", st, body)
	}
	<-done
	evs := collect(t, sub, func(evs []trace.Event) bool { return count(evs, trace.RequestEnd) >= 2 })
	var spinReq int64
	spinStart, spinEnd, pingStart := -1, -1, -1
	for i, ev := range evs {
		switch {
		case ev.Kind == trace.RequestStart && strings.HasPrefix(ev.Detail, "GET /spin"):
			spinReq = ev.Req
		case ev.Kind == trace.CoResume && ev.Req == spinReq && spinStart < 0:
			spinStart = i
		case ev.Kind == trace.CoExit && ev.Req == spinReq:
			spinEnd = i
		case ev.Kind == trace.RequestStart && strings.HasPrefix(ev.Detail, "GET /ping"):
			pingStart = i
		}
	}
	if spinStart < 0 || spinEnd < 0 || pingStart < 0 {
		t.Fatalf("missing events: spin %d..%d ping %d", spinStart, spinEnd, pingStart)
	}
	for _, ev := range evs[spinStart:spinEnd] {
		if ev.Kind == trace.EpollWait {
			t.Fatalf("the worker waited in epoll while /spin was running")
		}
	}
	if pingStart < spinEnd {
		t.Errorf("/ping was read (event %d) before /spin's loop ended (event %d)", pingStart, spinEnd)
	}
}

// TestBadInputKeepsServing: malformed requests get nginx's 400 and the
// worker goes on serving.
func TestBadInputKeepsServing(t *testing.T) {
	_, base, _ := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        location / { content_by_lua_block { ngx.say("fine") } }
    }`, Options{})
	addr := strings.TrimPrefix(base, "http://")
	for _, raw := range []string{
		"GARBAGE\r\n\r\n",
		"GET / HTTP/1.1\r\n\r\n", // no Host
		"GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
		"\x00\x01\x02\r\n\r\n",
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, raw)
		line, _ := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if !strings.HasPrefix(line, "HTTP/1.1 400") {
			t.Errorf("%q: status line %q, want 400", raw, line)
		}
	}
	if st, body := get(t, base+"/"); st != 200 || body != "fine\n" {
		t.Fatalf("after bad input: %d %q", st, body)
	}
}

// TestQuitFinishesRequestsInFlight: a graceful stop (SIGQUIT in `run`)
// lets a sleeping request finish, refuses new connections, then exits.
func TestQuitFinishesRequestsInFlight(t *testing.T) {
	e, base, _ := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        location / { content_by_lua_block { ngx.sleep(0.3) ngx.say("finished") } }
    }`, Options{})
	got := make(chan string, 1)
	go func() {
		_, body := get(t, base+"/")
		got <- body
	}()
	time.Sleep(100 * time.Millisecond)
	e.Quit()
	if body := <-got; body != "finished\n" {
		t.Fatalf("in-flight request got %q", body)
	}
	waited := make(chan error, 1)
	go func() { waited <- e.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("engine did not exit after its last request")
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), time.Second); err == nil {
		t.Error("a stopped engine still accepts connections")
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestStepMode: a paused engine serves nothing; each Step lets one
// dispatch through (accept, then the request); Resume runs freely again.
func TestStepMode(t *testing.T) {
	e, base, _ := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        location / { content_by_lua_block { ngx.say("stepped") } }
    }`, Options{})
	e.Pause()
	got := make(chan string, 1)
	go func() {
		_, body := get(t, base+"/")
		got <- body
	}()
	select {
	case b := <-got:
		t.Fatalf("a paused engine answered %q", b)
	case <-time.After(150 * time.Millisecond):
	}
	for i := 0; i < 10; i++ { // accept, read and answer take a few dispatches
		e.Step(1)
		select {
		case b := <-got:
			if b != "stepped\n" {
				t.Fatalf("got %q", b)
			}
			e.Resume()
			if st, body := get(t, base+"/"); st != 200 || body != "stepped\n" {
				t.Fatalf("after Resume: %d %q", st, body)
			}
			if i == 0 {
				t.Errorf("one step served the whole request: steps are not separate dispatches")
			}
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatal("ten steps did not serve one request")
}

// TestWorkerPids: each worker has a pid of its own, as nginx's worker
// processes do (its OS thread's id), listed by ngx.worker.pids() and shown
// in its error_log lines as pid#pid.
func TestWorkerPids(t *testing.T) {
	_, base, prefix := startEngine(t, 2, `
    server {
        listen 127.0.0.1:{{PORT}};
        location / { content_by_lua_block {
            local p = ngx.worker.pids()
            ngx.log(ngx.ERR, "pid is ", ngx.worker.pid())
            ngx.say(#p, " ", p[1] ~= p[2], " ", p[1] == ngx.worker.pid() or p[2] == ngx.worker.pid())
        } }
    }`, Options{})
	st, body := get(t, base+"/")
	if st != 200 || body != "2 true true\n" {
		t.Fatalf("%d %q", st, body)
	}
	m := regexp.MustCompile(`\] (\d+)#(\d+): \*\d+ \[lua\] .*pid is (\d+)`).FindStringSubmatch(readLog(t, prefix))
	if m == nil || m[1] != m[2] || m[2] != m[3] {
		t.Fatalf("error_log line %q: want pid#pid with the pid ngx.worker.pid() gave", m)
	}
}
