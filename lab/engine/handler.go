package engine

import (
	"fmt"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/lab/coro"
	"github.com/restylab/restylab/lab/trace"
)

// function returns the current VM's function for a compiled snippet.
func (w *worker) function(code *conf.LuaCode) (*lua.LFunction, error) {
	if fn, ok := w.funcs[code]; ok {
		return fn, nil
	}
	var p *lua.FunctionProto
	if code.Path != "" && (w.luaVM != w.mainVM || code.Lazy) {
		// a request's own VM (lua_code_cache off): the file is read again
		src, err := code.ReadFile()
		if err == nil {
			p, err = compileLua(src, code.Source())
		}
		if err != nil {
			return nil, err
		}
	} else {
		if err, bad := w.e.loadErr[code]; bad {
			return nil, err
		}
		var ok bool
		if p, ok = w.e.protos[code]; !ok {
			var err error
			if p, err = compileLua(code.Code, code.Source()); err != nil {
				return nil, err
			}
		}
	}
	fn := w.L.NewFunctionFromProto(p)
	w.funcs[code] = fn // this VM's code cache
	return fn, nil
}

// runHandler runs a rewrite, access or content handler in a new entry
// coroutine. It reports true when the phase engine may go on at once, false
// when the request waits (the handler yielded) or was finalized.
func (r *request) runHandler(p phase, code *conf.LuaCode) bool {
	r.w.useVM(r)
	code, fn, status := r.loadHandler(code)
	if fn == nil {
		r.phase = p
		r.finalize(status)
		return false
	}
	r.phase = p
	r.code = code
	r.entryT = r.newEntryThread()
	r.running, r.children, r.entryDone = r.entryT, nil, false
	r.th = r.w.sched.NewThread()
	r.coID = r.w.newCoID(r.th)
	r.enterPhase(p, code.ChunkName)
	if r.w.rec.Enabled() {
		r.w.rec.Emit(trace.Event{Kind: trace.CoCreate, Req: r.id, Co: r.coID, Phase: p.String(), Source: code.ChunkName})
	}
	goOn := r.afterResume(r.w.enter(r, func() coro.Result { return r.w.sched.Start(r.th, fn) }))
	if len(r.posted) > 0 {
		r.runPosted()
		return false // the threads posted decide when the phase ends
	}
	return goOn
}

// newEntryThread makes the uthread of a new entry coroutine, in the
// memory allocated with the request for the first one.
func (r *request) newEntryThread() *uthread {
	if t := r.spareEntry; t != nil {
		r.spareEntry = nil
		*t = uthread{r: r, entry: true}
		return t
	}
	return &uthread{r: r, entry: true}
}

// resume continues the request's entry coroutine after what it waited for
// is ready; vals become the results of the blocking call.
func (r *request) resume(vals ...lua.LValue) {
	if r.th == nil || r.finalized {
		return
	}
	r.op = opNone
	r.waitDesc = ""
	done := r.afterResume(r.w.enter(r, func() coro.Result { return r.w.sched.Resume(r.th, vals...) }))
	if r.isTimer {
		r.timerCheckDone()
		return
	}
	if done {
		r.run()
	}
}

// enter makes r the current request, resumes its coroutine (traced as
// co_resume), and restores.
func (w *worker) enter(r *request, f func() coro.Result) coro.Result {
	on := w.rec.Enabled()
	if w.budget != nil {
		w.budget.Measure(on) // co_yield and co_exit carry the resume's CPU time
	}
	if on {
		w.rec.Emit(trace.Event{Kind: trace.CoResume, Req: r.id, Co: r.coID, Phase: r.phase.String()})
	}
	res := w.call(r, f)
	for res.Status == coro.UserYield && len(r.posted) == 0 && r.th != nil && !r.finalized {
		// ngx_lua: coroutine.yield() in a thread with no other thread
		// posted goes on at once (posted.go)
		if w.rec.Enabled() {
			w.rec.Emit(trace.Event{Kind: trace.CoYield, Req: r.id, Co: r.coID, Phase: r.phase.String(), Detail: "user yield", Arg2: w.lastCPU()})
			w.rec.Emit(trace.Event{Kind: trace.CoResume, Req: r.id, Co: r.coID, Phase: r.phase.String()})
		}
		if w.budget != nil {
			w.budget.Measure(on)
		}
		res = w.call(r, func() coro.Result { return w.sched.Resume(r.th) })
	}
	return res
}

