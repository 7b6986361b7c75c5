package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/restylab/restylab/lab/trace"
)

// phaseTraceConf serves one location per scenario of TestPhaseTrace.
const phaseTraceConf = `
    lua_shared_dict d 1m;
    server {
        listen 127.0.0.1:{{PORT}};
        location /all {
            set_by_lua_block $x { return "x" }
            rewrite_by_lua_block { ngx.ctx.r = 1 }
            access_by_lua_block { ngx.ctx.a = 1 }
            content_by_lua_block { ngx.sleep(0.05) ngx.say("body ", ngx.var.x) }
            header_filter_by_lua_block { ngx.header["X-H"] = "1" }
            body_filter_by_lua_block { local eof = ngx.arg[2] }
            log_by_lua_block { ngx.shared.d:set("log", 1) }
        }
        location /thread {
            content_by_lua_block {
                ngx.thread.spawn(function() ngx.sleep(0.05) ngx.say("from thread") end)
            }
        }
        location /usercoro {
            return 200 "ok";
            header_filter_by_lua_block {
                local co = coroutine.create(function() coroutine.yield(1) return 2 end)
                coroutine.resume(co)
                coroutine.resume(co)
                pcall(function() ngx.header["X-P"] = "1" end)
            }
        }
        location /exit {
            access_by_lua_block { ngx.sleep(0.01) ngx.exit(403) }
            content_by_lua_block { ngx.say("unreached") }
        }
        location /error {
            content_by_lua_block { ngx.sleep(0.01) error("boom") }
        }
        location /exec {
            rewrite_by_lua_block { ngx.exec("/target") }
        }
        location /target {
            content_by_lua_block { ngx.say("target") }
        }
        location /child_exit {
            content_by_lua_block {
                ngx.thread.spawn(function() ngx.sleep(0.01) ngx.exit(202) end)
            }
        }
        location /static {
            return 200 "static";
            header_filter_by_lua_block { ngx.header["X-S"] = "1" }
        }
    }`

// TestPhaseTrace records the trace of real requests and checks, per
// request, the exact sequence of phase and coroutine events: only rewrite,
// access and content handlers (and light threads) are coroutines; set,
// filter and log handlers are phase_enter/phase_exit pairs and nothing
// else; a phase ends when its handler and its light threads have ended, or
// when ngx.exit, ngx.exec or an error leaves it. Coroutine ids are shown
// as c1, c2 ... in order of appearance.
func TestPhaseTrace(t *testing.T) {
	tr := trace.New(1, 1<<16)
	sub := tr.Subscribe()
	defer sub.Close()
	_, base, _ := startEngine(t, 1, phaseTraceConf, Options{Tracer: tr})

	cases := []struct {
		path   string
		status int
		want   []string
	}{
		{"/all", 200, []string{
			"phase_enter set", "phase_exit set",
			"phase_enter rewrite", "co_create c1 rewrite", "co_resume c1", "co_exit c1 ok", "phase_exit rewrite",
			"phase_enter access", "co_create c2 access", "co_resume c2", "co_exit c2 ok", "phase_exit access",
			"phase_enter content", "co_create c3 content", "co_resume c3", "co_yield c3 sleep 50ms", "co_resume c3",
			// ngx.say sends the header and the first buffer: the filters
			// run inside the content handler, as in ngx_lua
			"phase_enter header_filter", "phase_exit header_filter",
			"phase_enter body_filter", "phase_exit body_filter",
			"co_exit c3 ok", "phase_exit content",
			// the last, empty buffer goes through the body filter after
			// the handler returned
			"phase_enter body_filter", "phase_exit body_filter",
			"phase_enter log", "phase_exit log",
		}},
		{"/thread", 200, []string{
			"phase_enter content", "co_create c1 content", "co_resume c1",
			"co_create c2 content parent=c1 ngx.thread.spawn", "co_resume c2", "co_yield c2 sleep 50ms",
			"co_exit c1 ok",
			"co_resume c2", "co_exit c2 ok",
			// the content phase lasts until its last light thread ends
			"phase_exit content",
		}},
		{"/usercoro", 200, []string{
			// the learner's coroutine is traced, its parent is the main
			// thread (0); the pcall body is no coroutine in ngx_lua
			"phase_enter header_filter", "co_create c1 header_filter", "phase_exit header_filter",
		}},
		{"/exit", 403, []string{
			"phase_enter access", "co_create c1 access", "co_resume c1", "co_yield c1 sleep 10ms", "co_resume c1",
			"co_exit c1 exit", "phase_exit access",
		}},
		{"/error", 500, []string{
			"phase_enter content", "co_create c1 content", "co_resume c1", "co_yield c1 sleep 10ms", "co_resume c1",
			"lua_error c1", "co_exit c1 error", "phase_exit content",
		}},
		{"/exec", 200, []string{
			"phase_enter rewrite", "co_create c1 rewrite", "co_resume c1", "co_exit c1 exec", "phase_exit rewrite",
			"phase_enter content", "co_create c2 content", "co_resume c2",
			"co_exit c2 ok", "phase_exit content",
		}},
		{"/child_exit", 202, []string{
			"phase_enter content", "co_create c1 content", "co_resume c1",
			"co_create c2 content parent=c1 ngx.thread.spawn", "co_resume c2", "co_yield c2 sleep 10ms",
			"co_exit c1 ok",
			"co_resume c2", "co_exit c2 exit", "phase_exit content",
		}},
		// a phase without a Lua handler (here content by "return") traces
		// no phase events
		{"/static", 200, []string{
			"phase_enter header_filter", "phase_exit header_filter",
		}},
	}
	for _, tc := range cases {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
			st, body := get(t, base+tc.path)
			if st != tc.status {
				t.Fatalf("GET %s: status %d (body %q), want %d", tc.path, st, body, tc.status)
			}
			evs := requestEvents(t, sub, tc.path)
			got := phaseSequence(evs)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("GET %s: trace\n  %s\nwant\n  %s", tc.path, strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			checkPhasePairs(t, evs)
		})
	}
}

