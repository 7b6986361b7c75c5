package engine

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/lab/event"
	"github.com/restylab/restylab/lab/http1"
	"github.com/restylab/restylab/lab/trace"
)

// Timeouts nginx applies by default.
const (
	clientHeaderTimeout = 60 * time.Second // client_header_timeout
	lingeringTimeout    = 5 * time.Second  // lingering_timeout
	sendTimeout         = 60 * time.Second // send_timeout
	readChunk           = 16 * 1024
	maxBufferedInput    = 1 << 20 // input read ahead of the request that needs it
)

// conn is one client connection. Loop-only.
type conn struct {
	w          *worker
	fd         int
	num        int64 // nginx's connection number, "*N" in error_log
	l          *listener
	remoteAddr string
	remotePort string
	serverAddr string

	rbuf []byte // input not consumed yet: rbuf[rpos:]
	rpos int
	// readMore: the socket may hold more input that was left unread because
	// the buffer was full (edge-triggered epoll will not tell us again).
	readMore bool
	eof      bool

	wbuf []byte // output not written yet: wbuf[wpos:]
	wpos int

	tls *tlsLayer // "listen ... ssl": the TLS layer (tls.go); nil for plain HTTP
	// plainOnSSL: the client spoke plain HTTP to an ssl port (answered 400).
	plainOnSSL bool
	req        *request
	linger     conf.ConnSettings  // the last request's lingering_close settings (finishClose)
	discard    *http1.BodyDecoder // the unread body of the previous request, being skipped
	// idle is the header, keep-alive or lingering timeout (armIdle): made
	// once per connection, armed and stopped lazily
	idle      *event.Timer
	postedRun func() // c.runPosted, made once: requestDone posts it
	// next is the memory of the next request, parsed into as input comes
	next *reqMem
	// done is the request that ended last, whose memory may serve the
	// next one (nextMem)
	done *request
	// lastHead is the text of the last request head parsed: the next head,
	// when it is the same, shares it (http1.ParseRequestAfter)
	lastHead string
	// srv is the virtual server found for srvHost in srvHTTP (findServer)
	srv        *conf.Server
	srvHost    string
	srvHTTP    *conf.HTTP
	delay      *event.Timer // limit_rate holds the output (ratelimit.go)
	sendTimer  *event.Timer // send_timeout while output waits for the socket (sendtimeout.go)
	limited    *request     // the rate-limited request whose output is queued
	nreq       int
	processing bool
	closing    bool // close once the output is written
	lingering  bool
	closed     bool
}

func newConn(w *worker, fd int, l *listener, sa unix.Sockaddr) *conn {
	c := &conn{w: w, fd: fd, l: l, num: w.e.seq.accepted()}
	c.idle = event.NewTimer(c.idleFired)
	c.idle.Desc = "client connection timeout"
	c.postedRun = c.runPosted
	c.remoteAddr, c.remotePort = sockaddrString(sa)
	if lsa, err := unix.Getsockname(fd); err == nil {
		c.serverAddr, _ = sockaddrString(lsa)
	}
	return c
}

// Describe names the fd in a paused loop's pending list.
func (c *conn) Describe() string { return "client connection" }

// OnEvent handles epoll readiness (edge-triggered).
func (c *conn) OnEvent(ev uint32) {
	if c.closed {
		return
	}
	defer c.w.recoverBug(c)
	if ev&unix.EPOLLOUT != 0 && c.outPending() {
		c.flush()
		if c.closed {
			return
		}
	}
	if ev&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		c.read(ev&(unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0)
		if c.closed {
			return
		}
		if c.tls != nil && !c.tls.established {
			// the handshake goroutine has the input; it reports its end
			// (an EOF included) through tlsHandshakeDone
			return
		}
		if c.lingering {
			c.rbuf, c.rpos = c.rbuf[:0], 0
			if c.eof {
				c.close("lingering close done")
			}
			return
		}
		c.process()
	}
}

// readAll reads until the socket would block, EOF, or the buffer is full.
func (c *conn) readAll() { c.read(true) }

// read reads input; drain=false stops at the first short read, for a
// readiness event without a hang-up (the peer's FIN comes with its own edge).
func (c *conn) read(drain bool) {
	c.readMore = false
	if c.tls != nil {
		c.tlsRead()
		return
	}
	for {
		if len(c.rbuf)-c.rpos >= maxBufferedInput {
			c.readMore = true
			return
		}
		c.makeReadRoom()
		space := cap(c.rbuf) - len(c.rbuf)
		n, err := rawRead(c.fd, c.rbuf[len(c.rbuf):cap(c.rbuf)])
		if n > 0 {
			c.rbuf = c.rbuf[:len(c.rbuf)+n]
			if c.w.rec.Enabled() {
				c.w.rec.Emit(trace.Event{Kind: trace.Read, FD: int32(c.fd), Arg: int64(n), Req: c.reqID()})
			}
			if n < space && !drain {
				// A short read means the socket is empty for now: the next
				// edge tells us when more arrives (saves an EAGAIN read).
				return
			}
			continue
		}
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			return
		}
		if n == 0 && err == nil {
			c.eof = true
			if c.w.rec.Enabled() {
				c.w.rec.Emit(trace.Event{Kind: trace.Read, FD: int32(c.fd), Arg: 0, Req: c.reqID()})
			}
			return
		}
		// ECONNRESET and friends: the peer is gone.
		c.eof = true
		return
	}
}