// call makes r the current request, runs f, and restores. Unlike enter it
// traces nothing: it runs handlers that ngx_lua calls on the main thread.
func (w *worker) call(r *request, f func() coro.Result) coro.Result {
	prev := w.cur
	w.cur = r
	w.useVM(r) // not restored: what follows the call (Release) is about r's VM too
	w.luaDepth++
	res := f()
	w.luaDepth--
	w.cur = prev
	return res
}

// enterPhase traces the start of a rewrite, access or content handler.
func (r *request) enterPhase(p phase, chunk string) {
	r.openPhase = p
	if r.w.rec.Enabled() {
		r.w.rec.Emit(trace.Event{Kind: trace.PhaseEnter, Req: r.id, Phase: p.String(), Source: chunk})
	}
}

// exitPhase traces the end of the open phase, if one is open: the handler
// and every light thread it spawned ended, or the request left the phase
// (ngx.exit, ngx.exec, an error, the end of the request).
func (r *request) exitPhase() {
	p := r.openPhase
	if p == phaseNone {
		return
	}
	r.openPhase = phaseNone
	if r.w.rec.Enabled() {
		r.w.rec.Emit(trace.Event{Kind: trace.PhaseExit, Req: r.id, Phase: p.String()})
	}
}

// afterResume acts on how the handler's resume ended.
func (r *request) afterResume(res coro.Result) bool {
	if res.Status != coro.Done {
		// a yield leaves timers, sockets, posted functions or threads
		// pointing at r; an error may have left anything
		r.pin()
	}
	if r.op == opGone {
		// a thread on the Go stack gave up after a request-wide op of a
		// thread it spawned (threadSpawn): go on as that op's handling said
		r.op = opNone
		return r.takeoverGoOn
	}
	w := r.w
	if r.running != nil && !r.running.entry {
		return r.afterChild(res)
	}
	switch res.Status {
	case coro.Blocked:
		switch r.op {
		case opExit:
			r.endThread("exit")
			r.killThreads()
			r.exitPhase()
			code := r.exitCode
			if r.accessLuaExit(code) {
				return true // satisfy any: the post-access step decides
			}
			if code == 0 { // ngx.OK: leave this phase only
				if r.phase == phaseContent {
					r.step = stDone
				}
				if r.headerSent && (r.phase == phaseServerRewrite || r.phase == phaseRewrite || r.phase == phaseAccess) {
					r.finalize(0) // output already started: the request ends here
					return false
				}
				return r.flushBuffered()
			}
			if code == -1 || code == 444 { // ngx.ERROR, or nginx's "close the connection"
				r.finalize(code)
				return false
			}
			if code < 0 || code < 200 && r.sub == nil {
				// another negative code (NGX_DECLINED...) or one under 200:
				// nginx closes the connection with no response, $status 000
				// (observed for -5, 1, 100, 150, 199)
				r.finalize(-1)
				return false
			}
			if code >= 200 && code < 300 {
				// a 2xx exit is an ordinary response with that status
				if !r.headerSent {
					r.status = code
				}
				r.finalize(0)
				return false
			}
			r.finalize(code)
			return false
		case opExec:
			r.endThread("exec")
			r.killThreads()
			r.exitPhase()
			if !r.internalRedirect() {
				return false
			}
			return true
		case opRedirect:
			r.endThread("redirect")
			r.finalize(r.exitCode)
			return false
		case opAbort:
			r.op = opNone
			r.luaFailed(r.abortMsg)
			return false
		}
		if w.rec.Enabled() {
			w.rec.Emit(trace.Event{Kind: trace.CoYield, Req: r.id, Co: r.coID, Phase: r.phase.String(), Detail: r.waitDesc, Source: r.waitSource, Line: r.waitLine, Arg2: w.lastCPU()})
		}
		r.flushBuffered()
		return false
	case coro.UserYield:
		// coroutine.yield in the entry coroutine while other threads are
		// posted: it waits for its turn after them (posted.go)
		if w.rec.Enabled() {
			w.rec.Emit(trace.Event{Kind: trace.CoYield, Req: r.id, Co: r.coID, Phase: r.phase.String(), Detail: "user yield", Arg2: w.lastCPU()})
		}
		r.op = opYield
		r.post(r.running)
		return false
	case coro.Done:
		if w.rec.Enabled() {
			w.rec.Emit(trace.Event{Kind: trace.CoExit, Req: r.id, Co: r.coID, Phase: r.phase.String(), Detail: "ok", Arg2: w.lastCPU()})
		}
		w.sched.Release(r.th)
		delete(w.coIDs, r.th)
		r.th = nil
		if r.liveChildren() > 0 {
			// the phase waits for the light threads it spawned
			r.entryDone = true
			return false
		}
		r.exitPhase()
		return r.afterEntryDone()
	default:
		r.luaFailed(luaErrorText(res.Err))
		return false
	}
}