// TestPhaseTraceDurations: phase_exit of a handler that sleeps comes when
// the handler ends, not at its first yield; phases do not overlap except
// the filters nested in the content phase.
func TestPhaseTraceDurations(t *testing.T) {
	tr := trace.New(1, 1<<16)
	sub := tr.Subscribe()
	defer sub.Close()
	_, base, _ := startEngine(t, 1, phaseTraceConf, Options{Tracer: tr})
	for _, path := range []string{"/all", "/thread"} {
		if st, body := get(t, base+path); st != 200 {
			t.Fatalf("GET %s: %d %q", path, st, body)
		}
		evs := requestEvents(t, sub, path)
		var enter, exit int64
		for _, ev := range evs {
			if ev.Phase != "content" {
				continue
			}
			switch ev.Kind {
			case trace.PhaseEnter:
				enter = ev.TS
			case trace.PhaseExit:
				exit = ev.TS
			}
		}
		// both handlers wait 50 ms (the entry itself, or its light thread)
		if d := time.Duration(exit - enter); enter == 0 || d < 45*time.Millisecond {
			t.Errorf("GET %s: content phase lasted %v in the trace (enter %d, exit %d), want at least the 50 ms sleep", path, d, enter, exit)
		}
	}
}

// requestEvents reads the trace up to the request_end of the request for
// path and returns that request's events (an internal redirect keeps the
// request id).
func requestEvents(t *testing.T, sub *trace.Subscription, path string) []trace.Event {
	t.Helper()
	var req int64
	var out []trace.Event
	collect(t, sub, func(evs []trace.Event) bool {
		for _, ev := range evs[len(out):] {
			out = append(out, ev)
		}
		for _, ev := range out {
			if ev.Kind == trace.RequestStart && strings.HasSuffix(ev.Detail, " "+path) {
				req = ev.Req
			}
			if req != 0 && ev.Kind == trace.RequestEnd && ev.Req == req {
				return true
			}
		}
		return false
	})
	var mine []trace.Event
	for _, ev := range out {
		if ev.Req == req {
			mine = append(mine, ev)
		}
	}
	return mine
}

