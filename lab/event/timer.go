package event

import (
	"container/heap"
	"time"
)

// Timer is a one-shot timer armed with Loop.AddTimer.
type Timer struct {
	// Desc names the timer in a paused loop's pending list ("ngx.sleep
	// 50ms"); set it right after AddTimer. Loop-only.
	Desc  string
	when  time.Time
	seq   uint64 // tie-breaker: timers with the same deadline fire in arming order
	fn    func()
	index int // position in the heap, -1 when not armed
}

// Armed reports whether the timer is still waiting to fire.
func (t *Timer) Armed() bool { return t != nil && t.index >= 0 }

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
func (t *Timer) When() time.Time { return t.when }

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
	heap.Remove(&l.timers, t.index)
}

// Timers reports how many timers are armed. Loop-only.
func (l *Loop) Timers() int { return len(l.timers) }

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
		heap.Pop(&l.timers)
		l.call(t.fn, held{kind: heldTimer, t: t})
	}
}
