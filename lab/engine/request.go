package engine

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/lab/event"
	"github.com/restylab/restylab/lab/http1"
	"github.com/restylab/restylab/lab/trace"
)

// threadState is what a light thread waits on; the request holds the
// running thread's copy, each uthread its own while it is switched out.
type threadState struct {
	th       *lua.LState
	coID     int64
	op       op
	waitDesc string
	// waitSource and waitLine: the Lua position of the blocking call (traced)
	waitSource string
	waitLine   int32
	timer      *event.Timer
}

// step is where a request is in nginx's phase engine.
type step uint8

const (
	stServerRewriteLua step = iota // server_rewrite_by_lua (before the server's rewrite directives)
	stServerRewrite                // server-level rewrite directives
	stFindConfig                   // location lookup
	stRewrite                      // location rewrite directives
	stRewriteLua                   // rewrite_by_lua
	stPostRewrite                  // back to find-config when the URI changed
	stAccess                       // the access module: allow, deny (access.go)
	stAccessLua                    // access_by_lua
	stPostAccess                   // a refusal "satisfy any" kept (access.go)
	stTryFiles                     // try_files (tryfiles.go)
	stContent                      // content_by_lua or the static handler
	stDone                         // end of content: finalize
)

// op is what a yielded handler waits for or asked for.
type op uint8

const (
	opNone         op = iota
	opSleep           // ngx.sleep: a timer
	opBody            // ngx.req.read_body: the rest of the body
	opFlush           // ngx.flush(true): the output to be written
	opExit            // ngx.exit: leave the handler
	opExec            // ngx.exec: internal redirect
	opRedirect        // ngx.redirect
	opGone            // a spawner whose new thread took the request over (threadSpawn)
	opYield           // posted: coroutine.yield with other threads posted, or a spawner whose new thread yielded (posted.go)
	opAbort           // an error in a coroutine.wrap body: the request aborts
	opSocket          // a cosocket connect, send or receive
	opThreadWait      // ngx.thread.wait
	opSema            // ngx.semaphore wait (semaphore.go)
	opCapture         // ngx.location.capture: subrequests running
	opWorkerThread    // ngx.run_worker_thread: a task on a thread pool (workerthread.go)
)

// maxURIChanges bounds rewrite and internal-redirect cycles, as nginx's
// NGX_HTTP_MAX_URI_CHANGES.
const maxURIChanges = 10

