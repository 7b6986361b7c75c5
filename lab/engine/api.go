package engine

import (
	"fmt"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/coro"
	"github.com/restylab/restylab/lab/lualib"
	"github.com/restylab/restylab/lab/shdict"
	"github.com/restylab/restylab/lab/trace"
)

// ngxError is ngx.ERROR.
const ngxError = -1

// ngx constants, as ngx_lua defines them.
var ngxConstants = map[string]int{
	"OK": 0, "ERROR": -1, "AGAIN": -2, "DONE": -4, "DECLINED": -5,
	"STDERR": LevelStderr, "EMERG": LevelEmerg, "ALERT": LevelAlert, "CRIT": LevelCrit,
	"ERR": LevelErr, "WARN": LevelWarn, "NOTICE": LevelNotice, "INFO": LevelInfo, "DEBUG": LevelDebug,
	"HTTP_GET": 2, "HTTP_HEAD": 4, "HTTP_POST": 8, "HTTP_PUT": 16, "HTTP_DELETE": 32,
	"HTTP_MKCOL": 64, "HTTP_COPY": 128, "HTTP_MOVE": 256, "HTTP_OPTIONS": 512,
	"HTTP_PROPFIND": 1024, "HTTP_PROPPATCH": 2048, "HTTP_LOCK": 4096, "HTTP_UNLOCK": 8192,
	"HTTP_PATCH": 16384, "HTTP_TRACE": 32768,
	"HTTP_CONTINUE": 100, "HTTP_SWITCHING_PROTOCOLS": 101,
	"HTTP_OK": 200, "HTTP_CREATED": 201, "HTTP_ACCEPTED": 202, "HTTP_NO_CONTENT": 204, "HTTP_PARTIAL_CONTENT": 206,
	"HTTP_SPECIAL_RESPONSE": 300, "HTTP_MOVED_PERMANENTLY": 301, "HTTP_MOVED_TEMPORARILY": 302,
	"HTTP_SEE_OTHER": 303, "HTTP_NOT_MODIFIED": 304, "HTTP_TEMPORARY_REDIRECT": 307, "HTTP_PERMANENT_REDIRECT": 308,
	"HTTP_BAD_REQUEST": 400, "HTTP_UNAUTHORIZED": 401, "HTTP_PAYMENT_REQUIRED": 402, "HTTP_FORBIDDEN": 403,
	"HTTP_NOT_FOUND": 404, "HTTP_NOT_ALLOWED": 405, "HTTP_NOT_ACCEPTABLE": 406, "HTTP_REQUEST_TIMEOUT": 408,
	"HTTP_CONFLICT": 409, "HTTP_GONE": 410, "HTTP_UPGRADE_REQUIRED": 426, "HTTP_TOO_MANY_REQUESTS": 429,
	"HTTP_CLOSE": 444, "HTTP_ILLEGAL": 451, "HTTP_INTERNAL_SERVER_ERROR": 500, "HTTP_METHOD_NOT_IMPLEMENTED": 501,
	"HTTP_NOT_IMPLEMENTED": 501,
	"HTTP_BAD_GATEWAY":     502, "HTTP_SERVICE_UNAVAILABLE": 503, "HTTP_GATEWAY_TIMEOUT": 504,
	"HTTP_VERSION_NOT_SUPPORTED": 505, "HTTP_INSUFFICIENT_STORAGE": 507,
}

