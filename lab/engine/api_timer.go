package engine

import (
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/coro"
	"github.com/restylab/restylab/lab/trace"
)

// newTimerTable builds ngx.timer. This is the core of ngx.timer.at: the
// callback runs later in its own coroutine (a "fake request" with no
// connection) and may yield. Limits, ngx.timer.every and premature runs on
// shutdown belong to the engine I/O work and are not here yet.
func (w *worker) newTimerTable() *lua.LTable {
	L := w.L
	t := L.NewTable()
	t.RawSetString("at", L.NewFunction(w.apiTimerAt))
	t.RawSetString("running_count", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LNumber(w.timersRunning)); return 1 }))
	t.RawSetString("pending_count", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LNumber(w.timersPending)); return 1 }))
	return t
}

// apiTimerAt is ngx.timer.at(delay, callback, ...).
func (w *worker) apiTimerAt(L *lua.LState) int {
	if w.cur == nil {
		raise(L, "no request")
	}
	delay := float64(L.CheckNumber(1))
	if delay < 0 {
		raise(L, "bad \"delay\" argument: %v", delay)
	}
	fn := L.CheckFunction(2)
	args := make([]lua.LValue, 0, L.GetTop())
	args = append(args, lua.LFalse) // premature
	for i := 3; i <= L.GetTop(); i++ {
		args = append(args, L.Get(i))
	}
	d := time.Duration(delay * float64(time.Second)).Truncate(time.Millisecond)
	w.timersPending++
	if w.rec.Enabled() {
		w.rec.Emit(trace.Event{Kind: trace.TimerAdd, Arg: d.Milliseconds(), Detail: "ngx.timer.at"})
	}
	w.loop.AddTimer(d, func() {
		w.timersPending--
		w.runTimer(fn, args)
	})
	L.Push(lua.LTrue)
	return 1
}

// runTimer starts a timer callback as a fake request in phase "timer".
func (w *worker) runTimer(fn *lua.LFunction, args []lua.LValue) {
	r := &request{w: w, id: w.e.reqSeq.Add(1), phase: phaseTimer, start: w.loop.Now(), isTimer: true}
	r.entryT = &uthread{r: r, entry: true}
	r.running = r.entryT
	r.th = w.sched.NewThread()
	r.coID = w.newCoID(r.th)
	w.timersRunning++
	if w.rec.Enabled() {
		w.rec.Emit(trace.Event{Kind: trace.TimerFire, Req: r.id, Co: r.coID, Detail: "ngx.timer.at"})
		w.rec.Emit(trace.Event{Kind: trace.CoCreate, Req: r.id, Co: r.coID, Phase: "timer"})
	}
	r.afterResume(w.enter(r, func() coro.Result { return w.sched.Start(r.th, fn, args...) }))
	r.timerCheckDone()
}

// timerCheckDone counts a finished timer callback.
func (r *request) timerCheckDone() {
	if r.isTimer && r.th == nil && !r.timerDone && r.liveChildren() == 0 && !r.entryDone {
		r.timerDone = true
		r.releaseSockets()
		r.w.timersRunning--
	}
}
