package engine

import (
	"fmt"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/lualib"
	"github.com/restylab/restylab/lab/trace"
)

// appendPrintable appends v as ngx.say/ngx.print write it: strings,
// numbers, booleans, nil, ngx.null and (nested) array tables of those.
func appendPrintable(L *lua.LState, b []byte, v lua.LValue, arg int, fname string) []byte {
	switch v.Type() {
	case lua.LTString:
		return append(b, string(v.(lua.LString))...)
	case lua.LTNumber:
		return append(b, lualib.FormatNumber(float64(v.(lua.LNumber)))...)
	case lua.LTBool:
		return append(b, v.String()...)
	case lua.LTNil:
		return append(b, "nil"...)
	case lua.LTTable:
		t := v.(*lua.LTable)
		n := t.Len()
		nonArray := false
		t.ForEach(func(k, _ lua.LValue) {
			if f, ok := k.(lua.LNumber); !ok || float64(f) != float64(int(f)) || int(f) < 1 || int(f) > n {
				nonArray = true
			}
		})
		if nonArray {
			raise(L, "bad argument #%d to '%s' (non-array table found)", arg, fname)
		}
		for i := 1; i <= n; i++ {
			b = appendPrintable(L, b, t.RawGetInt(i), arg, fname)
		}
		return b
	case lua.LTUserData:
		if v == lualib.Null(L) {
			return append(b, "null"...)
		}
	}
	raise(L, "bad argument #%d to '%s' (string, number, boolean, nil, ngx.null, or array table expected, but got %s)", arg, fname, v.Type().String())
	return b
}

// output is ngx.say (newline) and ngx.print: fname names the function in
// argument errors, api is its apiTable entry (looked up once: apiSayEntry).
func (w *worker) output(L *lua.LState, fname string, api *apiEntry, newline bool) int {
	r := w.needEntry(L, api)
	if r.rawSocket() {
		return nilErr(L, errRawSocket)
	}
	if r.eofSent {
		return nilErr(L, "seen eof")
	}
	if r.clientGone {
		return nilErr(L, "closed")
	}
	// the worker's buffer, taken while in use (nothing under r.output
	// keeps it: the connection's buffer, a body filter's ngx.arg[1], a
	// subrequest's body are copies); a Lua error on the way drops it
	b := w.outBuf[:0]
	w.outBuf = nil
	for i := 1; i <= L.GetTop(); i++ {
		b = appendPrintable(L, b, L.Get(i), i, fname)
	}
	if newline {
		b = append(b, '\n')
	}
	defer w.keepOutBuf(b)
	if len(b) == 0 {
		// ngx_lua sends the header for an empty string and nothing else:
		// the body filter does not run (difftest output/print_empty)
		if r.sub == nil && r.c != nil && !r.headerSent && !r.buffering10 && !r.wantsBuffer10() &&
			!r.luaOutputCall(func() bool { return r.sendHeader() && !r.c.closed }) {
			return nilErr(L, errOutputFilter)
		}
		L.Push(lua.LNumber(1))
		return 1
	}
	if !r.luaOutputCall(func() bool { return r.output(b, false) }) {
		return nilErr(L, errOutputFilter)
	}
	L.Push(lua.LNumber(1))
	return 1
}

// maxOutBuf bounds the output buffer a worker keeps between ngx.say calls.
const maxOutBuf = 64 << 10

// keepOutBuf gives ngx.say's buffer back to the worker for its next call.
func (w *worker) keepOutBuf(b []byte) {
	if cap(b) <= maxOutBuf {
		w.outBuf = b[:0]
	}
}

// errOutputFilter is what ngx_lua's output APIs return when a header or
// body filter failed.
const errOutputFilter = "nginx output filter error"

// luaOutputCall runs f (output on behalf of a Lua API): a filter failure
// inside it is reported as f's false result instead of closing the
// connection under the running coroutine.
func (r *request) luaOutputCall(f func() bool) bool {
	saved := r.luaOutput
	r.luaOutput = true
	ok := f()
	r.luaOutput = saved
	return ok
}

func (w *worker) apiSay(L *lua.LState) int   { return w.output(L, "say", apiSayEntry, true) }
func (w *worker) apiPrint(L *lua.LState) int { return w.output(L, "print", apiPrintEntry, false) }

// apiSayEntry and apiPrintEntry are ngx.say's and ngx.print's apiTable
// entries (nil if missing from apiTable: every test calling ngx.say fails).
var (
	apiSayEntry   = apiByName["ngx.say"]
	apiPrintEntry = apiByName["ngx.print"]
)