// newNgx builds the worker's ngx table.
func (w *worker) newNgx() *lua.LTable {
	L := w.L
	ngx := L.NewTable()
	for k, v := range ngxConstants {
		ngx.RawSetString(k, lua.LNumber(v))
	}
	lualib.RegisterNgx(L, ngx, w)
	lualib.RegisterNgxRe(L, ngx)
	fns := map[string]lua.LGFunction{
		"say":          w.apiSay,
		"print":        w.apiPrint,
		"flush":        w.apiFlush,
		"eof":          w.apiEOF,
		"exit":         w.apiExit,
		"redirect":     w.apiRedirect,
		"exec":         w.apiExec,
		"send_headers": w.apiSendHeaders,
		"sleep":        w.apiSleep,
		"log":          w.apiLog,
		"get_phase":    w.apiGetPhase,
		"update_time":  w.apiUpdateTime,
		"on_abort":     w.apiOnAbort,

		"run_worker_thread": w.apiRunWorkerThread,
	}
	for k, f := range fns {
		w.setAPI(ngx, "ngx."+k, f)
	}
	ngx.RawSetString("req", w.newReqTable())
	ngx.RawSetString("timer", w.newTimerTable())
	ngx.RawSetString("socket", w.newSocketTable())
	ngx.RawSetString("thread", w.newThreadTable())
	ngx.RawSetString("location", w.newLocationTable())
	resp := L.NewTable()
	w.setAPI(resp, "ngx.resp.get_headers", w.respGetHeaders)
	ngx.RawSetString("resp", resp)
	ngx.RawSetString("var", w.newVarTable())
	ngx.RawSetString("header", w.newHeaderTable())
	ngx.RawSetString("arg", w.newArgTable())
	ngx.RawSetString("shared", shdict.OpenLua(L, w.e.dicts))

	worker := L.NewTable()
	w.setAPI(worker, "ngx.worker.id", func(L *lua.LState) int { L.Push(lua.LNumber(w.id)); return 1 })
	w.setAPI(worker, "ngx.worker.count", func(L *lua.LState) int { L.Push(lua.LNumber(len(w.e.workers))); return 1 })
	// a worker's "pid" is its OS thread's id: each worker has its own, as
	// each nginx worker is a process of its own (error_log lines print it
	// as nginx prints the worker's pid#tid)
	w.setAPI(worker, "ngx.worker.pid", func(L *lua.LState) int { L.Push(lua.LNumber(w.tid)); return 1 })
	w.setAPI(worker, "ngx.worker.pids", func(L *lua.LState) int {
		t := L.CreateTable(len(w.e.workers), 0)
		for _, o := range w.e.workers {
			if tid := o.tidShared.Load(); tid != 0 {
				t.Append(lua.LNumber(tid))
			}
		}
		L.Push(t)
		return 1
	})
	w.setAPI(worker, "ngx.worker.exiting", func(L *lua.LState) int { L.Push(lua.LBool(w.stopping)); return 1 })
	ngx.RawSetString("worker", worker)

	cfg := L.NewTable()
	cfg.RawSetString("subsystem", lua.LString("http"))
	cfg.RawSetString("debug", lua.LFalse)
	cfg.RawSetString("nginx_version", lua.LNumber(1022001))
	cfg.RawSetString("ngx_lua_version", lua.LNumber(10023))
	w.setAPI(cfg, "ngx.config.prefix", func(L *lua.LState) int {
		p := w.e.cfg.Prefix
		if !strings.HasSuffix(p, "/") {
			p += "/"
		}
		L.Push(lua.LString(p))
		return 1
	})
	w.setAPI(cfg, "ngx.config.nginx_configure", func(L *lua.LState) int { L.Push(lua.LString("")); return 1 })
	ngx.RawSetString("config", cfg)

	// ngx.status, ngx.ctx and ngx.headers_sent are computed per request.
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(w.ngxIndex))
	mt.RawSetString("__newindex", L.NewFunction(w.ngxNewIndex))
	L.SetMetatable(ngx, mt)
	return ngx
}

// Now is the worker's cached time (lualib.Clock).
func (w *worker) Now() time.Time { return w.loop.Now() }

// Update refreshes the cached time (ngx.update_time).
func (w *worker) Update() { w.loop.UpdateTime() }

