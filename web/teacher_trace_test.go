package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestLastTraceBounds: a quiet spell starts a new trace; within one, the
// newest events are kept up to the caps, the rest counted as dropped.
func TestLastTraceBounds(t *testing.T) {
	ev := func(i int) json.RawMessage { return json.RawMessage(fmt.Sprintf(`{"ts":%d,"kind":"x","worker":0}`, i)) }
	batch := func(from, n int) []json.RawMessage {
		var out []json.RawMessage
		for i := from; i < from+n; i++ {
			out = append(out, ev(i))
		}
		return out
	}
	t0 := time.Unix(1000, 0)
	tests := []struct {
		name        string
		add         func(lt *lastTrace)
		wantN       int
		wantFirst   string
		wantDropped int64
	}{
		{"one batch", func(lt *lastTrace) { lt.add(batch(0, 3), 0, t0) }, 3, string(ev(0)), 0},
		{"batches close together add up", func(lt *lastTrace) {
			lt.add(batch(0, 3), 1, t0)
			lt.add(batch(3, 2), 2, t0.Add(lastTraceGap/2))
		}, 5, string(ev(0)), 3},
		{"a quiet spell starts afresh", func(lt *lastTrace) {
			lt.add(batch(0, 3), 1, t0)
			lt.add(batch(3, 2), 0, t0.Add(lastTraceGap+time.Millisecond))
		}, 2, string(ev(3)), 0},
		{"over the count the oldest go", func(lt *lastTrace) {
			lt.add(batch(0, lastTraceMaxEvents), 0, t0)
			lt.add(batch(lastTraceMaxEvents, 10), 0, t0)
		}, lastTraceMaxEvents, string(ev(10)), 10},
		{"over the bytes the oldest go", func(lt *lastTrace) {
			big := json.RawMessage(`{"ts":1,"kind":"x","worker":0,"detail":"` + strings.Repeat("a", lastTraceMaxBytes/4) + `"}`)
			lt.add([]json.RawMessage{big, big, big, big, ev(7)}, 0, t0)
		}, 4, string(json.RawMessage(`{"ts":1,"kind":"x","worker":0,"detail":"` + strings.Repeat("a", lastTraceMaxBytes/4) + `"}`)), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lt lastTrace
			tt.add(&lt)
			events, dropped, at := lt.snapshot()
			if len(events) != tt.wantN || dropped != tt.wantDropped || at.IsZero() {
				t.Fatalf("%d events, %d dropped, at %v; want %d, %d", len(events), dropped, at, tt.wantN, tt.wantDropped)
			}
			if got := string(events[0]); got != tt.wantFirst {
				t.Errorf("first event %.80s, want %.80s", got, tt.wantFirst)
			}
			size := 0
			for _, e := range events {
				size += len(e)
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
