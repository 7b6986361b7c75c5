package engine

import (
	"fmt"
	"os"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/http1"
	"github.com/restylab/restylab/lab/trace"
)

// Subrequests (ngx.location.capture and capture_multi). A subrequest is a
// request of the same connection that runs the phase engine at another URI
// with its output captured instead of sent; the parent thread yields until
// every subrequest of its call has finished, and they run concurrently on
// the worker like any other requests.

// maxSubrequests bounds subrequests per call (nginx's limit is 50 nested
// levels; a lab call with thousands is a mistake worth an error).
const maxSubrequests = 200

// subState is a subrequest's link to its parent and what it captured.
type subState struct {
	parent  *request
	group   *captureGroup
	index   int
	body    []byte
	done    bool
	aborted bool
}

// captureGroup is one capture/capture_multi call waiting for its results.
type captureGroup struct {
	waiter  *uthread
	subs    []*request
	pending int
	multi   bool
}

// newLocationTable builds ngx.location.
func (w *worker) newLocationTable() *lua.LTable {
	L := w.L
	t := L.NewTable()
	w.setAPI(t, "ngx.location.capture", func(L *lua.LState) int { return w.capture(L, false) })
	w.setAPI(t, "ngx.location.capture_multi", func(L *lua.LState) int { return w.capture(L, true) })
	return t
}

// capture is ngx.location.capture(uri, opts?) and capture_multi({{uri, opts}, ...}).
func (w *worker) capture(L *lua.LState, multi bool) int {
	api := "ngx.location.capture"
	if multi {
		api = "ngx.location.capture_multi"
	}
	r := w.need(L, api)
	type spec struct {
		uri  string
		opts *lua.LTable
	}
	var specs []spec
	if multi {
		list := L.CheckTable(1)
		n := list.Len()
		if n == 0 {
			raise(L, "at least one subrequest should be specified")
		}
		for i := 1; i <= n; i++ {
			item, ok := list.RawGetInt(i).(*lua.LTable)
			if !ok {
				raise(L, "the query argument %d is not a table, but a %s", i-1, list.RawGetInt(i).Type().String())
			}
			uri, ok := item.RawGetInt(1).(lua.LString)
			if !ok {
				raise(L, "bad uri in subrequest %d", i)
			}
			opts, _ := item.RawGetInt(2).(*lua.LTable)
			specs = append(specs, spec{string(uri), opts})
		}
	} else {
		var opts *lua.LTable
		switch o := L.Get(2).(type) {
		case *lua.LTable:
			opts = o
		case *lua.LNilType:
		default:
			raise(L, "expecting table as the 2nd argument for subrequest 0, but got %s", o.Type().String())
		}
		specs = append(specs, spec{L.CheckString(1), opts})
	}
	if len(specs) > maxSubrequests {
		raise(L, "too many subrequests in one call: %d (the lab's limit is %d)", len(specs), maxSubrequests)
	}
	g := &captureGroup{waiter: r.running, multi: multi}
	for i, sp := range specs {
		if sp.uri == "" {
			raise(L, "uri is empty")
		}
		if r.subDepth() >= maxSubrequestDepth {
			// nginx's subrequests limit: the capture raises and the 500
			// goes up every level
			path := sp.uri
			if i := strings.IndexByte(path, '?'); i >= 0 {
				path = path[:i]
			}
			r.logErr(LevelErr, fmt.Sprintf("lua subrequests cycle while processing \"%s\"", path))
			raise(L, "failed to issue subrequest: -1")
		}
		sr, err := w.newSubrequest(L, r, sp.uri, sp.opts)
		if err != "" {
			r.logErr(LevelErr, err)
			raise(L, "failed to adjust the subrequest: -1")
		}
		sr.sub.group, sr.sub.index = g, i
		g.subs = append(g.subs, sr)
	}
	g.pending = len(g.subs)
	r.op = opCapture
	r.waitDesc = fmt.Sprintf("%d subrequest(s)", len(g.subs))
	w.markWait(L, r)
	// Subrequests start once the parent has yielded, as nginx posts them.
	for _, sr := range g.subs {
		sr := sr
		w.loop.Post(func() { sr.run() })
	}
	return w.sched.Yield(L)
}