// makeReadRoom makes room for a read of readChunk bytes at the end of rbuf.
func (c *conn) makeReadRoom() {
	if c.rpos > 0 && c.rpos == len(c.rbuf) {
		c.rbuf, c.rpos = c.rbuf[:0], 0
	}
	if cap(c.rbuf)-len(c.rbuf) < readChunk {
		if c.rpos > 0 && len(c.rbuf)-c.rpos+readChunk <= cap(c.rbuf) {
			// the consumed head makes room: move the unread tail
			// (a part of a chunk-size line, of a pipelined request)
			// to the front rather than growing the buffer
			n := copy(c.rbuf, c.rbuf[c.rpos:])
			c.rbuf, c.rpos = c.rbuf[:n], 0
		} else {
			nb := make([]byte, len(c.rbuf)-c.rpos, 2*cap(c.rbuf)+readChunk)
			copy(nb, c.rbuf[c.rpos:])
			c.rbuf, c.rpos = nb, 0
		}
	}
}

func (c *conn) reqID() int64 {
	if c.req != nil {
		return c.req.id
	}
	return 0
}

// process parses and starts requests from the buffered input, one at a
// time (pipelined requests wait for the one before them to finish).
func (c *conn) process() {
	if c.processing {
		return
	}
	c.processing = true
	defer func() { c.processing = false }()
	for !c.closed && !c.closing {
		if c.req != nil {
			c.req.onInput()
			return
		}
		if c.discard != nil {
			if !c.discardBody() {
				return
			}
		}
		in := c.rbuf[c.rpos:]
		if len(in) == 0 {
			if c.readMore {
				c.readAll()
				continue
			}
			if c.eof {
				c.close("client closed connection")
			}
			return
		}
		if c.next == nil {
			c.next = c.nextMem()
		}
		n, err := http1.ParseRequestAfter(&c.next.head, in, c.limits(), c.lastHead)
		if err != nil {
			c.badRequest(err)
			return
		}
		if n == 0 {
			if c.eof {
				c.close("client closed connection while reading request")
			}
			return
		}
		c.rpos += n
		c.lastHead = c.next.head.Text()
		c.w.loop.StopLazy(c.idle) // no heap operation per request
		c.nreq++
		m := c.next
		c.next = nil // the request owns it now, strings and all
		startRequest(c, m)
	}
}

// findServer returns the virtual server for a request's Host: looked up
// once per connection and again only when the Host changes (a keep-alive
// client sends the same one every time).
func (c *conn) findServer(host string) *conf.Server {
	h := c.w.e.cfg.HTTP
	if c.srv != nil && c.srvHTTP == h && c.srvHost == host {
		return c.srv
	}
	c.srv, c.srvHost, c.srvHTTP = h.FindServer(c.l.addr, host), host, h
	return c.srv
}

func (c *conn) limits() http1.Limits {
	// The body size limit is the location's: checked after location
	// lookup. Header names with '_' are kept here and dropped once the
	// virtual server is known, by its underscores_in_headers.
	return http1.Limits{UnderscoresInHeaders: true}
}

// discardBody skips the body the previous request left unread; it reports
// whether the next request can be parsed.
func (c *conn) discardBody() bool {
	for c.discard != nil {
		in := c.rbuf[c.rpos:]
		_, n, done, err := c.discard.Feed(in)
		c.rpos += n
		if err != nil {
			c.close("bad body while discarding")
			return false
		}
		if done {
			c.discard = nil
			return true
		}
		if n > 0 && c.rpos < len(c.rbuf) {
			continue
		}
		if c.readMore {
			c.readAll()
			continue
		}
		if c.eof {
			c.close("client closed connection while discarding body")
		}
		return false
	}
	return true
}

// badRequest answers a request that could not be parsed and closes.
func (c *conn) badRequest(err error) {
	status := 400
	reason := err.Error()
	var he *http1.Error
	if errors.As(err, &he) {
		status = he.Status
		reason = he.Reason
	}
	c.w.log(LevelInfo, c.num, reason+", client: "+c.remoteAddr)
	r := newBareRequest(c, status)
	r.sendSpecial(status)
	r.keepAlive = false
	r.finalizeDone()
}

// send queues bytes for the client.
func (c *conn) send(b []byte) {
	if c.closed {
		return
	}
	c.wbuf = append(c.wbuf, b...)
}

