package engine

import (
	"fmt"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/lab/http1"
	"github.com/restylab/restylab/lab/trace"
)

// serverHeader is the Server header and error-page signature of the nginx
// version the engine emulates.
const serverHeader = "nginx/1.22.1"

// outHeader is one response header set by Lua or the engine.
type outHeader struct {
	name   string
	values []string
	// lua: set through ngx.header. nginx sends a Content-Length or
	// Last-Modified set so among the other headers (ngx_lua adds a header
	// entry), where its own go right after Content-Type.
	lua bool
}

// sameName reports whether two header names are the same but for case:
// the same length first (cheap, and as nginx's ngx_strncasecmp compares,
// where strings.EqualFold alone would match "K" with the Kelvin sign).
func sameName(a, b string) bool { return len(a) == len(b) && strings.EqualFold(a, b) }

// findHeader returns the index of the response header name (any case, '_'
// matching '-' as ngx.header does), or -1.
func (r *request) findHeader(name string) int {
	for i, h := range r.headers {
		if sameName(h.name, name) {
			return i
		}
	}
	return -1
}

// setHeader replaces (nil values: removes) a response header.
func (r *request) setHeader(name string, values []string) {
	i := r.findHeader(name)
	if values == nil {
		if i >= 0 {
			r.headers = append(r.headers[:i], r.headers[i+1:]...)
		}
		return
	}
	if i >= 0 {
		r.headers[i].values = values
		return
	}
	r.headers = append(r.headers, outHeader{name: name, values: values})
}

func (r *request) headerOut(name string) (string, bool) {
	if i := r.findHeader(name); i >= 0 && len(r.headers[i].values) > 0 {
		return r.headers[i].values[0], true
	}
	return "", false
}

