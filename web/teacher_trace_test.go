package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/restylab/restylab/lab/trace"
)

// TestLastTraceBounds: a quiet spell starts a new trace; within one, the
// newest messages are kept up to the caps, the older ones' events counted
// as dropped, as are the drops the stream reported.
func TestLastTraceBounds(t *testing.T) {
	msg := func(from, n int, detail string, ringDrops int64) trace.Message {
		var evs []trace.Event
		for i := from; i < from+n; i++ {
			evs = append(evs, trace.Event{TS: int64(i), Kind: trace.Read, Req: 1, Detail: detail})
		}
		var drops [trace.NumHops]int64
		drops[trace.HopRate] = ringDrops
		return trace.AppendMessage(nil, evs, drops)
	}
	big := strings.Repeat("a", lastTraceMaxBytes/4)
	t0 := time.Unix(1000, 0)
	tests := []struct {
		name        string
		add         func(lt *lastTrace)
		wantN       int
		wantFirstTS int64
		wantDropped int64
	}{
		{"one message", func(lt *lastTrace) { lt.add(msg(0, 3, "", 0), t0) }, 3, 0, 0},
		{"messages close together add up", func(lt *lastTrace) {
			lt.add(msg(0, 3, "", 1), t0)
			lt.add(msg(3, 2, "", 2), t0.Add(lastTraceGap/2))
		}, 5, 0, 3},
		{"a quiet spell starts afresh", func(lt *lastTrace) {
			lt.add(msg(0, 3, "", 1), t0)
			lt.add(msg(3, 2, "", 0), t0.Add(lastTraceGap+time.Millisecond))
		}, 2, 3, 0},
		{"over the count the oldest go", func(lt *lastTrace) {
			lt.add(msg(0, lastTraceMaxEvents-5, "", 0), t0)
			lt.add(msg(lastTraceMaxEvents-5, 10, "", 0), t0)
		}, 10, lastTraceMaxEvents - 5, lastTraceMaxEvents - 5},
		{"over the bytes the oldest go", func(lt *lastTrace) {
			for i := 0; i < 5; i++ {
				lt.add(msg(i, 1, big, 0), t0)
			}
		}, 3, 2, 2},
		{"one message past the caps is only counted", func(lt *lastTrace) {
			lt.add(msg(0, 2, "", 0), t0)
			lt.add(msg(2, lastTraceMaxEvents+1, "", 0), t0)
		}, 2, 0, lastTraceMaxEvents + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lt lastTrace
			tt.add(&lt)
			events, dropped, at := lt.snapshot()
			if len(events) != tt.wantN || dropped != tt.wantDropped || at.IsZero() {
				t.Fatalf("%d events, %d dropped, at %v; want %d, %d", len(events), dropped, at, tt.wantN, tt.wantDropped)
			}
			var first struct {
				TS int64 `json:"ts"`
			}
			if err := json.Unmarshal(events[0], &first); err != nil || first.TS != tt.wantFirstTS {
				t.Errorf("first event %.80s (%v), want ts %d", events[0], err, tt.wantFirstTS)
			}
			size := 0
			for _, m := range lt.msgs {
				size += len(m)
			}
			if size > lastTraceMaxBytes {
				t.Errorf("%d bytes kept, over %d", size, lastTraceMaxBytes)
			}
		})
	}
}

// TestTeacherSeesLastTrace: a learner with the page open sends requests;
// the teacher reads the events of those requests; a learner, a guessed id
// or no cookie get nothing.
func TestTeacherSeesLastTrace(t *testing.T) {
	l := newClassLab(t, "", "chalk&board", false)
	a, b := l.browser(), l.browser()
	ba := a.open()
	bb := b.open()
	var res applyResult
	a.json("POST", "/api/apply", workspaceJSON{Conf: sleepConf}, &res)
	if !res.OK {
		t.Fatalf("apply: %+v", res)
	}
	conn := a.dialWS() // the learner's page: the trace streams while it is open
	go func() {
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	teacher := l.browser()
	teacher.loginTeacher("chalk&board")
	var tr traceJSON
	read := func() {
		t.Helper()
		status, body := teacher.teacherCall("GET", "/api/teacher/sessions/"+ba.Session+"/trace", nil)
		if status != http.StatusOK || json.Unmarshal([]byte(body), &tr) != nil {
			t.Fatalf("trace: %d %s", status, body)
		}
	}
	read()
	if len(tr.Events) != 0 || tr.At != 0 {
		t.Fatalf("a trace before any request: %d events at %d", len(tr.Events), tr.At)
	}

	// Each request is one request_start; wait for those of three requests.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var sent sendResult
		a.json("POST", "/api/send", sendRequest{Method: "GET", Path: "/"}, &sent)
		if sent.Status != 200 {
			t.Fatalf("send: %+v", sent)
		}
		read()
		starts := 0
		for _, e := range tr.Events {
			var ev traceEvent
			if json.Unmarshal(e, &ev) == nil && ev.Kind == "request_start" {
				starts++
			}
		}
		if starts >= 3 && tr.At > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s the teacher sees %d requests in %d events", starts, len(tr.Events))
		}
	}

	// The other learner, a guessed id, no cookie: no trace.
	for _, tt := range []struct {
		name   string
		who    *lab
		id     string
		status int
	}{
		{"another learner", b, ba.Session, http.StatusUnauthorized},
		{"the learner themself", a, ba.Session, http.StatusUnauthorized},
		{"no cookie", l.browser(), ba.Session, http.StatusUnauthorized},
		{"the teacher, a guessed id", teacher, newID(16), http.StatusNotFound},
		{"the teacher, an id that is not one", teacher, strings.ToUpper(bb.Session), http.StatusNotFound},
	} {
		status, body := tt.who.teacherCall("GET", "/api/teacher/sessions/"+tt.id+"/trace", nil)
		if status != tt.status || strings.Contains(body, `"events"`) {
			t.Errorf("%s: %d %s, want %d", tt.name, status, body, tt.status)
		}
	}
}
