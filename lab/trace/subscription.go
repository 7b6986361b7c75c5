package trace

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// ErrClosed is returned by Next after Close.
var ErrClosed = errors.New("trace: subscription closed")

// Subscription is one reader of all workers' events, with its own position
// in each ring.
type Subscription struct {
	t        *Tracer
	pos      []uint64 // next event number per worker
	lost     []uint64 // drops not yet reported per worker (batch was full)
	wake     chan struct{}
	sleeping atomic.Bool
	closed   chan struct{}
	once     sync.Once
}

// Next returns the next batch of at most max events (max <= 0 means 1024),
// waiting until there is at least one or ctx is done. Within a batch events
// are sorted by TS; each worker's events are always in the order it emitted
// them, across batches too. Batches from different calls are not merged, so
// an event of worker A in one batch may carry an earlier TS than an event of
// worker B in the previous batch. A Dropped event (Arg = count, Worker = the
// worker whose events were lost) takes the place of lost events.
func (s *Subscription) Next(ctx context.Context, max int) ([]Event, error) {
	return s.AppendNext(ctx, nil, max)
}

// AppendNext is Next appending the batch to dst (and sorting only what it
// appended): a reader that hands it the same buffer each time allocates
// nothing per batch. It returns dst unchanged with the error.
func (s *Subscription) AppendNext(ctx context.Context, dst []Event, max int) ([]Event, error) {
	if max <= 0 {
		max = 1024
	}
	for {
		select {
		case <-s.closed:
			return dst, ErrClosed
		default:
		}
		if batch := s.poll(dst, max); len(batch) > len(dst) {
			return batch, nil
		}
		// Park: announce it, then look again so an event published between
		// the poll and the announcement is not missed.
		s.t.sleepers.Add(1)
		s.sleeping.Store(true)
		batch := s.poll(dst, max)
		if len(batch) == len(dst) {
			select {
			case <-s.wake:
			case <-ctx.Done():
			case <-s.closed:
			}
		}
		s.sleeping.Store(false)
		s.t.sleepers.Add(-1)
		if len(batch) > len(dst) {
			return batch, nil
		}
		if err := ctx.Err(); err != nil {
			return dst, err
		}
	}
}

// poll appends what is available to dst, at most max events, sharing them
// between workers round-robin.
func (s *Subscription) poll(dst []Event, max int) []Event {
	base := len(dst)
	max += base
	batch := dst
	var ev Event
	for progress := true; progress && len(batch) < max; {
		progress = false
		for w, r := range s.t.rings {
			if len(batch) >= max {
				break
			}
			pos, lost := s.pos[w], s.lost[w]
			head := r.head.Load()
			if pos >= head {
				continue
			}
			if size := uint64(len(r.slots)); head-pos > size {
				lost += head - size - pos
				pos = head - size
			}
			// Read a few events of this worker per round.
			for n := 0; n < 64 && pos < head && len(batch) < max; n++ {
				ok, newer := r.get(pos, &ev)
				if ok {
					if lost > 0 {
						batch = append(batch, Event{TS: ev.TS, Kind: Dropped, Worker: int32(w), Arg: int64(lost)})
						lost = 0
						if len(batch) == max { // event pos is read again next time
							break
						}
					}
					batch = append(batch, ev)
					pos++
					continue
				}
				if newer { // overtaken while reading: skip to the oldest kept event
					head = r.head.Load()
					if oldest := head - uint64(len(r.slots)); oldest > pos {
						lost += oldest - pos
						pos = oldest
						continue
					}
				}
				lost++ // the producer skipped this slot while a reader held it
				pos++
			}
			s.pos[w], s.lost[w] = pos, lost
			progress = true
		}
	}
	// Losses not yet reported before a later event of their worker are
	// reported now, stamped after every event of this batch: a mark stamped
	// "now" in an earlier round would be sorted after events read later.
	for w := range s.t.rings {
		if s.lost[w] > 0 && len(batch) < max {
			batch = append(batch, Event{TS: s.t.Now(), Kind: Dropped, Worker: int32(w), Arg: int64(s.lost[w])})
			s.lost[w] = 0
		}
	}
	SortByTime(batch[base:])
	return batch
}

// Close ends the subscription: a pending or later Next returns ErrClosed.
// When the last subscription closes, recorders become disabled again.
func (s *Subscription) Close() {
	s.once.Do(func() {
		close(s.closed)
		s.t.unsubscribe(s)
	})
}
