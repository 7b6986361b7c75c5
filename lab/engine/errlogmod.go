package engine

import (
	lua "github.com/yuin/gopher-lua"
)

// require "ngx.errlog" as lua-resty-core 0.1.25 has it on Debian's nginx
// (the oracle): raw_log writes a message at a level with no "[lua]
// file:line" prefix, get_sys_filter_level is error_log's level, and the
// capturing functions answer that nginx lacks OpenResty's capture patch
// (lua_capture_error_log is a directive only OpenResty's nginx has;
// difftest misc/errlog).

// errlogNoCapture is lua-resty-core's answer without the capture patch.
const errlogNoCapture = "missing the capture error log patch for nginx"

// preloadErrlog registers require "ngx.errlog".
func (w *worker) preloadErrlog(pre *lua.LTable) {
	noCapture := func(L *lua.LState) int {
		L.Push(lua.LNil)
		L.Push(lua.LString(errlogNoCapture))
		return 2
	}
	pre.RawSetString("ngx.errlog", w.L.NewFunction(func(L *lua.LState) int {
		t := L.NewTable()
		t.RawSetString("version", lua.LString(restyCoreVersion))
		t.RawSetString("raw_log", L.NewFunction(w.errlogRawLog))
		t.RawSetString("get_sys_filter_level", L.NewFunction(func(L *lua.LState) int {
			L.Push(lua.LNumber(w.e.errlog.level))
			return 1
		}))
		t.RawSetString("get_logs", L.NewFunction(noCapture))
		t.RawSetString("set_filter_level", L.NewFunction(noCapture))
		L.Push(t)
		return 1
	}))
}

// errlogRawLog is errlog.raw_log(level, msg): msg exactly as given, with
// the request's or timer's context after it, as ngx.log without its prefix.
func (w *worker) errlogRawLog(L *lua.LState) int {
	level, ok := L.Get(1).(lua.LNumber)
	if !ok {
		L.RaiseError("bad argument #1 to 'raw_log' (must be a number)")
	}
	msg, ok := L.Get(2).(lua.LString)
	if !ok {
		L.RaiseError("bad argument #2 to 'raw_log' (must be a string)")
	}
	if level < LevelStderr || level > LevelDebug {
		L.RaiseError("bad log level")
	}
	if w.e.errlog.Enabled(int(level)) || w.rec.Enabled() {
		w.writeLuaLog(L, int(level), string(msg))
	}
	return 0
}
