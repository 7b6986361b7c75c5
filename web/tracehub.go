package web

import (
	"time"

	"github.com/restylab/restylab/lab/trace"
	"github.com/restylab/restylab/sandbox"
)

// The session's hub of the trace pipe (docs/trace.md, "The pipe"): the
// pump takes the instance's trace messages and offers their bytes to every
// WebSocket of the session, reading only their headers.

// forwardTrace hands the trace messages in's queue holds now to the
// session's subscribers, after a notice of what the queue dropped, and
// keeps them as the session's last trace (teacher_trace.go).
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
		sess.trace.add(m, time.Now())
	}
	sess.offerAll(wsFrame{data: m.JSON(), trace: m})
}
