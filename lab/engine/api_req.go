package engine

import (
	"fmt"
	"os"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/lab/http1"
	"github.com/restylab/restylab/lab/lualib"
)

// newReqTable builds ngx.req.
func (w *worker) newReqTable() *lua.LTable {
	L := w.L
	t := L.NewTable()
	fns := map[string]lua.LGFunction{
		"get_method":    w.reqGetMethod,
		"get_uri_args":  w.reqGetURIArgs,
		"get_post_args": w.reqGetPostArgs,
		"get_headers":   w.reqGetHeaders,
		"set_header":    w.reqSetHeader,
		"clear_header":  w.reqClearHeader,
		"read_body":     w.reqReadBody,
		"discard_body":  w.reqDiscardBody,
		"get_body_data": w.reqGetBodyData,
		"get_body_file": w.reqGetBodyFile,
		"set_uri":       w.reqSetURI,
		"set_uri_args":  w.reqSetURIArgs,
		"http_version":  w.reqHTTPVersion,
		"raw_header":    w.reqRawHeader,
		"start_time":    w.reqStartTime,
		"is_internal":   w.reqIsInternal,
		"set_method":    w.reqSetMethod,
		"set_body_data": w.reqSetBodyData,
		"init_body":     w.reqInitBody,
		"append_body":   w.reqAppendBody,
		"finish_body":   w.reqFinishBody,
		"set_body_file": w.reqSetBodyFile,
		"socket":        w.reqSocket,
	}
	for k, f := range fns {
		w.setAPI(t, "ngx.req."+k, f)
	}
	return t
}

func (w *worker) reqGetMethod(L *lua.LState) int {
	r := w.need(L, "ngx.req.get_method")
	L.Push(lua.LString(r.method))
	return 1
}

func (w *worker) reqSetMethod(L *lua.LState) int {
	r := w.need(L, "ngx.req.set_method")
	id := L.CheckInt(1)
	names := map[int]string{2: "GET", 4: "HEAD", 8: "POST", 16: "PUT", 32: "DELETE", 64: "MKCOL", 128: "COPY",
		256: "MOVE", 512: "OPTIONS", 1024: "PROPFIND", 2048: "PROPPATCH", 4096: "LOCK", 8192: "UNLOCK", 16384: "PATCH", 32768: "TRACE"}
	m, ok := names[id]
	if !ok {
		raise(L, "unsupported HTTP method: %d", id)
	}
	r.method = m
	return 0
}

// decodeArgs calls ngx.decode_args(s, max) and returns its results.
func (w *worker) decodeArgs(L *lua.LState, s string, max lua.LValue) int {
	fn := w.ngx.RawGetString("decode_args")
	top := L.GetTop()
	if err := L.CallByParam(lua.P{Fn: fn, NRet: lua.MultRet, Protect: false}, lua.LString(s), max); err != nil {
		raise(L, "%s", err.Error())
	}
	return L.GetTop() - top
}

func (w *worker) reqGetURIArgs(L *lua.LState) int {
	r := w.need(L, "ngx.req.get_uri_args")
	max := L.Get(1)
	if max == lua.LNil {
		max = lua.LNumber(100)
	}
	return w.decodeArgs(L, r.args, max)
}

func (w *worker) reqGetPostArgs(L *lua.LState) int {
	r := w.need(L, "ngx.req.get_post_args")
	if r.bodyState != bodyRead {
		raise(L, "no request body found; maybe you should turn on lua_need_request_body?")
	}
	if r.bodyFile != "" {
		return nilErr(L, "request body in temp file not supported")
	}
	max := L.Get(1)
	if max == lua.LNil {
		max = lua.LNumber(100)
	}
	return w.decodeArgs(L, string(r.body), max)
}

// reqGetHeaders is ngx.req.get_headers(max, raw): lowercase keys (unless
// raw), repeated headers as arrays, and a metatable that finds "Foo_Bar"
// as "foo-bar".
func (w *worker) reqGetHeaders(L *lua.LState) int {
	r := w.need(L, "ngx.req.get_headers")
	b := w.newHeadersBuilder(L)
	for _, h := range r.headersIn {
		if !b.add(h.Name, h.Value) {
			break
		}
	}
	return b.push()
}