func (w *worker) ngxIndex(L *lua.LState) int {
	key := L.CheckString(2)
	switch key {
	case "status":
		r := w.need(L, "ngx.status (read)")
		L.Push(lua.LNumber(r.respStatus()))
		return 1
	case "ctx":
		r := w.need(L, "ngx.ctx (read)")
		if r.ctx == nil {
			r.ctx = L.NewTable()
		}
		L.Push(r.ctx)
		return 1
	case "headers_sent":
		r := w.need(L, "ngx.headers_sent")
		L.Push(lua.LBool(r.headerSent && !r.headerFailed))
		return 1
	case "is_subrequest":
		r := w.need(L, "ngx.is_subrequest")
		L.Push(lua.LBool(r.sub != nil))
		return 1
	}
	L.Push(lua.LNil)
	return 1
}

func (w *worker) ngxNewIndex(L *lua.LState) int {
	key := L.CheckString(2)
	switch key {
	case "status":
		r := w.need(L, "ngx.status (write)")
		if r.headerSent {
			r.logErr(LevelErr, "attempt to set ngx.status after sending out response headers")
			return 0
		}
		r.status = int(L.CheckNumber(3))
		return 0
	case "ctx":
		r := w.need(L, "ngx.ctx (write)")
		t, ok := L.Get(3).(*lua.LTable)
		if !ok {
			raise(L, "ctx should be a table while getting a %s", L.Get(3).Type().String())
		}
		r.ctx = t
		return 0
	}
	L.RawSet(L.CheckTable(1), L.Get(2), L.Get(3))
	return 0
}

// need returns the current request if the API api (a name in apiTable) is
// allowed in its phase, else raises ngx_lua's "API disabled in the context
// of ..." error.
func (w *worker) need(L *lua.LState, api string) *request {
	if w.cur == nil {
		raise(L, "no request found")
		return nil
	}
	e := apiByName[api]
	if e == nil {
		raise(L, "RestyLab bug: API %s is not in the engine's API table", api)
		return nil
	}
	return w.needEntry(L, e)
}

// needEntry is need for an API whose table entry the caller looked up once
// (ngx.say and ngx.print: the map lookup by name was a cost per call).
func (w *worker) needEntry(L *lua.LState, e *apiEntry) *request {
	r := w.cur
	if r == nil {
		raise(L, "no request found")
		return nil
	}
	if e.phases&(1<<r.phase) == 0 {
		ssl := r.phase == phaseSSLCert || r.phase == phaseSSLClientHello
		if (r.phase == phaseTimer || ssl) && e.ffi || ssl && strings.HasPrefix(e.name, "ngx.var") {
			// lua-resty-core's FFI versions (and, in the ssl phase, its
			// ngx.var) word it so
			raise(L, "API disabled in the current context")
		}
		raise(L, "API disabled in the context of %s", r.phase.context())
		return nil
	}
	return r
}

// apiLog is ngx.log(level, ...): "[lua] chunk:line: message" in error_log.
func (w *worker) apiLog(L *lua.LState) int {
	level := L.CheckInt(1)
	if level < LevelStderr || level > LevelDebug {
		raise(L, "bad log level: %d", level)
	}
	w.logFromLua(L, level, 2)
	return 0
}

// luaPrint is the global print: ngx.log(ngx.NOTICE, ...).
func (w *worker) luaPrint(L *lua.LState) int {
	w.logFromLua(L, LevelNotice, 1)
	return 0
}