// apiFlush is ngx.flush(wait): send what is buffered; with wait=true the
// coroutine yields until the socket has taken all of it.
func (w *worker) apiFlush(L *lua.LState) int {
	r := w.need(L, "ngx.flush")
	wait := L.OptBool(1, false)
	if r.rawSocket() {
		return nilErr(L, errRawSocket)
	}
	if r.eofSent {
		return nilErr(L, "seen eof")
	}
	if r.buffering10 || r.wantsBuffer10() || r.sub != nil {
		r.buffering10 = r.buffering10 || r.sub == nil
		L.Push(lua.LNumber(1))
		return 1
	}
	if r.headerFailed {
		// nginx's own header never went out (r->header_sent is unset)
		return nilErr(L, "nothing to flush")
	}
	if !r.headerSent && !r.luaOutputCall(r.sendHeader) {
		return nilErr(L, errOutputFilter)
	}
	if h := r.handlers(); h != nil && h.BodyFilter != nil || r.bodyFailed || r.gz != nil {
		if !r.luaOutputCall(func() bool { return r.output(nil, false) }) {
			return nilErr(L, errOutputFilter)
		}
	}
	r.unflushed = 0
	if r.c.flush() || !wait {
		L.Push(lua.LNumber(1))
		return 1
	}
	r.op = opFlush
	r.flushWaiter = r.running
	r.waitDesc = fmt.Sprintf("write fd %d", r.c.fd)
	w.markWait(L, r)
	return w.sched.Yield(L)
}

// apiEOF is ngx.eof: the response ends now; the handler may go on running.
func (w *worker) apiEOF(L *lua.LState) int {
	r := w.need(L, "ngx.eof")
	if r.eofSent {
		return nilErr(L, "seen eof")
	}
	if !r.luaOutputCall(func() bool { return r.output(nil, true) }) {
		return nilErr(L, errOutputFilter)
	}
	r.unflushed = 0
	r.c.flush()
	L.Push(lua.LNumber(1))
	return 1
}

func (w *worker) apiSendHeaders(L *lua.LState) int {
	r := w.need(L, "ngx.send_headers")
	if r.headerSent {
		return nilErr(L, "header already sent")
	}
	if !r.luaOutputCall(r.sendHeader) {
		return nilErr(L, errOutputFilter)
	}
	L.Push(lua.LNumber(1))
	return 1
}

// apiExit is ngx.exit(status): it leaves the handler by yielding, so it also
// works from inside pcall and coroutines, as in ngx_lua.
func (w *worker) apiExit(L *lua.LState) int {
	// not in body_filter: ngx_lua refuses it there ("API disabled in the
	// context of body_filter_by_lua*", difftest syncphase/exit_in_filters)
	r := w.need(L, "ngx.exit")
	code := L.CheckInt(1)
	if code == -2 || code == -4 {
		raise(L, "bad argument to 'ngx.exit': does not accept NGX_AGAIN or NGX_DONE")
	}
	if r.buffering10 {
		// an HTTP/1.0 response held back whole (lua_http10_buffering) goes
		// out first, as a 200 with its Content-Length: what follows is an
		// exit after output (difftest exit/exit_codes_http10)
		r.output(nil, true)
		if code < 200 {
			code = 0
		}
	}
	if r.headerSent && code >= 300 && (r.phase == phaseServerRewrite || r.phase == phaseRewrite || r.phase == phaseAccess || r.phase == phaseContent) {
		r.logErr(LevelErr, fmt.Sprintf("attempt to set status %d via ngx.exit after sending out the response status %d", code, r.status))
		code = 0
		if r.phase != phaseContent {
			code = 200
		}
	}
	if r.phase == phaseHeaderFilter {
		// ngx.exit in a header filter decides the response (sendHeader,
		// difftest exit/exit_in_header_filter); ngx.exit(ngx.OK) does
		// nothing there: the filter goes on
		if code == 0 {
			return 0
		}
		r.filterExit, r.filterExitCode = true, code
	}
	r.op = opExit
	r.exitCode = code
	return w.sched.Yield(L)
}

// apiRedirect is ngx.redirect(uri, status?).
func (w *worker) apiRedirect(L *lua.LState) int {
	r := w.need(L, "ngx.redirect")
	uri := L.CheckString(1)
	status := L.OptInt(2, 302)
	switch status {
	case 301, 302, 303, 307, 308:
	default:
		raise(L, "only ngx.HTTP_MOVED_TEMPORARILY, ngx.HTTP_MOVED_PERMANENTLY, ngx.HTTP_PERMANENT_REDIRECT, ngx.HTTP_SEE_OTHER, and ngx.HTTP_TEMPORARY_REDIRECT are allowed")
	}
	if r.headerSent {
		raise(L, "attempt to call ngx.redirect after sending out the headers")
	}
	if msg := unsafeURIError(uri, "redirect uri"); msg != "" {
		raise(L, "%s", msg)
	}
	r.setHeader("Location", []string{uri})
	r.op = opRedirect
	r.exitCode = status
	return w.sched.Yield(L)
}

