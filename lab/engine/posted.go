package engine

import lua "github.com/yuin/gopher-lua"

// Posted threads: the order in which a request's light threads run, as
// ngx_lua's posted_threads list gives it (ngx_http_lua_run_posted_threads).
//
//   - ngx.thread.spawn posts the spawner, then runs the new thread at once;
//     when the new thread yields or ends, the posted threads run in order,
//     so the spawner goes on only when its turn comes (after threads posted
//     before it: a nested spawn's child that yields hands control to the
//     entry thread first, not to the thread that spawned it).
//   - coroutine.yield() in a light thread (or the entry thread) posts it
//     when other threads are posted; with none posted it goes on at once.
//   - After every event that resumed a thread (a timer, a socket, a wait
//     that ended), the posted threads run until none is left.
//
// Observed on ngx_lua 0.10.23: difftest thread/order_nested,
// thread/yield_order_timers.

// postedThread is a thread waiting for its turn, and the values its
// yield returns when resumed (the new thread's handle for a spawner).
type postedThread struct {
	t    *uthread
	vals []lua.LValue
}

// post appends t to the posted threads.
func (r *request) post(t *uthread) *postedThread {
	p := &postedThread{t: t}
	r.posted = append(r.posted, p)
	return p
}

// runPosted resumes the posted threads in order until none is left. It
// runs only from the outermost resume: a resume nested in a running
// thread's API call (a spawn) leaves the queue to it.
func (r *request) runPosted() {
	if r.draining || r.w.luaDepth > 0 {
		return
	}
	r.draining = true
	defer func() { r.draining = false }()
	for len(r.posted) > 0 {
		if r.finalized && !r.isTimer {
			r.posted = nil
			return
		}
		p := r.posted[0]
		r.posted = r.posted[1:]
		if p.t.done || p.t.state().op != opYield {
			continue
		}
		r.resumeThreadOnce(p.t, p.vals...)
	}
}
