package coro

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// drive runs code as an entry coroutine; the Lua function block(x) yields to
// the driver, which resumes it with x*2. It returns what the code printed
// through out() and the final error.
func drive(t *testing.T, code string, budget *Budget) (string, *lua.ApiError, int) {
	t.Helper()
	L := lua.NewState()
	defer L.Close()
	s, err := New(L, budget, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	var pending lua.LValue
	L.SetGlobal("block", L.NewFunction(func(L *lua.LState) int {
		pending = L.Get(1)
		return s.Yield(L)
	}))
	L.SetGlobal("blockw", s.WrapYielding(func(L *lua.LState) int {
		pending = L.Get(1)
		return s.Yield(L)
	}))
	// wait(ms) holds the resume without using CPU (a blocking call).
	L.SetGlobal("wait", L.NewFunction(func(L *lua.LState) int {
		time.Sleep(time.Duration(L.CheckInt(1)) * time.Millisecond)
		return 0
	}))
	L.SetGlobal("out", L.NewFunction(func(L *lua.LState) int {
		for i := 1; i <= L.GetTop(); i++ {
			if i > 1 {
				out.WriteByte(' ')
			}
			out.WriteString(L.Get(i).String())
		}
		out.WriteByte('\n')
		return 0
	}))
	fn, err := L.Load(strings.NewReader(code), "=test")
	if err != nil {
		t.Fatal(err)
	}
	th := s.NewThread()
	res := s.Start(th, fn)
	blocks := 0
	for res.Status == Blocked || res.Status == UserYield {
		if res.Status == UserYield {
			res = s.Resume(th)
			continue
		}
		blocks++
		n := lua.LVAsNumber(pending)
		res = s.Resume(th, n*2)
	}
	return out.String(), res.Err, blocks
}

func TestYieldThrough(t *testing.T) {
	cases := []struct {
		name, code, want string
		blocks           int
		err              string
	}{
		{"plain", `out(block(1))`, "2\n", 1, ""},
		{"tail call at top", `return block(4)`, "", 1, ""},
		{"inside pcall", `out(pcall(function(a) return block(a) + 1 end, 5))`, "true 11\n", 1, ""},
		{"pcall tail call", `out(pcall(function() return block(3) end))`, "true 6\n", 1, ""},
		{"pcall error after yield", `out(pcall(function() block(1) error("boom") end))`, "false test:1: boom\n", 1, ""},
		{"pcall error table", `local ok, e = pcall(function() block(1) error({code=7}) end) out(ok, e.code)`, "false 7\n", 1, ""},
		{"nested pcall", `out(pcall(pcall, function() return block(block(1)) end))`, "true true 4\n", 2, ""},
		{"xpcall handler", `out(xpcall(function() block(1) error("x", 0) end, function(e) return "h:" .. e end))`, "false h:x\n", 1, ""},
		{"xpcall args", `out(xpcall(function(a, b) return block(a + b) end, print, 1, 2))`, "true 6\n", 1, ""},
		{"wrap", `local f = coroutine.wrap(function() local v = block(2) coroutine.yield(v) return "end" end) out(f()) out(f())`, "4\nend\n", 1, ""},
		{"user coroutine yield values", `local co = coroutine.create(function(a) local b = coroutine.yield(a + 1) out("got", b) block(1) return "r" end)
out(coroutine.resume(co, 1)) out(coroutine.resume(co, 9)) out(coroutine.status(co)) out(coroutine.resume(co))`,
			"true 2\ngot 9\ntrue r\ndead\nfalse cannot resume dead coroutine\n", 1, ""},
		{"resume exact count", `local co = coroutine.create(function() end) out(select("#", coroutine.resume(co)))`, "1\n", 0, ""},
		{"pcall inside coroutine with user yield", `local co = coroutine.wrap(function() pcall(function() coroutine.yield("y") block(1) end) return "z" end) out(co()) out(co())`, "y\nz\n", 1, ""},
		{"top-level user yield", `coroutine.yield() out("after")`, "after\n", 0, ""},
		{"sort comparator", `table.sort({3, 1, 2}, function(a, b) block(1) return a < b end)`, "", 0, ErrCBoundary},
		{"metamethod", `local t = setmetatable({}, {__index = function() return block(1) end}) out(t.x)`, "", 0, ErrCBoundary},
		{"gsub callback", `out(string.gsub("a", "a", function() return block(1) end))`, "", 0, ErrCBoundary},
		{"wrapped: fewer results than the call site expects", `local a, b, c = blockw(3) out(a, b, c)`, "6 nil nil\n", 1, ""},
		{"wrapped inside pcall", `local ok, a, b = pcall(blockw, 1) out(ok, a, b)`, "true 2 nil\n", 1, ""},
		{"user yield padding", `local co = coroutine.create(function() local a, b = coroutine.yield() out(a, b) end) coroutine.resume(co) coroutine.resume(co, 5)`, "5 nil\n", 0, ""},
		{"pcall of non-function", `out(pcall(nil))`, "false attempt to call a nil value\n", 0, ""},
		// a Go function run by pcall has no Lua caller naming it: LuaJIT says '?'
		{"pcall names a Go function '?'", `out(pcall(string.rep))`, "false bad argument #1 to '?' (string expected, got no value)\n", 0, ""},
		{"nested pcall names '?'", `out(pcall(function() local f = string.rep return pcall(f) end))`, "true false bad argument #1 to '?' (string expected, got no value)\n", 0, ""},
		// pcall and xpcall check their arguments as LuaJIT's C functions,
		// named as the caller wrote them, at the caller's position
		// (answers checked with luajit)
		{"pcall without argument", `out(pcall(function() local r = pcall() end))`, "false test:1: bad argument #1 to 'pcall' (value expected)\n", 0, ""},
		{"pcall of pcall names '?'", `out(pcall(pcall))`, "false bad argument #1 to '?' (value expected)\n", 0, ""},
		{"xpcall without handler", `out(pcall(function() local r = xpcall(print) end))`, "false test:1: bad argument #2 to 'xpcall' (function expected, got no value)\n", 0, ""},
		{"xpcall with a number handler", `out(pcall(xpcall, out, 42))`, "false bad argument #2 to '?' (function expected, got number)\n", 0, ""},
		{"xpcall without argument", `out(pcall(function() local r = xpcall() end))`, "false test:1: bad argument #1 to 'xpcall' (value expected)\n", 0, ""},
		{"xpcall of nil calls the handler", `out(xpcall(nil, function(m) return "h:" .. m end))`, "false h:attempt to call a nil value\n", 0, ""},
		// an error inside the handler: false, "error in error handling";
		// the handler may block, and only its first result is returned
		{"xpcall handler error", `out(xpcall(function() block(1) error("x") end, function(m) block(1) error("in handler") end))`, "false error in error handling\n", 2, ""},
		// the prelude's create, wrap and resume name themselves as LuaJIT
		// (answers checked with luajit)
		{"create of a number", `out(pcall(function() local r = coroutine.create(1) end))`, "false test:1: bad argument #1 to 'create' (function expected, got number)\n", 0, ""},
		{"create without argument", `out(pcall(function() local c = coroutine.create local r = c() end))`, "false test:1: bad argument #1 to 'c' (function expected, got no value)\n", 0, ""},
		{"wrap of a table", `out(pcall(function() local r = coroutine.wrap({}) end))`, "false test:1: bad argument #1 to 'wrap' (function expected, got table)\n", 0, ""},
		{"wrap from pcall names '?'", `out(pcall(coroutine.wrap))`, "false bad argument #1 to '?' (function expected, got no value)\n", 0, ""},
		{"resume of a number", `out(pcall(function() local r = coroutine.resume(1) end))`, "false test:1: bad argument #1 to 'resume' (coroutine expected)\n", 0, ""},
		{"resume from pcall names '?'", `out(pcall(coroutine.resume))`, "false bad argument #1 to '?' (coroutine expected)\n", 0, ""},
		{"xpcall handler blocks", `out(xpcall(function() error("x", 0) end, function(m) return m .. block(1), 5 end))`, "false x2\n", 1, ""},
	}
	// each case without a CPU budget and with one: the budget is a
	// gopher-lua Interrupter, which runs another interpreter loop that
	// the C-call boundary check must know too
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	budget := NewBudget(time.Minute)
	defer budget.Close()
	for _, b := range []*Budget{nil, budget} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s/budget=%v", tc.name, b != nil), func(t *testing.T) {
				yieldThroughCase(t, tc.code, tc.want, tc.err, tc.blocks, b)
			})
		}
	}
}