// request is one HTTP request on a worker, or the fake request of an init,
// init_worker or timer context (c == nil). Loop-only.
type request struct {
	w    *worker
	c    *conn
	id   int64
	head *http1.Request

	srv      *conf.Server
	loc      *conf.Location
	captures []string
	step     step

	method     string
	uri        string
	args       string
	uriChanged bool // set_uri(jump=true) or rewrite asked for a new lookup
	uriChanges int
	headersIn  []http1.Header
	vars       map[string]string
	unsetVars  map[string]bool // variables set to nil by ngx.var (unsetVar)
	ctx        *lua.LTable
	start      time.Time

	// response
	status        int
	headers       []outHeader
	ctValue       [1]string   // the default Content-Type's value slice (sendHeader)
	added         []outHeader // add_header's headers, once sent ($sent_http_*)
	headerSent    bool
	sendingHeader bool
	ctCleared     bool // Content-Type set to nil from Lua: none is sent
	// serverCleared, dateCleared: Lua set Server or Date to nil: nginx then
	// sends neither its own nor any (ngx_lua hides the built-in field)
	serverCleared, dateCleared bool
	buffer10                   []byte // HTTP/1.0 output held back to send a Content-Length
	buffering10                bool
	broken                     bool          // an error after the header went out: no proper end
	userCos                    []*lua.LState // coroutines Lua made (traced ids to forget at the end)
	sockets                    []*cosock     // cosockets this request made (closed at its end)
	// reqSock: the request socket ngx.req.socket made (reqsocket.go);
	// bodyDiscarded: ngx.req.discard_body ran (the body is no one's).
	reqSock       *cosock
	udpSockets    []*udpsock // ngx.socket.udp sockets with a peer (closed at its end)
	bodyDiscarded bool
	isTimer       bool     // a timer callback (no connection), or an ssl phase handler (ssl set)
	ssl           *sslCall // ssl_certificate_by_lua's call: the handshake it answers
	timerDone     bool
	ended         bool      // the request (or timer) is over: its sockets are closed
	sub           *subState // set for a subrequest: its output is captured
	main          *request  // the main request of a subrequest
	// posted are the request's threads ready to run, in order (posted.go).
	posted   []*postedThread
	draining bool
	// takeovers counts request-wide ops (exit, exec, redirect, an error)
	// done by a light thread; takeoverGoOn is what handling the last one
	// said: whether the phase engine goes on (threadSpawn, opGone).
	takeovers    int
	takeoverGoOn bool
	// onAbort is the thread ngx.on_abort made (not started), onAbortFn its
	// function; abortSeen: the client's close was handled (abort.go).
	onAbort   *uthread
	onAbortFn *lua.LFunction
	abortSeen bool
	// filterExit: ngx.exit(filterExitCode) was called in the header
	// filter; exitPage is the error page it sends (applyFilterExit).
	filterExit     bool
	filterExitCode int
	exitPage       []byte
	// limitRate and limitRateAfter are the response's rate limit (bytes a
	// second, 0: none) and the bytes sent before it applies; limitRateSet:
	// taken from the location or set by $limit_rate; sentOnWire counts the
	// bytes written to the socket (ratelimit.go).
	limitRate, limitRateAfter int64
	limitRateSet              bool
	limitAfterSet             bool
	sentOnWire                int64
	lvm                       *luaVM      // the VM r's Lua runs in (vm); nil until first needed
	proxy                     *proxyState // proxy_pass in progress
	proxyWaitsBody            bool        // proxy_pass waits for the request body
	ranges                    *rangeState // the range filter's parts (ranges.go); nil: whole body
	allowRanges               bool        // the content handler allows ranges (static files), as nginx's r->allow_ranges
	// gzipVary: the gzip filter would compress this response (gzip_vary's
	// Vary header); gz and gzBuf compress its body when it does (gzip.go).
	gzipVary      bool
	gz            *gzip.Writer
	gzBuf         *bytes.Buffer
	requestID     string            // $request_id once read (vars_file.go)
	mapCache      map[string]string // map variables computed in this request (mapvars.go)
	bodyTimerSet  bool              // client_body_timeout is armed (bodytimeout.go)
	bodyInputAt   time.Time         // when body input last arrived
	bodyThen      func()            // lua_need_request_body: what runs once the body is read
	uriRewritten  bool              // the URI changed inside the current location (rewrite break, set_uri)
	fakeConn      int64             // a timer's connection number in error_log
	accessCode    int               // a refusal "satisfy any" recorded in the access phase (access.go)
	errStatus     int               // an error page's status (nginx's r->err_status; errorpage.go)
	errorPageUsed bool              // an error_page ran (nginx's r->error_page)
	argsEmpty     bool              // $args is "" rather than not found (try_files' fallback URI; tryfiles.go)
	eofSent       bool
	headOnly      bool
	chunked       bool
	keepAlive     bool
	unflushed     int
	bytesSent     int64
	loggedAccess  bool // its access_log lines are written
	bodySent      int64
	finalized     bool
	clientGone    bool
	cutOff        bool // past Options.MaxResponseBytes: output is dropped
	// headerFailed: header_filter_by_lua failed. As in nginx, no header
	// goes out; later body output is written raw (see sendHeader).
	headerFailed bool
	// bodyFailed: body_filter_by_lua failed. Output not written yet is
	// lost, every later output fails, the connection ends with the request.
	bodyFailed bool
	// luaOutput: a Lua output API (ngx.say, ngx.flush, ...) is producing
	// output; a filter failure then becomes its error return instead of
	// ending the connection at once.
	luaOutput bool

	// the running handler
	phase phase
	// openPhase is the rewrite, access or content phase whose phase_enter
	// was traced and whose phase_exit is still due (phaseNone: none).
	openPhase phase
	code      *conf.LuaCode
	// threadState is the loaded state of the light thread that runs or was
	// last resumed (see thread.go); running says which one it is.
	threadState
	running *uthread
	entryT  *uthread
	// spareEntry is memory for the first entry thread (newEntryThread),
	// allocated with the request (reqMem); nil once used.
	spareEntry *uthread
	// mem is the memory the request lives in (a connection's request:
	// startRequest), nil for others; pinned: something that may outlive
	// the request points at it, so mem is not reused (reusable, pin).
	mem      *reqMem
	pinned   bool
	children []*uthread
	// entryDone: the entry thread finished while light threads still run;
	// the phase ends when the last of them does.
	entryDone bool
	// flushWaiter and bodyWaiter: the threads blocked in ngx.flush(true)
	// and ngx.req.read_body()
	flushWaiter *uthread
	bodyWaiter  *uthread
	exitCode    int
	abortMsg    string
	// finishPending: finalized, but the client has not taken the whole
	// response yet; the log phase waits for it (finalizeDone).
	finishPending bool
	expectDone    bool // "100 Continue" sent (or not needed)
	execURI       string
	execArgs      string
	execName      string // @named location for ngx.exec

	// request body
	bodyState bodyState
	// newBody: ngx.req.init_body started a body that Lua builds
	// (api_reqbody.go), in memory up to newBodyBuf bytes; newBodySize is
	// its length so far.
	newBody     bool
	newBodyBuf  int64
	newBodySize int64
	// bodyFileUser: bodyFile is set_body_file's (not a temp file of the
	// engine's), deleted at the end only with auto_clean (bodyFileClean).
	bodyFileUser, bodyFileClean bool
	body                        []byte
	bodyFile                    string // the temp file holding a body larger than client_body_buffer_size
	bodyDecoder                 *http1.BodyDecoder
	// bodyOut: the temp file a body being read goes on to once it passed
	// client_body_buffer_size (nginx writes its full buffer out and reads
	// on); bodyRecv counts the body bytes received.
	bodyOut  *os.File
	bodyRecv int64

	// filter state
	arg1  lua.LValue // ngx.arg[1] in body_filter / set_by_lua args
	arg2  lua.LValue
	args0 []lua.LValue
}