// headerTableBuilder builds the tables of ngx.req.get_headers and
// ngx.resp.get_headers: at most max entries, keys lowercased unless raw,
// repeated names collected into arrays.
type headerTableBuilder struct {
	w         *worker
	L         *lua.LState
	t         *lua.LTable
	max       int
	raw       bool
	count     int
	truncated bool
}

// newHeadersBuilder reads the (max, raw) arguments of a get_headers call.
func (w *worker) newHeadersBuilder(L *lua.LState) *headerTableBuilder {
	return &headerTableBuilder{w: w, L: L, t: L.NewTable(), max: L.OptInt(1, 100), raw: L.OptBool(2, false)}
}

// add adds one header; it reports false once max is reached.
func (b *headerTableBuilder) add(name, value string) bool {
	if b.max > 0 && b.count >= b.max {
		b.truncated = true
		return false
	}
	b.count++
	k := name
	if !b.raw {
		k = strings.ToLower(k)
	}
	switch c := b.t.RawGetString(k).(type) {
	case *lua.LNilType:
		b.t.RawSetString(k, lua.LString(value))
	case lua.LString:
		arr := b.L.CreateTable(2, 0)
		arr.Append(c)
		arr.Append(lua.LString(value))
		b.t.RawSetString(k, arr)
	case *lua.LTable:
		c.Append(lua.LString(value))
	}
	return true
}

// push returns the table (and "truncated" when max cut it short).
func (b *headerTableBuilder) push() int {
	if !b.raw {
		b.L.SetMetatable(b.t, b.w.headersMeta())
	}
	b.L.Push(b.t)
	if b.truncated {
		b.L.Push(lua.LString("truncated"))
		return 2
	}
	return 1
}

// headersMeta is the metatable of get_headers() results (one per VM).
func (w *worker) headersMeta() *lua.LTable {
	L := w.L
	if mt, ok := L.GetField(L.Get(lua.RegistryIndex), "restylab.req_headers_mt").(*lua.LTable); ok {
		return mt
	}
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		k, ok := L.Get(2).(lua.LString)
		if !ok {
			L.Push(lua.LNil)
			return 1
		}
		n := strings.ToLower(strings.ReplaceAll(string(k), "_", "-"))
		L.Push(t.RawGetString(n))
		return 1
	}))
	L.SetField(L.Get(lua.RegistryIndex), "restylab.req_headers_mt", mt)
	return mt
}

func (w *worker) reqSetHeader(L *lua.LState) int {
	r := w.need(L, "ngx.req.set_header")
	// the name keeps its underscores (observed: set_header("X_Foo") sends
	// "X_Foo", which $http_x_foo still finds)
	name := L.CheckString(1)
	var vals []string
	switch v := L.Get(2).(type) {
	case *lua.LNilType:
	case *lua.LTable:
		for i := 1; i <= v.Len(); i++ {
			vals = append(vals, lua.LVAsString(v.RawGetInt(i)))
		}
	default:
		vals = []string{lua.LVAsString(v)}
	}
	r.setHeaderIn(escapeHeaderName(name), escapeHeaderValues(vals))
	return 0
}

func (w *worker) reqClearHeader(L *lua.LState) int {
	r := w.need(L, "ngx.req.clear_header")
	name := strings.ReplaceAll(L.CheckString(1), "_", "-")
	r.setHeaderIn(name, nil)
	return 0
}

// setHeaderIn replaces every request header named name with vals.
func (r *request) setHeaderIn(name string, vals []string) {
	out := make([]http1.Header, 0, len(r.headersIn)+len(vals))
	for _, h := range r.headersIn {
		if !strings.EqualFold(h.Name, name) {
			out = append(out, h)
		}
	}
	for _, v := range vals {
		out = append(out, http1.Header{Name: name, Value: v})
	}
	r.headersIn = out
	if strings.EqualFold(name, "host") && r.head != nil {
		h := ""
		if len(vals) > 0 {
			h = strings.ToLower(vals[0])
			if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
				h = h[:i]
			}
		}
		hd := *r.head
		hd.Host = h
		r.head = &hd
	}
}

