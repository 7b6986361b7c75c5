package trace

import (
	"context"
	"sync"
	"sync/atomic"
)

// Queue is a bounded, lossy FIFO between two goroutines of the trace pipe
// (docs/trace.md, "The pipe"): the same type sits at every hop, so every hop
// drops the same way and counts what it drops the same way. Offer never
// blocks: when the queue holds its capacity, the offered item is dropped
// and its weight (its events, for a trace message) is added to Dropped.
// The queue starts no goroutine; any number of goroutines may Offer, and
// any number may take.
type Queue[T any] struct {
	weight  func(T) int64
	ready   chan struct{} // holds a token while items may be waiting
	closed  chan struct{}
	once    sync.Once
	dropped atomic.Int64

	mu    sync.Mutex
	items []T // ring buffer of cap(items) slots
	head  int // index of the oldest item
	n     int // items held
}

// NewQueue returns a queue of capacity items (at least 1). weight tells what
// a dropped item counts for in Dropped; nil counts each item as 1.
func NewQueue[T any](capacity int, weight func(T) int64) *Queue[T] {
	if capacity < 1 {
		capacity = 1
	}
	if weight == nil {
		weight = func(T) int64 { return 1 }
	}
	return &Queue[T]{
		weight: weight,
		ready:  make(chan struct{}, 1),
		closed: make(chan struct{}),
		items:  make([]T, capacity),
	}
}

// Offer queues v and reports whether it did. When the queue is full, or
// closed, v is dropped: a full queue counts its weight in Dropped (a closed
// one does not: nobody would read it).
func (q *Queue[T]) Offer(v T) bool {
	select {
	case <-q.closed:
		return false
	default:
	}
	q.mu.Lock()
	if q.n == len(q.items) {
		q.mu.Unlock()
		q.dropped.Add(q.weight(v))
		return false
	}
	q.items[(q.head+q.n)%len(q.items)] = v
	q.n++
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
	return true
}

// TryTake removes and returns the oldest item, if any, without waiting.
func (q *Queue[T]) TryTake() (T, bool) {
	var zero T
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		return zero, false
	}
	v := q.items[q.head]
	q.items[q.head] = zero // let the item be collected
	q.head = (q.head + 1) % len(q.items)
	q.n--
	return v, true
}

// Take waits for the oldest item. It returns ErrClosed once the queue is
// closed and empty, and ctx's error when ctx ends first.
func (q *Queue[T]) Take(ctx context.Context) (T, error) {
	for {
		if v, ok := q.TryTake(); ok {
			return v, nil
		}
		select {
		case <-q.ready:
		case <-q.closed:
			if v, ok := q.TryTake(); ok {
				return v, nil
			}
			var zero T
			return zero, ErrClosed
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
}

// Ready is for a consumer's select: it yields a value after an Offer, and
// then the consumer takes with TryTake until it reports false. (An item
// offered while the consumer drains leaves a token: nothing is missed.)
func (q *Queue[T]) Ready() <-chan struct{} { return q.ready }

// Wake makes Ready yield once even with nothing queued: a producer that
// has something else for the consumer (a DropTally after a failed Offer)
// calls it.
func (q *Queue[T]) Wake() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// Dropped returns the weight of all items dropped because the queue was
// full, since it was made.
func (q *Queue[T]) Dropped() int64 { return q.dropped.Load() }

// Len returns the number of items waiting.
func (q *Queue[T]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

// Cap returns the queue's capacity.
func (q *Queue[T]) Cap() int { return len(q.items) }

// Close makes later Offers drop (uncounted) and a Take that finds the queue
// empty return ErrClosed. Items already queued can still be taken. Close
// may be called more than once.
func (q *Queue[T]) Close() { q.once.Do(func() { close(q.closed) }) }

// Closed is closed by Close.
func (q *Queue[T]) Closed() <-chan struct{} { return q.closed }
