package engine

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/coro"
	"github.com/restylab/restylab/lab/trace"
)

// Client abort: lua_check_client_abort and ngx.on_abort, as ngx_lua
// 0.10.23 has them (observed with a client that closes its connection while
// the handler sleeps): with the check on, the close is logged at info
// ("client prematurely closed connection"); a callback registered with
// ngx.on_abort then runs as a light thread and the handler goes on;
// without one the request ends at once with status 499 (its log phase
// runs). With the check off nothing happens until the handler writes.

// apiOnAbort is ngx.on_abort(fn).
func (w *worker) apiOnAbort(L *lua.LState) int {
	r := w.need(L, "ngx.on_abort")
	fn := checkLuaFunction(L, 1)
	if !r.bodySettings().LuaCheckClientAbort {
		return nilErr(L, "lua_check_client_abort is off")
	}
	if r.onAbort != nil {
		return nilErr(L, "duplicate call")
	}
	t := &uthread{r: r, parent: r.running}
	r.pin() // the thread's handle (w.uthreads) keeps r
	t.th = w.sched.NewThread()
	t.coID = w.newCoID(t.th)
	w.uthreads[t.th] = t
	r.onAbort, r.onAbortFn = t, fn
	L.Push(lua.LNumber(1))
	return 1
}

// clientClosed is called when the client's connection reached its end
// while r runs and does not read its body.
func (r *request) clientClosed() {
	if r.abortSeen || r.finalized || r.sub != nil || !r.bodySettings().LuaCheckClientAbort {
		return
	}
	switch r.openPhase {
	case phaseServerRewrite, phaseRewrite, phaseAccess, phaseContent:
	default:
		return // ngx_lua watches the connection while its handlers run
	}
	r.abortSeen = true
	r.keepAlive = false
	r.logErr(LevelInfo, "client prematurely closed connection")
	t := r.onAbort
	if t == nil {
		r.finalize(499)
		return
	}
	w := r.w
	r.children = append(r.children, t)
	if w.rec.Enabled() {
		w.rec.Emit(trace.Event{Kind: trace.CoCreate, Req: r.id, Co: t.coID, Arg: t.parent.coIDOr(r), Phase: r.phase.String(), Detail: "ngx.on_abort"})
	}
	r.switchTo(t)
	fn := r.onAbortFn
	r.afterResume(w.enter(r, func() coro.Result { return w.sched.Start(t.th, fn) }))
	if r.entryT != nil && !r.finalized {
		r.switchTo(r.entryT)
	}
	r.runPosted()
}