type bodyState uint8

const (
	bodyUnread bodyState = iota
	bodyReading
	bodyRead
)

// run drives the phase engine until the request waits or is finalized.
func (r *request) run() {
	for !r.finalized {
		switch r.step {
		case stServerRewriteLua:
			// ngx_lua 0.10.23 registers its server-rewrite handler after
			// ngx_http_rewrite_module's, and nginx runs a phase's handlers
			// last-registered first: the Lua runs before the server's
			// set/rewrite/return (difftest srvrewrite/order).
			h := r.srv.Phases.ServerRewrite
			if h != nil && r.waitBodyFirst(stServerRewriteLua) {
				return
			}
			r.step = stServerRewrite
			if h != nil && !r.runHandler(phaseServerRewrite, h) {
				return
			}
		case stServerRewrite:
			if r.uriChanged {
				// ngx.req.set_uri(uri, true) in server_rewrite_by_lua:
				// ngx_lua starts a fresh ngx.ctx; the lookup comes next anyway
				r.uriChanged = false
				r.ctx = nil
			}
			if !r.runRewriteOps(r.srv.Rewrites) {
				return
			}
			if r.step == stServerRewrite {
				r.step = stFindConfig
			}
		case stFindConfig:
			loc, caps := r.srv.FindLocation(r.uri)
			if loc == nil {
				// no location matches: the server's own static handling,
				// after the server's allow/deny
				r.loc = nil
				if r.sub == nil && r.checkAccessRules() == accessDenied {
					r.accessForbidden()
					return
				}
				r.staticContent()
				return
			}
			if loc.Internal && r.sub == nil && r.uriChanges == 0 {
				r.loc = loc // its error_page applies
				r.finalize(404)
				return
			}
			r.loc, r.captures = loc, caps
			r.uriRewritten = false // a fresh lookup: the location matches the URI again
			if loc.Regex != nil {
				for i, name := range loc.Regex.SubexpNames() {
					if name != "" && i < len(caps) {
						r.setVar(name, caps[i]) // (?<name>...) makes $name
					}
				}
			}
			if max, _ := r.maxBody(); max > 0 && r.head.ContentLength > max && r.uriChanges == 0 {
				r.logErr(LevelErr, r.tooLargeReason(fmt.Sprintf("client intended to send too large body: %d bytes", r.head.ContentLength)))
				r.finalize(413)
				return
			}
			r.step = stRewrite
		case stRewrite:
			if !r.runRewriteOps(r.loc.Rewrites) {
				return
			}
			if r.step == stRewrite {
				r.step = stRewriteLua
			}
		case stRewriteLua:
			if r.loc.Phases.Rewrite != nil && r.waitBodyFirst(stRewriteLua) {
				return
			}
			r.step = stPostRewrite
			if h := r.loc.Phases.Rewrite; h != nil && !r.runHandler(phaseRewrite, h) {
				return
			}
		case stPostRewrite:
			if r.uriChanged {
				r.uriChanged = false
				r.ctx = nil // a location jump starts with a fresh ngx.ctx
				if !r.countURIChange() {
					return
				}
				r.step = stFindConfig
				continue
			}
			r.step = stAccess
		case stAccess:
			if !r.accessModule() {
				return
			}
		case stAccessLua:
			if r.loc.Phases.Access != nil && r.sub == nil && r.waitBodyFirst(stAccessLua) {
				return
			}
			r.step = stPostAccess
			// nginx's access phase skips subrequests (ngx_http_core_access_phase:
			// r != r->main goes to the next phase): a capture reaches a location
			// that access_by_lua would refuse to a client
			if r.sub != nil {
				continue
			}
			if h := r.loc.Phases.Access; h != nil && !r.runHandler(phaseAccess, h) {
				return
			}
		case stPostAccess:
			if !r.postAccess() {
				return
			}
		case stTryFiles:
			if !r.tryFiles() {
				return
			}
		case stContent:
			if r.loc.Phases.Content != nil && r.waitBodyFirst(stContent) {
				return
			}
			r.step = stDone
			if r.loc.Proxy != nil && r.loc.Phases.Content == nil {
				r.proxyContent()
				return
			}
			if h := r.loc.Phases.Content; h != nil {
				r.sendContinue()
				if !r.runHandler(phaseContent, h) {
					return
				}
				continue
			}
			r.staticContent()
			return
		case stDone:
			r.finalize(0)
			return
		}
	}
}

