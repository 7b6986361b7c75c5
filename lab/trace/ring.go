package trace

import "sync/atomic"

// A ring is one worker's event buffer: a single producer (the worker) and
// any number of readers, each with its own position. Event numbers grow
// forever; event n lives in slot n & mask until event n+len(slots)
// overwrites it.
//
// Each slot has a tiny lock taken with one compare-and-swap. The producer
// never waits for it: if a reader is copying that very slot (which means the
// reader is a whole ring behind), the producer skips the write and readers
// count that event as dropped. Readers may wait: they spin until the
// producer's short copy is done. Because every copy happens under the slot
// lock, no reader ever sees a half-written Event (no torn strings), and the
// race detector sees proper happens-before edges.
type ring struct {
	slots []slot
	mask  uint64
	next  uint64 // producer-owned: number of the next event

	_    [64]byte      // keep the published head off the producer's hot line
	head atomic.Uint64 // events published so far (== next after each Emit)
	_    [56]byte
}

type slot struct {
	lock atomic.Uint32 // 0 free, 1 producer, 2 reader
	seq  uint64        // number of the event held; valid only under lock
	ev   Event
}

const (
	slotFree uint32 = iota
	slotWriting
	slotReading
)

func newRing(size int) *ring {
	n := 1
	for n < size {
		n <<= 1
	}
	return &ring{slots: make([]slot, n), mask: uint64(n - 1)}
}

// put stores ev as the next event. It never blocks.
func (r *ring) put(ev *Event) {
	n := r.next
	s := &r.slots[n&r.mask]
	if s.lock.CompareAndSwap(slotFree, slotWriting) {
		s.ev = *ev
		s.seq = n + 1 // +1 so that the zero slot never matches event 0
		s.lock.Store(slotFree)
	}
	r.next = n + 1
	r.head.Store(n + 1)
}

// get copies event n into *ev. ok is false when the slot no longer (or never)
// held event n; newer tells whether it holds a later event, i.e. the reader
// was overtaken.
func (r *ring) get(n uint64, ev *Event) (ok, newer bool) {
	s := &r.slots[n&r.mask]
	for !s.lock.CompareAndSwap(slotFree, slotReading) {
		spinWait()
	}
	seq := s.seq
	if seq == n+1 {
		*ev = s.ev
		ok = true
	}
	s.lock.Store(slotFree)
	return ok, seq > n+1
}