// sendHeader runs header_filter_by_lua and queues the status line and
// headers. It is called once, by the first output or at finalization. It
// reports false when header_filter_by_lua failed just now.
//
// As observed on nginx 1.22 + ngx_lua 0.10.23, a failed header filter
// sends no header at all: when a Lua output API (ngx.say, ngx.send_headers)
// caused it, that call returns nil, "nginx output filter error", its data
// is lost and the handler goes on (later output goes out raw, with no
// header and no chunk framing); otherwise (an error page, `return`, the
// end of a handler without output) the connection is closed.
func (r *request) sendHeader() bool {
	if r.headerSent || r.sendingHeader {
		return true
	}
	r.sendingHeader = true
	r.status = r.respStatus()
	if r.status == 0 {
		r.status = 200
	}
	if h := r.handlers(); h != nil && h.HeaderFilter != nil && r.c != nil {
		if _, ok := r.runSync(phaseHeaderFilter, h.HeaderFilter); !ok {
			r.headerSent = true
			r.headerFailed = true
			if r.sub != nil {
				// a subrequest's failure ends it, not the main connection
				r.sub.aborted = true
				r.eofSent = true
				return false
			}
			if !r.luaOutput {
				r.filterAbort("header_filter_by_lua failed")
			}
			return false
		}
		if r.filterExit && r.sub == nil {
			if !r.applyFilterExit() {
				return false
			}
		}
	}
	if r.sub == nil {
		r.notModified()
		r.charsetFilter()
		r.gzipHeaderFilter()
		r.rangeHeaderFilter()
	}
	r.headerSent = true
	if r.c == nil || r.c.closed {
		return true
	}
	if r.sub != nil {
		// a subrequest's header is captured, not sent
		if r.status == 204 || r.status == 304 || r.method == "HEAD" {
			r.headOnly = true
		}
		if _, ok := r.headerOut("Content-Type"); !ok {
			// a captured response always reports its type (observed)
			r.setHeader("Content-Type", []string{r.defaultType()})
		}
		return true
	}
	st := r.status
	if st == 204 || st == 304 || r.method == "HEAD" {
		r.headOnly = true
	}
	if r.method == "HEAD" {
		r.headOnly = true
	}
	clen := int64(-1)
	if v, ok := r.headerOut("Content-Length"); ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			clen = n
		}
	}
	major, minor := 1, 1
	if r.head != nil {
		major, minor = r.head.Major, r.head.Minor
	}
	if st > 0 && st < 200 {
		// nginx sends the body of a status under 200 (set through
		// ngx.status) unchunked, and closes the connection (observed)
		r.keepAlive = false
	}
	if clen < 0 && st != 204 && st != 304 && !(st > 0 && st < 200) {
		if major == 1 && minor >= 1 {
			if !(r.method == "HEAD") {
				r.chunked = true
			}
		} else {
			r.keepAlive = false
		}
	}
	if r.c.w.stopping || (r.loc != nil && (r.loc.KeepaliveTimeout == 0 || r.c.nreq >= r.loc.Body.KeepaliveRequests)) {
		r.keepAlive = false
	}

	// the header is built right in the connection's output buffer: one
	// buffer for header and body, one write for a small response
	start := len(r.c.wbuf)
	b := r.c.wbuf
	if st < 100 {
		// nginx prints the status as an unsigned number of at least 3
		// digits and no reason: ngx.status = 99 is "099", -1 is 2^64-1
		b = append(b, "HTTP/1.1 "+statusDigits(st)+" \r\n"...)
	} else {
		b = http1.AppendStatusLine(b, 1, 1, st)
	}
	// nginx's own Server and Date, unless Lua set them (they go out with
	// the other headers, in the order set) or cleared them (none at all)
	if !r.serverCleared && r.findHeader("Server") < 0 {
		b = append(b, "Server: "...)
		b = append(b, r.serverSignature()...)
		b = append(b, "\r\n"...)
	}
	if !r.dateCleared && r.findHeader("Date") < 0 {
		b = append(b, "Date: "...)
		b = append(b, r.w.httpDate()...)
		b = append(b, "\r\n"...)
	}
	if st != 204 && st != 304 {
		ct, ok := r.headerOut("Content-Type")
		if !ok && !r.ctCleared {
			ct = r.defaultType()
			r.ctValue[0] = ct
			r.setHeader("Content-Type", r.ctValue[:1:1]) // ngx.header reads it from now on
		}
		if ct != "" {
			b = appendHeaderLine(b, "Content-Type", escapeHeaderValue(ct))
		}
	}
	fromLua := func(name string) bool {
		i := r.findHeader(name)
		return i >= 0 && r.headers[i].lua
	}
	if clen >= 0 && st != 204 && st != 304 && !fromLua("Content-Length") {
		b = append(b, r.headerName("Content-Length")...)
		b = append(b, ": "...)
		b = strconv.AppendInt(b, clen, 10)
		b = append(b, "\r\n"...)
	}
	if v, ok := r.headerOut("Last-Modified"); ok && !fromLua("Last-Modified") && (st == 200 || st == 206 || st == 304) {
		// ngx_http_header_filter drops its own from other statuses (an
		// error page's 404 served from a file); one Lua set goes out below
		b = append(b, r.headerName("Last-Modified")+": "+escapeHeaderValue(v)+"\r\n"...)
	}
	if i := r.findHeader("Location"); i >= 0 && !r.headers[i].lua {
		for _, v := range r.headers[i].values { // a table from Lua sends every element
			b = append(b, r.headerName("Location")+": "+escapeHeaderValue(v)+"\r\n"...)
		}
	}
	if r.chunked {
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	}
	if r.keepAlive {
		b = append(b, "Connection: keep-alive\r\n"...)
		if ka := r.respSettings().Conn.KeepaliveHeader; ka > 0 {
			b = append(b, "Keep-Alive: timeout="...)
			b = strconv.AppendInt(b, int64(ka.Seconds()), 10)
			b = append(b, "\r\n"...)
		}
	} else {
		b = append(b, "Connection: close\r\n"...)
	}
	if r.gzipVary && r.respSettings().Gzip.Vary {
		b = append(b, "Vary: Accept-Encoding\r\n"...) // ngx_http_header_filter's, for gzip_vary
	}
	for _, h := range r.headers {
		switch {
		case sameName(h.name, "content-length"):
			if !h.lua || st == 204 || st == 304 {
				continue
			}
			if len(h.values) > 0 { // the value the response is framed by
				h = outHeader{name: h.name, values: []string{strconv.FormatInt(clen, 10)}}
			}
		case sameName(h.name, "last-modified"), sameName(h.name, "location"):
			if !h.lua {
				continue
			}
		case sameName(h.name, "content-type"), sameName(h.name, "connection"), sameName(h.name, "transfer-encoding"):
			continue
		}
		// the Lua APIs escaped them already; this keeps any other way
		// to a header (a future API, an engine path) off the wire too
		name := escapeHeaderName(h.name)
		for _, v := range h.values {
			b = appendHeaderLine(b, name, escapeHeaderValue(v))
		}
	}
	b = r.appendAddHeaders(b, st)
	b = append(b, "\r\n"...)
	if r.exitPage != nil {
		b = append(b, r.exitPage...) // the header filter's ngx.exit(4xx/5xx) page
		r.exitPage = nil
	}
	r.c.wbuf = b
	n := len(b) - start
	r.bytesSent += int64(n)
	r.unflushed += n
	return true
}

