package trace

import (
	"sync"
	"sync/atomic"
	"time"
)

// DefaultRingSize is the per-worker ring capacity used when New is given 0.
const DefaultRingSize = 1 << 14

// Tracer owns one ring per worker and the list of subscriptions.
type Tracer struct {
	start     time.Time
	gen       int32 // stamped on every event (Continue)
	rings     []*ring
	recorders []*Recorder

	nsubs    atomic.Int32 // live subscriptions: Enabled reads only this
	sleepers atomic.Int32 // subscriptions parked in Next

	mu   sync.Mutex
	subs atomic.Pointer[[]*Subscription] // copy on write under mu
}

// New returns a tracer for workers workers, each with a ring of at least
// ringSize events (rounded up to a power of two; 0 means DefaultRingSize).
func New(workers int, ringSize int) *Tracer {
	if ringSize <= 0 {
		ringSize = DefaultRingSize
	}
	t := &Tracer{start: time.Now()}
	for w := 0; w < workers; w++ {
		t.rings = append(t.rings, newRing(ringSize, int32(w)))
		t.recorders = append(t.recorders, &Recorder{t: t, ring: t.rings[w], worker: int32(w)})
	}
	t.subs.Store(&[]*Subscription{})
	return t
}

// Continue makes t the successor of prev, the tracer of the engine a
// reload replaces: t's clock counts from prev's start, so times go on
// rising across the reload, and t's events carry the next generation (Gen).
// Call it before any event is emitted.
func (t *Tracer) Continue(prev *Tracer) {
	if prev == nil {
		return
	}
	t.start, t.gen = prev.start, prev.gen+1
}

// Now returns monotonic nanoseconds since the tracer was created: the clock
// of Event.TS.
func (t *Tracer) Now() int64 { return int64(time.Since(t.start)) }

// Recorder returns worker's recorder, or nil (which records nothing) for a
// worker number out of range.
func (t *Tracer) Recorder(worker int) *Recorder {
	if t == nil || worker < 0 || worker >= len(t.recorders) {
		return nil
	}
	return t.recorders[worker]
}

// Subscribe starts a subscription that sees every event emitted from now on.
func (t *Tracer) Subscribe() *Subscription {
	s := &Subscription{
		t:      t,
		pos:    make([]uint64, len(t.rings)),
		claims: make([]claim, len(t.rings)),
		lost:   make([]uint64, len(t.rings)),
		wake:   make(chan struct{}, 1),
		closed: make(chan struct{}),
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, r := range t.rings {
		s.pos[i] = r.head.Load()
	}
	old := *t.subs.Load()
	subs := make([]*Subscription, 0, len(old)+1)
	subs = append(append(subs, old...), s)
	t.subs.Store(&subs)
	t.nsubs.Add(1)
	return s
}

func (t *Tracer) unsubscribe(s *Subscription) {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := *t.subs.Load()
	subs := make([]*Subscription, 0, len(old))
	for _, o := range old {
		if o != s {
			subs = append(subs, o)
		}
	}
	if len(subs) != len(old) {
		t.subs.Store(&subs)
		t.nsubs.Add(-1)
	}
}

// wakeSleepers hands a token to each parked subscription. It runs only when
// one is parked, and at most once per park (the CAS), so a producer pays for
// a wake-up once per batch, not per event.
func (t *Tracer) wakeSleepers() {
	for _, s := range *t.subs.Load() {
		if s.sleeping.CompareAndSwap(true, false) {
			select {
			case s.wake <- struct{}{}:
			default:
			}
		}
	}
}

// Recorder records one worker's events.
type Recorder struct {
	t      *Tracer
	ring   *ring
	worker int32
}

// Enabled reports whether anyone subscribes, so the worker can skip building
// events. It is one atomic load; a nil Recorder reports false.
func (r *Recorder) Enabled() bool {
	return r != nil && r.t.nsubs.Load() > 0
}

// Emit records ev, setting its TS, Worker and Gen. It must be called only
// from the recorder's worker thread. It never blocks and does not allocate;
// with no subscriber (or a nil Recorder) it does nothing. It is small enough
// to be inlined: the caller's Event is built in the caller's frame and
// copied once, into the ring.
func (r *Recorder) Emit(ev Event) {
	if r != nil && r.t.nsubs.Load() != 0 {
		r.emit(&ev)
	}
}

func (r *Recorder) emit(ev *Event) {
	r.ring.put(ev, r.t)
	if r.t.sleepers.Load() > 0 {
		r.t.wakeSleepers()
	}
}
