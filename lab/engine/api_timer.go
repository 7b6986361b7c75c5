package engine

import (
	"fmt"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/coro"
	"github.com/restylab/restylab/lab/event"
	"github.com/restylab/restylab/lab/trace"
)

// timerState is a worker's ngx.timer bookkeeping.
type timerState struct {
	luaTimers     map[*luaTimer]struct{} // pending ngx.timer callbacks
	timersRunning int
	// timerCapLogged: the lab's timer limit was reported once already.
	timerCapLogged bool
}

// luaTimer is a pending ngx.timer.at / ngx.timer.every callback. Its
// callback runs later in its own coroutine, a "fake request" with no
// connection, and may yield like a request handler.
type luaTimer struct {
	t     *event.Timer
	fn    *lua.LFunction
	args  []lua.LValue // after the premature flag
	every time.Duration
	vm    *luaVM // the VM of the code that made the timer: fn runs there
}

// newTimerTable builds ngx.timer.
func (w *worker) newTimerTable() *lua.LTable {
	L := w.L
	t := L.NewTable()
	w.setAPI(t, "ngx.timer.at", func(L *lua.LState) int { return w.apiTimer(L, false) })
	w.setAPI(t, "ngx.timer.every", func(L *lua.LState) int { return w.apiTimer(L, true) })
	w.setAPI(t, "ngx.timer.running_count", func(L *lua.LState) int { L.Push(lua.LNumber(w.timersRunning)); return 1 })
	w.setAPI(t, "ngx.timer.pending_count", func(L *lua.LState) int { L.Push(lua.LNumber(len(w.luaTimers))); return 1 })
	return t
}

// apiTimer is ngx.timer.at(delay, callback, ...) and ngx.timer.every.
func (w *worker) apiTimer(L *lua.LState, every bool) int {
	name := "ngx.timer.at"
	if every {
		name = "ngx.timer.every"
	}
	w.need(L, name)
	delay := float64(L.CheckNumber(1))
	if every && delay <= 0 {
		raise(L, "delay cannot be zero")
	}
	if delay < 0 {
		delay = 0 // ngx.timer.at takes a negative delay as 0
	}
	fn := checkLuaFunction(L, 2)
	if w.stopping {
		return nilErr(L, "process exiting")
	}
	if limit := w.e.cfg.HTTP.MaxPendingTimers; len(w.luaTimers) >= limit {
		return nilErr(L, "too many pending timers")
	}
	if m := w.e.opts.MaxTimers; m > 0 && len(w.luaTimers) >= m {
		if !w.timerCapLogged {
			w.timerCapLogged = true // once per worker: a loop would fill the log
			w.log(LevelErr, 0, fmt.Sprintf("%s: the lab's limit of %d pending timers per worker is reached (lua_max_pending_timers %d): too many pending timers", name, m, w.e.cfg.HTTP.MaxPendingTimers))
		}
		return nilErr(L, "too many pending timers")
	}
	lt := &luaTimer{fn: fn, vm: w.luaVM}
	for i := 3; i <= L.GetTop(); i++ {
		lt.args = append(lt.args, L.Get(i))
	}
	d := time.Duration(delay * float64(time.Second)).Truncate(time.Millisecond)
	if every {
		lt.every = d
	}
	w.armTimer(lt, d, name)
	L.Push(lua.LNumber(1))
	return 1
}

// armTimer makes lt pending for d.
func (w *worker) armTimer(lt *luaTimer, d time.Duration, what string) {
	if w.luaTimers == nil {
		w.luaTimers = make(map[*luaTimer]struct{})
	}
	w.luaTimers[lt] = struct{}{}
	if w.rec.Enabled() {
		w.rec.Emit(trace.Event{Kind: trace.TimerAdd, Arg: d.Milliseconds(), Detail: what})
	}
	lt.t = w.loop.AddTimer(d, func() { w.fireTimer(lt, false) })
	lt.t.Desc = what + " " + d.String()
}

// fireTimer runs a due (or, on shutdown, premature) timer.
func (w *worker) fireTimer(lt *luaTimer, premature bool) {
	delete(w.luaTimers, lt)
	if lt.every > 0 && !premature && !w.stopping {
		w.armTimer(lt, lt.every, "ngx.timer.every") // the next run is armed before this one runs
	}
	if w.timersRunning >= w.e.cfg.HTTP.MaxRunningTimers {
		w.log(LevelAlert, 0, fmt.Sprintf("%d lua_max_running_timers are not enough", w.e.cfg.HTTP.MaxRunningTimers))
		return
	}
	if m := w.e.opts.MaxTimers; m > 0 && w.timersRunning >= m {
		w.log(LevelAlert, 0, fmt.Sprintf("the lab's limit of %d running timers per worker is reached (lua_max_running_timers %d): timer not run", m, w.e.cfg.HTTP.MaxRunningTimers))
		return
	}
	args := make([]lua.LValue, 0, len(lt.args)+1)
	args = append(args, lua.LBool(premature))
	args = append(args, lt.args...)
	w.runTimer(lt.vm, lt.fn, args)
}

// prematureTimers runs every pending timer at once with premature = true,
// as ngx_lua does when a worker shuts down.
func (w *worker) prematureTimers() {
	for lt := range w.luaTimers {
		w.loop.StopTimer(lt.t)
		lt := lt
		w.loop.Post(func() { w.fireTimer(lt, true) })
	}
}

// runTimer starts a timer callback as a fake request in phase "timer".
func (w *worker) runTimer(vm *luaVM, fn *lua.LFunction, args []lua.LValue) {
	// a timer runs on a fake connection of its own: error_log names it "*N"
	r := &request{w: w, id: w.e.seq.req.Add(1), phase: phaseTimer, start: w.loop.Now(), isTimer: true, fakeConn: w.e.seq.conn.Add(1), lvm: vm}
	w.useVM(r)
	r.entryT = &uthread{r: r, entry: true}
	r.running = r.entryT
	r.th = w.sched.NewThread()
	r.coID = w.newCoID(r.th)
	w.timersRunning++
	if w.rec.Enabled() {
		w.rec.Emit(trace.Event{Kind: trace.TimerFire, Req: r.id, Co: r.coID, Detail: "ngx.timer"})
		w.rec.Emit(trace.Event{Kind: trace.CoCreate, Req: r.id, Co: r.coID, Phase: "timer"})
	}
	r.afterResume(w.enter(r, func() coro.Result { return w.sched.Start(r.th, fn, args...) }))
	r.runPosted()
	r.timerCheckDone()
}

// timerCheckDone counts a finished timer callback.
func (r *request) timerCheckDone() {
	if r.isTimer && r.th == nil && !r.timerDone && r.liveChildren() == 0 && !r.entryDone {
		r.timerDone = true
		r.releaseSockets()
		if r.ssl != nil {
			r.ssl.finish(r)
			return
		}
		r.w.timersRunning--
		r.w.checkQuit()
	}
}

// checkLuaFunction is ngx_lua's check for a callback: a Lua function.
func checkLuaFunction(L *lua.LState, i int) *lua.LFunction {
	fn, ok := L.Get(i).(*lua.LFunction)
	if !ok || fn.IsG {
		raise(L, "bad argument #%d to '?' (Lua function expected)", i)
	}
	return fn
}