// countURIChange guards against rewrite loops like nginx (500 after 10).
func (r *request) countURIChange() bool {
	r.uriChanges++
	if r.uriChanges > maxURIChanges {
		r.logErr(LevelErr, fmt.Sprintf("rewrite or internal redirection cycle while processing \"%s\"", r.uri))
		r.finalize(500)
		return false
	}
	return true
}

// internalRedirect restarts the phase engine at a new URI (ngx.exec), or at
// a named location: ngx.ctx and the location's captures start anew.
func (r *request) internalRedirect() bool {
	if !r.countURIChange() {
		return false
	}
	r.ctx = nil
	r.captures = nil
	if r.execName != "" {
		loc := r.srv.NamedLocation(r.execName)
		name := r.execName
		r.execName = ""
		if loc == nil {
			r.logErr(LevelErr, fmt.Sprintf("could not find named location \"@%s\"", name))
			r.finalize(500)
			return false
		}
		r.loc = loc
		r.step = stRewrite
		return true
	}
	r.uri, r.args = r.execURI, r.execArgs
	r.argsEmpty = false
	r.loc = nil // nginx: the server's configuration until the lookup
	r.step = stServerRewriteLua
	return true
}

// logErrNoTrace is logErr without the trace event (the caller made one).
func (r *request) logErrNoTrace(level int, msg string) {
	if !r.w.e.errlog.Enabled(level) || r.c == nil {
		return
	}
	r.w.e.errlog.Write(level, r.w.tid, r.c.num, msg+r.logContext())
}

