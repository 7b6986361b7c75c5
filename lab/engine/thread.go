package engine

import (
	"fmt"
	"slices"
	"strings"
	"weak"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/coro"
	"github.com/restylab/restylab/lab/trace"
)

// coroutineState is a worker's bookkeeping of the coroutines of its VM.
type coroutineState struct {
	// luaDepth counts the Lua resumes running now (nested: a spawn runs
	// its new thread inside the spawner's call); posted threads run only
	// from the outermost (posted.go).
	luaDepth int
	// coIDs numbers the coroutines of this VM for the trace.
	coIDs map[*lua.LState]int64
	// uthreads maps the coroutines of live light threads to them (the
	// handle ngx.thread.spawn returns is the coroutine itself).
	uthreads map[*lua.LState]*uthread
	// ended holds the handles of light threads whose request has ended
	// (weak: a handle Lua dropped goes), so that waiting on one kept in a
	// global is told apart from waiting on a plain coroutine (threadWait).
	ended map[weak.Pointer[lua.LState]]struct{}
	// bodyStartLine and bodyMakerLine tell pcall bodies from other
	// coroutines (mainthread.go); calibrating: findPCallBody runs.
	bodyStartLine, bodyMakerLine int
	calibrating                  bool
	// lastErrorArg is the value last given to error() (see afterChild).
	lastErrorArg lua.LValue
}

// Light threads (ngx.thread.spawn/wait/kill). A request's handler runs in
// its entry thread; spawn makes more coroutines of the same request that
// the worker schedules like the entry: each waits on its own timer, socket
// or thread. As in ngx_lua, a spawned thread runs first, until it yields or
// ends; the handler's phase ends only when the entry thread and every
// spawned thread have ended (unless ngx.exit ends the request).

// uthread is one light thread (the entry thread included). Loop-only.
type uthread struct {
	threadState
	r      *request
	parent *uthread
	entry  bool

	done    bool
	waited  bool // its result was collected by ngx.thread.wait
	killed  bool
	ok      bool
	results []lua.LValue

	waiter    *uthread   // the thread blocked in ngx.thread.wait on it
	waitingOn []*uthread // what this thread waits for in ngx.thread.wait
}

// switchTo loads t's state into the request (saving the running thread's).
func (r *request) switchTo(t *uthread) {
	if r.running == t || t == nil {
		return
	}
	if r.running != nil {
		r.running.threadState = r.threadState
	}
	r.threadState = t.threadState
	r.running = t
}

// resumeThread resumes light thread t with vals, then runs the threads it
// posted (posted.go).
func (r *request) resumeThread(t *uthread, vals ...lua.LValue) {
	r.resumeThreadOnce(t, vals...)
	r.runPosted()
}

// resumeThreadOnce resumes light thread t with vals, then loads the entry
// thread's state back (the state asynchronous events of the entry expect).
func (r *request) resumeThreadOnce(t *uthread, vals ...lua.LValue) {
	if t == nil || t.done || r.finalized && !r.isTimer {
		return
	}
	r.switchTo(t)
	r.resume(vals...)
	if r.entryT != nil && !r.finalized {
		r.switchTo(r.entryT)
	}
}

// state is t's wait state: the request's loaded copy while t is loaded.
func (t *uthread) state() *threadState {
	if t.r.running == t {
		return &t.r.threadState
	}
	return &t.threadState
}

// liveChildren counts spawned threads that have not ended.
func (r *request) liveChildren() int {
	n := 0
	for _, t := range r.children {
		if !t.done {
			n++
		}
	}
	return n
}

// killThreads abandons every spawned thread (request end, ngx.exit).
func (r *request) killThreads() {
	for _, t := range r.children {
		if t.done {
			continue
		}
		t.done, t.killed = true, true
		st := t.threadState
		if r.running == t {
			st = r.threadState
		}
		r.w.loop.StopTimer(st.timer)
		if st.th != nil {
			delete(r.w.coIDs, st.th)
		}
		if r.w.rec.Enabled() {
			r.w.rec.Emit(trace.Event{Kind: trace.CoExit, Req: r.id, Co: st.coID, Phase: r.phase.String(), Detail: "killed"})
		}
	}
}

