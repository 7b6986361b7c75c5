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
	t      *Tracer
	pos    []uint64 // next event number per worker
	lost   []uint64 // drops not yet reported per worker (batch was full)
	claims []claim  // per worker: the oldest event being copied (see ring)
	// mu is held while poll copies events and while Close removes the
	// subscription: the producers stop looking at its claims only once it
	// copies nothing more.
	mu       sync.Mutex
	dead     bool // closed: poll copies nothing (guarded by mu)
	wake     chan struct{}
	sleeping atomic.Bool
	closed   chan struct{}
	once     sync.Once
}

// Next returns the next batch of at most max events (max <= 0 means 1024),
// waiting until there is at least one or ctx is done; once ctx is done, it
// returns the events still held, then ctx's error. Within a batch events
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
			// One last look: what was emitted while it was parked comes
			// before the error (a reader stopping drains the rings).
			if batch := s.poll(dst, max); len(batch) > len(dst) {
				return batch, nil
			}
			return dst, err
		}
	}
}

// poll appends what is available to dst, at most max events, sharing them
// between workers round-robin.
func (s *Subscription) poll(dst []Event, max int) []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead {
		return dst
	}
	base := len(dst)
	max += base
	batch := dst
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
			// Claim pos, then check that the producer cannot be
			// overwriting it: a reader a whole ring behind skips to the
			// oldest event it may copy (see ring).
			c := &s.claims[w].at
			for {
				if head-pos > r.size {
					lost += head - r.size - pos
					pos = head - r.size
				}
				c.Store(pos + 1)
				h := r.head.Load()
				if h-pos <= r.size {
					break
				}
				head = h
			}
			// Copy a few events of this worker per round.
			end := min(head, pos+64)
			i := int(pos % uint64(len(r.slots)))
			for ; pos < end && len(batch) < max; pos++ {
				sl := &r.slots[i]
				if i++; i == len(r.slots) {
					i = 0
				}
				if sl.seq != pos+1 { // the producer skipped it: a reader claimed its slot
					lost++
					continue
				}
				if lost > 0 {
					batch = append(batch, Event{TS: sl.ev.TS, Kind: Dropped, Worker: int32(w), Arg: int64(lost)})
					lost = 0
					if len(batch) == max { // event pos is read again next time
						break
					}
				}
				batch = append(batch, sl.ev)
			}
			c.Store(0)
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
		s.mu.Lock()
		s.dead = true
		s.mu.Unlock()
		s.t.unsubscribe(s)
	})
}