// afterEntryDone is the end of a handler whose threads have all ended.
func (r *request) afterEntryDone() bool {
	if r.accessLuaExit(0) {
		return true // ngx_lua answers NGX_OK: satisfy any is satisfied
	}
	if r.headerSent && (r.phase == phaseServerRewrite || r.phase == phaseRewrite || r.phase == phaseAccess) {
		// ngx_lua ends the request once a rewrite or access handler has
		// sent the header
		r.finalize(0)
		return false
	}
	return true
}

// luaFailed ends the request for a Lua error in its handler, as ngx_lua
// does: 500 when nothing was sent, else the connection ends abruptly and
// output not yet written is lost.
func (r *request) luaFailed(msg string) {
	w := r.w
	{
		if w.rec.Enabled() {
			w.rec.Emit(trace.Event{Kind: trace.LuaError, Req: r.id, Co: r.coID, Phase: r.phase.String(), Detail: msg})
		}
		r.endThread("error")
		chunk := "?"
		if r.code != nil {
			chunk = r.code.ChunkName
		}
		r.logErr(LevelErr, "lua entry thread aborted: runtime error: "+msg+"\nstack traceback:\ncoroutine 0:\n\t"+chunk+": in main chunk")
		if r.headerSent {
			// the status is out: nginx ends the connection without the
			// response's proper end (no last chunk), and what it still
			// buffered is never written
			r.broken = true
			r.keepAlive = false
			if r.sub == nil {
				r.c.wbuf = r.c.wbuf[:r.c.wpos]
			}
			r.unflushed = 0
		}
		r.finalize(500)
	}
}

// endThread drops the entry coroutine without finishing it. The caller
// ends the phase (exitPhase) once the light threads are gone too.
func (r *request) endThread(why string) {
	if r.th == nil {
		return
	}
	if r.w.rec.Enabled() {
		r.w.rec.Emit(trace.Event{Kind: trace.CoExit, Req: r.id, Co: r.coID, Phase: r.phase.String(), Detail: why})
	}
	delete(r.w.coIDs, r.th)
	r.th = nil
	r.w.loop.StopTimer(r.timer)
	r.timer = nil
}