// appendHeaderLine appends "name: value" and CRLF.
func appendHeaderLine(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, ": "...)
	b = append(b, value...)
	return append(b, "\r\n"...)
}

// statusDigits is a status as nginx prints it in the status line and
// $status: unsigned, at least 3 digits.
func statusDigits(st int) string {
	return fmt.Sprintf("%03d", uint64(int64(st)))
}

// defaultType is the location's default_type.
func (r *request) defaultType() string {
	if i := strings.LastIndexByte(r.uri, '.'); i >= 0 && !strings.Contains(r.uri[i:], "/") {
		if t, ok := typeOfExtension(r.respSettings().Types, strings.ToLower(r.uri[i+1:])); ok {
			return t
		}
	}
	if r.loc != nil && r.loc.DefaultType != "" {
		return r.loc.DefaultType
	}
	if r.srv != nil && r.srv.DefaultType != "" {
		return r.srv.DefaultType
	}
	return r.w.e.cfg.HTTP.DefaultType
}

// typeOfExtension looks ext up in the effective types {} map, or in nginx's
// built-in types when no types block was given.
func typeOfExtension(types map[string]string, ext string) (string, bool) {
	if types != nil {
		t, ok := types[ext]
		return t, ok
	}
	switch ext {
	case "html":
		return "text/html", true
	case "gif":
		return "image/gif", true
	case "jpg":
		return "image/jpeg", true
	}
	return "", false
}

// headerName is the spelling of a response header as set (nginx sends
// the key Lua used), or name itself.
func (r *request) headerName(name string) string {
	if i := r.findHeader(name); i >= 0 {
		return r.headers[i].name
	}
	return name
}

// absoluteLocation turns a relative redirect made by nginx itself (return,
// rewrite) into an absolute URL, as absolute_redirect and port_in_redirect
// (both on by default) do; a Location set from Lua is sent as it is.
func (r *request) absoluteLocation(v string) string {
	if !strings.HasPrefix(v, "/") || r.c == nil || r.sub != nil {
		return v
	}
	host := ""
	if r.head != nil {
		host = r.head.Host
	}
	if host == "" {
		if r.srv != nil && len(r.srv.ServerNames) > 0 && r.srv.ServerNames[0] != "" {
			host = r.srv.ServerNames[0]
		} else {
			host = r.c.serverAddr
		}
	}
	port := ""
	if r.c.l.port != "80" {
		port = ":" + r.c.l.port
	}
	return "http://" + host + port + v
}

// appendAddHeaders adds the add_header directives that apply to status st.
func (r *request) appendAddHeaders(b []byte, st int) []byte {
	var list []conf.AddHeader
	switch {
	case r.loc != nil:
		list = r.loc.AddHeaders
	case r.srv != nil:
		list = r.srv.AddHeaders
	}
	ok := false
	switch st {
	case 200, 201, 204, 206, 301, 302, 303, 304, 307, 308:
		ok = true
	}
	for _, h := range list {
		if !ok && !h.Always {
			continue
		}
		v := r.expandTpl(h.Tpl)
		if v == "" {
			continue
		}
		r.added = append(r.added, outHeader{name: h.Name, values: []string{v}})
		b = append(b, h.Name+": "+escapeHeaderValue(v)+"\r\n"...)
	}
	return b
}

// filterAbort ends the request after a filter error outside a Lua output
// call, as nginx's NGX_ERROR does: output not written yet is lost and the
// connection is closed (the log phase still runs).
func (r *request) filterAbort(why string) {
	if r.c == nil || r.c.closed {
		return
	}
	r.dropUnwritten()
	r.keepAlive = false
	r.c.close(why)
}

// dropUnwritten forgets the output queued on the connection but not yet
// written: after a filter error nginx never writes it, and $bytes_sent
// counts only what went out.
func (r *request) dropUnwritten() {
	c := r.c
	if c == nil || r.sub != nil {
		return
	}
	if lost := int64(len(c.wbuf) - c.wpos); lost > 0 {
		r.bytesSent -= lost
		if r.bytesSent < 0 {
			r.bytesSent = 0
		}
	}
	c.wbuf = c.wbuf[:c.wpos]
	r.unflushed = 0
}