// opEndName is how a thread's co_exit names the request-wide op that ended it.
var opEndName = map[op]string{opExit: "exit", opExec: "exec", opRedirect: "redirect", opAbort: "error"}

// afterChild acts on how a spawned thread's resume ended. It reports
// false: the phase engine never goes on from a child's resume directly.
func (r *request) afterChild(res coro.Result) bool {
	w := r.w
	t := r.running
	switch res.Status {
	case coro.Blocked:
		switch r.op {
		case opExit, opExec, opRedirect, opAbort:
			// these act on the whole request: every thread ends and the
			// entry thread's handling applies
			op := r.op
			// the thread that asked ends with the name of what it did;
			// killThreads then ends the others
			t.done, t.killed = true, true
			w.loop.StopTimer(r.timer)
			if w.rec.Enabled() {
				w.rec.Emit(trace.Event{Kind: trace.CoExit, Req: r.id, Co: r.coID, Phase: r.phase.String(), Detail: opEndName[op], Arg2: w.lastCPU()})
			}
			if r.th != nil {
				delete(w.coIDs, r.th)
			}
			r.killThreads()
			r.switchTo(r.entryT)
			r.entryDone = false
			r.w.loop.StopTimer(r.timer)
			r.timer = nil
			r.op = op
			r.takeovers++ // the threads on the Go stack (spawners) give up too
			r.posted = nil
			r.takeoverGoOn = r.afterResume(coro.Result{Status: coro.Blocked})
			return r.takeoverGoOn
		}
		if w.rec.Enabled() {
			w.rec.Emit(trace.Event{Kind: trace.CoYield, Req: r.id, Co: r.coID, Phase: r.phase.String(), Detail: r.waitDesc, Source: r.waitSource, Line: r.waitLine, Arg2: w.lastCPU()})
		}
		r.flushBuffered()
		return false
	case coro.UserYield:
		// others are posted (a yield with none posted went on at once,
		// in enter; a new thread's yield finds its spawner posted)
		if w.rec.Enabled() {
			w.rec.Emit(trace.Event{Kind: trace.CoYield, Req: r.id, Co: r.coID, Phase: r.phase.String(), Detail: "user yield", Arg2: w.lastCPU()})
		}
		r.op = opYield
		r.post(t)
		return false
	case coro.Done:
		// res.Values is the scheduler's slice, reused by its next resume
		t.ok, t.results = true, slices.Clone(res.Values)
		if len(t.results) == 1 && t.results[0] == lua.LNil && res.Values != nil {
			t.results = nil
		}
	default:
		msg := luaErrorText(res.Err)
		r.logErr(LevelErr, "lua user thread aborted: runtime error: "+msg)
		t.ok, t.results = false, []lua.LValue{lua.LString(msg)}
		if res.Err != nil && res.Err.Object != nil {
			t.results = []lua.LValue{res.Err.Object}
		}
		// ngx_lua hands back what is left on the dead thread's stack: for
		// error("msg") that is the argument, then the message with its
		// position (observed on ngx_lua 0.10.23).
		if raw, ok := w.lastErrorArg.(lua.LString); ok {
			if full, ok := t.results[0].(lua.LString); ok {
				switch {
				case full == raw:
					t.results = []lua.LValue{raw}
				case strings.HasSuffix(string(full), ": "+string(raw)):
					t.results = []lua.LValue{raw, full}
				}
			}
		}
	}
	w.lastErrorArg = nil
	t.done = true
	if w.rec.Enabled() {
		w.rec.Emit(trace.Event{Kind: trace.CoExit, Req: r.id, Co: r.coID, Phase: r.phase.String(), Detail: map[bool]string{true: "ok", false: "error"}[t.ok], Arg2: w.lastCPU()})
	}
	if r.th != nil {
		delete(w.coIDs, r.th)
	}
	r.threadEnded(t)
	return false
}

