package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/restylab/restylab/lab/trace"
)

// lockedBuffer is a bytes.Buffer the printer writes and the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestPrintTrace: the printer writes every event as one JSON line, each
// worker's in order, including events emitted while it lets events gather
// just before it is stopped (stopping prints what the rings hold).
func TestPrintTrace(t *testing.T) {
	cases := []struct {
		name    string
		workers int
		before  int // events per worker before the printer gathers
		after   int // events per worker emitted just before stop
	}{
		{"one worker", 1, 10, 5},
		{"two workers, more than a batch", 2, traceBatch + 100, 3},
		{"only at stop", 1, 0, 7},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := trace.New(c.workers, 1<<14)
			var out lockedBuffer
			stop := printTrace(tr, &out)
			emit := func(from, n int) {
				for w := 0; w < c.workers; w++ {
					for i := from; i < from+n; i++ {
						tr.Recorder(w).Emit(trace.Event{Kind: trace.Read, FD: 9, Arg: int64(i), Detail: "x"})
					}
				}
			}
			emit(0, c.before)
			time.Sleep(traceGather / 2) // the printer takes them and gathers
			emit(c.before, c.after)
			done := make(chan struct{})
			go func() { stop(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("stop did not return")
			}
			next := make([]int64, c.workers)
			for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
				if line == "" {
					continue
				}
				ev, err := trace.ParseJSON([]byte(line))
				if err != nil {
					t.Fatalf("line %q: %v", line, err)
				}
				if ev.Kind != trace.Read || ev.Arg != next[ev.Worker] {
					t.Fatalf("worker %d: got %s arg %d, want read arg %d", ev.Worker, ev.Kind, ev.Arg, next[ev.Worker])
				}
				next[ev.Worker]++
			}
			for w, n := range next {
				if want := int64(c.before + c.after); n != want {
					t.Errorf("worker %d: %d events printed, want %d", w, n, want)
				}
			}
		})
	}
}
