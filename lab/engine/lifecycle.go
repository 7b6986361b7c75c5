package engine

import (
	"fmt"
	"strconv"

	"github.com/restylab/restylab/lab/http1"
	"github.com/restylab/restylab/lab/trace"
)

// A request's life, as nginx's ngx_http_request.c tells it: it starts when
// a request head is parsed (startRequest, or newBareRequest for one that
// could not be), runs its phases (request.go's run), ends with finalize
// (nginx's special responses, error_page), and finalizeDone writes what is
// pending, runs the log phase and hands the connection back; abort ends it
// early when the client went away.

// reqMem is the memory a request needs on the common path, allocated as
// one object: the request, its parsed head with room for 12 header lines,
// its entry thread and its first 2 response headers (2 KB, one of Go's
// size classes). The connection reuses it for its next request when
// nothing outside the finished request can still reach it (reusable);
// else the next request gets a new one. The head's strings are not in it
// (Lua may keep them): they share the head's text (http1.Request.Text).
type reqMem struct {
	r       request
	head    http1.Request
	entry   uthread
	hdrsIn  [12]http1.Header
	hdrsOut [2]outHeader
}

func newReqMem() *reqMem {
	m := &reqMem{}
	m.head.Headers = m.hdrsIn[:0]
	return m
}

// reusable reports whether r, a finished request of c, is out of every
// hand but the connection's, so that its memory (r.mem) may serve the next
// request. A timer, a posted function, a light thread, a socket or any
// other object that kept r would otherwise see the next request in its
// place: a timer of the old one firing on the new one. So it is true only
// for a request that took the plain path: no pin (pin's callers: anything
// that hands r to what may outlive it, and every yield of its Lua), none of
// the things that point back at it, no body.
func (r *request) reusable(c *conn) bool {
	return r.mem != nil && !r.pinned && r.c == c && r.finalized && !r.finishPending &&
		r.sub == nil && r.main == nil && !r.isTimer && r.ssl == nil &&
		r.th == nil && r.timer == nil && len(r.children) == 0 && len(r.posted) == 0 &&
		len(r.userCos) == 0 && len(r.sockets) == 0 && r.reqSock == nil && len(r.udpSockets) == 0 &&
		r.onAbort == nil && r.proxy == nil && r.flushWaiter == nil && r.bodyWaiter == nil &&
		!r.bodyTimerSet && r.bodyState != bodyReading && r.bodyDecoder == nil && r.bodyOut == nil && r.bodyFile == "" &&
		r.head != nil && r.head.ContentLength <= 0 && !r.head.Chunked &&
		c.limited != r && c.req != r
}

// pin marks r as reachable from something that may outlive it: its memory
// is never reused (reusable).
func (r *request) pin() { r.pinned = true }

// nextMem returns the memory to parse c's next request into: the last
// finished request's when reusable says nothing else can reach it, else
// a new one.
func (c *conn) nextMem() *reqMem {
	done := c.done
	c.done = nil
	if done == nil || !done.reusable(c) {
		return newReqMem()
	}
	m := done.mem
	c.w.memReused++
	m.r = request{} // nothing of the old request stays reachable from it
	m.entry = uthread{}
	return m
}

// startRequest begins the phase engine for the request head parsed into m.
func startRequest(c *conn, m *reqMem) {
	w := c.w
	head := &m.head
	r := &m.r
	*r = request{
		w: w, c: c, id: w.e.seq.req.Add(1), head: head,
		method: head.Method, uri: head.URI, args: head.Args,
		headersIn: head.Headers, status: 0, keepAlive: head.KeepAlive,
		start:   w.loop.Now(),
		headers: m.hdrsOut[:0], spareEntry: &m.entry, mem: m,
	}
	r.headOnly = head.Method == "HEAD"
	c.req = r
	r.srv = c.findServer(head.Host)
	if !r.srv.Body.UnderscoresInHeaders {
		r.dropUnderscoreHeaders()
	}
	for _, line := range head.IgnoredHeaders {
		r.logErr(LevelInfo, fmt.Sprintf("client sent invalid header line: \"%s\" while reading client request headers", line))
	}
	if w.rec.Enabled() {
		w.rec.Emit(trace.Event{Kind: trace.RequestStart, FD: int32(c.fd), Req: r.id, Detail: head.MethodAndTarget()})
	}
	if c.plainOnSSL {
		// nginx's NGX_HTTP_TO_HTTPS: a 400 page of its own (error_page 497
		// can send it elsewhere)
		r.logErr(LevelInfo, "client sent plain HTTP request to HTTPS port while reading client request headers")
		r.finalize(497)
		return
	}
	r.run()
}

