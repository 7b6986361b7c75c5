package trace

import (
	"sync/atomic"
	"unsafe"
)

// A ring is one worker's event buffer: a single producer (the worker) and
// any number of readers, each with its own position. Event numbers grow
// forever; the producer writes event n into the slot after event n-1's,
// wrapping around len(slots).
//
// Readers never write to the ring, so a slot's cache line is not taken
// from the worker's core by a reader's write (the ring of the first
// version had a lock word per slot: one locked instruction on a line the
// reader had last written, per event). Instead, a reader announces the
// oldest event it is about to copy (its claim, one word of its own per
// ring, written twice per stretch of up to 64 events), and the producer
// does not overwrite a claimed event:
//
//   - The producer looks at the claims at most every ringSpan events: it
//     then knows a limit below which it may write without looking again.
//     When a claim keeps it from writing event n, it skips the write (it
//     never waits) and readers find the slot still holding an older event
//     and count event n as dropped.
//   - A reader stores its claim a, then loads head h. The producer may
//     still be in a stretch it began before the claim was visible (it looks
//     at the claims for event m after publishing head m, so that look came
//     with m <= h): it may write up to event h+ringSpan-1, overwriting events up to
//     h+ringSpan-1-len(slots) = h-size-1. So a reader copies only events
//     from h-size on: the ring has ringSpan more slots than the size it
//     promises, and a reader still sees the last size events.
//
// Every access is ordered by the atomics: the producer's write of event n
// happens before its store of head n+1, which readers load before copying
// it; a reader's copy happens before its next store to its claim, which
// the producer loads before it overwrites that slot. Go's race detector
// sees those edges, and no reader ever copies a slot being written (no
// torn strings).
type ring struct {
	slots  []slot
	size   uint64 // events a reader can rely on: len(slots) - ringSpan
	worker int32

	// Producer-owned.
	next  uint64 // number of the next event
	widx  int    // its slot
	limit uint64 // events below it may be written without looking at the claims

	_    [64]byte      // keep the published head off the producer's hot line
	head atomic.Uint64 // events published so far (== next after each Emit)
	_    [56]byte
}

// ringSpan is how many events the producer writes between two looks at the
// readers' claims, and so how many slots a ring has beyond its size.
const ringSpan = 64

// slot holds one event; seq is its number + 1 (0: never written, or about
// to be written again: put touches it ahead). It is
// padded to whole cache lines (128 bytes on 64-bit platforms), so that an
// event's write touches two lines, not three.
type slot struct {
	seq   uint64
	ev    Event
	_     [(64 - (16+unsafe.Sizeof(Event{}))%64) % 64]byte // (not last: a zero-size last field is padded)
	touch uint64                                           // written only to bring the slot's last line into the cache (put)
}

// claim is one reader's claim on one ring: the oldest event it may be
// copying, + 1 (0: none). It has a cache line of its own: only that reader
// writes it.
type claim struct {
	at atomic.Uint64
	_  [56]byte
}

func newRing(size int, worker int32) *ring {
	n := 1
	for n < size {
		n <<= 1
	}
	return &ring{slots: make([]slot, n+ringSpan), size: uint64(n), worker: worker}
}

// put stores ev as the next event, stamped with t's clock and generation
// and the ring's worker. It never blocks and looks at the readers' claims
// at most once per ringSpan events while nobody claims.
func (r *ring) put(ev *Event, t *Tracer) {
	n := r.next
	if n >= r.limit {
		r.limit = t.writeLimit(r, n)
	}
	if n < r.limit {
		s := &r.slots[r.widx]
		s.ev = *ev
		s.ev.TS, s.ev.Worker, s.ev.Gen = t.Now(), r.worker, t.gen
		s.seq = n + 1
	}
	if r.widx++; r.widx == len(r.slots) {
		r.widx = 0
	}
	r.next = n + 1
	r.head.Store(n + 1)
	// Touch both cache lines of the slot of event n+touchAhead now, after
	// the store above (a locked instruction, which waits until every
	// earlier store reached the cache): the lines come while the worker
	// goes on, instead of when that event's slot is written just before a
	// locked store. The slot is the producer's already: it may write that
	// event without looking at the claims again, so no reader copies it.
	if n+touchAhead < r.limit {
		i := r.widx + touchAhead - 1
		if i >= len(r.slots) {
			i -= len(r.slots)
		}
		s := &r.slots[i]
		s.seq, s.touch = 0, 0
	}
}

// touchAhead is how many events ahead put touches a slot.
const touchAhead = 4

// writeLimit is the first event number from n on that the producer of r may
// not write without looking at the claims again: n+ringSpan, or less when a
// reader claims event a (whose slot event a+len(slots) reuses).
func (t *Tracer) writeLimit(r *ring, n uint64) uint64 {
	limit := n + ringSpan
	for _, s := range *t.subs.Load() {
		if a := s.claims[r.worker].at.Load(); a != 0 {
			limit = min(limit, a-1+uint64(len(r.slots)))
		}
	}
	return limit
}
