package sandbox

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/restylab/restylab/lab/trace"
	"github.com/restylab/restylab/sandbox/proto"
)

// TestForwardTraceCountsItsDrops: the child's forwarder encodes each batch
// once as the browser's message; a message its queue cannot take is not
// lost silently: its events reach the parent as a count at the "instance"
// hop, in a notice of its own when no later message carries it.
func TestForwardTraceCountsItsDrops(t *testing.T) {
	tr := trace.New(1, 64)
	sub := tr.Subscribe()
	defer sub.Close()
	q := trace.NewQueue(1, traceWeight)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	defer func() { cancel(); <-done }()

	rec := tr.Recorder(0)
	emit := func(n int) {
		for i := 0; i < n; i++ {
			rec.Emit(trace.Event{Kind: trace.Read, FD: 9, Arg: int64(i + 1)})
		}
	}
	take := func() trace.Header {
		t.Helper()
		wait, stop := context.WithTimeout(ctx, 10*time.Second)
		defer stop()
		m, err := q.Take(wait)
		if err != nil {
			t.Fatalf("no message: %v", err)
		}
		h, err := trace.CheckMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	emit(5) // in the ring before the forwarder reads: one message of 5
	go func() { defer close(done); forwardTrace(ctx, sub, q, newTraceRate(0)) }()
	for deadline := time.Now().Add(10 * time.Second); q.Len() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first message never came")
		}
	}
	emit(3) // the queue is full: this message is dropped
	for deadline := time.Now().Add(10 * time.Second); q.Dropped() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the second message was never offered")
		}
	}
	if h := take(); h.Events != 5 || h.Dropped() != 0 {
		t.Fatalf("first message: %+v", h)
	}
	h := take() // the notice, after traceNoticeAfter
	if h.Events != 0 || h.Drops[trace.HopInstance] != 3 || h.Dropped() != 3 {
		t.Fatalf("notice: %+v, want 3 dropped at the instance hop", h)
	}
	if q.Dropped() != 3 {
		t.Fatalf("queue Dropped = %d, want 3", q.Dropped())
	}
}

// TestForwardTraceDropsAnOversizedMessage: a batch whose message would not
// fit a protocol frame is counted at the instance hop, not written (the
// writer would fail on it and stop).
func TestForwardTraceDropsAnOversizedMessage(t *testing.T) {
	tr := trace.New(1, 64)
	sub := tr.Subscribe()
	defer sub.Close()
	q := trace.NewQueue(4, traceWeight)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	defer func() { cancel(); <-done }()

	big := strings.Repeat("x", 256<<10)
	rec := tr.Recorder(0)
	const n = 40 // 10 MiB of details: over the 8 MiB frame bound, in one batch
	for i := 0; i < n; i++ {
		rec.Emit(trace.Event{Kind: trace.Log, Arg: 4, Detail: big})
	}
	go func() { defer close(done); forwardTrace(ctx, sub, q, newTraceRate(0)) }()
	wait, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	// Every event is counted at the instance hop, none queued in a
	// message over the bound.
	var got, dropped int
	for got+dropped < n {
		m, err := q.Take(wait)
		if err != nil {
			t.Fatalf("%d events received and %d counted of %d: %v", got, dropped, n, err)
		}
		if len(m)+1 > proto.MaxFrameSize {
			t.Fatalf("a %d-byte message was queued", len(m))
		}
		h, _ := m.Header()
		got += h.Events
		dropped += int(h.Drops[trace.HopInstance])
	}
	if dropped != n {
		t.Fatalf("%d events sent, %d counted: want the whole batch counted", got, dropped)
	}
}
