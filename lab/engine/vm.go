package engine

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/lab/coro"
	"github.com/restylab/restylab/lab/lualib"
	"github.com/restylab/restylab/lab/trace"
)

// clientBodyBufferSize is client_body_buffer_size on 64-bit Linux: a larger
// body goes to a temp file in nginx, and ngx.req.get_body_data returns nil.
const clientBodyBufferSize = 16 * 1024

// clientHeaderBufferSize is client_header_buffer_size: a body that arrived
// with the request head inside this first buffer stays in memory.
const clientHeaderBufferSize = 1024

// vmOptions keeps each coroutine small (see GOPHER-LUA.md: a request
// coroutine with default Options costs ~100 KB).
var vmOptions = lua.Options{
	SkipOpenLibs:        true,
	CallStackSize:       200,
	RegistrySize:        256,
	RegistryMaxSize:     1024 * 256,
	RegistryGrowStep:    64,
	MinimizeStackMemory: true,
}

// luaVM is one Lua VM and what the engine keeps per VM: a worker's own,
// or a request's own when lua_code_cache is off (requestvm.go).
type luaVM struct {
	L     *lua.LState
	sched *coro.Scheduler
	ngx   *lua.LTable
	// funcs are the handlers compiled into this VM: ngx_lua's code cache,
	// which lives in its VM's registry.
	funcs map[*conf.LuaCode]*lua.LFunction
	// files are the files of *_by_lua_file paths with variables that this
	// VM compiled, by path (luafile.go): their LuaCode keys funcs.
	files    map[string]*conf.LuaCode
	sockMeta *lua.LTable // metatable of ngx.socket.tcp objects
	// reqSockMeta and rawSockMeta: ngx.req.socket() and
	// ngx.req.socket(true) objects (reqsocket.go); udpMeta: ngx.socket.udp
	reqSockMeta, rawSockMeta, udpMeta *lua.LTable
	threadMeta                        *lua.LTable // metatable of ngx.thread handles
	semMeta                           *lua.LTable // metatable of ngx.semaphore objects
}

// initVM creates the worker's own Lua VM and makes it the current one.
func (w *worker) initVM() error {
	if w.e.opts.CPUBudget > 0 && w.budget == nil {
		// One budget per worker: it reads this thread's CPU clock, so it is
		// made here, on the worker's locked thread.
		w.budget = coro.NewBudget(w.e.opts.CPUBudget)
	}
	v, err := w.newVM()
	if err != nil {
		return err
	}
	w.luaVM, w.mainVM = v, v
	return nil
}

// newVM creates a Lua VM: standard libraries, OpenResty's extra modules,
// the coroutine machinery and the ngx table. The current VM stays current.
func (w *worker) newVM() (v *luaVM, err error) {
	prev := w.luaVM
	w.luaVM = &luaVM{}
	defer func() { w.luaVM = prev }()
	L := lua.NewState(vmOptions)
	openStdLibs(L)
	lualib.OpenCJSON(L)
	lualib.PreloadResty(L)
	w.applyLabEnv(L, w.getenv)

	sched, err := coro.New(L, w.budget, coro.Hooks{Created: w.coroutineCreated, Abort: w.coAbort, UserYield: w.checkUserYield})
	if err != nil {
		L.Close()
		return nil, err
	}
	w.L = L
	w.sched = sched
	w.overrideCoroutineStatus()
	w.overrideCoroutineRunning()
	if err := w.guardCoroutineContexts(); err != nil {
		L.Close()
		return nil, fmt.Errorf("lua vm: %w", err)
	}
	if w.bodyStartLine == 0 { // once per worker: the prelude is the same in every VM
		if err := w.findPCallBody(); err != nil {
			L.Close()
			return nil, fmt.Errorf("lua vm: %w", err)
		}
	}
	w.funcs = make(map[*conf.LuaCode]*lua.LFunction)
	w.files = make(map[string]*conf.LuaCode)
	w.ngx = w.newNgx()
	if pkg, ok := L.GetGlobal("package").(*lua.LTable); ok {
		if pre, ok := pkg.RawGetString("preload").(*lua.LTable); ok {
			pre.RawSetString("ngx.balancer", L.NewFunction(func(L *lua.LState) int {
				L.Push(w.newBalancerTable(L))
				return 1
			}))
			w.preloadRestyCore(pre)
		}
	}
	L.SetGlobal("ngx", w.ngx)
	L.SetGlobal("print", L.NewFunction(w.luaPrint))
	L.SetGlobal("error", L.NewFunction(w.luaError))
	w.installGlobalGuard()
	return w.luaVM, nil
}