// phaseSequence renders the phase, coroutine and error events of one
// request, with coroutine ids renumbered by first appearance.
func phaseSequence(evs []trace.Event) []string {
	ids := map[int64]string{}
	name := func(co int64) string {
		if co == 0 {
			return "0"
		}
		if n, ok := ids[co]; ok {
			return n
		}
		ids[co] = fmt.Sprintf("c%d", len(ids)+1)
		return ids[co]
	}
	var out []string
	for _, ev := range evs {
		switch ev.Kind {
		case trace.PhaseEnter, trace.PhaseExit:
			out = append(out, ev.Kind.String()+" "+ev.Phase)
		case trace.CoCreate:
			s := "co_create " + name(ev.Co) + " " + ev.Phase
			if ev.Arg != 0 {
				s += " parent=" + name(ev.Arg)
			}
			if ev.Detail != "" {
				s += " " + ev.Detail
			}
			out = append(out, s)
		case trace.CoResume:
			out = append(out, "co_resume "+name(ev.Co))
		case trace.CoYield, trace.CoExit:
			out = append(out, ev.Kind.String()+" "+name(ev.Co)+" "+ev.Detail)
		case trace.LuaError:
			out = append(out, "lua_error "+name(ev.Co))
		}
	}
	return out
}

// checkPhasePairs checks that every phase_enter has its phase_exit, in
// order (nested only by the filters inside content), with timestamps that
// never go back.
func checkPhasePairs(t *testing.T, evs []trace.Event) {
	t.Helper()
	var open []string
	var last int64
	for _, ev := range evs {
		if ev.TS < last {
			t.Errorf("%s at ts %d after ts %d", ev.Kind, ev.TS, last)
		}
		last = ev.TS
		switch ev.Kind {
		case trace.PhaseEnter:
			if len(open) > 0 && open[len(open)-1] != "content" {
				t.Errorf("phase_enter %s inside %s", ev.Phase, open[len(open)-1])
			}
			open = append(open, ev.Phase)
		case trace.PhaseExit:
			if len(open) == 0 || open[len(open)-1] != ev.Phase {
				t.Errorf("phase_exit %s, open phases %v", ev.Phase, open)
				continue
			}
			open = open[:len(open)-1]
		}
	}
	if len(open) > 0 {
		t.Errorf("phases never exited: %v", open)
	}
}

// TestYieldCarriesCPUTime: co_yield and co_exit carry the CPU time of the
// run they end (arg2): about the loop's length for a run that spins, far
// less than the wall time for one that sleeps.
func TestYieldCarriesCPUTime(t *testing.T) {
	body := `
    server {
        listen 127.0.0.1:{{PORT}};
        location /cpu {
            content_by_lua_block {
                local x = 0
                for i = 1, 3e5 do x = x + i end -- a fixed amount of work (ms of CPU; more under -race)
                ngx.sleep(0.05)
                ngx.say("ok")
            }
        }
    }
`
	tr := trace.New(1, 1<<16)
	sub := tr.Subscribe()
	defer sub.Close()
	_, base, _ := startEngine(t, 1, body, Options{Tracer: tr, CPUBudget: time.Second})
	if st, b := get(t, base+"/cpu"); st != 200 {
		t.Fatalf("GET /cpu: %d %q", st, b)
	}
	evs := requestEvents(t, sub, "/cpu")
	var yield, exit *trace.Event
	for i := range evs {
		switch evs[i].Kind {
		case trace.CoYield:
			yield = &evs[i]
		case trace.CoExit:
			exit = &evs[i]
		}
	}
	if yield == nil || exit == nil {
		t.Fatalf("no co_yield or co_exit in %d events", len(evs))
	}
	// The worker thread's own CPU time: a loaded machine (other test
	// packages, the GC) slows the loop down but does not make it cost the
	// thread less CPU, so only the ratio to the short run after the sleep
	// and the budget bound it (os.clock, the process's time, would count
	// the other threads too).
	if yield.Arg2 < int64(time.Millisecond) || yield.Arg2 > int64(time.Second) {
		t.Errorf("the spinning run's CPU time %v, want the loop's few ms", time.Duration(yield.Arg2))
	}
	if exit.Arg2 <= 0 || exit.Arg2*5 > yield.Arg2 {
		t.Errorf("the run after the sleep used %v of CPU, the spinning run %v: want a small part of it", time.Duration(exit.Arg2), time.Duration(yield.Arg2))
	}
}