// reqReadBody is ngx.req.read_body(): it returns at once when the body is
// already buffered, else the coroutine yields until the rest arrives.
func (w *worker) reqReadBody(L *lua.LState) int {
	r := w.need(L, "ngx.req.read_body")
	if r.bodyState == bodyRead || !r.beginBody() {
		return 0
	}
	if done, err := r.feedBody(); err != nil {
		return w.bodyError(L, r, err)
	} else if done {
		return 0
	}
	r.op = opBody
	r.bodyWaiter = r.running
	r.waitDesc = fmt.Sprintf("read body fd %d", r.c.fd)
	w.markWait(L, r)
	return w.sched.Yield(L)
}

// beginBody starts reading the request body (its decoder, "100 Continue")
// unless it has begun; it reports false, the body read, when there is none.
func (r *request) beginBody() bool {
	if r.head.ContentLength <= 0 && !r.head.Chunked {
		r.bodyState = bodyRead
		return false
	}
	if r.bodyDecoder == nil {
		lim := r.c.limits()
		lim.MaxBodyBytes, _ = r.maxBody()
		r.bodyDecoder = http1.NewBodyDecoder(r.head, lim)
		r.bodyState = bodyReading
		r.sendContinue()
		r.armBodyTimeout()
	}
	return true
}

func (w *worker) bodyError(L *lua.LState, r *request, err error) int {
	status := 400
	if he, ok := err.(*http1.Error); ok {
		status = he.Status
		if he.Reason != "" { // a failed temp file write logged its own line
			r.logErr(LevelErr, r.tooLargeReason(he.Reason))
		}
	}
	r.keepAlive = false
	r.op = opExit
	r.exitCode = status
	return w.sched.Yield(L)
}

// maxBody is r's effective client_max_body_size (0: unlimited), capped by
// Options.MaxBodyBytes; lab reports that the lab's limit is the one that
// applies.
func (r *request) maxBody() (n int64, lab bool) {
	switch {
	case r.loc != nil:
		n = r.loc.ClientMaxBodySize
	case r.srv != nil:
		n = r.srv.ClientMaxBodySize
	default:
		n = r.w.e.cfg.HTTP.ClientMaxBodySize
	}
	if m := r.w.e.opts.MaxBodyBytes; m > 0 && (n == 0 || n > m) {
		return m, true
	}
	return n, false
}

// tooLargeReason adds the lab's limit to a 413 reason when that limit is
// the one the body passed.
func (r *request) tooLargeReason(reason string) string {
	if m, lab := r.maxBody(); lab && strings.Contains(reason, "too large") {
		return reason + " (the lab's limit is " + labBytes(m) + ")"
	}
	return reason
}

// feedBody decodes buffered input into the body; it reports completion.
func (r *request) feedBody() (bool, error) {
	c := r.c
	for {
		data, n, done, err := r.bodyDecoder.Feed(c.rbuf[c.rpos:])
		c.rpos += n
		if err == nil {
			err = r.keepBody(data)
		}
		if err != nil {
			return false, err
		}
		if done {
			r.bodyState = bodyRead
			r.bodyDecoder = nil
			if r.bodyOut != nil {
				r.bodyOut.Close()
				r.bodyOut = nil
				return true, nil
			}
			if r.body == nil {
				r.body = []byte{}
			}
			r.spoolBody()
			return true, nil
		}
		if n > 0 && c.rpos < len(c.rbuf) {
			continue
		}
		if c.readMore {
			c.readAll()
			continue
		}
		return false, nil
	}
}