// output passes a body chunk through body_filter_by_lua and queues it. It
// reports false when a filter failed (now or earlier: after a body filter
// error every output fails, as in nginx).
func (r *request) output(data []byte, last bool) bool {
	if r.eofSent || r.c == nil || r.c.closed || r.cutOff {
		return true
	}
	if r.sub != nil {
		if !r.headerSent && !r.sendHeader() {
			return false
		}
		if h := r.handlers(); h != nil && h.BodyFilter != nil {
			data, last, _ = r.bodyFilter(h.BodyFilter, data, last)
		}
		if !r.headOnly {
			r.sub.body = append(r.sub.body, data...)
			r.bodySent += int64(len(data))
		}
		if last {
			r.eofSent = true
		}
		return true
	}
	if !r.headerSent && (r.buffering10 || r.wantsBuffer10()) {
		// ngx_lua's lua_http10_buffering: an HTTP/1.0 response is held
		// back whole so it can carry a Content-Length.
		r.buffering10 = true
		r.buffer10 = append(r.buffer10, data...)
		if !last {
			return true
		}
		data = r.buffer10
		r.buffer10 = nil
		r.buffering10 = false
		r.setHeader("Content-Length", []string{strconv.Itoa(len(data))})
	}
	if !r.headerSent {
		if !r.sendHeader() || r.c.closed {
			return false
		}
	}
	if h := r.handlers(); h != nil && h.BodyFilter != nil {
		var ok bool
		data, last, ok = r.bodyFilter(h.BodyFilter, data, last)
		if !ok && !r.bodyFailed {
			// nginx: the output chain fails from now on; what was not
			// written is lost and the connection ends with the request
			r.bodyFailed = true
			r.keepAlive = false
			r.dropUnwritten()
			if !r.luaOutput {
				r.filterAbort("body_filter_by_lua failed")
				return false
			}
		}
	}
	if last {
		r.eofSent = true
	}
	if r.bodyFailed {
		return false
	}
	if r.headOnly {
		return true
	}
	if r.gz != nil {
		data = r.gzipBody(data, last)
	}
	// the body (and its chunk framing) goes right after what waits in
	// the connection's buffer, the header included: one write
	c := r.c
	start := len(c.wbuf)
	b := c.wbuf
	if r.chunked {
		if len(data) > 0 {
			b = http1.AppendChunk(b, data)
		}
		if last {
			b = http1.AppendLastChunk(b)
		}
	} else {
		b = append(b, data...)
	}
	n := len(b) - start
	if n == 0 {
		return true
	}
	if m := r.w.e.opts.MaxResponseBytes; m > 0 && r.bytesSent+int64(n) > m {
		c.wbuf = b[:start] // not this part
		r.overResponseLimit(m)
		return true
	}
	c.wbuf = b
	r.bytesSent += int64(n)
	r.bodySent += int64(n) // nginx counts the chunk framing too
	r.unflushed += n
	if int64(r.unflushed) >= r.respSettings().Conn.PostponeOutput {
		r.unflushed = 0
		r.c.flush()
	}
	return true
}

// overResponseLimit ends a response that would pass Options.MaxResponseBytes:
// the rest is dropped, ngx.say and friends return nil, "closed" from now
// on, and the connection is closed once the handler yields (not under the
// running coroutine's feet).
func (r *request) overResponseLimit(limit int64) {
	r.logErr(LevelErr, "response larger than the lab's limit of "+labBytes(limit)+": connection closed")
	r.clientGone = true
	r.cutOff = true
	r.keepAlive = false
	c := r.c
	c.wbuf, c.wpos = nil, 0 // what the client did not take yet is lost
	r.unflushed = 0
	r.w.loop.Post(func() { c.close("response larger than the lab's limit") })
}

// wantsBuffer10 reports whether output to an HTTP/1.0 client must be
// buffered to compute its Content-Length.
func (r *request) wantsBuffer10() bool {
	if r.head == nil || r.head.Major != 1 || r.head.Minor != 0 || r.phase == phaseNone || !r.luaFlags().HTTP10Buffering {
		return false
	}
	_, has := r.headerOut("Content-Length")
	return !has && r.method != "HEAD"
}

// bodyFilter runs body_filter_by_lua on one chunk: ngx.arg[1] is the data,
// ngx.arg[2] the eof flag; the handler may replace both.
func (r *request) bodyFilter(code *conf.LuaCode, data []byte, last bool) ([]byte, bool, bool) {
	r.arg1 = lua.LString(data)
	r.arg2 = lua.LBool(last)
	res, ok := r.runSync(phaseBodyFilter, code)
	if ok && len(res) > 0 && res[0] == lua.LNumber(ngxError) {
		// return ngx.ERROR fails the output chain, with nothing logged
		// (difftest filter/body_filter_return_error)
		ok = false
	}
	if !ok {
		r.keepAlive = false
	}
	out := []byte(lua.LVAsString(r.arg1))
	if r.arg1 == lua.LNil || r.arg1 == nil {
		out = nil
	}
	last = lua.LVAsBool(r.arg2)
	r.arg1, r.arg2 = nil, nil
	return out, last, ok
}

