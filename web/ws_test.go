package web

import (
	"encoding/json"
	"fmt"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/restylab/restylab/lab/trace"
)

// traceEvent is the part of a docs/trace.md event the test reads.
type traceEvent struct {
	TS     int64  `json:"ts"`
	Kind   string `json:"kind"`
	Worker int    `json:"worker"`
	Req    int    `json:"req"`
	Co     int    `json:"co"`
	Arg    int64  `json:"arg"`
	Detail string `json:"detail"`
}

type wsIn struct {
	T       string                        `json:"t"`
	Session string                        `json:"session"`
	State   string                        `json:"state"`
	Reason  string                        `json:"reason"`
	Events  []json.RawMessage             `json:"events"`
	Dropped int64                         `json:"dropped"`
	Line    string                        `json:"line"`
	Lines   []struct{ File, Line string } `json:"lines"`
	Pending []string                      `json:"pending"`
}

// dialWS connects to the lab's WebSocket with the client's cookies.
func (l *lab) dialWS() *websocket.Conn {
	l.t.Helper()
	u, _ := url.Parse(l.ts.URL)
	h := http.Header{}
	for _, c := range l.client.Jar.Cookies(u) {
		h.Add("Cookie", c.String())
	}
	conn, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(l.ts.URL, "http")+"/api/ws", h)
	if err != nil {
		l.t.Fatalf("dial: %v (%v)", err, resp)
	}
	l.t.Cleanup(func() { conn.Close() })
	return conn
}

