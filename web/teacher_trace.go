package web

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/restylab/restylab/lab/trace"
)

// Bounds of the trace the lab keeps per session for the teacher's view of
// a learner (issue 15, item 3): the trace messages of the session's latest
// activity, as its WebSocket subscribers got them (shared, not copied: a
// trace.Message is never written once made, and it is decoded only when
// the teacher looks). A quiet spell of lastTraceGap ends an activity: the
// next message starts a new one. Within one, the newest messages holding at
// most lastTraceMaxEvents events and lastTraceMaxBytes bytes are kept (the
// older ones' events count as dropped): a class of 60 holds at most 60 MiB.
const (
	lastTraceGap       = time.Second
	lastTraceMaxEvents = 10000
	lastTraceMaxBytes  = 1 << 20
)

// lastTrace is a session's bounded list of its latest trace messages.
// Trace events stream only while a tab of the session is open (setTrace),
// so that is when it fills.
type lastTrace struct {
	mu      sync.Mutex
	msgs    []trace.Message
	events  int   // in msgs
	bytes   int   // of msgs
	dropped int64 // events of this activity the stream or this list lost
	last    time.Time
}

// add records a trace message that came at now.
func (lt *lastTrace) add(m trace.Message, now time.Time) {
	h, err := m.Header()
	if err != nil {
		return
	}
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if now.Sub(lt.last) > lastTraceGap {
		clear(lt.msgs)
		lt.msgs, lt.events, lt.bytes, lt.dropped = lt.msgs[:0], 0, 0, 0
	}
	lt.last = now
	lt.dropped += h.Dropped()
	if len(m) > lastTraceMaxBytes || h.Events > lastTraceMaxEvents {
		lt.dropped += int64(h.Events)
		return
	}
	lt.msgs = append(lt.msgs, m)
	lt.events += h.Events
	lt.bytes += len(m)
	cut := 0
	for lt.events > lastTraceMaxEvents || lt.bytes > lastTraceMaxBytes {
		oh, _ := lt.msgs[cut].Header()
		lt.events -= oh.Events
		lt.bytes -= len(lt.msgs[cut])
		lt.dropped += int64(oh.Events)
		lt.msgs[cut] = nil
		cut++
	}
	if cut > 0 {
		lt.msgs = append(lt.msgs[:0], lt.msgs[cut:]...)
	}
}

// snapshot decodes the kept messages' events (oldest first; the "dropped"
// marks of the stream included, as the page draws them) and returns them
// with the dropped count and when the latest message came (zero: never).
func (lt *lastTrace) snapshot() ([]json.RawMessage, int64, time.Time) {
	lt.mu.Lock()
	msgs := append([]trace.Message(nil), lt.msgs...)
	dropped, at := lt.dropped, lt.last
	lt.mu.Unlock()
	var events []json.RawMessage
	for _, m := range msgs {
		var w struct {
			Events []json.RawMessage `json:"events"`
		}
		if err := json.Unmarshal(m.JSON(), &w); err != nil {
			continue // the instance's reader checked the frame; never seen
		}
		events = append(events, w.Events...)
	}
	return events, dropped, at
}

// traceJSON answers GET /api/teacher/sessions/{id}/trace.
type traceJSON struct {
	Events  []json.RawMessage `json:"events"`
	Dropped int64             `json:"dropped"`
	// At is when the latest events came, in Unix milliseconds (0: the lab
	// has no trace of the session: no tab of it was open since the lab
	// started, or it was idle long enough to be forgotten).
	At int64 `json:"at"`
}

// apiLearnerTrace is GET /api/teacher/sessions/{id}/trace: the learner's
// last trace, the events of their latest requests as their page drew them,
// for the teacher's read-only timeline.
func (s *Server) apiLearnerTrace(w http.ResponseWriter, r *http.Request) {
	sess := s.knownSession(w, r, true)
	if sess == nil {
		return
	}
	events, dropped, at := sess.trace.snapshot()
	out := traceJSON{Events: events, Dropped: dropped}
	if out.Events == nil {
		out.Events = []json.RawMessage{}
	}
	if !at.IsZero() {
		out.At = at.UnixMilli()
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}
