package sandbox

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/restylab/restylab/sandbox/proto"
)

// Access log lines travel to the parent in batches: a burst of 1000
// requests writes 1000 lines or more, which as one frame each would crowd
// the trace batches out of the lossy queue.
const (
	// accessBatchDelay is how long the child gathers lines after the first
	// one before it sends them.
	accessBatchDelay = 20 * time.Millisecond
	// accessBatchMax bounds the lines waiting for a frame; past it they
	// are dropped and counted.
	accessBatchMax = 4096
)

// accessBatch holds the access log lines the workers wrote since the last
// AccessLog frame.
type accessBatch struct {
	mu      sync.Mutex
	lines   []proto.AccessLine
	dropped int64
	kick    chan struct{} // signalled (never blocking) when lines wait
}

// accessSink returns the engine's OnAccessLog for a workspace served from
// prefix: each line is queued with its file as the learner named it. The
// lines are the bytes the engine formatted and wrote, never read back from
// a file. It runs on a worker's thread and never blocks for long.
func (c *child) accessSink(prefix string) func(path string, data []byte) {
	return func(path string, data []byte) {
		file := rel(prefix, path)
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		b := &c.access
		b.mu.Lock()
		for _, l := range lines {
			if len(b.lines) >= accessBatchMax {
				b.dropped++
				continue
			}
			b.lines = append(b.lines, proto.AccessLine{File: file, Line: l})
		}
		b.mu.Unlock()
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
}

// accessLoop sends the waiting lines as one AccessLog frame accessBatchDelay
// after the first of them, until ctx ends.
func (c *child) accessLoop(ctx context.Context) {
	b := &c.access
	for {
		select {
		case <-b.kick:
		case <-ctx.Done():
			return
		}
		select {
		case <-time.After(accessBatchDelay):
		case <-ctx.Done():
			return
		}
		b.mu.Lock()
		msg := &proto.AccessLog{Lines: b.lines, Dropped: b.dropped}
		b.lines, b.dropped = nil, 0
		b.mu.Unlock()
		if len(msg.Lines) == 0 && msg.Dropped == 0 {
			continue
		}
		if !c.offer(msg) {
			b.mu.Lock()
			b.dropped += int64(len(msg.Lines)) + msg.Dropped
			b.mu.Unlock()
		}
	}
}