func yieldThroughCase(t *testing.T, code, want, wantErr string, wantBlocks int, b *Budget) {
	t.Helper()
	out, err, blocks := drive(t, code, b)
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Object.String(), wantErr) {
			t.Fatalf("err = %v, want %q (out %q)", err, wantErr, out)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error %v (out %q)", err.Object, out)
	}
	if out != want {
		t.Errorf("out = %q, want %q", out, want)
	}
	if blocks != wantBlocks {
		t.Errorf("blocks = %d, want %d", blocks, wantBlocks)
	}
}

// The Budget is a gopher-lua Interrupter, so the VM checks it with one
// atomic load per instruction (TestBudgetStopsLoop: it still stops loops).
var _ lua.Interrupter = (*Budget)(nil)

func TestBudgetStopsLoop(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b := NewBudget(50 * time.Millisecond)
	defer b.Close()
	b.Measure(true)
	for _, code := range []string{
		`while true do end`,
		`pcall(function() while true do end end)`,
		`local co = coroutine.wrap(function() while true do end end) co()`,
	} {
		start := time.Now()
		_, err, _ := drive(t, code, b)
		if err == nil || !strings.Contains(err.Object.String(), "CPU budget") {
			t.Fatalf("%s: err = %v, want CPU budget error", code, err)
		}
		// never before the limit: the watchdog charges a resume only the
		// CPU time it saw it use
		if used := time.Duration(b.LastCPU()); used < b.Limit() {
			t.Fatalf("%s: stopped after %v of CPU time, before the budget of %v", code, used, b.Limit())
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("%s: took %v", code, d)
		}
	}
	// After a stopped resume, the next one runs normally.
	out, err, _ := drive(t, `out(block(2))`, b)
	if err != nil || out != "4\n" {
		t.Fatalf("after budget: out %q err %v", out, err)
	}
}

