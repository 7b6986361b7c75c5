package engine

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/coro"
)

// Which coroutine Lua code runs in, as ngx_lua shows it.
//
// In ngx_lua only rewrite, access and content handlers, timers and light
// threads run in coroutines. set_by_lua, header_filter_by_lua,
// body_filter_by_lua, log_by_lua, init_by_lua and init_worker_by_lua are
// plain calls on the VM's main thread: there coroutine.running() gives nil,
// as LuaJIT's main thread does (observed on ngx_lua 0.10.23, difftest case
// syncphase/running). The engine runs those handlers in an internal
// coroutine all the same (runSync, runContext), so that a yield is caught;
// the functions here hide it. pcall and xpcall also run their body in a
// coroutine of the lab's own (lab/coro's prelude): Lua code inside the body
// sees the coroutine that called pcall, as it would on LuaJIT.

// findPCallBody learns how to tell a pcall body's coroutine from the
// others: it runs pcall once and records the function the body coroutine
// starts with (the prelude's starter) and the prelude function that
// creates it (the Created hook's caller). Called once, from initVM.
func (w *worker) findPCallBody() error {
	L := w.L
	w.calibrating = true
	defer func() { w.calibrating = false }()
	probe := L.NewFunction(func(L *lua.LState) int {
		if dbg, ok := L.GetStack(-1); ok {
			if _, err := L.GetInfo("S", dbg, lua.LNil); err == nil && dbg.ShortSrc == coro.PreludeChunk {
				w.bodyStartLine = dbg.LineDefined
			}
		}
		return 0
	})
	if err := L.CallByParam(lua.P{Fn: L.GetGlobal("pcall"), NRet: 0, Protect: true}, probe); err != nil {
		return err
	}
	if w.bodyStartLine <= 0 || w.bodyMakerLine <= 0 {
		return errors.New("cannot find how pcall runs its body")
	}
	return nil
}

// noteCalibration records, while findPCallBody runs, the prelude function
// that called the Created hook on parent.
func (w *worker) noteCalibration(parent *lua.LState) {
	if line, ok := preludeCaller(parent); ok {
		w.bodyMakerLine = line
	}
}

// preludeCaller is the definition line of the prelude function that called
// the running Go function on L, if a prelude function called it.
func preludeCaller(L *lua.LState) (int, bool) {
	dbg, ok := L.GetStack(1)
	if !ok {
		return 0, false
	}
	if _, err := L.GetInfo("S", dbg, lua.LNil); err != nil || dbg.ShortSrc != coro.PreludeChunk {
		return 0, false
	}
	return dbg.LineDefined, true
}

// madeForPCall reports, in the Created hook, whether the coroutine parent
// is making is a pcall body (not one Lua code asked for).
func (w *worker) madeForPCall(parent *lua.LState) bool {
	line, ok := preludeCaller(parent)
	return ok && line == w.bodyMakerLine
}

// isPCallBody reports whether co is the coroutine of a pcall or xpcall body.
func (w *worker) isPCallBody(co *lua.LState) bool {
	if w.bodyStartLine <= 0 {
		return false
	}
	dbg, ok := co.GetStack(-1) // the coroutine's first frame
	if !ok {
		return false
	}
	if _, err := co.GetInfo("S", dbg, lua.LNil); err != nil {
		return false
	}
	return dbg.ShortSrc == coro.PreludeChunk && dbg.LineDefined == w.bodyStartLine
}

// luaThread is the coroutine code running on L belongs to, pcall bodies
// left out: the one whose code called pcall.
func (w *worker) luaThread(L *lua.LState) *lua.LState {
	for L != nil && L.Parent != nil && w.isPCallBody(L) {
		L = L.Parent
	}
	return L
}

// onMainThread reports whether Lua code on L runs, for ngx_lua, on the VM's
// main thread: it is the handler thread of a phase that is a plain call.
func (w *worker) onMainThread(L *lua.LState) bool {
	th := w.luaThread(L)
	if th == w.L {
		return true
	}
	r := w.cur
	return r != nil && th == r.th && inYieldable&(1<<r.phase) == 0
}

// overrideCoroutineRunning makes coroutine.running() answer as on LuaJIT
// inside ngx_lua: nil on the main thread, the caller's coroutine inside a
// pcall body.
func (w *worker) overrideCoroutineRunning() {
	L := w.L
	co, ok := L.GetGlobal("coroutine").(*lua.LTable)
	if !ok {
		return
	}
	co.RawSetString("running", L.NewFunction(func(L *lua.LState) int {
		if w.onMainThread(L) {
			L.Push(lua.LNil)
			return 1
		}
		L.Push(w.luaThread(L))
		return 1
	}))
}

// coroutineGuard wraps coroutine.create, wrap and resume so that they raise
// "API disabled" in the phases where ngx_lua refuses them: set_by_lua,
// log_by_lua, init_worker_by_lua and balancer_by_lua (the API's documented
// contexts are rewrite, access, content, init, timer and the filters;
// set_by_lua and log_by_lua observed on ngx_lua 0.10.23, difftest case
// syncphase/forbidden). resume checks its argument first, as ngx_lua does.
// The wrappers are Lua so that yields still pass through resume.
const coroutineGuard = `local allowed, create, wrap, resume = ...
coroutine.create = function(f) allowed() return create(f) end
coroutine.wrap = function(f) allowed() return wrap(f) end
coroutine.resume = function(co, ...)
  allowed(co)
  return resume(co, ...)
end`

// coroutineGuardProto is coroutineGuard compiled once for every VM.
var coroutineGuardProto = sync.OnceValues(func() (*lua.FunctionProto, error) { return coro.CompileChunk(coroutineGuard) })

// guardCoroutineContexts installs coroutineGuard.
func (w *worker) guardCoroutineContexts() error {
	L := w.L
	co, ok := L.GetGlobal("coroutine").(*lua.LTable)
	if !ok {
		return errors.New("no coroutine library")
	}
	p, err := coroutineGuardProto()
	if err != nil {
		return fmt.Errorf("coroutine guard: %w", err)
	}
	return L.CallByParam(lua.P{Fn: L.NewFunctionFromProto(p), NRet: 0, Protect: true}, L.NewFunction(w.coroutineAllowed),
		co.RawGetString("create"), co.RawGetString("wrap"), co.RawGetString("resume"))
}

// coroutineAllowed raises when the running phase may not use coroutines;
// given an argument (resume's), it first checks that it is a coroutine.
func (w *worker) coroutineAllowed(L *lua.LState) int {
	if L.GetTop() > 0 && L.Get(1).Type() != lua.LTThread {
		// named as the caller of the guard's resume wrote it ('?' from pcall)
		L.CallerArgError(1, "coroutine expected")
	}
	r := w.cur
	if r == nil {
		return 0
	}
	switch r.phase {
	case phaseSet, phaseLog, phaseInitWorker, phaseBalancer:
		raiseFromCaller(L, "API disabled in the context of "+r.phase.context())
	}
	return 0
}

// raiseFromCaller raises msg named after the Lua code that called the
// coroutineGuard wrapper (level 2: level 1 is the wrapper).
func raiseFromCaller(L *lua.LState, msg string) {
	if where := L.Where(2); where != "" && !strings.HasPrefix(where, coro.PreludeChunk+":") {
		msg = where + " " + msg
	}
	L.Error(lua.LString(msg), 0)
}
