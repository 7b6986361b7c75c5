package engine

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sweepPhase is one place learner Lua runs, and how the sweep puts code
// there: wrap turns the snippet into the directive(s) on one line.
type sweepPhase struct {
	name      string
	ctx       string // ngx_lua's context name in "API disabled in the context of ..."
	yieldable bool   // ngx.sleep and coroutine.yield work there
	// fail is the error_log prefix of a failed run, before the chunk name
	fail  string
	chunk string // chunk name prefix: "rewrite_by_lua"
	// where says where the directive goes: "loc" (location), "up" (upstream
	// with balancer), "http" (init_worker), "timer" (a timer started by a
	// content handler)
	where string
	wrap  func(code string) string
}

var sweepPhases = []sweepPhase{
	{name: "set", ctx: "set_by_lua*", fail: "failed to run set_by_lua*: ", chunk: "set_by_lua", where: "loc",
		wrap: func(c string) string { return "set_by_lua_block $x { " + c + " return \"v\" } return 200 \"x=$x\";" }},
	{name: "rewrite", ctx: "rewrite_by_lua*", yieldable: true, fail: "lua entry thread aborted: runtime error: ", chunk: "rewrite_by_lua", where: "loc",
		wrap: func(c string) string {
			return "rewrite_by_lua_block { " + c + " } content_by_lua_block { ngx.say(\"ok\") }"
		}},
	{name: "access", ctx: "access_by_lua*", yieldable: true, fail: "lua entry thread aborted: runtime error: ", chunk: "access_by_lua", where: "loc",
		wrap: func(c string) string {
			return "access_by_lua_block { " + c + " } content_by_lua_block { ngx.say(\"ok\") }"
		}},
	{name: "content", ctx: "content_by_lua*", yieldable: true, fail: "lua entry thread aborted: runtime error: ", chunk: "content_by_lua", where: "loc",
		wrap: func(c string) string { return "content_by_lua_block { " + c + " ngx.say(\"ok\") }" }},
	{name: "header_filter", ctx: "header_filter_by_lua*", fail: "failed to run header_filter_by_lua*: ", chunk: "header_filter_by_lua", where: "loc",
		wrap: func(c string) string {
			return "header_filter_by_lua_block { " + c + " } content_by_lua_block { ngx.say(\"a\") ngx.say(\"b\") }"
		}},
	{name: "body_filter", ctx: "body_filter_by_lua*", fail: "failed to run body_filter_by_lua*: ", chunk: "body_filter_by_lua", where: "loc",
		wrap: func(c string) string {
			return "body_filter_by_lua_block { " + c + " } content_by_lua_block { ngx.say(\"a\") ngx.flush(true) ngx.say(\"b\") }"
		}},
	{name: "log", ctx: "log_by_lua*", fail: "failed to run log_by_lua*: ", chunk: "log_by_lua", where: "loc",
		wrap: func(c string) string { return "log_by_lua_block { " + c + " } return 200 \"ok\";" }},
	{name: "balancer", ctx: "balancer_by_lua*", fail: "failed to run balancer_by_lua*: ", chunk: "balancer_by_lua", where: "up",
		wrap: func(c string) string { return "balancer_by_lua_block { " + c + " }" }},
	{name: "timer", ctx: "ngx.timer", yieldable: true, fail: "lua entry thread aborted: runtime error: ", chunk: "content_by_lua", where: "timer",
		wrap: func(c string) string {
			return "content_by_lua_block { ngx.timer.at(0, function() " + c + " end) ngx.say(\"ok\") }"
		}},
	{name: "init_worker", ctx: "init_worker_by_lua*", fail: "init_worker_by_lua error: ", chunk: "init_worker_by_lua", where: "http",
		wrap: func(c string) string { return "init_worker_by_lua_block { " + c + " }" }},
}

// sweepKind is one way for learner code to go wrong.
type sweepKind struct {
	name string
	code func(id string) string
	// want is the message after "chunk(nginx.conf:N):1: " in the failure
	// line, or "" when the code must succeed (then "<id> done" is logged).
	want func(p sweepPhase, id string) string
}

var sweepKinds = []sweepKind{
	{name: "error", code: func(id string) string { return fmt.Sprintf("error(%q)", id) },
		want: func(p sweepPhase, id string) string { return id }},
	{name: "sleep", code: func(id string) string { return fmt.Sprintf("ngx.sleep(0.001) ngx.log(ngx.ERR, %q)", id+" done") },
		want: func(p sweepPhase, id string) string {
			if p.yieldable {
				return ""
			}
			return "API disabled in the context of " + p.ctx
		}},
	{name: "yield", code: func(id string) string { return fmt.Sprintf("coroutine.yield() ngx.log(ngx.ERR, %q)", id+" done") },
		want: func(p sweepPhase, id string) string {
			switch {
			case p.yieldable:
				return ""
			case p.name == "header_filter" || p.name == "body_filter":
				return "attempt to yield across C-call boundary"
			}
			return "API disabled in the context of " + p.ctx
		}},
	{name: "sandbox", code: func(id string) string { return "os.execute(\"true\")" },
		want: func(p sweepPhase, id string) string { return "os.execute is disabled in the lab's sandbox" }},
	{name: "request_api", code: func(id string) string { return fmt.Sprintf("ngx.req.read_body() ngx.log(ngx.ERR, %q)", id+" done") },
		want: func(p sweepPhase, id string) string {
			switch p.name {
			case "rewrite", "access", "content":
				return ""
			case "timer":
				return "API disabled in the context of ngx.timer"
			}
			return "API disabled in the context of " + p.ctx
		}},
}

