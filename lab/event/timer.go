package event

import (
	"container/heap"
	"time"
)

// Timer is a one-shot timer armed with Loop.AddTimer (or NewTimer and
// Loop.Arm, Loop.ArmLazy).
type Timer struct {
	// Desc names the timer in a paused loop's pending list ("ngx.sleep
	// 50ms"); set it right after AddTimer. Loop-only.
	Desc  string
	when  time.Time // its place in the heap
	seq   uint64    // tie-breaker: timers with the same deadline fire in arming order
	fn    func()
	index int // position in the heap, -1 when not in it
	// lazy: ArmLazy or StopLazy left the timer in the heap at when, and
	// due is its real deadline (zero: stopped). When the heap reaches it,
	// the loop moves it to due, or drops it, without calling fn.
	lazy bool
	due  time.Time
}

// Armed reports whether the timer is still waiting to fire.
func (t *Timer) Armed() bool { return t != nil && t.index >= 0 && !(t.lazy && t.due.IsZero()) }

// deadline is when an armed timer fires.
func (t *Timer) deadline() time.Time {
	if t.lazy {
		return t.due
	}
	return t.when
}

type timerHeap []*Timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].when.Equal(h[j].when) {
		return h[i].seq < h[j].seq
	}
	return h[i].when.Before(h[j].when)
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *timerHeap) Push(x any) {
	t := x.(*Timer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	n := len(old)
	t := old[n-1]
	old[n-1] = nil
	t.index = -1
	*h = old[:n-1]
	return t
}

// When is the deadline the timer was last armed for. Loop-only.
func (t *Timer) When() time.Time { return t.deadline() }

// NewTimer makes an unarmed timer that calls fn on the loop once armed
// (Loop.Arm). A timer armed again and again this way costs no allocation,
// unlike AddTimer's.
func NewTimer(fn func()) *Timer { return &Timer{fn: fn, index: -1} }

// AddTimer arms a timer that calls fn on the loop after d. Loop-only.
func (l *Loop) AddTimer(d time.Duration, fn func()) *Timer {
	t := NewTimer(fn)
	l.Arm(t, d)
	return t
}

// Arm arms t to fire after d; an armed t moves to its new deadline (and
// fires after the timers already armed for the same one). Loop-only.
func (l *Loop) Arm(t *Timer, d time.Duration) {
	l.timerSeq++
	t.when, t.seq = l.now.Add(d), l.timerSeq
	t.lazy, t.due = false, time.Time{}
	if t.index >= 0 {
		heap.Fix(&l.timers, t.index)
		return
	}
	heap.Push(&l.timers, t)
}

// StopTimer disarms t; it is a no-op for a timer that fired or was stopped. Loop-only.
func (l *Loop) StopTimer(t *Timer) {
	if t == nil || t.index < 0 {
		return
	}
	t.lazy, t.due = false, time.Time{}
	heap.Remove(&l.timers, t.index)
}

// ArmLazy arms t to fire after d, as Arm, but when t is armed already for
// an earlier deadline it stays where it is in the heap: when the heap
// reaches it, the loop moves it to the new deadline without calling fn.
// A timer pushed back again and again (a keep-alive connection's idle
// timeout, re-armed after every request) so costs a heap operation about
// once per period instead of one per re-arming. nginx saves its timer
// rbtree operations the same way, keeping a timer whose deadline moved by
// less than NGX_TIMER_LAZY_DELAY (300 ms, src/event/ngx_event_timer.h);
// here the deadline stays exact. Loop-only.
func (l *Loop) ArmLazy(t *Timer, d time.Duration) {
	due := l.now.Add(d)
	if t.index >= 0 && !t.when.After(due) {
		t.lazy, t.due = true, due
		return
	}
	l.Arm(t, d)
}

// StopLazy disarms t without a heap operation: it stays in the heap until
// its place comes up (or ArmLazy arms it again), then is dropped without
// calling fn. Loop-only.
func (l *Loop) StopLazy(t *Timer) {
	if t == nil || t.index < 0 {
		return
	}
	t.lazy, t.due = true, time.Time{}
}

// Timers reports how many timers are armed. Loop-only.
func (l *Loop) Timers() int {
	n := 0
	for _, t := range l.timers {
		if t.Armed() {
			n++
		}
	}
	return n
}

// waitTimeout is the epoll_wait timeout in milliseconds: -1 when no timer is
// armed, else the time to the nearest deadline rounded up, so that a timer
// never fires early.
func (l *Loop) waitTimeout() int {
	if len(l.timers) == 0 {
		return -1
	}
	d := l.timers[0].when.Sub(l.now)
	if d <= 0 {
		return 0
	}
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms > 1<<30 {
		ms = 1 << 30
	}
	return int(ms)
}

// expireTimers runs every timer whose deadline has passed, in deadline order,
// as nginx's ngx_event_expire_timers: a timer armed with zero delay by an
// event handler of this iteration fires in it (difftest
// thread/yield_order_timers: a 0-delay ngx.timer.at runs before the
// handler's ngx.sleep(0) resumes). One armed by a timer while timers run
// waits for the next iteration, so a handler re-arming itself with zero
// delay cannot starve the loop (nginx would run it again at once).
func (l *Loop) expireTimers() {
	l.seqAtExpire, l.expiring = l.timerSeq, true
	defer func() { l.expiring = false }()
	for len(l.timers) > 0 {
		t := l.timers[0]
		if t.when.After(l.now) || t.seq > l.seqAtExpire {
			return
		}
		if t.lazy && !t.due.After(l.now) && !t.due.IsZero() {
			t.lazy, t.due = false, time.Time{} // its real deadline has come too
		}
		if t.lazy {
			if t.due.IsZero() {
				t.lazy = false
				heap.Pop(&l.timers) // stopped lazily
				continue
			}
			// re-armed lazily for later: its place moves now
			l.timerSeq++
			t.when, t.seq, t.lazy, t.due = t.due, l.timerSeq, false, time.Time{}
			heap.Fix(&l.timers, 0)
			continue
		}
		heap.Pop(&l.timers)
		l.call(t.fn, held{kind: heldTimer, t: t})
	}
}
