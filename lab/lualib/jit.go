package lualib

import (
	lua "github.com/yuin/gopher-lua"
)

// The values of the lab's jit table. Debian's luajit2 on amd64 (the oracle)
// prints "Linux x64 LuaJIT 2.1.0-beta3 20100" for jit.os, jit.arch,
// jit.version and jit.version_num.
const (
	// JITOS is jit.os: the lab's instances run on Linux.
	JITOS = "Linux"
	// JITArch is jit.arch, spelled as LuaJIT spells amd64.
	JITArch = "x64"
	// JITVersion is jit.version. It keeps LuaJIT's shape (a string) but says
	// what really runs, so a learner who prints it is not misled, and code
	// that looks for "LuaJIT 2.0" in it (lua-resty-core warns about 2.0)
	// finds nothing to warn about.
	JITVersion = "Lua 5.1 (RestyLab, gopher-lua; not LuaJIT)"
	// JITVersionNum is jit.version_num: 20100, as LuaJIT 2.1. Code compares
	// it to decide whether LuaJIT 2.1's Lua-level extensions are there, and
	// the lab provides those (bit, table.new, table.clear, goto, string.rep's
	// separator); what it lacks (the compiler, FFI) code cannot detect from
	// this number on LuaJIT either, and jit.status() answers false for it.
	JITVersionNum = 20100
	// JITStatusReason is the second value of jit.status().
	JITStatusReason = "no JIT compiler: RestyLab interprets Lua 5.1 with gopher-lua, not LuaJIT"
)

// OpenJIT installs a read-only stand-in for LuaJIT's jit module as the
// global "jit" and as package.loaded.jit (so require "jit" returns the same
// table): os, arch, version, version_num as above, status() returning
// false and JITStatusReason, on/off/flush and opt.start as no-ops (there is
// nothing to switch), and package.loaded["jit.opt"] = jit.opt as in LuaJIT.
//
// The table is an empty proxy whose __index holds the fields: assigning to
// it raises an error (one request cannot change what another reads), and
// pairs(jit) yields nothing, since Lua 5.1 has no __pairs.
func OpenJIT(L *lua.LState) {
	noop := L.NewFunction(func(*lua.LState) int { return 0 })
	opt := readOnly(L, "jit.opt", map[string]lua.LValue{"start": noop})
	jit := readOnly(L, "jit", map[string]lua.LValue{
		"os":          lua.LString(JITOS),
		"arch":        lua.LString(JITArch),
		"version":     lua.LString(JITVersion),
		"version_num": lua.LNumber(JITVersionNum),
		"status": L.NewFunction(func(L *lua.LState) int {
			L.Push(lua.LFalse)
			L.Push(lua.LString(JITStatusReason))
			return 2
		}),
		"on":    noop,
		"off":   noop,
		"flush": noop,
		"opt":   opt,
	})
	L.SetGlobal("jit", jit)
	setLoaded(L, "jit", jit)
	setLoaded(L, "jit.opt", opt)
}

// readOnly returns an empty table that reads fields from a hidden table
// and refuses every assignment with an error naming name.key. Its metatable
// is protected, so setmetatable cannot lift the protection.
func readOnly(L *lua.LState, name string, fields map[string]lua.LValue) *lua.LTable {
	inner := L.NewTable()
	for k, v := range fields {
		inner.RawSetString(k, v)
	}
	mt := L.NewTable()
	mt.RawSetString("__index", inner)
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("%s.%s cannot be set: %s is read-only in the lab (it describes the lab's Lua 5.1 interpreter, which has no JIT to configure)",
			name, L.ToStringMeta(L.Get(2)).String(), name)
		return 0
	}))
	mt.RawSetString("__metatable", lua.LFalse)
	t := L.NewTable()
	L.SetMetatable(t, mt)
	return t
}

// HideEnv replaces os.getenv with one that answers nil ("not set") for
// every name, so learner code that reads an optional variable runs as it
// does when the variable is unset, and the lab host's environment stays
// hidden. The argument is still checked as LuaJIT's luaL_checkstring does.
// The os library must be open first.
func HideEnv(L *lua.LState) {
	OpenGetenv(L, func(string) (string, bool) { return "", false })
}

// OpenGetenv replaces os.getenv with one that answers what lookup finds
// (nil when it finds nothing), with the argument checked as LuaJIT does.
// The os library must be open first.
func OpenGetenv(L *lua.LState, lookup func(name string) (string, bool)) {
	if os, ok := L.GetGlobal("os").(*lua.LTable); ok {
		os.RawSetString("getenv", L.NewFunction(func(L *lua.LState) int {
			if v, ok := lookup(checkString(L, 1)); ok {
				L.Push(lua.LString(v))
			} else {
				L.Push(lua.LNil)
			}
			return 1
		}))
	}
}