// TestWebSocketBurst connects like the page does, fires a burst through the
// API and checks the event sequence of every request: one worker runs all
// the coroutines, each yields on its sleep and is resumed by its timer.
func TestWebSocketBurst(t *testing.T) {
	l := newLab(t, "")
	b := l.open()
	var res applyResult
	l.json("POST", "/api/apply", workspaceJSON{Conf: sleepConf}, &res)
	conn := l.dialWS()

	var hello wsIn
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := conn.ReadJSON(&hello); err != nil {
		t.Fatal(err)
	}
	if hello.T != "hello" || hello.Session != b.Session || hello.State != "running" {
		t.Fatalf("hello %+v", hello)
	}

	events := make(chan traceEvent, 100000)
	logs := make(chan string, 100)
	go func() {
		defer close(events)
		for {
			var m wsIn
			conn.SetReadDeadline(time.Now().Add(20 * time.Second))
			if err := conn.ReadJSON(&m); err != nil {
				return
			}
			if m.Dropped != 0 {
				t.Errorf("%d events dropped", m.Dropped)
			}
			switch m.T {
			case "trace":
				for _, raw := range m.Events {
					var e traceEvent
					if err := json.Unmarshal(raw, &e); err != nil {
						t.Errorf("bad event %s: %v", raw, err)
					}
					events <- e
				}
			case "log":
				select {
				case logs <- m.Line:
				default:
				}
			}
		}
	}()
	// The trace is on once one request shows in it.
	deadline := time.Now().Add(10 * time.Second)
	seen := false
	for !seen && time.Now().Before(deadline) {
		var sent sendResult
		l.json("POST", "/api/send", sendRequest{Path: "/warmup"}, &sent)
		timeout := time.After(time.Second)
	wait:
		for {
			select {
			case e := <-events:
				if e.Kind == "request_end" {
					seen = true
					break wait
				}
			case <-timeout:
				break wait
			}
		}
	}
	if !seen {
		t.Fatal("no trace events for a request")
	}

	const n = 50
	done := make(chan burstResult, 1)
	go func() {
		var burst burstResult
		l.json("POST", "/api/burst", sendRequest{Path: "/", N: n, C: n}, &burst)
		done <- burst
	}()
	var got []traceEvent
	ends := 0
	timeout := time.After(20 * time.Second)
	for ends < n {
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatalf("WebSocket closed after %d request_end", ends)
			}
			got = append(got, e)
			if e.Kind == "request_end" {
				ends++
			}
		case <-timeout:
			t.Fatalf("only %d of %d request_end events", ends, n)
		}
	}
	burst := <-done
	if burst.OK != n {
		t.Fatalf("burst %+v", burst)
	}

	type reqState struct {
		start, yield, resume, end int64
		// loopTime: the worker's last epoll_wait before the yield; the
		// sleep's timer counts from the loop's cached time, which is at
		// least that (nginx's ngx_current_msec works the same way)
		loopTime int64
		co       int
		status   int64
	}
	reqs := map[int]*reqState{}
	coReq := map[int]int{}
	workers := map[int]bool{}
	waiting, maxWaiting := 0, 0
	var lastWait int64
	for _, e := range got {
		workers[e.Worker] = true
		switch e.Kind {
		case "epoll_wait":
			lastWait = e.TS
		case "request_start":
			reqs[e.Req] = &reqState{start: e.TS}
		case "co_yield":
			if r := reqs[e.Req]; r != nil && strings.Contains(e.Detail, "sleep") {
				r.yield, r.co, r.loopTime = e.TS, e.Co, lastWait
				coReq[e.Co] = e.Req
				waiting++
				maxWaiting = max(maxWaiting, waiting)
			}
		case "co_resume":
			if r := reqs[coReq[e.Co]]; r != nil && r.yield != 0 && r.resume == 0 {
				r.resume = e.TS
				waiting--
			}
		case "request_end":
			if r := reqs[e.Req]; r != nil {
				r.end, r.status = e.TS, e.Arg
			}
		}
	}
	if len(workers) != 1 {
		t.Fatalf("events from %d workers, want 1", len(workers))
	}
	complete := 0
	for id, r := range reqs {
		if r.end == 0 {
			continue
		}
		complete++
		if !(r.start < r.yield && r.yield < r.resume && r.resume <= r.end) || r.status != 200 {
			t.Errorf("request %d: start %d yield %d resume %d end %d status %d", id, r.start, r.yield, r.resume, r.end, r.status)
		}
		// The sleep's timer counts from the loop's cached time, not from
		// the co_yield's clock: measured from the loop's last wake-up
		// (cached time >= that), 50 ms have passed, whatever the load (a
		// busy loop iteration makes the cached time 20 ms old under the
		// race detector); 2 ms for millisecond rounding.
		if slept := time.Duration(r.resume - r.loopTime); r.loopTime == 0 || slept < 48*time.Millisecond {
			t.Errorf("request %d resumed %v after the loop iteration that began its 50 ms sleep (%v after its co_yield)", id, slept, time.Duration(r.resume-r.yield))
		}
	}
	if complete != n {
		t.Fatalf("%d complete request sequences, want %d", complete, n)
	}
	// Synchronous non-blocking: many coroutines wait at once on one thread.
	if maxWaiting < n/2 {
		t.Fatalf("at most %d coroutines waited at once, want >= %d", maxWaiting, n/2)
	}
	t.Logf("%d events, up to %d coroutines waiting at once, burst peak in progress %v", len(got), maxWaiting, burst.InProgressPeak)
	// the events the browser got went through the lab's streamed counter
	if streamed := testutil.ToFloat64(l.srv.met.traceStreamed); streamed < float64(len(got)) {
		t.Errorf("restylab_trace_events_streamed_total = %v, the browser got %d", streamed, len(got))
	}
}

// TestSubscriberDropsWhenFull checks that a subscriber that does not read
// loses trace messages, counted in events at the websocket hop, with what
// they carried from the hops before kept for the writer's drop notice.
func TestSubscriberDropsWhenFull(t *testing.T) {
	sub := newSubscriber()
	sub.met = prometheus.NewCounter(prometheus.CounterOpts{Name: "lost"})
	evs := []trace.Event{{TS: 1, Kind: trace.Accept}, {TS: 2, Kind: trace.Close}}
	msg := func(rate int64) wsFrame {
		m := trace.AppendMessage(nil, evs, [trace.NumHops]int64{trace.HopRate: rate})
		return wsFrame{data: m.JSON(), trace: m}
	}
	for range DefaultSubscriberQueue {
		sub.offer(msg(0))
	}
	sub.offer(msg(3))
	sub.offer(msg(0))
	sub.offer(wsFrame{data: []byte(`{"t":"log","line":"x"}`)}) // lossy, not counted
	if got := sub.q.Dropped(); got != 2+2 {
		t.Fatalf("queue dropped %d events, want 4", got)
	}
	// the metric counts only what this subscriber lost: the 3 were lost
	// before the lab and are counted there
	if got := testutil.ToFloat64(sub.met); got != 2+2 {
		t.Errorf("websocket drops counted %v, want 4", got)
	}
	drops, any := sub.lost.Take()
	want := [trace.NumHops]int64{trace.HopRate: 3, trace.HopWebSocket: 4}
	if !any || drops != want {
		t.Fatalf("notice drops %v, want %v", drops, want)
	}
}