// maxSubrequestDepth is how deep a request may be and still issue a
// subrequest: nginx 1.22 starts a main request with NGX_HTTP_MAX_SUBREQUESTS
// + 1 = 51 and gives each subrequest one less; the one holding 0 cannot
// issue one (observed: level 51 exists, its capture fails).
const maxSubrequestDepth = 51

// subDepth is how deep r is in subrequests (0 for a main request).
func (r *request) subDepth() int {
	n := 0
	for s := r; s.sub != nil; s = s.sub.parent {
		n++
	}
	return n
}

// methodNames maps ngx.HTTP_* method constants to names.
var methodNames = map[int]string{2: "GET", 4: "HEAD", 8: "POST", 16: "PUT", 32: "DELETE", 64: "MKCOL",
	128: "COPY", 256: "MOVE", 512: "OPTIONS", 1024: "PROPFIND", 2048: "PROPPATCH", 4096: "LOCK",
	8192: "UNLOCK", 16384: "PATCH", 32768: "TRACE"}

// newSubrequest prepares a subrequest of r for uri with capture options.
func (w *worker) newSubrequest(L *lua.LState, r *request, uri string, opts *lua.LTable) (*request, string) {
	r.pin() // the subrequest and its posted start point at r
	args := ""
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		uri, args = uri[:i], uri[i+1:]
	}
	method := "GET"
	var body []byte
	bodyFile, bodyLen := "", int64(0) // the parent's temp file, shared as nginx shares request_body
	hasBody := false
	inherit := func() {
		hasBody = true
		if st, err := os.Stat(r.bodyFile); r.body == nil && r.bodyFile != "" && err == nil {
			bodyFile, bodyLen = r.bodyFile, st.Size()
		} else {
			body = r.body
		}
	}
	sr := &request{
		w: w, c: r.c, id: w.e.seq.req.Add(1), srv: r.srv, start: w.loop.Now(),
		uri: uri, headersIn: append([]http1.Header(nil), r.headersIn...),
		sub: &subState{parent: r}, keepAlive: true,
	}
	if opts != nil {
		if m, ok := opts.RawGetString("method").(lua.LNumber); ok {
			name, known := methodNames[int(m)]
			if !known {
				return nil, fmt.Sprintf("unsupported HTTP method: %d", int(m))
			}
			method = name
		}
		switch a := opts.RawGetString("args").(type) {
		case lua.LString:
			if args != "" && a != "" {
				args += "&"
			}
			args += string(a)
		case *lua.LTable:
			enc := w.encodeArgs(L, a)
			if args != "" && enc != "" {
				args += "&"
			}
			args += enc
		}
		if b, ok := opts.RawGetString("body").(lua.LString); ok {
			body, hasBody = []byte(b), true
		}
		switch c := opts.RawGetString("ctx").(type) {
		case *lua.LTable:
			sr.ctx = c
		case *lua.LNilType:
		default:
			raise(L, "Bad ctx option value type %s, expected a Lua table", c.Type().String())
		}
		switch opts.RawGetString("vars").(type) {
		case *lua.LTable, *lua.LNilType:
		default:
			raise(L, "Bad vars option value")
		}
		switch {
		case lua.LVAsBool(opts.RawGetString("share_all_vars")):
			if r.vars == nil {
				r.vars = make(map[string]string)
			}
			sr.vars = r.vars
		case lua.LVAsBool(opts.RawGetString("copy_all_vars")):
			sr.vars = make(map[string]string, len(r.vars))
			for k, v := range r.vars {
				sr.vars[k] = v
			}
		}
		if vars, ok := opts.RawGetString("vars").(*lua.LTable); ok {
			vars.ForEach(func(k, v lua.LValue) {
				sr.setVar(lua.LVAsString(k), lua.LVAsString(v))
			})
		}
		if lua.LVAsBool(opts.RawGetString("always_forward_body")) && !hasBody && r.bodyState == bodyRead {
			inherit()
		}
	}
	if !hasBody && r.bodyState == bodyRead && (method == "POST" || method == "PUT") {
		inherit() // POST and PUT subrequests inherit the read body
	}
	sr.method, sr.args = method, args
	head := http1.Request{Method: method, URI: uri, Path: uri, Args: args, RawURI: uri, Proto: "HTTP/1.0", Major: 1, Minor: 0, ContentLength: -1}
	if r.head != nil {
		// $request_uri and the error_log's request line stay the main request's
		head.Proto, head.Major, head.Minor, head.Host, head.RawHeader = r.head.Proto, r.head.Major, r.head.Minor, r.head.Host, r.head.RawHeader
		head.RawURI = r.head.RawURI
	}
	sr.main = r.mainRequest()
	if hasBody {
		if bodyFile == "" {
			bodyLen = int64(len(body))
		}
		head.ContentLength = bodyLen
		sr.body, sr.bodyState = body, bodyRead
		// a body in a file: the subrequest reads it there and never removes it
		sr.bodyFile, sr.bodyFileUser = bodyFile, bodyFile != ""
		sr.setHeaderIn("Content-Length", []string{fmt.Sprint(bodyLen)})
	}
	sr.head = &head
	if w.rec.Enabled() {
		w.rec.Emit(trace.Event{Kind: trace.RequestStart, Req: sr.id, Arg: r.id, Detail: "subrequest " + method + " " + uri})
	}
	return sr, ""
}