// newBareRequest makes a request object for answering a request that could
// not be parsed (400, 413, ...): it only sends a special response.
func newBareRequest(c *conn, status int) *request {
	r := &request{w: c.w, c: c, id: c.w.e.seq.req.Add(1), status: status, method: "GET", start: c.w.loop.Now()}
	r.head = &http1.Request{Major: 1, Minor: 1, Method: "GET", ContentLength: -1}
	c.req = r
	r.step = stDone
	return r
}

// finalize ends the request with code (0: normal end of content). Like
// ngx_http_finalize_request: codes of 300 and above, 201 and 204 get nginx's
// special response if nothing was sent yet.
func (r *request) finalize(code int) {
	if r.finalized || r.errorPage(&code) {
		return
	}
	r.finalized = true
	r.killThreads()
	if r.th != nil {
		r.endThread("finalize")
	}
	r.exitPhase()
	if r.c == nil {
		if r.ssl != nil && code != 0 {
			r.ssl.failed = true // ngx.exit(ngx.ERROR), a Lua error: the handshake fails
		}
		return
	}
	if r.sub != nil {
		r.finalizeSub(code)
		return
	}
	switch {
	case code == -1 || code == 444 || code == 408:
		// ngx.ERROR, 444 and 408 (nginx terminates a request that timed
		// out: difftest conn/return_408) close the connection with no
		// (further) response; what was not written yet is lost. $status
		// is 000 for ngx.ERROR before any output.
		r.keepAlive = false
		if code == 444 || code == 408 {
			r.status = code
		} else if !r.headerSent {
			r.status = 0
		}
		r.c.wbuf = r.c.wbuf[:r.c.wpos]
		r.unflushed = 0
		r.c.closing = true
		r.runLogPhase()
		r.traceEnd()
		r.c.requestDone(false, 0)
		r.c.close("ngx.exit(" + strconv.Itoa(code) + ")")
		return
	case (code >= 300 || code == 201 || code == 204) && !r.headerSent:
		r.sendSpecial(code)
	case code >= 200 && !r.headerSent:
		r.status = code
	}
	if !r.headerSent && !r.broken && (r.buffering10 || r.wantsBuffer10()) {
		r.output(nil, true) // sends the held HTTP/1.0 body with its length
	}
	if !r.headerSent {
		r.sendHeader()
	}
	if !r.eofSent && !r.broken {
		r.output(nil, true)
	}
	if r.c.closed {
		// a filter failed on the way out: the connection is gone (its
		// close skipped the log phase, the request being finalized)
		r.runLogPhase()
		r.traceEnd()
		return
	}
	r.finalizeDone()
}

// finalizeDone writes what is pending, runs the log phase and hands the
// connection back for keep-alive or closing.
func (r *request) finalizeDone() {
	r.finalized = true
	r.unflushed = 0
	flushed := r.c.flush()
	if r.bodyState != bodyRead && r.head != nil && (r.head.ContentLength > 0 || r.head.Chunked) && r.bodyDecoder == nil {
		// the body was never read: skip it before the next request
		r.c.discard = http1.NewBodyDecoder(r.head, http1.Limits{})
	} else if r.bodyState == bodyReading || (r.reqSock != nil && r.reqSock.bodyLeft > 0) {
		// a body only partly read: the connection cannot carry another request
		r.keepAlive = false
	}
	if !flushed && r.c.sendTimer != nil && !r.c.closed {
		// the client does not read: as nginx, the request (and its log
		// phase) ends once the output is written (onFlushed) or
		// send_timeout ends it (sendTimedOut)
		r.finishPending = true
		return
	}
	r.finishRequest()
}

// finishRequest runs the log phase of a finalized request whose output is
// written and hands the connection back for keep-alive or closing.
func (r *request) finishRequest() {
	r.finishPending = false
	r.runLogPhase()
	r.traceEnd()
	ka := r.w.e.cfg.HTTP.KeepaliveTimeout
	if r.loc != nil {
		ka = r.loc.KeepaliveTimeout
	}
	r.c.linger = r.respSettings().Conn // lingering_close for finishClose
	// keepalive_timeout 0 turns keep-alive off
	r.c.requestDone(r.keepAlive && !r.clientGone && ka > 0, r.w.e.capTimeout(ka))
}

// abort stops whatever the request waits for (the client went away).
func (r *request) abort() {
	r.w.loop.StopTimer(r.timer)
	r.timer = nil
	if r.th != nil {
		r.endThread("aborted")
	}
	r.exitPhase()
	if !r.finalized || r.finishPending {
		r.finalized, r.finishPending = true, false
		r.runLogPhase()
		r.traceEnd()
	}
}