// TestWebSocketStepMode pauses the instance from the browser's socket,
// sees a request pending and unanswered, steps until it is answered, and
// resumes.
func TestWebSocketStepMode(t *testing.T) {
	l := newLab(t, "")
	l.open()
	conf := strings.Replace(sleepConf, "ngx.sleep(0.05)\n", "", 1)
	var res applyResult
	l.json("POST", "/api/apply", workspaceJSON{Conf: conf}, &res)
	conn := l.dialWS()
	states := make(chan wsIn, 100)
	go func() {
		for {
			var m wsIn
			if err := conn.ReadJSON(&m); err != nil {
				close(states)
				return
			}
			if m.T == "state" || m.T == "hello" {
				states <- m
			}
		}
	}()
	waitState := func(want string) wsIn {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case m, ok := <-states:
				if !ok {
					t.Fatal("WebSocket closed")
				}
				if m.State == want {
					return m
				}
			case <-timeout:
				t.Fatalf("no %q state", want)
			}
		}
	}
	waitState("running")
	if err := conn.WriteJSON(wsCommand{T: "pause"}); err != nil {
		t.Fatal(err)
	}
	waitState("paused")

	answered := make(chan sendResult, 1)
	go func() {
		var sent sendResult
		l.json("POST", "/api/send", sendRequest{Path: "/stepped"}, &sent)
		answered <- sent
	}()
	// The new connection is pending on the paused loop, not answered.
	var pendingLine string
	deadline := time.After(10 * time.Second)
	for pendingLine == "" {
		select {
		case m := <-states:
			for _, p := range m.Pending {
				if strings.Contains(p, "readable") {
					pendingLine = p
				}
			}
		case <-answered:
			t.Fatal("a request was answered while the instance was paused")
		case <-deadline:
			t.Fatal("no pending line for the new connection")
		}
	}
	t.Logf("pending: %s", pendingLine)
	var sent sendResult
	steps := 0
	for done := false; !done; {
		if steps > 20 {
			t.Fatal("20 steps did not answer one request")
		}
		if err := conn.WriteJSON(wsCommand{T: "step", N: 1}); err != nil {
			t.Fatal(err)
		}
		steps++
		select {
		case sent = <-answered:
			done = true
		case <-time.After(300 * time.Millisecond):
		}
	}
	if sent.Status != 200 || sent.Body != "hi\n" {
		t.Fatalf("stepped request: %+v", sent)
	}
	t.Logf("answered after %d steps", steps)
	if err := conn.WriteJSON(wsCommand{T: "resume"}); err != nil {
		t.Fatal(err)
	}
	waitState("running")
	l.json("POST", "/api/send", sendRequest{Path: "/free"}, &sent)
	if sent.Status != 200 {
		t.Fatalf("after resume: %+v", sent)
	}
}