// flush writes queued output until the socket would block; it reports
// whether everything was written.
func (c *conn) flush() bool {
	if c.delay != nil {
		return false // limit_rate: the delay timer writes on
	}
	if c.tls != nil {
		if !c.tls.established {
			return false
		}
		if !c.sendTLSRaw() {
			c.sendBlocked(c.tls.wrote > 0) // records of an earlier write go first
			return false
		}
	}
	if c.wpos < len(c.wbuf) {
		buf, ok := c.limitedWrite(c.wbuf[c.wpos:])
		if !ok {
			return false
		}
		var n int
		var err error
		if c.tls != nil {
			n, err = c.tlsWrite(buf)
		} else {
			n, err = c.w.writeNonblock(c.fd, buf, c.reqID())
		}
		c.wpos += n
		if r := c.writer(); r != nil {
			if r.limitRate > 0 && n > 0 {
				c.delayWrites(r.delayFor(r.sentOnWire, n))
			}
			r.sentOnWire += int64(n)
		}
		if err == unix.EAGAIN {
			c.sendBlocked(n > 0)
			return false
		}
		if err == nil && c.wpos < len(c.wbuf) {
			return false // the rest waits for limit_rate's timer
		}
		if err != nil {
			// EPIPE, ECONNRESET: the client is gone; drop the output.
			c.eof = true
			if c.req != nil {
				c.req.clientGone = true
			}
		}
	}
	c.wbuf, c.wpos = c.wbuf[:0], 0
	c.limited = nil
	c.sendDone()
	if c.req != nil {
		c.req.onFlushed()
	}
	if c.closing && !c.closed && c.req == nil {
		c.finishClose()
	}
	return true
}

// requestDone is called when a request has been answered and logged.
func (c *conn) requestDone(keepAlive bool, ka time.Duration) {
	c.done = c.req
	c.req = nil
	if c.closed {
		return
	}
	if !keepAlive || c.w.stopping {
		c.closing = true
		if !c.outPending() {
			c.finishClose()
		}
		return
	}
	c.armIdle(ka)
	if !c.processing {
		// input may already hold the next (pipelined) request
		c.w.loop.Post(c.postedRun)
	}
}

// runPosted is requestDone's posted look at the input.
func (c *conn) runPosted() {
	if !c.closed && c.req == nil {
		c.process()
	}
}

// finishClose closes after the response; when input may still arrive (an
// unread body) it half-closes and drains first, as nginx's lingering close,
// so the client is not reset before it reads the response.
//
// lingering_close off closes at once, always lingers even when no input
// is pending; the wait for more input is lingering_timeout (capped by
// lingering_time, the whole drain's bound).
func (c *conn) finishClose() {
	mode := c.linger.LingeringClose
	pending := c.discard != nil || (c.rpos < len(c.rbuf))
	if mode != "off" && (pending || mode == "always") && !c.eof {
		c.lingering = true
		c.closeNotify()
		_ = unix.Shutdown(c.fd, unix.SHUT_WR)
		wait := c.linger.LingeringTimeout
		if wait <= 0 {
			wait = lingeringTimeout
		}
		if lt := c.linger.LingeringTime; lt > 0 && lt < wait {
			wait = lt
		}
		c.armIdle(wait)
		return
	}
	c.close("request finished")
}

// armIdle (re)arms the connection's idle timeout (header, keep-alive or
// lingering): the connection closes d from now unless a request starts.
//
// The timer is armed and stopped lazily (event.Loop.ArmLazy, StopLazy), so
// that a keep-alive connection serving a request after another costs no
// timer heap operation per request: a request starting leaves the timer in
// the heap, the next keep-alive deadline (later than the one there) only
// moves its real deadline, and the loop moves it in the heap about once
// per timeout period.
func (c *conn) armIdle(d time.Duration) {
	if d <= 0 {
		c.w.loop.StopLazy(c.idle)
		return
	}
	c.w.loop.ArmLazy(c.idle, d)
}

// idleFired is the idle timer's callback: the connection timed out.
func (c *conn) idleFired() {
	if c.closed {
		return
	}
	if c.tls != nil && !c.tls.established {
		c.w.log(LevelInfo, c.num, "client timed out (110: Connection timed out) while SSL handshaking, client: "+c.remoteAddr+", server: "+c.l.addr)
		c.close("SSL handshake timed out")
		return
	}
	if c.req == nil {
		c.close("idle timeout")
	}
}

// close releases the connection at once.
func (c *conn) close(why string) {
	if c.closed {
		return
	}
	c.endTLS()
	c.closed = true
	c.w.loop.StopTimer(c.idle)
	c.sendDone()
	if c.req != nil {
		c.req.clientGone = true
		c.req.abort()
	}
	c.w.loop.Forget(c.fd) // close takes it off the interest list
	delete(c.w.conns, c.fd)
	unix.Close(c.fd)
	defer c.w.checkQuit()
	if c.w.acceptPaused {
		c.w.resumeAccept()
	}
	if c.w.rec.Enabled() {
		c.w.rec.Emit(trace.Event{Kind: trace.Close, FD: int32(c.fd), Detail: why})
	}
}
