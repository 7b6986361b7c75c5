package web

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/restylab/restylab/lab/trace"
)

// pipeEvent is the part of a trace event that names it: a worker's events
// have distinct times (its clock never goes back, and two events one after
// the other differ in kind or time at nanosecond resolution).
type pipeEvent struct {
	TS     int64  `json:"ts"`
	Kind   string `json:"kind"`
	Worker int32  `json:"worker"`
	Gen    int32  `json:"gen"`
	Req    int64  `json:"req"`
}

// TestTracePipeBurst1000 fires a burst of 1000 requests through the real
// lab while a WebSocket client reads like the page, and checks that every
// event the instance emitted during the burst reached the client (the
// burst's recording, which no lossy queue stands in front of, is the
// reference), with 0 drops at every hop: in the messages and in /metrics.
func TestTracePipeBurst1000(t *testing.T) {
	if testing.Short() {
		t.Skip("a burst of 1000")
	}
	l := newLab(t, "")
	b := l.open()
	var res applyResult
	l.json("POST", "/api/apply", workspaceJSON{Conf: sleepConf}, &res)
	conn := l.dialWS()

	type seen struct {
		ev      pipeEvent
		dropped int64
		drops   map[string]int64
		mark    bool // the drops of a "trace" message
	}
	got := make(chan seen, 1<<17)
	go func() {
		defer close(got)
		for {
			conn.SetReadDeadline(time.Now().Add(60 * time.Second))
			_, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var m struct {
				T       string           `json:"t"`
				Events  []pipeEvent      `json:"events"`
				Dropped int64            `json:"dropped"`
				Drops   map[string]int64 `json:"drops"`
			}
			if err := json.Unmarshal(data, &m); err != nil {
				t.Errorf("a message the page could not parse: %v: %.200s", err, data)
				return
			}
			if m.T != "trace" {
				continue
			}
			if m.Dropped != 0 || len(m.Drops) != 0 {
				got <- seen{dropped: m.Dropped, drops: m.Drops, mark: true}
			}
			for _, e := range m.Events {
				got <- seen{ev: e}
			}
		}
	}()
	received := map[pipeEvent]bool{}
	var dropped int64
	byHop := map[string]int64{}
	take := func(s seen) {
		if s.mark {
			dropped += s.dropped
			for hop, d := range s.drops {
				byHop[hop] += d
			}
			return
		}
		received[pipeEvent{TS: s.ev.TS, Kind: s.ev.Kind, Worker: s.ev.Worker, Gen: s.ev.Gen}] = true
	}
	// The trace is on once a request shows in it.
	warm := false
	for deadline := time.Now().Add(20 * time.Second); !warm && time.Now().Before(deadline); {
		var sent sendResult
		l.json("POST", "/api/send", sendRequest{Path: "/warmup"}, &sent)
		timeout := time.After(time.Second)
	wait:
		for {
			select {
			case s := <-got:
				take(s)
				if s.ev.Kind == "request_end" {
					warm = true
					break wait
				}
			case <-timeout:
				break wait
			}
		}
	}
	if !warm {
		t.Fatal("no trace events for a request")
	}

	sess := l.srv.session(b.Session)
	in := sess.running()
	if in == nil {
		t.Fatal("no running instance")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rec, err := in.Record(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const n = 1000
	var burst burstResult
	l.json("POST", "/api/burst", sendRequest{Path: "/", N: n, C: n}, &burst)
	if burst.OK != n {
		t.Fatalf("burst: %d of %d ok", burst.OK, n)
	}
	win, err := rec.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if win.Dropped != 0 {
		t.Fatalf("the reference recording lost %d events", win.Dropped)
	}
	want := map[pipeEvent]bool{}
	ends := 0
	for _, ev := range win.Events {
		want[pipeEvent{TS: ev.TS, Kind: ev.Kind.String(), Worker: ev.Worker, Gen: ev.Gen}] = true
		if ev.Kind == trace.RequestEnd {
			ends++
		}
	}
	if ends < n {
		t.Fatalf("the recording holds %d request_end, want %d or more", ends, n)
	}
	missing := func() int {
		k := 0
		for e := range want {
			if !received[e] {
				k++
			}
		}
		return k
	}
	for missing() > 0 {
		timeout := time.After(15 * time.Second) // nothing more comes
		select {
		case s, ok := <-got:
			if !ok {
				t.Fatalf("WebSocket closed with %d of %d events missing", missing(), len(want))
			}
			take(s)
			for more := true; more; { // drain what is there before counting again
				select {
				case s, ok := <-got:
					if !ok {
						more = false
						break
					}
					take(s)
				default:
					more = false
				}
			}
		case <-timeout:
			t.Fatalf("%d of the burst's %d events had not reached the client 15 s after the last message (%d dropped: %v)", missing(), len(want), dropped, byHop)
		}
	}
	if dropped != 0 {
		t.Errorf("the client was told %d events were dropped: %v", dropped, byHop)
	}
	for hop := range trace.NumHops {
		if d := testutil.ToFloat64(l.srv.met.traceDrop[hop]); d != 0 {
			t.Errorf("/metrics: %v events dropped at hop %v", d, hop)
		}
	}
	t.Logf("%d events of the burst, all received, 0 dropped", len(want))
}
