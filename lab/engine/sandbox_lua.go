package engine

import (
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/lualib"
)

// Limits of the sandboxed Lua environment (Options.Sandbox).
const (
	// SandboxMaxStringRep caps one string.rep / table.concat result: one Go
	// call cannot be interrupted and gopher-lua has no memory limit.
	SandboxMaxStringRep = 16 << 20
)

// sandboxLua takes away what learner code must not reach in a lab
// instance: the io library, os functions that touch the system, the debug
// library (but traceback), dofile/loadfile, the host's environment
// (os.getenv, environ.go). Each refused call raises an
// error that says so, instead of the function being silently missing.
func (w *worker) sandboxLua(L *lua.LState) {
	refuse := func(name, why string) *lua.LFunction {
		return L.NewFunction(func(L *lua.LState) int {
			raise(L, "%s is disabled in the lab's sandbox: %s", name, why)
			return 0
		})
	}
	const files = "learner code cannot touch the lab's files (use the workspace's lua/ modules with require)"
	io := L.NewTable()
	for _, f := range []string{"open", "popen", "lines", "read", "write", "close", "input", "output", "tmpfile", "type", "flush"} {
		io.RawSetString(f, refuse("io."+f, files))
	}
	L.SetGlobal("io", io)
	if os, ok := L.GetGlobal("os").(*lua.LTable); ok {
		for _, f := range []string{"execute", "exit", "remove", "rename", "tmpname", "setenv", "setlocale"} {
			os.RawSetString(f, refuse("os."+f, "it would act on the lab's machine"))
		}
	}
	// os.getenv shows none of the host's environment (environ.go)
	L.SetGlobal("dofile", refuse("dofile", files))
	L.SetGlobal("loadfile", refuse("loadfile", files))
	if dbg, ok := L.GetGlobal("debug").(*lua.LTable); ok {
		traceback := dbg.RawGetString("traceback")
		safe := L.NewTable()
		safe.RawSetString("traceback", traceback)
		names := map[string]bool{}
		dbg.ForEach(func(k, _ lua.LValue) { names[lua.LVAsString(k)] = true })
		for _, n := range []string{"getregistry", "sethook", "gethook", "getinfo", "getlocal", "setlocal",
			"getupvalue", "setupvalue", "getmetatable", "setmetatable", "getfenv", "setfenv", "debug"} {
			names[n] = true // Lua 5.1's, whether or not gopher-lua has them
		}
		for name := range names {
			if name != "traceback" {
				safe.RawSetString(name, refuse("debug."+name, "it reaches into the VM that other requests share"))
			}
		}
		L.SetGlobal("debug", safe)
	}
	// require "io" / "debug" must not hand back the real libraries
	if pkg, ok := L.GetGlobal("package").(*lua.LTable); ok {
		if loaded, ok := pkg.RawGetString("loaded").(*lua.LTable); ok {
			loaded.RawSetString("io", L.GetGlobal("io"))
			loaded.RawSetString("debug", L.GetGlobal("debug"))
		}
		w.confineLuaLoader(L, pkg)
	}
	lualib.LimitStringRep(L, SandboxMaxStringRep)
}

// preloadMissingLuaJIT installs the lab's read-only jit table (lualib.OpenJIT:
// real OpenResty code reads jit.os, jit.arch, jit.version) and makes
// require "ffi", "jit.util" and "jit.profile" fail with an explanation
// rather than "module not found": those need LuaJIT itself.
func preloadMissingLuaJIT(L *lua.LState) {
	lualib.OpenJIT(L)
	pkg, ok := L.GetGlobal("package").(*lua.LTable)
	if !ok {
		return
	}
	pre, ok := pkg.RawGetString("preload").(*lua.LTable)
	if !ok {
		return
	}
	for _, m := range []string{"ffi", "jit.util", "jit.profile"} {
		m := m
		pre.RawSetString(m, L.NewFunction(func(L *lua.LState) int {
			raise(L, "%s", fmt.Sprintf("module '%s' is not available: RestyLab runs Lua 5.1 (gopher-lua), not LuaJIT, so there is no FFI or JIT", m))
			return 0
		}))
	}
}

// confineLuaLoader makes require's Lua file loader (package.loaders[2])
// search only the package.path entries inside the workspace, whatever the
// learner's code assigned to package.path since: the path set at start-up
// is filtered once (setPackagePath), and a handler or worker thread that
// sets package.path = "/elsewhere/?.lua" would otherwise load (or, through
// a syntax error's "near" text, show) files of the lab's machine.
func (w *worker) confineLuaLoader(L *lua.LState, pkg *lua.LTable) {
	loaders, ok := pkg.RawGetString("loaders").(*lua.LTable)
	if !ok {
		return
	}
	orig, ok := loaders.RawGetInt(2).(*lua.LFunction)
	if !ok {
		return
	}
	prefix := strings.TrimSuffix(w.e.cfg.Prefix, "/")
	loaders.RawSetInt(2, L.NewFunction(func(L *lua.LState) int {
		set := pkg.RawGetString("path")
		pkg.RawSetString("path", lua.LString(insidePrefix(lua.LVAsString(set), prefix)))
		defer pkg.RawSetString("path", set) // the learner's value stays readable
		L.Push(orig)
		L.Push(L.Get(1))
		L.Call(1, 1)
		return 1
	}))
}
