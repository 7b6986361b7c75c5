package sandbox

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/restylab/restylab/lab/trace"
	"github.com/restylab/restylab/sandbox/proto"
)

// Recording is a window of an instance's trace kept in full by the child
// (record.go) while it is open: what a burst's figures and a lesson's
// checks are measured from. Stop must be called once.
type Recording struct {
	in      *Instance
	id      int64
	replies chan *proto.Recorded
	lost    atomic.Bool // the read loop had to drop one of its frames
}

// recordingQueue bounds the Recorded frames waiting for Stop: a recording
// of the child's largest size is about 8 frames.
const recordingQueue = 64

// Record starts recording every trace event of the engine the instance
// serves now (a reload during the window is not followed). It returns once
// the child records, so the requests sent after it are in the recording.
func (in *Instance) Record(ctx context.Context) (*Recording, error) {
	in.Touch()
	rec := &Recording{in: in, id: in.recSeq.Add(1), replies: make(chan *proto.Recorded, recordingQueue)}
	in.recs.Store(rec.id, rec)
	if err := in.w.Write(&proto.Record{ID: rec.id}); err != nil {
		in.recs.Delete(rec.id)
		return nil, in.goneError(err)
	}
	m, err := rec.next(ctx)
	if err == nil && !m.Started {
		err = fmt.Errorf("sandbox: record: %s", m.Error)
	}
	if err != nil {
		in.recs.Delete(rec.id)
		return nil, err
	}
	return rec, nil
}

// Window is what an instance did while it was recorded.
type Window struct {
	// Events are every worker's trace events sorted by TS (each worker's
	// in the order it emitted them), without "dropped" events.
	Events []trace.Event
	// Dropped counts the trace events the recording lost.
	Dropped int64
	// ErrorLog holds the error_log lines, as nginx writes them.
	ErrorLog []string
	// LogDropped counts the error_log lines past the recording's bound.
	LogDropped int64
}

// Stop ends the recording and returns its window.
func (r *Recording) Stop(ctx context.Context) (*Window, error) {
	defer r.in.recs.Delete(r.id)
	if err := r.in.w.Write(&proto.Record{ID: r.id, Stop: true}); err != nil {
		return nil, r.in.goneError(err)
	}
	w := &Window{}
	var br trace.BinaryReader
	for {
		m, err := r.next(ctx)
		if err != nil {
			return nil, err
		}
		if m.Error != "" {
			return nil, fmt.Errorf("sandbox: record: %s", m.Error)
		}
		from := len(w.Events)
		w.Events, err = br.ReadAll(w.Events, m.Events)
		if err != nil {
			return nil, fmt.Errorf("sandbox: record: %w", err)
		}
		kept := w.Events[:from]
		for _, ev := range w.Events[from:] {
			if ev.Kind == trace.Dropped {
				w.Dropped += ev.Arg
				continue
			}
			kept = append(kept, ev)
		}
		w.Events = kept
		w.Dropped += m.Dropped
		w.ErrorLog = append(w.ErrorLog, m.Logs...)
		w.LogDropped += m.LogDropped
		if !m.More {
			break
		}
	}
	if r.lost.Load() {
		return nil, errors.New("sandbox: record: the recording's frames were not read in time")
	}
	trace.SortByTime(w.Events)
	return w, nil
}

// next waits for the child's next frame for this recording.
func (r *Recording) next(ctx context.Context) (*proto.Recorded, error) {
	select {
	case m := <-r.replies:
		return m, nil
	case <-r.in.done:
		return nil, r.in.goneError(nil)
	case <-ctx.Done():
		return nil, fmt.Errorf("sandbox: waiting for the recording: %w", ctx.Err())
	}
}

// deliverRecorded hands a Recorded frame from the read loop to its
// recording, never blocking the read loop.
func (in *Instance) deliverRecorded(m *proto.Recorded) {
	v, ok := in.recs.Load(m.ID)
	if !ok {
		return // nobody waits: a Stop that gave up
	}
	rec := v.(*Recording)
	select {
	case rec.replies <- m:
	default:
		rec.lost.Store(true)
	}
}