// subFinished is called when a subrequest has produced its response.
func (r *request) subFinished() {
	s := r.sub
	if s.done {
		return
	}
	s.done = true
	g := s.group
	g.pending--
	if r.w.rec.Enabled() {
		r.w.rec.Emit(trace.Event{Kind: trace.RequestEnd, Req: r.id, Arg: int64(r.status), Arg2: int64(len(s.body)), Detail: "subrequest"})
	}
	if g.pending > 0 {
		return
	}
	parent := s.parent
	if parent.finalized || g.waiter.state().op != opCapture {
		return
	}
	L := r.w.L
	vals := make([]lua.LValue, 0, len(g.subs))
	for _, sr := range g.subs {
		vals = append(vals, sr.captureResult(L))
	}
	parent.resumeThread(g.waiter, vals...)
}

// captureResult is the res table of a finished subrequest.
func (r *request) captureResult(L *lua.LState) *lua.LTable {
	res := L.CreateTable(0, 4)
	st := r.status
	if st == 0 {
		st = 200
	}
	res.RawSetString("status", lua.LNumber(st))
	hdr := L.NewTable()
	for _, h := range r.headers {
		switch len(h.values) {
		case 0:
		case 1:
			hdr.RawSetString(h.name, lua.LString(h.values[0]))
		default:
			arr := L.CreateTable(len(h.values), 0)
			for _, v := range h.values {
				arr.Append(lua.LString(v))
			}
			hdr.RawSetString(h.name, arr)
		}
	}
	res.RawSetString("header", hdr)
	res.RawSetString("body", lua.LString(r.sub.body))
	res.RawSetString("truncated", lua.LBool(r.sub.aborted))
	return res
}

// finalizeSub ends a subrequest: like finalize, but the response stays in
// memory for the parent, and there is no log phase or connection handling.
func (r *request) finalizeSub(code int) {
	switch {
	case code == -1 || code == 444:
		r.sub.aborted = true
		if !r.headerSent {
			r.status = 500
		}
	case (code >= 300 || code == 201 || code == 204) && !r.headerSent:
		// a subrequest gets the status of nginx's special response but
		// not its page (observed: res.body is empty)
		r.status = code
	case code >= 200 && !r.headerSent:
		r.status = code
	}
	if !r.headerSent {
		r.sendHeader()
	}
	if !r.eofSent && !r.broken {
		r.output(nil, true)
	}
	r.removeBodyFile()
	r.releaseSockets()
	r.subFinished()
}

// mainRequest is the request a subrequest belongs to (r itself for a main one).
func (r *request) mainRequest() *request {
	if r.main != nil {
		return r.main
	}
	return r
}