// TestPhaseErrorSweep runs, in every phase where learner Lua runs, a
// runtime error, a yield (ngx.sleep and coroutine.yield), a function the
// sandbox forbids and a request API: none may reach the engine's panic
// recovery ("engine bug"), each failure is the ngx_lua-like error_log line
// naming nginx.conf's line, and the instance keeps serving.
func TestPhaseErrorSweep(t *testing.T) {
	type probe struct {
		id, path, want string
	}
	var probes []probe
	httpLines := []string{""} // the init_worker block, filled in below
	var serverLines, initCode []string
	var initLast string
	// line numbers: startEngine's nginx.conf has 4 lines before the http
	// block's body; the http lines come first, then "server {" and its lines
	const head = 4
	for _, k := range sweepKinds {
		for _, p := range sweepPhases {
			id := "sweep-" + p.name + "-" + k.name
			pr := probe{id: id, path: "/" + p.name + "/" + k.name}
			want := k.want(p, id)
			var line int
			switch p.where {
			case "http":
				// one init_worker_by_lua block for all kinds (on the first
				// http line): each runs under pcall and logs what it caught,
				// but the runtime error, which ends the block last
				pr.path = ""
				line = head + 1
				if k.name == "error" {
					initLast = k.code(id)
				} else {
					initCode = append(initCode, fmt.Sprintf("do local ok, err = pcall(function() %s end) if not ok then ngx.log(ngx.ERR, %q, err) end end", k.code(id), id+" caught: "))
					if want != "" {
						pr.want = id + " caught: " + fmt.Sprintf("%s(nginx.conf:%d):1: ", p.chunk, line) + want
						probes = append(probes, pr)
						continue
					}
				}
			case "up":
				httpLines = append(httpLines, fmt.Sprintf("upstream up_%s { server 127.0.0.1:1; %s }", k.name, p.wrap(k.code(id))))
				line = head + len(httpLines)
				serverLines = append(serverLines, fmt.Sprintf("location = %s { proxy_pass http://up_%s; }", pr.path, k.name))
			default:
				serverLines = append(serverLines, fmt.Sprintf("location = %s { %s }", pr.path, p.wrap(k.code(id))))
				line = -len(serverLines) // resolved below, once the http lines are known
			}
			chunk := fmt.Sprintf("%s(nginx.conf:%d):1: ", p.chunk, line)
			if want == "" {
				pr.want = id + " done"
			} else {
				pr.want = p.fail + chunk + want
			}
			probes = append(probes, pr)
		}
	}
	httpLines[0] = sweepPhases[len(sweepPhases)-1].wrap(strings.Join(append(initCode, initLast), " "))
	// server lines start after the http lines and "server {" and "listen"
	first := head + len(httpLines) + 3
	for i := range probes {
		if j := strings.Index(probes[i].want, "(nginx.conf:-"); j >= 0 {
			var n int
			fmt.Sscanf(probes[i].want[j+len("(nginx.conf:-"):], "%d", &n)
			probes[i].want = strings.Replace(probes[i].want, fmt.Sprintf("(nginx.conf:-%d)", n), fmt.Sprintf("(nginx.conf:%d)", first+n-1), 1)
		}
	}
	body := strings.Join(httpLines, "\n") + "\nserver {\n    listen 127.0.0.1:{{PORT}};\n" + strings.Join(serverLines, "\n") + "\n}"
	_, base, prefix := startEngine(t, 1, body, Options{Sandbox: true, CPUBudget: 2 * time.Second})
	addr := strings.TrimPrefix(base, "http://")
	for _, pr := range probes {
		if pr.path != "" {
			rawGet(t, addr, pr.path)
		}
	}
	if st, b := get(t, base+"/content/sandbox"); st != 500 {
		t.Errorf("the instance stopped serving: %d %q", st, b)
	}
	logPath := filepath.Join(prefix, "logs", "error.log")
	deadline := time.Now().Add(10 * time.Second)
	var log string
	for {
		data, err := os.ReadFile(logPath)
		if err != nil {
			t.Fatal(err)
		}
		log = string(data)
		missing := 0
		for _, pr := range probes {
			if !strings.Contains(log, pr.want) {
				missing++
			}
		}
		if missing == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, pr := range probes {
		if !strings.Contains(log, pr.want) {
			t.Errorf("%s: no error_log line %q", pr.id, pr.want)
		}
	}
	for _, bad := range []string{"engine bug", "goroutine ", "panic"} {
		if strings.Contains(log, bad) {
			t.Errorf("error_log has %q:\n%s", bad, log)
		}
	}
	if t.Failed() {
		t.Logf("nginx.conf http block:\n%s\nerror.log:\n%s", body, log)
	}
}

// rawGet sends one GET with Connection: close and reads until the server
// closes (a failed filter may close it with no response at all).
func rawGet(t *testing.T, addr, path string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", path); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}
