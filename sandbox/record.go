package sandbox

import (
	"context"
	"slices"
	"time"

	"github.com/restylab/restylab/lab/trace"
	"github.com/restylab/restylab/sandbox/proto"
)

// A recording keeps every trace event of a window (a burst, a lesson's
// check) in the child, where no rate limit or lossy queue stands between
// it and the workers' rings, and hands them to the parent when it stops.
const (
	// maxRecordings bounds the recordings a child keeps at once.
	maxRecordings = 4
	// recordEventsMax bounds one recording; past it events are counted as
	// dropped (about 10 MB in trace.AppendBinary's form).
	recordEventsMax = 200_000
	// recordFrameBytes is the most event bytes in one Recorded frame.
	recordFrameBytes = 4 << 20
	// recordEventBytes is the largest event a recording keeps.
	recordEventBytes = 256 << 10
	// recordLogBytes bounds the error_log lines one recording keeps.
	recordLogBytes = 1 << 20
	// recordGrace is how long a stop waits for the requests the recording
	// saw start to end: a client has its response a moment before the
	// worker emits request_end.
	recordGrace = 200 * time.Millisecond
)

// recording is one Record window in the child. Its goroutine owns buf,
// ends, dropped and open; the control loop calls stop.
type recording struct {
	id      int64
	sub     *trace.Subscription
	ctx     context.Context // cancelled by the stop
	stop    context.CancelFunc
	done    chan struct{}
	buf     []byte // the events in trace.AppendBinary's form, back to back
	ends    []int  // end offset of each event in buf
	dropped int64
	open    map[int64]bool // main requests started and not yet ended

	// error_log lines, appended by the workers' log sink under the child's
	// recMu
	logs       []string
	logBytes   int
	logDropped int64
}

// startRecording answers Record{Stop: false}: it subscribes to the running
// engine's tracer before it acknowledges, so the parent's next request is
// recorded.
func (c *child) startRecording(id int64) {
	switch {
	case c.eng == nil:
		c.send(&proto.Recorded{ID: id, Error: "nothing is served: load a workspace first"})
		return
	case len(c.recordings) >= maxRecordings:
		c.send(&proto.Recorded{ID: id, Error: "too many recordings at once"})
		return
	case c.recordings[id] != nil:
		c.send(&proto.Recorded{ID: id, Error: "this recording already runs"})
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	rec := &recording{id: id, sub: c.eng.Tracer().Subscribe(), ctx: ctx, stop: stop, done: make(chan struct{}), open: map[int64]bool{}}
	if c.recordings == nil {
		c.recordings = map[int64]*recording{}
	}
	c.recordings[id] = rec
	c.recMu.Lock()
	c.logRecs = append(c.logRecs, rec)
	c.recMu.Unlock()
	go rec.run()
	c.send(&proto.Recorded{ID: id, Started: true})
}

// stopRecording answers Record{Stop: true}; the frames go out from a
// goroutine so the control loop does not wait for the grace period.
func (c *child) stopRecording(id int64) {
	rec := c.recordings[id]
	if rec == nil {
		c.send(&proto.Recorded{ID: id, Error: "no such recording"})
		return
	}
	delete(c.recordings, id)
	rec.stop()
	go func() {
		<-rec.done
		c.recMu.Lock()
		c.logRecs = slices.DeleteFunc(c.logRecs, func(r *recording) bool { return r == rec })
		c.recMu.Unlock()
		for _, f := range rec.frames() {
			c.send(f)
		}
	}()
}

// run collects events until stop, then those still queued, waiting up to
// recordGrace for the requests in progress to end.
func (rec *recording) run() {
	defer close(rec.done)
	defer rec.sub.Close()
	for {
		evs, err := rec.sub.Next(rec.ctx, 4096)
		rec.add(evs)
		if err != nil {
			break
		}
	}
	deadline := time.Now().Add(recordGrace)
	for {
		wait, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
		evs, _ := rec.sub.Next(wait, 4096)
		cancel()
		rec.add(evs)
		if len(evs) == 0 && (len(rec.open) == 0 || time.Now().After(deadline)) {
			return
		}
	}
}

func (rec *recording) add(evs []trace.Event) {
	for _, ev := range evs {
		switch ev.Kind {
		case trace.RequestStart:
			if ev.Arg == 0 {
				rec.open[ev.Req] = true
			}
		case trace.RequestEnd:
			delete(rec.open, ev.Req)
		}
		if len(rec.ends) >= recordEventsMax {
			rec.dropped++
			continue
		}
		start := len(rec.buf)
		rec.buf = trace.AppendBinary(rec.buf, ev)
		if len(rec.buf)-start > recordEventBytes { // a huge log line: it would not fit a frame
			rec.buf = rec.buf[:start]
			rec.dropped++
			continue
		}
		rec.ends = append(rec.ends, len(rec.buf))
	}
}

// frames splits the recording into Recorded frames under the frame size.
func (rec *recording) frames() []*proto.Recorded {
	var out []*proto.Recorded
	cur := &proto.Recorded{ID: rec.id}
	start := 0
	for _, end := range rec.ends {
		ev := rec.buf[start:end:end]
		if len(cur.Events)+len(ev) > recordFrameBytes && len(cur.Events) > 0 {
			cur.More = true
			out = append(out, cur)
			cur = &proto.Recorded{ID: rec.id}
		}
		cur.Events = append(cur.Events, ev...)
		start = end
	}
	cur.Dropped = rec.dropped
	cur.Logs, cur.LogDropped = rec.logs, rec.logDropped
	return append(out, cur)
}

// recordLog gives an error_log line to the open recordings (called on a
// worker's thread by the log sink: a short lock, never a wait on I/O).
func (c *child) recordLog(line string) {
	c.recMu.Lock()
	defer c.recMu.Unlock()
	for _, rec := range c.logRecs {
		if rec.logBytes+len(line) > recordLogBytes {
			rec.logDropped++
			continue
		}
		rec.logs = append(rec.logs, line)
		rec.logBytes += len(line)
	}
}
