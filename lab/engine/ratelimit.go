package engine

import (
	"fmt"
	"time"

	"github.com/restylab/restylab/lab/conf"
)

// Response rate limiting: limit_rate, limit_rate_after and $limit_rate, as
// nginx's write filter applies them (ngx_http_write_filter_module.c): the
// bytes a request may have sent by now are limit_rate * (whole seconds since
// it started + 1), counted after the first limit_rate_after bytes; a write
// past that waits on a timer for the time the excess takes at that rate.
// $limit_rate (ngx.var.limit_rate) reads and sets the request's rate.

// rateLimit returns the request's rate in bytes a second (0: none). The
// write path takes the location's limit_rate (unless $limit_rate set one)
// and limit_rate_after on its first write, as nginx's write filter does:
// before that, $limit_rate reads 0 (difftest var/limit_rate).
func (r *request) rateLimit() int64 {
	if !r.limitRateSet {
		r.limitRateSet = true
		r.limitRate = r.bodySettings().LimitRate
	}
	if !r.limitAfterSet {
		r.limitAfterSet = true
		r.limitRateAfter = r.bodySettings().LimitRateAfter
	}
	return r.limitRate
}

// setLimitRate is $limit_rate = v (ngx.var or set): a bad size is logged
// and changes nothing.
func (r *request) setLimitRate(v string) {
	n, ok := conf.ParseSize(v)
	if !ok {
		r.logErr(LevelErr, fmt.Sprintf("invalid $limit_rate \"%s\"", v))
		return
	}
	r.limitRate, r.limitRateSet = n, true
}

// allowedNow is how many more bytes r may write now (<= 0: none yet).
func (r *request) allowedNow(now time.Time) int64 {
	secs := now.Unix() - r.start.Unix() + 1
	return r.limitRate*secs - (r.sentOnWire - r.limitRateAfter)
}

// delayFor is how long writing n more bytes (sent already counted before
// them) makes r wait, at its rate.
func (r *request) delayFor(sentBefore int64, n int) time.Duration {
	before := max(sentBefore-r.limitRateAfter, 0)
	after := max(sentBefore+int64(n)-r.limitRateAfter, 0)
	return time.Duration((after-before)*1000/r.limitRate) * time.Millisecond
}

// limitedWrite bounds buf by r's rate; ok false: nothing may go out yet
// and the connection waits on its delay timer.
func (c *conn) limitedWrite(buf []byte) ([]byte, bool) {
	r := c.writer()
	if r == nil || r.rateLimit() == 0 {
		return buf, true
	}
	c.limited = r // its output may outlive it: the request ends once it is queued
	r.pin()
	limit := r.allowedNow(c.w.loop.Now())
	if limit <= 0 {
		c.delayWrites(time.Duration(-limit*1000/r.limitRate+1) * time.Millisecond)
		return nil, false
	}
	if int64(len(buf)) > limit {
		buf = buf[:limit]
	}
	return buf, true
}

// delayWrites holds the connection's output for d, then writes on.
func (c *conn) delayWrites(d time.Duration) {
	if c.delay != nil || d <= 0 {
		return
	}
	c.delay = c.w.loop.AddTimer(d, func() {
		c.delay = nil
		if !c.closed {
			c.flush()
		}
	})
	c.delay.Desc = "limit_rate"
}

// writer is the request whose output the connection writes: the current
// one, or a finished one whose rate-limited output is still queued.
func (c *conn) writer() *request {
	if c.req != nil {
		return c.req
	}
	return c.limited
}