// overrideCoroutineStatus makes coroutine.status report light threads as
// ngx_lua does: "running" until they end, "zombie" until waited, then "dead".
func (w *worker) overrideCoroutineStatus() {
	L := w.L
	co, ok := L.GetGlobal("coroutine").(*lua.LTable)
	if !ok {
		return
	}
	builtin := co.RawGetString("status")
	co.RawSetString("status", L.NewFunction(func(L *lua.LState) int {
		if th, ok := L.Get(1).(*lua.LState); ok {
			if th != L && th == w.luaThread(L) {
				// asked inside a pcall body about the coroutine that
				// called pcall: that one runs, for Lua code
				L.Push(lua.LString("running"))
				return 1
			}
			if _, fromThread := w.uthreads[w.luaThread(L)]; fromThread && w.cur != nil && w.cur.entryT != nil && th == w.cur.entryT.state().th {
				// the entry thread, seen from one of its light threads while it
				// waits (in spawn, ngx.thread.wait, a sleep): ngx_lua keeps a
				// thread "running" until it ends (difftest thread/status_relations);
				// from a coroutine it resumed it is "normal" (coro/status_running)
				L.Push(lua.LString("running"))
				return 1
			}
			if t, ok := w.uthreads[th]; ok {
				switch {
				case t.killed || t.waited:
					L.Push(lua.LString("dead"))
				case t.done:
					L.Push(lua.LString("zombie"))
				default:
					L.Push(lua.LString("running"))
				}
				return 1
			}
		}
		if L.Get(1).Type() != lua.LTThread {
			// LuaJIT's wording (gopher-lua's is "thread expected, got nil")
			L.ArgError(1, "coroutine expected")
		}
		L.Push(builtin)
		L.Push(L.Get(1))
		L.Call(1, 1)
		return 1
	}))
}

// luaError is error(v, level) as in Lua 5.1/LuaJIT: a number becomes a
// string and gets the position prefix like a string; error() raises nil.
func (w *worker) luaError(L *lua.LState) int {
	v := L.Get(1)
	w.lastErrorArg = v
	level := L.OptInt(2, 1)
	if n, ok := v.(lua.LNumber); ok && level > 0 {
		v = lua.LString(lualib.FormatNumber(float64(n)))
	}
	L.Error(v, level)
	return 0
}

// checkUserYield refuses coroutine.yield where ngx_lua does: it is an API
// disabled in set_by_lua, log_by_lua, balancer_by_lua and
// init_worker_by_lua, and in a header
// or body filter the handler's own coroutine cannot yield (a coroutine it
// created can). Observed on ngx_lua 0.10.23.
func (w *worker) checkUserYield(L *lua.LState) {
	r := w.cur
	if r == nil {
		return
	}
	switch r.phase {
	case phaseSet, phaseLog, phaseBalancer, phaseInitWorker:
		raise(L, "API disabled in the context of %s", r.phase.context())
	case phaseHeaderFilter, phaseBodyFilter:
		if w.luaThread(L) == r.th { // pcall bodies included
			raise(L, coro.ErrCBoundary)
		}
	}
}

// coAbort ends the request for an error inside a coroutine.wrap body, as
// ngx_lua does (pcall around the call does not catch it).
func (w *worker) coAbort(L *lua.LState) int {
	r := w.cur
	if r == nil || r.th == nil {
		coro.Raise(L, "%s", errorValueText(L.Get(1)))
		return 0
	}
	if inYieldable&(1<<r.phase) == 0 {
		// a filter, set or log handler cannot be aborted by a yield: the
		// error goes on up, named after the line that called the wrapped
		// function (observed: "header_filter_by_lua(nginx.conf:16):1:
		// header_filter_by_lua(nginx.conf:16):1: API disabled ...")
		msg := errorValueText(L.Get(1))
		if where := L.Where(2); where != "" && !strings.HasPrefix(where, coro.PreludeChunk+":") {
			msg = where + " " + msg
		}
		L.Error(lua.LString(msg), 0)
		return 0
	}
	r.op = opAbort
	r.abortMsg = errorValueText(L.Get(1))
	return w.sched.Yield(L)
}

// errorValueText is how ngx_lua logs an error value: strings (and numbers)
// as they are, anything else as "unknown reason".
func errorValueText(v lua.LValue) string {
	switch v := v.(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return lualib.FormatNumber(float64(v))
	}
	return "unknown reason"
}

// coroutineCreated traces coroutines made by Lua code. pcall bodies are
// not traced: they are the lab's own, ngx_lua makes no coroutine for them.
func (w *worker) coroutineCreated(co, parent *lua.LState) {
	if w.calibrating {
		w.noteCalibration(parent)
		return
	}
	if !w.rec.Enabled() || w.madeForPCall(parent) {
		return
	}
	id := w.newCoID(co)
	ev := trace.Event{Kind: trace.CoCreate, Co: id, Arg: w.coIDs[w.luaThread(parent)]}
	if r := w.cur; r != nil {
		ev.Req, ev.Phase = r.id, r.phase.String()
		r.userCos = append(r.userCos, co)
	}
	w.rec.Emit(ev)
}