// threadEnded wakes a thread waiting on t, and ends the phase when t was
// the last thread of a finished entry.
func (r *request) threadEnded(t *uthread) {
	if wt := t.waiter; wt != nil {
		for _, o := range wt.waitingOn {
			o.waiter = nil
		}
		wt.waitingOn = nil
		t.waited = true
		vals := append([]lua.LValue{lua.LBool(t.ok)}, t.results...)
		// ngx_lua resumes the waiting thread at once, in the same event
		// handler (ngx_http_lua_run_thread goes on with the parent), not
		// after the other timers that expired in this turn of the loop
		r.resumeThread(wt, vals...)
		return
	}
	if r.entryDone && r.liveChildren() == 0 {
		r.w.loop.Post(func() {
			if r.finalized || !r.entryDone {
				return
			}
			r.entryDone = false
			r.switchTo(r.entryT)
			if r.isTimer {
				r.th = nil
				r.timerCheckDone()
				return
			}
			r.exitPhase() // the phase ends with its last light thread
			if r.afterEntryDone() {
				r.run()
			}
		})
	}
}

// newThreadTable builds ngx.thread.
func (w *worker) newThreadTable() *lua.LTable {
	L := w.L
	t := L.NewTable()
	w.setAPI(t, "ngx.thread.spawn", w.threadSpawn)
	w.setAPI(t, "ngx.thread.wait", w.threadWait)
	w.setAPI(t, "ngx.thread.kill", w.threadKill)
	mt := L.NewTable()
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("thread"))
		return 1
	}))
	w.threadMeta = mt
	return t
}

// threadSpawn is ngx.thread.spawn(fn, ...): the new thread runs at once,
// until it yields or ends; then spawn returns its handle to the caller.
func (w *worker) threadSpawn(L *lua.LState) int {
	r := w.need(L, "ngx.thread.spawn")
	fn := checkLuaFunction(L, 1)
	args := make([]lua.LValue, 0, L.GetTop())
	for i := 2; i <= L.GetTop(); i++ {
		args = append(args, L.Get(i))
	}
	parent := r.running
	// ngx_lua posts the spawner, then runs the new thread at once
	turn := r.post(parent)
	t := &uthread{r: r, parent: parent}
	r.pin() // the thread's handle (w.uthreads) keeps r
	t.th = w.sched.NewThread()
	t.coID = w.newCoID(t.th)
	w.uthreads[t.th] = t
	r.children = append(r.children, t)
	if w.rec.Enabled() {
		w.rec.Emit(trace.Event{Kind: trace.CoCreate, Req: r.id, Co: t.coID, Arg: parent.coIDOr(r), Phase: r.phase.String(), Detail: "ngx.thread.spawn"})
	}
	r.switchTo(t)
	if w.rec.Enabled() {
		w.rec.Emit(trace.Event{Kind: trace.CoResume, Req: r.id, Co: t.coID, Phase: r.phase.String()})
	}
	takeovers := r.takeovers
	res := w.sched.StartFrom(L, t.th, fn, args...)
	r.afterResume(res)
	if r.takeovers != takeovers || r.finalized && !r.isTimer {
		// the new thread ended the request or moved it on (ngx.exit,
		// ngx.exec, ngx.redirect, an error): the spawner's code must not go
		// on; whoever resumed it carries on with the request (opGone)
		r.posted = nil
		r.op = opGone
		return w.sched.Yield(L)
	}
	r.switchTo(parent)
	// the spawner goes on when its turn comes: at once when no thread was
	// posted before it, else after those (posted.go)
	if i := slices.Index(r.posted, turn); i <= 0 {
		if i == 0 {
			r.posted = r.posted[1:]
		}
		L.Push(t.th) // as in ngx_lua, the handle is the thread's coroutine
		return 1
	}
	turn.vals = []lua.LValue{t.th}
	r.op = opYield
	r.waitDesc = "its turn (posted threads run first)"
	w.markWait(L, r)
	return w.sched.Yield(L)
}

// coIDOr is a thread's coroutine id (the loaded one for the running thread).
func (t *uthread) coIDOr(r *request) int64 {
	if r.running == t {
		return r.coID
	}
	return t.coID
}

// maxEnded bounds coroutineState.ended; past it the handles Lua dropped
// are swept out, and if that is not enough the set starts over.
const maxEnded = 4096