// logErr writes an error_log line with nginx's request context suffix.
func (r *request) logErr(level int, msg string) {
	if !r.w.e.errlog.Enabled(level) {
		if r.w.rec.Enabled() {
			r.w.rec.Emit(trace.Event{Kind: trace.Log, Req: r.id, Co: r.coID, Phase: r.phase.String(), Arg: int64(level), Detail: msg})
		}
		return
	}
	var conn int64
	if r.c != nil {
		conn = r.c.num
		msg += r.logContext()
	} else if r.isTimer {
		conn = r.fakeConn
		msg += r.fakeContext()
	}
	r.w.e.errlog.Write(level, r.w.tid, conn, msg)
	if r.w.rec.Enabled() {
		r.w.rec.Emit(trace.Event{Kind: trace.Log, Req: r.id, Co: r.coID, Phase: r.phase.String(), Arg: int64(level), Detail: msg})
	}
}

// logContext is what nginx appends to a request's error_log lines.
func (r *request) logContext() string {
	var b strings.Builder
	b.WriteString(", client: ")
	b.WriteString(r.c.remoteAddr)
	b.WriteString(", server: ")
	if r.srv != nil && len(r.srv.ServerNames) > 0 {
		b.WriteString(r.srv.ServerNames[0])
	}
	if r.phase == phaseLog {
		b.Reset()
		b.WriteString(" while logging request, client: ")
		b.WriteString(r.c.remoteAddr)
		b.WriteString(", server: ")
		if r.srv != nil && len(r.srv.ServerNames) > 0 {
			b.WriteString(r.srv.ServerNames[0])
		}
	}
	if r.head != nil && r.head.RawHeader != nil {
		line := string(r.head.RawHeader)
		if i := strings.IndexAny(line, "\r\n"); i >= 0 {
			line = line[:i]
		}
		fmt.Fprintf(&b, ", request: \"%s\"", line)
	}
	if r.sub != nil {
		fmt.Fprintf(&b, ", subrequest: \"%s\"", r.uri)
	}
	if r.head != nil {
		if h := r.headerIn("host"); h != "" {
			fmt.Fprintf(&b, ", host: \"%s\"", h)
		}
	}
	return b.String()
}

// headerIn returns the first request header with the lowercase name.
func (r *request) headerIn(lname string) string {
	for _, h := range r.headersIn {
		if strings.EqualFold(h.Name, lname) {
			return h.Value
		}
	}
	return ""
}

// dropUnderscoreHeaders removes request headers whose names contain '_',
// as nginx does with underscores_in_headers off (the default), logging
// each as an invalid header line.
func (r *request) dropUnderscoreHeaders() {
	first := -1
	for i, h := range r.headersIn {
		if strings.IndexByte(h.Name, '_') >= 0 {
			first = i
			break
		}
	}
	if first < 0 {
		return // the usual case: nothing to drop, nothing to copy
	}
	kept := make([]http1.Header, first, len(r.headersIn)-1) // head.Headers stays as received
	copy(kept, r.headersIn)
	for _, h := range r.headersIn[first:] {
		if strings.Contains(h.Name, "_") {
			r.logErr(LevelInfo, fmt.Sprintf("client sent invalid header line: \"%s: %s\" while reading client request headers", h.Name, h.Value))
			continue
		}
		kept = append(kept, h)
	}
	r.headersIn = kept
}
