package bench

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
	"unicode/utf8"

	"github.com/restylab/restylab/lab/trace"
	"github.com/restylab/restylab/sandbox/proto"
)

// The lab's side of the trace pipe (docs/trace.md, "The pipe"), per event,
// for a message of 1024 burst-like events: what the lab process does with
// a trace frame from reading it off the instance's pipe to handing the
// bytes to the WebSocket (its compression, the same before and after, is
// left out).
//
// BenchmarkLabForwardJSON is the pipe before issue 16, as it was: the frame
// body decoded into a struct of json.RawMessage (proto.Reader), then the
// browser's message encoded again around them (websocket.Conn.WriteJSON),
// each step scanning every event's JSON. BenchmarkLabForwardMessage is the
// pipe now: the frame read (proto.Reader copies the body), checked
// (trace.CheckMessage: header, UTF-8) and its JSON part written as it is.

const pipeBatch = 1024

// burstEvents are pipeBatch events of requests of a burst: the hello
// request's events with request and coroutine ids that change.
func burstEvents() []trace.Event {
	var evs []trace.Event
	for r := int64(1); len(evs) < pipeBatch; r++ {
		for _, ev := range requestEvents {
			if len(evs) == pipeBatch {
				break
			}
			ev.TS = int64(len(evs)) * 1500
			if ev.Req != 0 {
				ev.Req = r
			}
			if ev.Co != 0 {
				ev.Co = r
			}
			evs = append(evs, ev)
		}
	}
	return evs
}

// oldTraceBatch and oldWSMessage are the shapes the pipe used to decode
// and encode (sandbox/proto.TraceBatch and web's wsMessage before issue 16).
type oldTraceBatch struct {
	Events  []json.RawMessage `json:"events"`
	Dropped int64             `json:"dropped,omitempty"`
}

type oldWSMessage struct {
	T       string            `json:"t"`
	Events  []json.RawMessage `json:"events,omitempty"`
	Dropped int64             `json:"dropped,omitempty"`
}

func BenchmarkLabForwardJSON(b *testing.B) {
	evs := burstEvents()
	batch := oldTraceBatch{}
	for _, ev := range evs {
		batch.Events = append(batch.Events, trace.AppendJSON(nil, ev))
	}
	body, err := json.Marshal(batch) // the frame the instance wrote
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var in oldTraceBatch // proto.Reader: json.Unmarshal of the body
		if err := json.Unmarshal(body, &in); err != nil {
			b.Fatal(err)
		}
		out, err := json.Marshal(oldWSMessage{T: "trace", Events: in.Events, Dropped: in.Dropped}) // WriteJSON
		if err != nil {
			b.Fatal(err)
		}
		io.Discard.Write(out)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
}

func BenchmarkLabForwardMessage(b *testing.B) {
	evs := burstEvents()
	m := trace.AppendMessage(nil, evs, [trace.NumHops]int64{})
	var frame bytes.Buffer
	if err := proto.NewWriter(&frame).Write(&proto.TraceMessage{Data: m}); err != nil {
		b.Fatal(err)
	}
	raw := frame.Bytes()
	b.SetBytes(int64(len(m)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		msg, err := proto.NewReader(bytes.NewReader(raw)).Read() // copies the body
		if err != nil {
			b.Fatal(err)
		}
		tm := trace.Message(msg.(*proto.TraceMessage).Data)
		h, err := trace.CheckMessage(tm)
		if err != nil || h.Events != len(evs) {
			b.Fatal(err)
		}
		io.Discard.Write(tm.JSON())
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
}

// BenchmarkCheckMessage is the one per-byte pass the lab makes over a
// message: the UTF-8 check a WebSocket text frame needs.
func BenchmarkCheckMessage(b *testing.B) {
	m := trace.AppendMessage(nil, burstEvents(), [trace.NumHops]int64{})
	b.SetBytes(int64(len(m)))
	for i := 0; i < b.N; i++ {
		if !utf8.Valid(m.JSON()) {
			b.Fatal("not UTF-8")
		}
	}
}

// The lab's side of a recording (a burst's figures, a lesson's checks), per
// event: the Recorded frame's body decoded and its events read back.
// BenchmarkLabRecordingJSON is the form before issue 16 (a JSON object per
// event, each parsed by trace.ParseJSON), BenchmarkLabRecordingBinary the
// form now (trace.AppendBinary's, in one base64 string).

type oldRecorded struct {
	ID     int64             `json:"id"`
	Events []json.RawMessage `json:"events,omitempty"`
}

func BenchmarkLabRecordingJSON(b *testing.B) {
	evs := burstEvents()
	rec := oldRecorded{ID: 1}
	for _, ev := range evs {
		rec.Events = append(rec.Events, trace.AppendJSON(nil, ev))
	}
	body, err := json.Marshal(rec)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var in oldRecorded
		if err := json.Unmarshal(body, &in); err != nil {
			b.Fatal(err)
		}
		out := make([]trace.Event, 0, len(in.Events))
		for _, raw := range in.Events {
			ev, err := trace.ParseJSON(raw)
			if err != nil {
				b.Fatal(err)
			}
			out = append(out, ev)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
}

func BenchmarkLabRecordingBinary(b *testing.B) {
	evs := burstEvents()
	rec := proto.Recorded{ID: 1}
	for _, ev := range evs {
		rec.Events = trace.AppendBinary(rec.Events, ev)
	}
	var frame bytes.Buffer // the frame as it comes off the instance's pipe
	if err := proto.NewWriter(&frame).Write(&rec); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		msg, err := proto.NewReader(bytes.NewReader(frame.Bytes())).Read()
		if err != nil {
			b.Fatal(err)
		}
		var r trace.BinaryReader
		out, err := r.ReadAll(nil, msg.(*proto.Recorded).Events)
		if err != nil || len(out) != len(evs) {
			b.Fatalf("%d events of %d: %v", len(out), len(evs), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
}
