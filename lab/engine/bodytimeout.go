package engine

// armBodyTimeout starts client_body_timeout for r's request body: when no
// body input arrives for that long while the body is still being read,
// the request ends as nginx's does: the connection is closed without a
// response and nothing in error_log at info (both seen on nginx 1.22),
// $status 408.
func (r *request) armBodyTimeout() {
	d := r.respSettings().Conn.ClientBodyTimeout
	if d <= 0 || r.bodyTimerSet || r.c == nil || r.sub != nil {
		return
	}
	r.bodyTimerSet = true
	r.pin() // the timer is not stopped: it finds the request over
	r.bodyInputAt = r.w.loop.Now()
	var fire func()
	fire = func() {
		if r.finalized || r.bodyState != bodyReading || r.c == nil || r.c.closed {
			return
		}
		if rest := d - r.w.loop.Now().Sub(r.bodyInputAt); rest > 0 {
			r.w.loop.AddTimer(rest, fire) // input came since: wait the rest
			return
		}
		r.finalize(408)
	}
	r.w.loop.AddTimer(d, fire)
}