// threadEnded records th, a light thread whose request has ended.
func (w *worker) threadEnded(th *lua.LState) {
	if w.ended == nil {
		w.ended = make(map[weak.Pointer[lua.LState]]struct{})
	}
	if len(w.ended) >= maxEnded {
		for k := range w.ended {
			if k.Value() == nil {
				delete(w.ended, k)
			}
		}
		if len(w.ended) >= maxEnded {
			clear(w.ended)
		}
	}
	w.ended[weak.Make(th)] = struct{}{}
}

// endedThread tells whether co is the handle of a light thread whose
// request has ended.
func (w *worker) endedThread(co *lua.LState) bool {
	_, ok := w.ended[weak.Make(co)]
	return ok
}

// threadWait is ngx.thread.wait(t1, ...), argument by argument as
// ngx_lua's ngx_http_lua_uthread_wait: each must be a light thread of the
// caller (else a Lua error); the first that already ended gives true and
// its results (or false and its error) at once, before later arguments
// are looked at; one already waited for or killed is skipped, unless it
// is the last argument, which gives nil and "already waited or killed";
// else the caller waits for the first of the live ones to end.
func (w *worker) threadWait(L *lua.LState) int {
	r := w.need(L, "ngx.thread.wait")
	me := r.running
	n := L.GetTop()
	if n == 0 {
		raise(L, "at least one coroutine should be specified")
	}
	var ts []*uthread
	for i := 1; i <= n; i++ {
		co, ok := L.Get(i).(*lua.LState)
		if !ok {
			L.ArgError(i, "lua thread expected")
		}
		t, isUser := w.uthreads[co]
		if !isUser {
			if !w.endedThread(co) {
				// a coroutine of coroutine.create, or an entry thread
				raise(L, "attempt to wait on a coroutine that is not a user thread")
			}
			// a light thread of a request that has ended (kept in a
			// global): nginx reads that request's freed memory here and
			// answers one way or another; this is the answer that says
			// what is wrong (the caller is not the thread's parent)
			raise(L, "only the parent coroutine can wait on the thread")
		}
		if t.r != r || t.parent != me {
			raise(L, "only the parent coroutine can wait on the thread")
		}
		switch {
		case t.done && !t.waited && !t.killed:
			t.waited = true
			L.Push(lua.LBool(t.ok))
			for _, v := range t.results {
				L.Push(v)
			}
			return 1 + len(t.results)
		case t.done:
			if i < n {
				continue
			}
			return nilErr(L, "already waited or killed")
		}
		ts = append(ts, t)
	}
	for _, t := range ts {
		if !t.done {
			t.waiter = me
			me.waitingOn = append(me.waitingOn, t)
		}
	}
	r.op = opThreadWait
	r.waitDesc = fmt.Sprintf("ngx.thread.wait on %d thread(s)", len(me.waitingOn))
	w.markWait(L, r)
	return w.sched.Yield(L)
}

// threadKill is ngx.thread.kill(t): only its parent may kill it.
func (w *worker) threadKill(L *lua.LState) int {
	r := w.need(L, "ngx.thread.kill")
	co, isThread := L.Get(1).(*lua.LState)
	if !isThread {
		raise(L, "bad argument #1 to 'kill' (thread expected, got %s)", L.Get(1).Type().String())
	}
	t, isUser := w.uthreads[co]
	if !isUser {
		// a coroutine of coroutine.create, or an entry thread
		return nilErr(L, "not user thread")
	}
	if t.r != r || t.parent != r.running {
		// itself, a sibling, another thread's child (difftest thread/status_relations)
		return nilErr(L, "killer not parent")
	}
	if t.done {
		return nilErr(L, "already waited or killed")
	}
	t.done, t.killed = true, true
	w.loop.StopTimer(t.timer)
	if t.th != nil {
		delete(w.coIDs, t.th)
	}
	if w.rec.Enabled() {
		w.rec.Emit(trace.Event{Kind: trace.CoExit, Req: r.id, Co: t.coID, Phase: r.phase.String(), Detail: "killed"})
	}
	if r.entryDone && r.liveChildren() == 0 {
		r.threadEnded(t)
	}
	L.Push(lua.LNumber(1))
	return 1
}