// onInput is called when input arrives while r is active.
func (r *request) onInput() {
	if cs := r.reqSock; cs != nil {
		// the request socket reads the connection now (ngx_lua replaces
		// the read handler): no body decoding, no client-abort watch
		cs.onDownInput()
		return
	}
	if r.bodyState != bodyReading || r.bodyDecoder == nil {
		if r.c.eof && r.finishPending {
			r.closedWhileSending()
		} else if r.c.eof {
			r.clientClosed()
		}
		return
	}
	r.bodyInputAt = r.w.loop.Now() // client_body_timeout counts from the last input
	done, err := r.feedBody()
	waiting := r.bodyWaiter != nil && r.bodyWaiter.state().op == opBody
	if err != nil || (!done && r.c.eof) {
		if waiting {
			r.keepAlive = false
			if err == nil {
				r.logErr(LevelInfo, "client prematurely closed connection")
				r.finalize(400)
				return
			}
			status := 400
			if he, ok := err.(*http1.Error); ok {
				status = he.Status
				if status == 413 {
					r.logErr(LevelErr, r.tooLargeReason(he.Reason))
				}
			}
			r.finalize(status)
		}
		return
	}
	if r.bodyThen != nil && (err != nil || done || r.c.eof) {
		then := r.bodyThen
		r.bodyThen = nil
		if err != nil || !done {
			r.bodyReadFailed(err)
			return
		}
		then()
		return
	}
	if done && r.proxyWaitsBody {
		r.proxyWaitsBody = false
		r.proxy.begin()
		return
	}
	if done && waiting {
		t := r.bodyWaiter
		r.bodyWaiter = nil
		r.resumeThread(t)
	}
}

func (w *worker) reqDiscardBody(L *lua.LState) int {
	r := w.need(L, "ngx.req.discard_body")
	r.bodyDiscarded = true
	return 0
}

func (w *worker) reqGetBodyData(L *lua.LState) int {
	r := w.need(L, "ngx.req.get_body_data")
	if r.bodyState != bodyRead || len(r.body) == 0 || r.bodyFile != "" {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LString(r.body))
	return 1
}

func (w *worker) reqGetBodyFile(L *lua.LState) int {
	r := w.need(L, "ngx.req.get_body_file")
	if r.bodyFile == "" {
		L.Push(lua.LNil)
	} else {
		L.Push(lua.LString(r.bodyFile))
	}
	return 1
}

// reqSetURI is ngx.req.set_uri(uri, jump): with jump=true (rewrite and
// server-rewrite phases only) the handler ends and location lookup runs
// again with a fresh ngx.ctx.
func (w *worker) reqSetURI(L *lua.LState) int {
	r := w.need(L, "ngx.req.set_uri")
	uri := L.CheckString(1)
	if uri == "" {
		raise(L, "attempt to use zero-length uri")
	}
	jump := L.OptBool(2, false)
	if jump && r.phase != phaseRewrite && r.phase != phaseServerRewrite {
		raise(L, "API disabled in the context of %s", r.phase.context())
	}
	if !L.OptBool(3, false) { // binary: any byte is allowed
		if msg := unsafeURIError(uri, "uri"); msg != "" {
			raise(L, "%s (maybe you want to set the 'binary' argument?)", msg)
		}
	}
	r.uri = uri
	r.uriRewritten = true
	if jump {
		r.uriChanged = true
		r.op = opExit
		r.exitCode = 0
		return w.sched.Yield(L)
	}
	return 0
}

func (w *worker) reqSetURIArgs(L *lua.LState) int {
	r := w.need(L, "ngx.req.set_uri_args")
	switch v := L.Get(1).(type) {
	case lua.LString, lua.LNumber:
		r.args = lualib.EscapeBytes(v.String(), unsafeArgsByte) // as ngx_lua does (observed)
	case *lua.LTable:
		r.args = w.encodeArgs(L, v)
	default:
		L.ArgError(1, "string or table expected")
	}
	return 0
}

func (w *worker) reqHTTPVersion(L *lua.LState) int {
	r := w.need(L, "ngx.req.http_version")
	switch {
	case r.head.Major == 1 && r.head.Minor == 1:
		L.Push(lua.LNumber(1.1))
	case r.head.Major == 1 && r.head.Minor == 0:
		L.Push(lua.LNumber(1))
	case r.head.Major == 0:
		L.Push(lua.LNumber(0.9))
	default:
		L.Push(lua.LNil)
	}
	return 1
}

func (w *worker) reqRawHeader(L *lua.LState) int {
	r := w.need(L, "ngx.req.raw_header")
	raw := string(r.head.RawHeader)
	if L.OptBool(1, false) {
		if i := strings.Index(raw, "\n"); i >= 0 {
			raw = raw[i+1:]
		}
	}
	L.Push(lua.LString(raw))
	return 1
}

func (w *worker) reqStartTime(L *lua.LState) int {
	r := w.need(L, "ngx.req.start_time")
	L.Push(lua.LNumber(float64(r.start.UnixMilli()) / 1000))
	return 1
}

