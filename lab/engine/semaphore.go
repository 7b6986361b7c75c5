package engine

import (
	"slices"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/event"
	"github.com/restylab/restylab/lab/lualib"
	"github.com/restylab/restylab/lab/trace"
)

// ngx.semaphore (require "ngx.semaphore"), as lua-resty-core 0.1.25 over
// ngx_lua 0.10.23 answers it (difftest thread/semaphore): wait takes a
// resource at once when one is there (returning true), else yields until a
// post or its timeout (true, nil or nil, "timeout"); post adds resources
// and wakes waiters in order from a posted event, so they run after the
// poster yields; count is resources minus waiters. A semaphore belongs to
// its worker: any request or timer of the worker may wait on it.

// semaphore is one ngx.semaphore.
type semaphore struct {
	w         *worker
	resources int
	waiters   []*semWaiter
	posted    bool // a wake-up event is queued
}

// semWaiter is a thread blocked in wait.
type semWaiter struct {
	r     *request
	t     *uthread
	timer *event.Timer
}

// preloadSemaphore registers require "ngx.semaphore".
func (w *worker) preloadSemaphore(pre *lua.LTable) {
	L := w.L
	methods := L.NewTable()
	methods.RawSetString("version", lua.LString(restyCoreVersion))
	methods.RawSetString("new", L.NewFunction(w.semNew))
	methods.RawSetString("wait", w.sched.WrapYielding(w.semWait))
	methods.RawSetString("post", L.NewFunction(w.semPost))
	methods.RawSetString("count", L.NewFunction(w.semCount))
	mt := L.NewTable()
	mt.RawSetString("__index", methods)
	w.semMeta = mt
	pre.RawSetString("ngx.semaphore", L.NewFunction(func(L *lua.LState) int {
		L.Push(methods)
		return 1
	}))
}

// semNew is semaphore.new(n).
func (w *worker) semNew(L *lua.LState) int {
	n := 0
	if v, ok := lualib.ToNumber(L.Get(1)); ok {
		n = int(v)
		if v < 0 {
			raise(L, "no negative number")
		}
	}
	ud := L.NewUserData()
	ud.Value = &semaphore{w: w, resources: n}
	obj := L.NewTable()
	obj.RawSetString("sem", ud)
	L.SetMetatable(obj, w.semMeta)
	L.Push(obj)
	return 1
}

// semArg is the semaphore of the method's self.
func semArg(L *lua.LState) *semaphore {
	if t, ok := L.Get(1).(*lua.LTable); ok {
		if ud, ok := t.RawGetString("sem").(*lua.LUserData); ok {
			if s, ok := ud.Value.(*semaphore); ok {
				return s
			}
		}
	}
	raise(L, "not a semaphore instance")
	return nil
}

// semWait is sema:wait(seconds).
func (w *worker) semWait(L *lua.LState) int {
	s := semArg(L)
	r := w.cur
	if r == nil {
		raise(L, "no request found")
	}
	secs, _ := lualib.ToNumber(L.Get(2))
	if secs < 0 {
		raise(L, "no negative number")
	}
	if s.resources > 0 {
		s.resources--
		L.Push(lua.LTrue)
		return 1
	}
	d := time.Duration(secs * float64(time.Second)).Truncate(time.Millisecond)
	if d == 0 {
		return nilErr(L, "timeout")
	}
	if inYieldable&(1<<r.phase) == 0 {
		return nilErr(L, "API disabled in the context of "+r.phase.context())
	}
	wt := &semWaiter{r: r, t: r.running}
	s.waiters = append(s.waiters, wt)
	coID := r.coID
	wt.timer = w.loop.AddTimer(d, func() {
		wt.timer = nil
		if i := slices.Index(s.waiters, wt); i >= 0 {
			s.waiters = slices.Delete(s.waiters, i, i+1)
			if w.rec.Enabled() {
				w.rec.Emit(trace.Event{Kind: trace.TimerFire, Req: r.id, Co: coID, Detail: "ngx.semaphore timeout"})
			}
			wt.r.resumeThread(wt.t, lua.LNil, lua.LString("timeout"))
		}
	})
	wt.timer.Desc = "ngx.semaphore wait " + d.String()
	r.op = opSema
	r.waitDesc = "ngx.semaphore wait"
	w.markWait(L, r)
	return w.sched.Yield(L)
}

// semPost is sema:post(n).
func (w *worker) semPost(L *lua.LState) int {
	s := semArg(L)
	n := 1
	if v, ok := lualib.ToNumber(L.Get(2)); ok {
		n = int(v)
	}
	if n < 1 {
		raise(L, "positive number required")
	}
	s.resources += n
	if len(s.waiters) > 0 && !s.posted {
		s.posted = true
		w.loop.Post(s.wake)
	}
	L.Push(lua.LTrue)
	return 1
}

// wake gives the resources to the waiters, first come first served.
func (s *semaphore) wake() {
	s.posted = false
	for s.resources > 0 && len(s.waiters) > 0 {
		wt := s.waiters[0]
		s.waiters = s.waiters[1:]
		if wt.r.finalized && !wt.r.isTimer || wt.t.done || wt.t.state().op != opSema {
			continue // its request ended: it takes nothing
		}
		s.resources--
		s.w.loop.StopTimer(wt.timer)
		wt.r.resumeThread(wt.t, lua.LTrue, lua.LNil)
	}
}

// semCount is sema:count(): resources minus waiters.
func (w *worker) semCount(L *lua.LState) int {
	s := semArg(L)
	L.Push(lua.LNumber(s.resources - len(s.waiters)))
	return 1
}
