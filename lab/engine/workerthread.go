package engine

import (
	"fmt"
	"runtime"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/lab/coro"
	"github.com/restylab/restylab/lab/lualib"
	"github.com/restylab/restylab/lab/shdict"
)

// ngx.run_worker_thread(pool, module, func, ...) as ngx_lua 0.10.23 runs
// it (checked against Debian's nginx, difftest workerthread/*): the
// function module.func runs in a Lua VM of its own on a thread of the
// thread_pool named pool, while the calling coroutine yields and the
// worker serves other requests; the call returns true and the function's
// results, or false and its error. Values cross between the VMs by copy:
// nil, booleans, numbers, strings and tables of them (ngx.null too);
// functions, coroutines and userdata are refused. The thread's VM has a
// small ngx table (codecs, hashes, ngx.re, ngx.shared, time, ngx.config)
// and keeps its globals and modules from task to task, as a pool thread's
// VM does. In the lab a pool thread is a goroutine; a task runs at most
// Options.CPUBudget of CPU time (when set) so that a learner's endless
// loop in a thread ends.

// threadPool is one thread_pool of a worker: slots bounds the tasks that
// run at once (threads=), queued counts those waiting for a slot
// (max_queue=), idle keeps the VMs of finished tasks for the next ones.
type threadPool struct {
	cfg    conf.ThreadPool
	slots  chan struct{}
	queued int
	idle   []*lua.LState
}

// xvalue is a Lua value copied between VMs: nil, bool, float64, string,
// xnull (ngx.null) or *xtable.
type xvalue any

// xnull is ngx.null crossing VMs.
type xnull struct{}

// xtable is a copied table: its pairs, in the order next gave them.
type xtable struct{ keys, vals []xvalue }

// maxCopyDepth bounds the nesting of copied tables (a table holding itself
// would copy for ever).
const maxCopyDepth = 100

// apiRunWorkerThread is ngx.run_worker_thread.
func (w *worker) apiRunWorkerThread(L *lua.LState) int {
	r := w.need(L, "ngx.run_worker_thread")
	fail := func(msg string) int {
		L.Push(lua.LFalse)
		L.Push(lua.LString(msg))
		return 2
	}
	if L.GetTop() < 3 {
		return fail("expecting at least 3 arguments")
	}
	poolName := lua.LVAsString(L.Get(1))
	pool := w.threadPools[poolName]
	if pool == nil {
		return fail(fmt.Sprintf("thread pool %s not found", poolName))
	}
	module, fn := lua.LVAsString(L.Get(2)), lua.LVAsString(L.Get(3))
	var args []xvalue
	for i := 4; i <= L.GetTop(); i++ {
		v, err := copyOut(w.L, L.Get(i), 0)
		if err != "" {
			return fail(err + " in the argument")
		}
		args = append(args, v)
	}
	if pool.queued >= pool.cfg.MaxQueue && len(pool.slots) == cap(pool.slots) {
		r.logErr(LevelErr, fmt.Sprintf("thread pool \"%s\" queue overflow: %d tasks waiting", poolName, pool.queued))
		return fail("failed to post task")
	}
	tl, err := w.threadVM(pool)
	if err != nil {
		return fail(err.Error())
	}
	pool.queued++
	r.op = opWorkerThread
	r.waitDesc = fmt.Sprintf("worker thread %s: %s.%s", poolName, module, fn)
	w.markWait(L, r) // the trace's co_yield says what it waits for (waitDesc)
	t := r.running
	budget := w.e.opts.CPUBudget
	go func() {
		pool.slots <- struct{}{} // a thread of the pool
		ok, res := runThreadTask(tl, module, fn, args, budget)
		<-pool.slots
		w.loop.Submit(func() {
			pool.queued--
			pool.idle = append(pool.idle, tl)
			if t.state().op != opWorkerThread {
				return // the request ended meanwhile
			}
			vals := []lua.LValue{lua.LBool(ok)}
			for _, v := range res {
				vals = append(vals, copyIn(w.L, v))
			}
			r.resumeThread(t, vals...)
		})
	}()
	return w.sched.Yield(L)
}

// threadVM is an idle VM of the pool, or a new one: the standard
// libraries, the sandbox's limits, lua_package_path and the thread's ngx
// table.
func (w *worker) threadVM(pool *threadPool) (*lua.LState, error) {
	if n := len(pool.idle); n > 0 {
		L := pool.idle[n-1]
		pool.idle = pool.idle[:n-1]
		return L, nil
	}
	L := lua.NewState(vmOptions)
	openStdLibs(L)
	// a pool thread is not the worker's loop: its os.getenv reads only the
	// configuration, never the worker's running request
	w.applyLabEnv(L, w.e.workerEnv)
	L.SetGlobal("ngx", w.threadNgx(L))
	return L, nil
}