func (w *worker) reqIsInternal(L *lua.LState) int {
	r := w.need(L, "ngx.req.is_internal")
	L.Push(lua.LBool(r.uriChanges > 0))
	return 1
}

// sendContinue answers "Expect: 100-continue" once per request, as nginx
// does before it reads (or discards) the body, even when the body came along.
func (r *request) sendContinue() {
	if r.expectDone || r.head == nil || !r.head.Expect100 || r.head.Major != 1 || r.head.Minor < 1 || r.bodyState == bodyRead {
		return
	}
	r.expectDone = true
	r.c.send([]byte("HTTP/1.1 100 Continue\r\n\r\n"))
	r.c.flush()
}

// bodySettings are the location's body directives (defaults when none).
func (r *request) bodySettings() conf.BodySettings {
	if r.loc != nil {
		return r.loc.Body
	}
	return conf.BodySettings{ClientBodyBufferSize: clientBodyBufferSize, ClientBodyInFileOnly: "off", KeepaliveRequests: 1000}
}

// spoolBody writes a body larger than client_body_buffer_size (or any body
// with client_body_in_file_only) to a temp file under the prefix, as nginx
// does: ngx.req.get_body_data() then returns nil and get_body_file() the path.
func (r *request) spoolBody() {
	if !r.spoolNeeded() {
		return
	}
	path, err := r.newTempBodyFile(r.body)
	if err != nil {
		r.logErr(LevelCrit, err.Error())
		return
	}
	r.bodyFile = path
}

// keepBody stores body bytes as they are read: in memory up to
// client_body_buffer_size, then in a temp file that the rest is appended
// to, as nginx's request body filter writes a full buffer out, so a large
// body costs neither memory nor copies of itself.
func (r *request) keepBody(data []byte) error {
	r.bodyRecv += int64(len(data))
	if r.bodyOut != nil {
		if _, err := r.bodyOut.Write(data); err != nil {
			return r.bodyWriteError(err)
		}
		return nil
	}
	r.body = append(r.body, data...)
	if !r.spoolNeeded() {
		return nil
	}
	f, path, err := r.createTempBodyFile()
	if err == nil {
		r.bodyFile, r.bodyOut = path, f
		_, err = f.Write(r.body)
	}
	if err != nil {
		return r.bodyWriteError(err)
	}
	r.body = nil
	return nil
}

// bodyWriteError logs a failed temp file write as nginx does (crit) and
// answers 500.
func (r *request) bodyWriteError(err error) error {
	r.logErr(LevelCrit, err.Error())
	return &http1.Error{Status: 500}
}

// spoolNeeded reports whether the body read so far belongs in a temp file.
func (r *request) spoolNeeded() bool {
	bs := r.bodySettings()
	if len(r.body) == 0 {
		return false
	}
	if bs.ClientBodyInFileOnly != "off" {
		return true
	}
	// a body that came whole in nginx's first header buffer stays there
	return int64(len(r.body)) > bs.ClientBodyBufferSize && len(r.head.RawHeader)+len(r.body) > clientHeaderBufferSize
}

// removeBodyFile deletes the temp file at the end of the request unless
// client_body_in_file_only on asks to keep it.
func (r *request) removeBodyFile() {
	if r.bodyOut != nil { // the request ended while its body was read
		r.bodyOut.Close()
		r.bodyOut = nil
	}
	switch {
	case r.bodyFile == "":
	case r.bodyFileUser: // set_body_file's: removed only with auto_clean
		if r.bodyFileClean {
			os.Remove(r.bodyFile)
		}
	case r.bodySettings().ClientBodyInFileOnly != "on":
		os.Remove(r.bodyFile)
	}
}

// reqSetBodyData is ngx.req.set_body_data(data): replaces the read body.
func (w *worker) reqSetBodyData(L *lua.LState) int {
	r := w.need(L, "ngx.req.set_body_data")
	data := L.CheckString(1)
	if r.bodyState != bodyRead {
		raise(L, "request body not read yet")
	}
	r.removeBodyFile()
	r.bodyFile, r.bodyFileUser = "", false
	r.body = []byte(data)
	return 0
}
