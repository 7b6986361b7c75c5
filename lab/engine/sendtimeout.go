package engine

import (
	lua "github.com/yuin/gopher-lua"
)

// send_timeout, as nginx applies it: a timer runs while the response waits
// for a client that does not read, and each write that makes progress
// starts it again. When it fires, nginx logs "client timed out" at info
// level and ends the request: the connection is closed, what was not
// written is lost, the log phase runs with the bytes that reached the
// socket ($body_bytes_sent) and $status as it was. A Lua thread waiting in
// ngx.flush(true) gets nil, "timeout" instead, and the timer starts again
// when its output blocks once more. Observed with nginx 1.22 + ngx_lua
// 0.10.23 (TestSendTimeout): the static and return handlers' line ends in
// "while sending response to client", content_by_lua's has no suffix. A
// client that closes its side meanwhile is cut off at once
// (closedWhileSending).

// sendBlocked (re)arms the send timer after a write left output pending:
// at the first block, and again after a write that made progress.
func (c *conn) sendBlocked(progress bool) {
	r := c.writer()
	if r == nil || c.sendTimer != nil && !progress {
		return
	}
	c.w.loop.StopTimer(c.sendTimer)
	d := c.w.e.capTimeout(r.respSettings().Conn.SendTimeout)
	c.sendTimer = c.w.loop.AddTimer(d, c.sendTimedOut)
	c.sendTimer.Desc = "send_timeout" // constant: no allocation per write
}

// sendDone stops the send timer: the output is written (or dropped).
func (c *conn) sendDone() {
	c.w.loop.StopTimer(c.sendTimer)
	c.sendTimer = nil
}

// sendTimedOut ends a response the client stopped reading.
func (c *conn) sendTimedOut() {
	c.sendTimer = nil
	if c.closed {
		return
	}
	r := c.writer()
	if r == nil {
		c.close("send_timeout")
		return
	}
	r.logErr(LevelInfo, "client timed out (110: Connection timed out)"+r.sendingAction())
	if t := r.flushWaiter; t != nil && t.state().op == opFlush && !r.finalized {
		r.flushWaiter = nil
		r.resumeThread(t, lua.LNil, lua.LString("timeout"))
		return
	}
	r.dropOutput("send_timeout")
}

// closedWhileSending ends a finalized request whose client closed its side
// while the rest of the response waited for it: nginx's ngx_http_test_reading
// logs "client prematurely closed connection" at info level and closes
// (observed: the client reads what was already on its way).
func (r *request) closedWhileSending() {
	r.logErr(LevelInfo, "client prematurely closed connection"+r.sendingAction())
	r.dropOutput("client closed connection while sending")
}

// sendingAction is what nginx appends to those lines: ngx_http_writer's log
// action, which a response of content_by_lua's does not have.
func (r *request) sendingAction() string {
	if r.loc == nil || r.loc.Phases.Content == nil {
		return " while sending response to client"
	}
	return ""
}

// dropOutput drops what was not written and closes the connection; the log
// phase runs (from close) with the bytes that reached the socket.
func (r *request) dropOutput(why string) {
	c := r.c
	r.onWire()
	c.wbuf, c.wpos = c.wbuf[:0], 0
	r.keepAlive = false
	c.close(why)
}

// onWire makes $bytes_sent and $body_bytes_sent count what reached the
// socket, as nginx's c->sent does, when the rest of the output is dropped.
func (r *request) onWire() {
	header := r.bytesSent - r.bodySent
	r.bytesSent = r.sentOnWire
	r.bodySent = r.sentOnWire - header
	if r.bodySent < 0 {
		r.bodySent = 0
	}
}