// TestBudgetCountsCPUNotWall: a resume that holds its thread without using
// CPU (here a blocking call; on a loaded machine, the wait for a core) is not
// charged, and CPU used across such waits is.
func TestBudgetCountsCPUNotWall(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b := NewBudget(50 * time.Millisecond)
	defer b.Close()
	out, err, _ := drive(t, `wait(300) out("slept")`, b)
	if err != nil || out != "slept\n" {
		t.Fatalf("a resume that waited 300 ms using no CPU: out %q, err %v; want it to run to the end", out, err)
	}
	_, err, _ = drive(t, `wait(100) while true do end`, b)
	if err == nil || !strings.Contains(err.Object.String(), "50ms of CPU time without yielding") {
		t.Fatalf("a spin after a wait: err = %v, want the CPU budget's error", err)
	}
}

// TestBudgetPerThread: two budgets on two threads do not charge each other.
func TestBudgetPerThread(t *testing.T) {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		b := NewBudget(time.Hour)
		defer b.Close()
		b.Measure(true)
		b.begin()
		deadline := time.Now().Add(100 * time.Millisecond)
		for time.Now().Before(deadline) {
		}
		b.end()
		if used := b.LastCPU(); used < int64(10*time.Millisecond) {
			done <- fmt.Errorf("a 100 ms spin charged %v", time.Duration(used))
			return
		}
		done <- nil
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b := NewBudget(time.Hour)
	defer b.Close()
	b.Measure(true)
	b.begin()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	b.end()
	if used := b.LastCPU(); used > int64(50*time.Millisecond) {
		t.Fatalf("a thread waiting for another's 100 ms spin was charged %v", time.Duration(used))
	}
}

// TestBudgetWatchdogSleepsWhenIdle: with no resume running the watchdog
// stops its ticker (an idle server's VMs cause no wake-ups), and the next
// resume wakes it: a loop after a long idle time is still stopped.
func TestBudgetWatchdogSleepsWhenIdle(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b := NewBudget(16 * time.Millisecond) // a tick every 2 ms: parked after 32 ms idle
	defer b.Close()
	for round := 0; round < 3; round++ {
		deadline := time.Now().Add(5 * time.Second)
		for !b.parked.Load() {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the watchdog of an idle budget still ticks after 5 s", round)
			}
			time.Sleep(time.Millisecond)
		}
		_, err, _ := drive(t, `while true do end`, b)
		if err == nil || !strings.Contains(err.Object.String(), "CPU budget") {
			t.Fatalf("round %d: a loop after the watchdog slept: err = %v, want the CPU budget's error", round, err)
		}
	}
}

// TestResumeResultsReused checks that a resume's values are right and live
// in the scheduler's reused slice: resuming a coroutine that blocks
// allocates nothing for its results, and a Start nested in a resume (an
// API running another coroutine, as a body filter run from ngx.say does)
// gets its own results and leaves the outer resume's right.
func TestResumeResultsReused(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	s, err := New(L, nil, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	L.SetGlobal("block", L.NewFunction(func(L *lua.LState) int { return s.Yield(L) }))
	L.SetGlobal("nested", L.NewFunction(func(L *lua.LState) int {
		fn := L.CheckFunction(1)
		res := s.Start(s.NewThread(), fn)
		if res.Status != Done || len(res.Values) != 3 || res.Values[2] != lua.LNumber(30) {
			L.RaiseError("nested results: %v %v", res.Status, res.Values)
		}
		return 0
	}))
	fn, err := L.Load(strings.NewReader(`
		while true do
			local a = block()
			if a == "end" then nested(function() return 10, 20, 30 end) return "x", "y" end
		end`), "=test")
	if err != nil {
		t.Fatal(err)
	}
	th := s.NewThread()
	if res := s.Start(th, fn); res.Status != Blocked || len(res.Values) != 0 {
		t.Fatalf("Start: %v %v, want Blocked with no values", res.Status, res.Values)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if res := s.Resume(th, lua.LNumber(1)); res.Status != Blocked {
			t.Fatalf("Resume: %v %v, want Blocked", res.Status, res.Err)
		}
	})
	if allocs != 0 {
		t.Errorf("a resume that blocks allocated %v times, want 0", allocs)
	}
	res := s.Resume(th, lua.LString("end"))
	if res.Status != Done || len(res.Values) != 2 || res.Values[0] != lua.LString("x") || res.Values[1] != lua.LString("y") {
		t.Fatalf("last Resume: %v %v, want Done x y", res.Status, res.Values)
	}
}