func (w *worker) logFromLua(L *lua.LState, level, from int) {
	if !w.e.errlog.Enabled(level) && !w.rec.Enabled() {
		return
	}
	var b strings.Builder
	b.WriteString("[lua] ")
	where := L.Where(1)
	// ngx_lua writes the basename of a file's path (ngx_http_lua_log.c):
	// "[lua] m.lua:2:", never the prefix's folders
	if i := strings.LastIndexByte(where, '/'); i >= 0 {
		where = where[i+1:]
	}
	b.WriteString(where)
	if where != "" {
		b.WriteByte(' ')
	}
	for i := from; i <= L.GetTop(); i++ {
		v := L.Get(i)
		switch v.Type() {
		case lua.LTNil:
			b.WriteString("nil")
		case lua.LTNumber:
			b.WriteString(lualib.FormatNumber(float64(v.(lua.LNumber))))
		case lua.LTBool, lua.LTString:
			b.WriteString(v.String())
		case lua.LTTable:
			// ngx_lua writes a table through its __tostring (a number result
			// too); the argument is counted from the first after the level
			// (difftest log/tostring_meta)
			meta := L.GetMetaField(v, "__tostring")
			if meta == lua.LNil {
				L.ArgError(i-from+1, "expected table to have __tostring metamethod")
			}
			L.Push(meta)
			L.Push(v)
			L.Call(1, 1)
			res := L.Get(-1)
			L.Pop(1)
			switch res := res.(type) {
			case lua.LString:
				b.WriteString(string(res))
			case lua.LNumber:
				b.WriteString(lualib.FormatNumber(float64(res)))
			default:
				raise(L, "'__tostring' must return a string")
			}
		default:
			if v == lualib.Null(L) {
				b.WriteString("null")
				continue
			}
			L.ArgError(i-from+1, fmt.Sprintf("string, number, boolean, or nil expected, got %s", v.Type().String()))
		}
	}
	w.writeLuaLog(L, level, b.String())
}

// writeLuaLog writes a message Lua logged at level with the context nginx
// adds: the request's (", client: ...") or a timer's (", context:
// ngx.timer"), and traces it.
func (w *worker) writeLuaLog(L *lua.LState, level int, msg string) {
	if r := w.cur; r != nil && r.c != nil {
		if w.rec.Enabled() {
			src, line := luaPosition(L)
			w.rec.Emit(trace.Event{Kind: trace.Log, Req: r.id, Co: r.coID, Phase: r.phase.String(), Arg: int64(level), Detail: msg, Source: src, Line: line})
		}
		r.logErrNoTrace(level, msg)
		return
	}
	if r := w.cur; r != nil && r.isTimer {
		w.log(level, r.fakeConn, msg+r.fakeContext())
		return
	}
	w.log(level, 0, msg)
}

func (w *worker) apiGetPhase(L *lua.LState) int {
	if w.cur == nil {
		L.Push(lua.LString("init"))
		return 1
	}
	L.Push(lua.LString(w.cur.phase.String()))
	return 1
}

func (w *worker) apiUpdateTime(L *lua.LState) int {
	w.loop.UpdateTime()
	return 0
}

// raise raises a Lua error from an ngx API function (see coro.Raise).
func raise(L *lua.LState, format string, args ...any) { coro.Raise(L, format, args...) }

// respGetHeaders is ngx.resp.get_headers(max, raw): the response headers
// set so far, keys in lower case unless raw.
func (w *worker) respGetHeaders(L *lua.LState) int {
	r := w.need(L, "ngx.resp.get_headers")
	b := w.newHeadersBuilder(L)
	for _, h := range r.headers {
		for _, v := range h.values {
			b.add(h.name, v)
		}
	}
	return b.push()
}

// installGlobalGuard warns, like lua-resty-core's _G write guard, the first
// time request code writes a global variable (it lives in the worker's VM,
// shared by every request).
func (w *worker) installGlobalGuard() {
	L := w.L
	seen := map[string]bool{}
	mt := L.NewTable()
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		k := L.Get(2)
		if r := w.cur; r != nil && r.phase != phaseInit && r.phase != phaseInitWorker {
			if name, ok := k.(lua.LString); ok && !seen[string(name)] {
				seen[string(name)] = true
				msg := "[lua] _G write guard:12: __newindex(): writing a global Lua variable ('" + string(name) +
					"') which may lead to race conditions between concurrent requests, so prefer the use of 'local' variables"
				if r.c != nil {
					r.logErr(LevelWarn, msg)
				} else {
					w.log(LevelWarn, 0, msg)
				}
			}
		}
		t.RawSet(k, L.Get(3))
		return 0
	}))
	L.SetMetatable(L.Get(lua.GlobalsIndex), mt)
}

// nilErr returns nil and msg to Lua, OpenResty's convention for an API
// that failed: `return nilErr(L, "closed")`.
func nilErr(L *lua.LState, msg string) int {
	L.Push(lua.LNil)
	L.Push(lua.LString(msg))
	return 2
}
