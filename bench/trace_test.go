// Package bench holds RestyLab's benchmark tools: run.sh (side by side with real
// nginx), burst/ (a one-shot concurrent load client) and these Go benchmarks of
// the trace path, which scenario (c) of run.sh measures end to end.
//
//	go test ./bench -run xxx -bench . -benchmem
package bench

import (
	"context"
	"io"
	"testing"

	"github.com/restylab/restylab/lab/trace"
)

// requestEvents is what one keep-alive hello request emits, roughly: the
// events of docs/trace.md that a content_by_lua_block request goes through.
var requestEvents = []trace.Event{
	{Kind: trace.EpollWait, FD: 5, Arg: -1},
	{Kind: trace.EpollReady, FD: 9, Arg: 1},
	{Kind: trace.Read, FD: 9, Req: 7, Arg: 80},
	{Kind: trace.RequestStart, FD: 9, Req: 7, Detail: "GET /hello"},
	{Kind: trace.PhaseEnter, Req: 7, Phase: "content"},
	{Kind: trace.CoCreate, Req: 7, Co: 12},
	{Kind: trace.CoResume, Req: 7, Co: 12, Phase: "content", Source: "nginx.conf", Line: 14},
	{Kind: trace.CoExit, Req: 7, Co: 12, Phase: "content", Source: "nginx.conf", Line: 14, Detail: "ok"},
	{Kind: trace.PhaseExit, Req: 7, Phase: "content"},
	{Kind: trace.Write, FD: 9, Req: 7, Arg: 160},
	{Kind: trace.RequestEnd, Req: 7, Arg: 200, Arg2: 160},
}

// BenchmarkEmitNoSubscriber: the cost a worker pays per event when nobody traces.
func BenchmarkEmitNoSubscriber(b *testing.B) {
	tr := trace.New(1, 1<<16)
	rec := tr.Recorder(0)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if rec.Enabled() {
			rec.Emit(requestEvents[i%len(requestEvents)])
		}
	}
}

// BenchmarkEmit: the producer side per event with one subscriber that never reads
// (ring overwrite only, as when the consumer is far behind).
func BenchmarkEmit(b *testing.B) {
	tr := trace.New(1, 1<<16)
	sub := tr.Subscribe()
	defer sub.Close()
	rec := tr.Recorder(0)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		rec.Emit(requestEvents[i%len(requestEvents)])
	}
}

// BenchmarkAppendJSON: the consumer side of `--trace FILE` per event (encoding only).
func BenchmarkAppendJSON(b *testing.B) {
	var buf []byte
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf = trace.AppendJSON(buf[:0], requestEvents[i%len(requestEvents)])
		buf = append(buf, '\n')
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkEmitAndConsume: producer and a JSON consumer like `restylab run
// --trace /dev/null` (cmd/restylab printTrace), per event, in lockstep batches.
func BenchmarkEmitAndConsume(b *testing.B) {
	tr := trace.New(1, 1<<16)
	sub := tr.Subscribe()
	defer sub.Close()
	rec := tr.Recorder(0)
	ctx := context.Background()
	var buf []byte
	b.ReportAllocs()
	const batch = 1024
	n := 0
	for b.Loop() {
		rec.Emit(requestEvents[n%len(requestEvents)])
		n++
		if n%batch == 0 {
			evs, err := sub.Next(ctx, 4096)
			if err != nil {
				b.Fatal(err)
			}
			for _, ev := range evs {
				buf = trace.AppendJSON(buf, ev)
				buf = append(buf, '\n')
			}
			_, _ = io.Discard.Write(buf)
			buf = buf[:0]
		}
	}
}