// apiExec is ngx.exec(uri, args?): an internal redirect.
func (w *worker) apiExec(L *lua.LState) int {
	r := w.need(L, "ngx.exec")
	uri := L.CheckString(1)
	if uri == "" {
		raise(L, "The uri argument is empty")
	}
	args := ""
	if !strings.HasPrefix(uri, "@") {
		path, a, ok := safeURI(uri)
		if !ok {
			r.logErr(LevelErr, fmt.Sprintf("unsafe URI \"%s\" was detected", path))
			raise(L, "unsafe uri")
		}
		uri, args = path, a
	} else if i := strings.IndexByte(uri, '?'); i >= 0 {
		uri, args = uri[:i], uri[i+1:]
	}
	if r.headerSent {
		raise(L, "attempt to call ngx.exec after sending out response headers")
	}
	switch v := L.Get(2).(type) {
	case lua.LString:
		if args != "" && v != "" {
			args += "&"
		}
		args += string(v)
	case *lua.LTable:
		enc := w.encodeArgs(L, v)
		if args != "" && enc != "" {
			args += "&"
		}
		args += enc
	case *lua.LNilType:
	default:
		L.ArgError(2, "string or table expected")
	}
	if strings.HasPrefix(uri, "@") {
		r.execName = uri[1:]
	} else {
		r.execURI, r.execArgs = uri, args
	}
	r.op = opExec
	return w.sched.Yield(L)
}

// encodeArgs calls ngx.encode_args on a table.
func (w *worker) encodeArgs(L *lua.LState, t *lua.LTable) string {
	fn := w.ngx.RawGetString("encode_args")
	if err := L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: false}, t); err != nil {
		raise(L, "%s", err.Error())
	}
	s := L.Get(-1)
	L.Pop(1)
	return lua.LVAsString(s)
}

// apiSleep is ngx.sleep(seconds): the coroutine yields and a timer on the
// worker's loop resumes it.
func (w *worker) apiSleep(L *lua.LState) int {
	r := w.need(L, "ngx.sleep")
	sec := float64(L.CheckNumber(1))
	if sec < 0 {
		raise(L, "invalid sleep duration \"%v\"", sec)
	}
	d := time.Duration(sec * float64(time.Second))
	d = d.Truncate(time.Millisecond) // nginx timers have millisecond resolution
	r.op = opSleep
	r.waitDesc = fmt.Sprintf("sleep %v", d)
	w.markWait(L, r)
	if w.rec.Enabled() {
		w.rec.Emit(trace.Event{Kind: trace.TimerAdd, Req: r.id, Co: r.coID, Arg: d.Milliseconds(), Detail: "ngx.sleep"})
	}
	t := r.running
	if d == 0 {
		// ngx.sleep(0) yields and resumes after the events already ready.
		w.loop.Post(func() {
			if t.state().op == opSleep {
				r.resumeThread(t)
			}
		})
		return w.sched.Yield(L)
	}
	coID := r.coID
	r.timer = w.loop.AddTimer(d, func() {
		t.state().timer = nil
		if w.rec.Enabled() {
			w.rec.Emit(trace.Event{Kind: trace.TimerFire, Req: r.id, Co: coID, Detail: "ngx.sleep"})
		}
		r.resumeThread(t)
	})
	r.timer.Desc = "ngx.sleep " + d.String()
	return w.sched.Yield(L)
}

// safeURI checks an ngx.exec target as nginx's ngx_http_parse_unsafe_uri
// does and splits off its args: a URI that climbs out of the root ("..",
// "../x", "/../", a "/.." that ends the string: "/a/..?x" passes, as in
// nginx) or holds a NUL is unsafe; a path with %XX escapes is decoded and
// checked again, and the decoded one is used (difftest exec/unsafe_uri). It
// returns the path to use (or the one refused) and the args.
func safeURI(uri string) (path, args string, ok bool) {
	path = uri
	for pass := 0; pass < 2; pass++ {
		if path == ".." || strings.HasPrefix(path, "../") {
			return path, "", false
		}
		quoted := false
	scan:
		for i := 0; i < len(path); i++ {
			switch c := path[i]; {
			case c == '%':
				quoted = true
			case c == '?' && pass == 0:
				path, args = path[:i], path[i+1:]
				break scan
			case c == 0:
				return path, "", false
			case c == '/' && strings.HasPrefix(path[i+1:], ".."):
				if rest := path[i+3:]; rest == "" || rest[0] == '/' {
					return path, "", false
				}
			}
		}
		if !quoted {
			break
		}
		path = lualib.UnescapePath(path)
	}
	return path, args, true
}