// runSync runs a filter, log or set handler to completion. ngx_lua calls
// these on the VM's main thread; the engine runs them in an internal
// coroutine so that a yield is caught as the error it is there (their APIs
// refuse to yield). That coroutine is not traced (only phase_enter and
// phase_exit are) and Lua code does not see it (mainthread.go). It returns
// the handler's results and whether it succeeded; the results are the
// scheduler's (coro.Result.Values): valid until the next resume, so the
// caller reads them at once.
func (r *request) runSync(p phase, code *conf.LuaCode, args ...lua.LValue) ([]lua.LValue, bool) {
	r.w.useVM(r)
	savedPhase := r.phase
	r.phase = p // a load error of log_by_lua_file is logged "while logging request"
	code, fn, _ := r.loadHandler(code)
	r.phase = savedPhase
	if fn == nil {
		return nil, false
	}
	savedTh, savedCo, savedOp := r.th, r.coID, r.op
	r.phase = p
	th := r.w.sched.NewThread()
	r.th, r.coID = th, 0
	if r.w.rec.Enabled() {
		r.w.rec.Emit(trace.Event{Kind: trace.PhaseEnter, Req: r.id, Phase: p.String(), Source: code.ChunkName})
	}
	res := r.w.call(r, func() coro.Result { return r.w.sched.Start(th, fn, args...) })
	if res.Status != coro.Done {
		r.pin() // what a yield there left behind
	}
	ok := true
	switch res.Status {
	case coro.Done:
		r.w.sched.Release(th)
	case coro.Blocked:
		if r.op != opExit {
			ok = false
			r.logErr(LevelErr, fmt.Sprintf("failed to run %s: attempt to yield in %s", p.context(), p.context()))
		}
	case coro.UserYield:
		ok = false
		r.logErr(LevelErr, fmt.Sprintf("failed to run %s: %s", p.context(), coro.ErrCBoundary))
	default:
		ok = false
		r.logErr(LevelErr, fmt.Sprintf("failed to run %s: %s", p.context(), luaErrorText(res.Err)))
	}
	if r.w.rec.Enabled() {
		r.w.rec.Emit(trace.Event{Kind: trace.PhaseExit, Req: r.id, Phase: p.String()})
	}
	r.phase, r.th, r.coID = savedPhase, savedTh, savedCo
	if r.op != opExit || r.filterExit {
		r.op = savedOp // a header filter's exit is sendHeader's to apply
	}
	return res.Values, ok
}

// lastCPU is the CPU time the resume that just ended used (0 without a
// budget or a trace reader): the arg2 of co_yield and co_exit.
func (w *worker) lastCPU() int64 {
	if w.budget == nil {
		return 0
	}
	return w.budget.LastCPU()
}

// newCoID numbers a coroutine for the trace.
func (w *worker) newCoID(th *lua.LState) int64 {
	id := w.e.coSeq.Add(1)
	w.coIDs[th] = id
	return id
}

// luaErrorText is the message of a Lua error value.
func luaErrorText(err *lua.ApiError) string {
	if err == nil {
		return "unknown error"
	}
	if err.Object == nil {
		return err.Error()
	}
	switch v := err.Object.(type) {
	case lua.LString:
		return strings.TrimSpace(string(v))
	case *lua.LNilType:
		return "nil"
	default:
		return v.String()
	}
}

// logLoadError logs a snippet that does not compile as ngx_lua does.
func (r *request) logLoadError(code *conf.LuaCode, err error) {
	if code.Path != "" {
		r.logErr(LevelErr, fmt.Sprintf("failed to load external Lua file \"%s\": %s", code.Path, err))
		return
	}
	r.logErr(LevelErr, "failed to load inlined Lua code: "+err.Error())
}

// markWait records, for the trace, the Lua position that is about to yield.
func (w *worker) markWait(L *lua.LState, r *request) {
	if !w.rec.Enabled() {
		return
	}
	r.waitSource, r.waitLine = luaPosition(L)
}

// luaPosition is where the learner's Lua called the running Go function:
// the file and the line in that file. Frames of the coroutine prelude
// (which wraps yielding functions, chunk "[C]") are skipped, and an inline
// block's chunk "content_by_lua(nginx.conf:12)" maps its line 3 to
// nginx.conf line 14, as the editor shows it.
func luaPosition(L *lua.LState) (string, int32) {
	for level := 1; level < 32; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			return "", 0
		}
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil {
			return "", 0
		}
		if dbg.ShortSrc == coro.PreludeChunk || dbg.CurrentLine <= 0 {
			continue
		}
		return sourcePosition(dbg.Source, dbg.CurrentLine)
	}
	return "", 0
}

// sourcePosition maps a chunk name and chunk line to a file and file line.
func sourcePosition(chunk string, line int) (string, int32) {
	if open := strings.LastIndexByte(chunk, '('); open > 0 && strings.HasSuffix(chunk, ")") {
		inner := chunk[open+1 : len(chunk)-1]
		if colon := strings.LastIndexByte(inner, ':'); colon > 0 {
			if first, err := strconv.Atoi(inner[colon+1:]); err == nil {
				return inner[:colon], int32(first + line - 1)
			}
		}
	}
	return strings.TrimPrefix(chunk, "@"), int32(line)
}