// setPackagePath applies lua_package_path: ";;" stands for the default
// path, which looks in the prefix's lua/ folder; $prefix expands.
func (w *worker) setPackagePath(L *lua.LState) {
	prefix := strings.TrimSuffix(w.e.cfg.Prefix, "/")
	def := filepath.Join(prefix, "lua", "?.lua") + ";" + filepath.Join(prefix, "lua", "?", "init.lua") + ";./?.lua"
	p := w.e.cfg.HTTP.LuaPackagePath
	if p == "" {
		p = def
	} else {
		p = strings.ReplaceAll(p, "$prefix", prefix)
		p = strings.ReplaceAll(p, "${prefix}", prefix)
		p = strings.Replace(p, ";;", ";"+def+";", 1)
	}
	if w.e.opts.Sandbox {
		p = insidePrefix(p, prefix) // a sandboxed instance requires modules from its workspace only
	}
	pkg := L.GetGlobal("package")
	if t, ok := pkg.(*lua.LTable); ok {
		t.RawSetString("path", lua.LString(p))
		t.RawSetString("cpath", lua.LString(""))
	}
}

// runInit runs init_by_lua and init_worker_by_lua in this worker's VM.
// nginx runs init_by_lua once in the master and forks; the engine's workers
// share no VM, so each runs it (documented difference).
func (w *worker) runInit() error {
	h := w.e.cfg.HTTP
	if h.InitByLua != nil {
		if err := w.runContext(phaseInit, h.InitByLua); err != nil {
			return fmt.Errorf("init_by_lua error: %s", err)
		}
	}
	if h.InitWorkerByLua != nil {
		if err := w.runContext(phaseInitWorker, h.InitWorkerByLua); err != nil {
			w.log(LevelErr, 0, "init_worker_by_lua error: "+err.Error())
		}
	}
	return nil
}

// runContext runs code outside any request (init, init_worker) as a fake
// request with no connection.
func (w *worker) runContext(p phase, code *conf.LuaCode) error {
	fn, err := w.function(code)
	if err != nil {
		return err
	}
	r := &request{w: w, id: 0, phase: p, start: w.loop.Now(), lvm: w.luaVM}
	r.entryT = &uthread{r: r, entry: true}
	r.running = r.entryT
	th := w.sched.NewThread()
	r.th = th
	res := w.call(r, func() coro.Result { return w.sched.Start(th, fn) }) // a plain call in ngx_lua: not traced
	switch res.Status {
	case coro.Done:
		w.sched.Release(th)
		return nil
	case coro.Failed:
		return fmt.Errorf("%s", luaErrorText(res.Err))
	default:
		if r.op == opExit {
			return nil
		}
		return fmt.Errorf("%s", coro.ErrCBoundary)
	}
}

// insidePrefix keeps the package.path entries that lie inside prefix.
func insidePrefix(path, prefix string) string {
	var kept []string
	for _, e := range strings.Split(path, ";") {
		if e == "" {
			continue
		}
		dir := filepath.Dir(strings.ReplaceAll(e, "?", "x"))
		if !filepath.IsAbs(dir) {
			continue // relative to the process's directory, not the workspace
		}
		if rel, err := filepath.Rel(prefix, dir); err == nil && filepath.IsLocal(rel) || dir == prefix {
			kept = append(kept, e)
		}
	}
	return strings.Join(kept, ";")
}

// osClock is os.clock as in C and LuaJIT: the CPU time the process has
// used, in seconds (all workers share one process, as they share one
// nginx worker's clock() only when worker_processes is 1).
func osClock(L *lua.LState) int {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts); err != nil {
		L.Push(lua.LNumber(0))
		return 1
	}
	L.Push(lua.LNumber(float64(ts.Sec) + float64(ts.Nsec)/1e9))
	return 1
}

// openStdLibs opens Lua's standard libraries as the engine's VMs have them
// (LuaJIT's math.huge and os.clock) with LuaJIT's table and bit extensions.
func openStdLibs(L *lua.LState) {
	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.LoadLibName, lua.OpenPackage},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.CoroutineLibName, lua.OpenCoroutine},
		{lua.OsLibName, lua.OpenOs},
		{lua.IoLibName, lua.OpenIo},
		{lua.DebugLibName, lua.OpenDebug},
	} {
		L.Push(L.NewFunction(lib.fn))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	// gopher-lua's math.huge is the largest finite float; LuaJIT's is +inf.
	if m, ok := L.GetGlobal("math").(*lua.LTable); ok {
		m.RawSetString("huge", lua.LNumber(math.Inf(1)))
	}
	// gopher-lua's os.clock is wall time since start; C's clock(), which
	// LuaJIT's os.clock returns, is the process's CPU time.
	if o, ok := L.GetGlobal("os").(*lua.LTable); ok {
		o.RawSetString("clock", L.NewFunction(osClock))
	}
	lualib.OpenTableExt(L)
	lualib.OpenBit(L)
}

// applyLabEnv gives a VM what every VM of this engine has on top of the
// libraries: lua_regex_match_limit, the jit table, the sandbox's limits, the
// worker's environment for os.getenv and lua_package_path.
func (w *worker) applyLabEnv(L *lua.LState, getenv func(string) (string, bool)) {
	lualib.SetReMatchLimit(L, w.e.cfg.HTTP.RegexMatchLimit)
	preloadMissingLuaJIT(L)
	if w.e.opts.Sandbox {
		w.sandboxLua(L)
	}
	lualib.OpenGetenv(L, getenv)
	w.setPackagePath(L)
}