// TestInstanceDeathIsExplained: a memory bomb ends the instance; every tab
// is told why in one sentence, the code is kept, and the next request
// starts a new instance.
func TestInstanceDeathIsExplained(t *testing.T) {
	l := newLab(t, "")
	l.open()
	bomb := strings.Replace(sleepConf, `ngx.sleep(0.05)
                ngx.say("hi")`, `if ngx.var.uri == "/bomb" then
                    local t = {}
                    for i = 1, 1e9 do
                        t[i] = string.rep("x", 1000) .. i
                        if i % 5000 == 0 then ngx.sleep(0) end
                    end
                end
                ngx.say("alive")`, 1)
	var res applyResult
	l.json("POST", "/api/apply", workspaceJSON{Conf: bomb}, &res)
	if !res.OK {
		t.Fatalf("apply %+v", res)
	}
	conn := l.dialWS()
	exited := make(chan wsIn, 1)
	go func() {
		for {
			var m wsIn
			if err := conn.ReadJSON(&m); err != nil {
				return
			}
			if m.T == "state" && m.State == "exited" {
				exited <- m
				return
			}
		}
	}()
	var sent sendResult
	l.json("POST", "/api/send", sendRequest{Path: "/bomb"}, &sent)
	if sent.Error == "" || !strings.Contains(sent.Error, "memory limit of") {
		t.Fatalf("the bomb's answer does not say why the instance ended: %+v", sent)
	}
	select {
	case m := <-exited:
		if !strings.Contains(m.Reason, "memory limit of") {
			t.Fatalf("exit reason %q", m.Reason)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no exited state on the WebSocket")
	}
	// The code is kept, and the next request runs on a new instance.
	var ws workspaceJSON
	l.json("GET", "/api/workspace", nil, &ws)
	if ws.Conf != bomb {
		t.Fatal("the workspace changed after the crash")
	}
	l.json("POST", "/api/send", sendRequest{Path: "/"}, &sent)
	if sent.Status != 200 || sent.Body != "alive\n" {
		t.Fatalf("after the crash: %+v", sent)
	}
}

// TestOpenTabStartsInstance: connecting starts the session's instance; a
// saved workspace that does not load reaches the tab as an error at once.
func TestOpenTabStartsInstance(t *testing.T) {
	l := newLab(t, "")
	l.open()
	read := func(conn interface{ ReadJSON(any) error }, want func(map[string]any) bool) map[string]any {
		t.Helper()
		for {
			var m map[string]any
			if err := conn.ReadJSON(&m); err != nil {
				t.Fatal(err)
			}
			if want(m) {
				return m
			}
		}
	}
	conn := l.dialWS()
	conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	read(conn, func(m map[string]any) bool { return m["t"] == "state" && m["state"] == "running" })
	conn.Close()

	l.json("PUT", "/api/workspace", workspaceJSON{Conf: "events {}\nhttp {\n  server {\n    listen 80;\n    bogus on;\n  }\n}\n"}, new(map[string]int64))
	l.srv.mgr.Instance(l.open().Session).Stop()
	conn = l.dialWS()
	conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	m := read(conn, func(m map[string]any) bool { return m["t"] == "applied" })
	e, _ := m["error"].(map[string]any)
	if m["ok"] != false || e == nil || e["line"] != 5.0 || !strings.Contains(fmt.Sprint(e["message"]), `unknown directive "bogus"`) {
		t.Fatalf("applied message %v", m)
	}
}

// TestLabFull: past the instance cap, a new learner's tab and API calls say
// "lab is full" in one sentence; the first learner is not disturbed.
func TestLabFull(t *testing.T) {
	l := newLabHosts(t, "", nil, 1)
	l.open()
	var sent sendResult
	l.json("POST", "/api/send", sendRequest{Path: "/"}, &sent)
	if sent.Status != 200 {
		t.Fatalf("first learner: %+v", sent)
	}
	first := l.client.Jar
	jar, _ := cookiejar.New(nil)
	l.client.Jar = jar
	l.open()
	conn := l.dialWS()
	conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	for {
		var m wsIn
		if err := conn.ReadJSON(&m); err != nil {
			t.Fatal(err)
		}
		if m.T == "state" && m.Reason != "" {
			if m.State != "stopped" || !strings.HasPrefix(m.Reason, "lab is full") {
				t.Fatalf("state %+v", m)
			}
			break
		}
	}
	status, body := l.do("POST", "/api/send", sendRequest{Path: "/"})
	if status != http.StatusServiceUnavailable || !strings.Contains(string(body), "lab is full") {
		t.Fatalf("second learner's send: %d %s", status, body)
	}
	if got := testutil.ToFloat64(l.srv.met.spawnFull); got < 1 {
		t.Errorf("spawns refused as full: %v", got)
	}
	// a full lab is still ready: its sessions go on (with no recent start
	// to vouch for it, /readyz probes and finds the lab full)
	l.srv.ready.mu.Lock()
	l.srv.ready.lastSpawn = time.Time{}
	l.srv.ready.mu.Unlock()
	if status, body := l.do("GET", "/readyz", nil); status != 200 || !strings.Contains(string(body), "ready (full: 1 instances)") {
		t.Errorf("/readyz of a full lab: %d %s", status, body)
	}
	l.client.Jar = first
	l.json("POST", "/api/send", sendRequest{Path: "/"}, &sent)
	if sent.Status != 200 {
		t.Fatalf("first learner after the refusal: %+v", sent)
	}
}

// accessWSConf writes two access logs for /two and none for /off.
const accessWSConf = `events {}
http {
    log_format short '$request_method $request_uri $status';
    server {
        listen 8080;
        access_log logs/main.log short;
        location / { return 200 "hi\n"; }
        location /two { access_log logs/main.log short; access_log logs/extra.log short; return 201 "two\n"; }
        location /off { access_log off; return 200 "off\n"; }
    }
}
`

// TestWebSocketAccessLog: a request sent through the API reaches the page
// as access messages, one per log that wrote it, named by the file, and a
// location with access_log off sends none.
func TestWebSocketAccessLog(t *testing.T) {
	l := newLab(t, "")
	l.open()
	var res applyResult
	l.json("POST", "/api/apply", workspaceJSON{Conf: accessWSConf}, &res)
	if !res.OK {
		t.Fatalf("apply: %+v", res)
	}
	conn := l.dialWS()
	access := make(chan wsIn, 100)
	go func() {
		defer close(access)
		for {
			var m wsIn
			if err := conn.ReadJSON(&m); err != nil {
				return
			}
			if m.T == "access" {
				access <- m
			}
		}
	}()
	next := func() wsIn {
		t.Helper()
		select {
		case m, ok := <-access:
			if !ok {
				t.Fatal("WebSocket closed")
			}
			return m
		case <-time.After(10 * time.Second):
			t.Fatal("no access message in 10 s")
		}
		return wsIn{}
	}
	var sent sendResult
	for _, p := range []string{"/off", "/two?x=1"} {
		l.json("POST", "/api/send", sendRequest{Path: p}, &sent)
		if sent.Error != "" {
			t.Fatalf("send %s: %+v", p, sent)
		}
	}
	want := []struct{ File, Line string }{{"logs/main.log", "GET /two?x=1 201"}, {"logs/extra.log", "GET /two?x=1 201"}}
	var got []struct{ File, Line string }
	for len(got) < len(want) {
		got = append(got, next().Lines...)
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("access lines %+v, want %+v", got, want)
	}
}

// TestWebSocketHealthFollowsTheInstance: the page gets the instance's
// usage again after the instance worked (a burst moves its CPU time and
// connections), woken by the child's own health reports.
func TestWebSocketHealthFollowsTheInstance(t *testing.T) {
	l := newLab(t, "")
	l.open()
	conn := l.dialWS()
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	var first float64
	for running := false; !running || first == 0; {
		var m map[string]any
		if err := conn.ReadJSON(&m); err != nil {
			t.Fatal(err)
		}
		if m["t"] == "state" && m["state"] == "running" {
			running = true
		}
		if cpu, ok := m["cpu_time"].(float64); ok && (m["t"] == "health" || m["t"] == "hello") {
			first = cpu
		}
	}
	var res burstResult
	l.json("POST", "/api/burst", sendRequest{Method: "GET", Path: "/", N: 200, C: 20}, &res)
	if res.N != 200 {
		t.Fatalf("burst: %+v", res)
	}
	for {
		var m map[string]any
		if err := conn.ReadJSON(&m); err != nil {
			t.Fatalf("no health figure after the burst: %v", err)
		}
		if cpu, ok := m["cpu_time"].(float64); ok && m["t"] == "health" && cpu > first {
			return
		}
	}
}
