package web

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Bounds of the trace the lab keeps per session for the teacher's view of
// a learner (issue 15, item 3): the events of the session's latest
// activity, as its WebSocket subscribers got them. A quiet spell of
// lastTraceGap ends an activity: the next event starts a new one. Within
// one, the newest lastTraceMaxEvents events of at most lastTraceMaxBytes
// are kept (the older ones count as dropped): a class of 60 holds at most
// 60 MiB of them.
const (
	lastTraceGap       = time.Second
	lastTraceMaxEvents = 10000
	lastTraceMaxBytes  = 1 << 20
)

// lastTrace is a session's bounded copy of its latest trace events. Trace
// events stream only while a tab of the session is open (setTrace), so
// that is when it fills.
type lastTrace struct {
	mu      sync.Mutex
	events  []json.RawMessage
	bytes   int
	dropped int64     // events of this activity the copy (or the stream) lost
	last    time.Time // when the latest batch came
}

// add records a batch of events (and the dropped count the stream
// reported with it) that came at now.
func (lt *lastTrace) add(events []json.RawMessage, dropped int64, now time.Time) {
	if len(events) == 0 && dropped == 0 {
		return
	}
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if now.Sub(lt.last) > lastTraceGap {
		lt.events, lt.bytes, lt.dropped = nil, 0, 0
	}
	lt.last = now
	lt.dropped += dropped
	for _, ev := range events {
		if len(ev) > lastTraceMaxBytes {
			lt.dropped++
			continue
		}
		// a copy: the batch's buffer is the stream's, shared with the tabs
		lt.events = append(lt.events, append(json.RawMessage(nil), ev...))
		lt.bytes += len(ev)
	}
	cut := 0
	for len(lt.events)-cut > lastTraceMaxEvents || lt.bytes > lastTraceMaxBytes {
		lt.bytes -= len(lt.events[cut])
		lt.events[cut] = nil
		cut++
	}
	if cut > 0 {
		lt.dropped += int64(cut)
		lt.events = lt.events[cut:]
	}
}

// snapshot returns the kept events (a slice the caller may keep), the
// dropped count and when the latest batch came (zero: never).
func (lt *lastTrace) snapshot() ([]json.RawMessage, int64, time.Time) {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	return append([]json.RawMessage(nil), lt.events...), lt.dropped, lt.last
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
