package web

import (
	"sync"

	"github.com/restylab/restylab/lab/trace"
	"github.com/restylab/restylab/sandbox"
)

// The session's hub of the trace pipe (docs/trace.md, "The pipe"): the
// pump takes the instance's trace messages and offers their bytes to every
// WebSocket of the session, reading only their headers.

// forwardTrace hands the trace messages in's queue holds now to the
// session's subscribers, after a notice of what the queue dropped, and
// keeps them as the session's recent trace.
func (s *Server) forwardTrace(sess *session, in *sandbox.Instance) {
	if drops, any := in.TraceLost(); any {
		s.hubTrace(sess, trace.Notice(drops))
	}
	q := in.Trace()
	for {
		m, ok := q.TryTake()
		if !ok {
			return
		}
		s.hubTrace(sess, m)
	}
}

// hubTrace counts m in /metrics and offers it to the session's subscribers.
func (s *Server) hubTrace(sess *session, m trace.Message) {
	h, err := m.Header()
	if err != nil {
		return // the instance's reader checked it
	}
	s.met.traceStreamed.Add(float64(h.Events))
	for hop, d := range h.Drops {
		if d != 0 && trace.Hop(hop) < trace.HopWebSocket {
			s.met.traceDrop[hop].Add(float64(d))
		}
	}
	if h.Events > 0 {
		sess.recent.add(m)
	}
	sess.offerAll(wsFrame{data: m.JSON(), trace: m})
}

// Bounds of a session's recent trace.
const (
	recentTraceMessages = 32
	recentTraceBytes    = 256 << 10 // a classroom of 100 open pages keeps 25 MiB at most
)

// recentTrace keeps a session's last trace messages while its trace is on
// (a page of the session is open), bounded by count and bytes, oldest
// dropped first. The messages are shared, never copied: nothing writes to
// a trace.Message once made.
type recentTrace struct {
	mu    sync.Mutex
	msgs  []trace.Message
	bytes int
}

func (r *recentTrace) add(m trace.Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	r.bytes += len(m)
	drop := 0
	for len(r.msgs)-drop > recentTraceMessages || (r.bytes > recentTraceBytes && len(r.msgs)-drop > 1) {
		r.bytes -= len(r.msgs[drop])
		r.msgs[drop] = nil
		drop++
	}
	if drop > 0 {
		r.msgs = append(r.msgs[:0], r.msgs[drop:]...)
	}
}

// recentTrace returns the session's last trace messages, oldest first (at
// most recentTraceMessages of them, recentTraceBytes in all): each one's
// Header tells its request ids and times without decoding it.
func (sess *session) recentTrace() []trace.Message {
	sess.recent.mu.Lock()
	defer sess.recent.mu.Unlock()
	return append([]trace.Message(nil), sess.recent.msgs...)
}

// recentTraceEvents decodes the session's last max trace events (all the
// recent ones when max <= 0), oldest first, without the "dropped" marks.
// It is for views off the trace's hot path (the teacher's).
func (sess *session) recentTraceEvents(max int) ([]trace.Event, error) {
	msgs := sess.recentTrace()
	var out []trace.Event
	for i := len(msgs) - 1; i >= 0 && (max <= 0 || len(out) < max); i-- {
		evs, err := msgs[i].Events()
		if err != nil {
			return nil, err
		}
		kept := evs[:0]
		for _, ev := range evs {
			if ev.Kind != trace.Dropped {
				kept = append(kept, ev)
			}
		}
		out = append(kept, out...)
	}
	if max > 0 && len(out) > max {
		out = out[len(out)-max:]
	}
	return out, nil
}