// flushBuffered writes pending output; it reports true for convenience.
func (r *request) flushBuffered() bool {
	if r.c != nil && r.unflushed > 0 && r.sub == nil {
		r.unflushed = 0
		r.c.flush()
	}
	return true
}

// onFlushed is called by the connection when all output is written.
func (r *request) onFlushed() {
	if r.finishPending {
		r.finishRequest()
		return
	}
	if cs := r.reqSock; cs != nil && cs.raw {
		cs.onDownFlushed()
	}
	if t := r.flushWaiter; t != nil && t.state().op == opFlush {
		r.flushWaiter = nil
		r.resumeThread(t, lua.LTrue)
	}
}

// sendSpecial sends nginx's built-in response for status (an error page,
// or an empty body for codes without one).
func (r *request) sendSpecial(status int) {
	r.status = status
	page := r.specialPage(status)
	switch status {
	case 400, 413, 414, 494, 497, 500, 501:
		r.keepAlive = false
	}
	if r.head != nil && r.head.Method == "HEAD" {
		r.headOnly = true
	}
	r.setHeader("Content-Type", nil)
	r.ctCleared = false
	if page != nil {
		r.setHeader("Content-Type", []string{"text/html"})
		r.setHeader("Content-Length", []string{strconv.Itoa(len(page))})
	} else if status == 204 {
		r.setHeader("Content-Length", nil)
	} else {
		// codes without a page go out with an empty body
		r.setHeader("Content-Length", []string{"0"})
		r.ctCleared = true
	}
	r.status = http1.ErrorPageStatus(status) // 494 and 497 go out as 400
	r.sendHeader()
	if page != nil {
		r.output(page, true)
	} else {
		r.output(nil, true)
	}
}

func (r *request) traceEnd() {
	r.closeProxy()
	r.removeBodyFile()
	r.releaseSockets()
	for _, co := range r.userCos {
		delete(r.w.coIDs, co)
	}
	r.userCos = nil
	if r.w.rec.Enabled() {
		r.w.rec.Emit(trace.Event{Kind: trace.RequestEnd, Req: r.id, Arg: int64(r.status), Arg2: r.bytesSent})
	}
}

// handlers are the Lua handlers of the request's configuration: its
// location's, or the server level's before a location was found (a response
// from server_rewrite_by_lua or a server-level return, as nginx's r->loc_conf
// is then the server's); nil when there is neither.
func (r *request) handlers() *conf.Handlers {
	switch {
	case r.loc != nil:
		return &r.loc.Phases
	case r.srv != nil:
		return &r.srv.Phases
	}
	return nil
}

// runLogPhase runs log_by_lua after the response.
func (r *request) runLogPhase() {
	if h := r.handlers(); h != nil && h.Log != nil {
		r.runSync(phaseLog, h.Log)
	}
	r.writeAccessLogs()
}

// httpDate is the Date header value, formatted once per second as nginx
// does (ngx_cached_http_time).
func (w *worker) httpDate() []byte {
	now := w.loop.Now()
	if sec := now.Unix(); sec != w.dateSec || w.dateBuf == nil {
		w.dateSec = sec
		w.dateBuf = http1.AppendHTTPDate(w.dateBuf[:0], now)
	}
	return w.dateBuf
}

// applyFilterExit applies ngx.exit(code) called in header_filter_by_lua, as
// ngx_lua 0.10.23 does (difftest exit/exit_in_header_filter): a 2xx is the
// status, with no body (Content-Length: 0, no Content-Type); a code from 300
// up sends nginx's error page for it, keeping the filter's headers;
// ngx.ERROR closes the connection. It reports false when nothing is sent.
func (r *request) applyFilterExit() bool {
	r.filterExit = false
	code := r.filterExitCode
	switch {
	case code >= 200 && code < 300:
		r.status = code
		r.setHeader("Content-Type", nil)
		r.ctCleared = true
		r.setHeader("Content-Length", []string{"0"})
		r.headOnly = true
	case code >= 300:
		page := http1.ErrorPage(code)
		r.status = code
		r.setHeader("Content-Type", []string{"text/html"})
		r.setHeader("Content-Length", []string{strconv.Itoa(len(page))})
		r.headOnly = true
		r.exitPage = page
	default: // ngx.ERROR and other negative codes
		r.headerSent, r.headerFailed = true, true
		r.filterAbort("ngx.exit in header_filter_by_lua")
		return false
	}
	return true
}