// threadNgx is the ngx table of a worker thread's VM: what ngx_lua 0.10.23
// gives one (its keys checked against Debian's nginx).
func (w *worker) threadNgx(L *lua.LState) *lua.LTable {
	all := L.NewTable()
	lualib.RegisterNgx(L, all, nil)
	ngx := L.NewTable()
	for _, k := range []string{"md5", "md5_bin", "sha1_bin", "hmac_sha1", "crc32_short", "crc32_long",
		"encode_base64", "decode_base64", "encode_args", "decode_args", "quote_sql_str",
		"http_time", "cookie_time", "parse_http_time", "now", "time", "today", "localtime", "utctime", "update_time"} {
		ngx.RawSetString(k, all.RawGetString(k))
	}
	lualib.RegisterNgxRe(L, ngx)
	ngx.RawSetString("shared", shdict.OpenLua(L, w.e.dicts))
	ngx.RawSetString("get_phase", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("init")) // what ngx_lua's thread VMs answer
		return 1
	}))
	if cfg, ok := w.ngx.RawGetString("config").(*lua.LTable); ok {
		c := L.NewTable()
		cfg.ForEach(func(k, v lua.LValue) {
			switch v.(type) {
			case lua.LString, lua.LNumber, lua.LBool:
				c.RawSet(k, v)
			}
		})
		prefix := w.e.cfg.Prefix
		c.RawSetString("prefix", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LString(prefix)); return 1 }))
		c.RawSetString("nginx_configure", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LString("")); return 1 }))
		ngx.RawSetString("config", c)
	}
	return ngx
}

// runThreadTask runs module.fn(args...) in L on the calling goroutine:
// true and its results, or false and its error message (none when the
// error value is not a string, as ngx_lua).
func runThreadTask(L *lua.LState, module, fn string, args []xvalue, budget time.Duration) (bool, []xvalue) {
	if budget > 0 {
		// the task's CPU time, read from its own thread's clock as the
		// worker's resumes are (coro.Budget): a loaded machine does not
		// charge a task for the time it waits for a core
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		b := coro.NewBudget(budget)
		defer b.Close()
		b.Begin()
		defer b.End()
		L.SetContext(b)
		defer L.RemoveContext()
	}
	top := L.GetTop()
	defer L.SetTop(top)
	if err := L.CallByParam(lua.P{Fn: L.GetGlobal("require"), NRet: 1, Protect: true}, lua.LString(module)); err != nil {
		if ctx := L.Context(); ctx != nil && ctx.Err() != nil {
			return false, []xvalue{fmt.Sprintf("the worker thread ran past the lab's CPU budget of %v", budget)}
		}
		return false, []xvalue{errorText(err)}
	}
	mod := L.Get(-1)
	L.Pop(1)
	var f lua.LValue = lua.LNil
	if t, ok := mod.(*lua.LTable); ok {
		f = t.RawGetString(fn)
	}
	if _, ok := f.(*lua.LFunction); !ok {
		return false, []xvalue{"invalid function"}
	}
	largs := make([]lua.LValue, len(args))
	for i, a := range args {
		largs[i] = copyIn(L, a)
	}
	base := L.GetTop()
	if err := L.CallByParam(lua.P{Fn: f, NRet: lua.MultRet, Protect: true}, largs...); err != nil {
		if ctx := L.Context(); ctx != nil && ctx.Err() != nil {
			return false, []xvalue{fmt.Sprintf("the worker thread ran past the lab's CPU budget of %v", budget)}
		}
		if apiErr, ok := err.(*lua.ApiError); ok {
			if s, isStr := apiErr.Object.(lua.LString); isStr {
				return false, []xvalue{string(s)}
			}
			return false, nil // an error value that is no string: false alone
		}
		return false, []xvalue{err.Error()}
	}
	var res []xvalue
	for i := base + 1; i <= L.GetTop(); i++ {
		v, msg := copyOut(L, L.Get(i), 0)
		if msg != "" {
			return false, []xvalue{msg + " in the return value"}
		}
		res = append(res, v)
	}
	return true, res
}

// errorText is an error's message without gopher-lua's traceback.
func errorText(err error) string {
	if apiErr, ok := err.(*lua.ApiError); ok {
		return apiErr.Object.String()
	}
	return err.Error()
}

// copyOut copies a Lua value of L for another VM; msg names the type it
// cannot copy, in ngx_lua's words.
func copyOut(L *lua.LState, v lua.LValue, depth int) (xvalue, string) {
	switch v := v.(type) {
	case *lua.LNilType:
		return nil, ""
	case lua.LBool:
		return bool(v), ""
	case lua.LNumber:
		return float64(v), ""
	case lua.LString:
		return string(v), ""
	case *lua.LTable:
		if depth >= maxCopyDepth {
			return nil, "table nesting too deep"
		}
		t := &xtable{}
		var msg string
		v.ForEach(func(k, val lua.LValue) {
			if msg != "" {
				return
			}
			ck, m := copyOut(L, k, depth+1)
			if m != "" {
				msg = m
				return
			}
			cv, m := copyOut(L, val, depth+1)
			if m != "" {
				msg = m
				return
			}
			t.keys, t.vals = append(t.keys, ck), append(t.vals, cv)
		})
		return t, msg
	case *lua.LFunction:
		return nil, "unsupported Lua type: LUA_TFUNCTION"
	case *lua.LState:
		return nil, "unsupported Lua type: LUA_TTHREAD"
	case *lua.LUserData:
		if lualib.IsNull(L, v) {
			return xnull{}, ""
		}
		return nil, "unsupported Lua type: LUA_TUSERDATA"
	}
	return nil, "unsupported Lua type: " + v.Type().String()
}

// copyIn makes a copied value in L.
func copyIn(L *lua.LState, v xvalue) lua.LValue {
	switch v := v.(type) {
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case string:
		return lua.LString(v)
	case xnull:
		return lualib.Null(L)
	case *xtable:
		t := L.CreateTable(0, len(v.keys))
		for i, k := range v.keys {
			t.RawSet(copyIn(L, k), copyIn(L, v.vals[i]))
		}
		return t
	}
	return lua.LNil
}
