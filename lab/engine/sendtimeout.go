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
// "while sending response to client", content_by_lua's has no suffix.

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
	msg := "client timed out (110: Connection timed out)"
	if r.loc == nil || r.loc.Phases.Content == nil {
		msg += " while sending response to client" // ngx_http_writer's log action
	}
	r.logErr(LevelInfo, msg)
	if t := r.flushWaiter; t != nil && t.state().op == opFlush && !r.finalized {
		r.flushWaiter = nil
		r.resumeThread(t, lua.LNil, lua.LString("timeout"))
		return
	}
	r.onWire()
	c.wbuf, c.wpos = c.wbuf[:0], 0
	r.keepAlive = false
	c.close("send_timeout")
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
