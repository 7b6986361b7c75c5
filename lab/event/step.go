package event

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Step mode: a paused loop dispatches nothing (no fd handler, timer or
// posted event runs) until Step lets a given number of dispatches through
// or Resume lets it run freely again. The lab's step debugger drives it;
// when not paused, a dispatch costs one atomic load.
//
// While paused, the loop records what it would dispatch next (Pending):
// the dispatch it is holding, the other ready fds of the same epoll_wait,
// the due and armed timers and the posted events. The record is made on
// the loop's thread, on the paused path only, and read under the gate's
// mutex by other goroutines.

// Describer is implemented by a Handler that can say what its fd is
// ("client connection"), for the pending list of a paused loop.
type Describer interface {
	Describe() string
}

// maxPending bounds the pending list of a paused loop.
const maxPending = 32

type heldKind uint8

const (
	heldFD heldKind = iota + 1
	heldTimer
	heldPosted
)

// held is the dispatch a paused loop is about to make. Only the paused
// path looks at it.
type held struct {
	kind heldKind
	fd   int    // heldFD
	ev   uint32 // heldFD: the epoll event mask
	next int    // heldFD: index of the next ready event; heldPosted: posted events after this one in the current run
	n    int    // heldFD: number of ready events
	t    *Timer // heldTimer
}

// pendingItem is one line of the pending list; when is a timer's deadline.
type pendingItem struct {
	what string
	when time.Time
}

type gate struct {
	paused  atomic.Bool
	mu      sync.Mutex
	cond    *sync.Cond
	steps   int
	closed  bool
	pending []pendingItem // what the paused loop would dispatch next; replaced, never modified
}

func (g *gate) init() { g.cond = sync.NewCond(&g.mu) }

// Pause stops dispatching after the current handler. Safe from any
// goroutine. The loop is woken so that it records its pending list (and
// calls Hooks.Hold) even when it was waiting for events.
func (l *Loop) Pause() {
	l.gate.mu.Lock()
	l.gate.paused.Store(true)
	l.gate.mu.Unlock()
	l.wake()
}

// Resume lets a paused loop run freely. Safe from any goroutine.
func (l *Loop) Resume() {
	l.gate.mu.Lock()
	l.gate.paused.Store(false)
	l.gate.steps = 0
	l.gate.pending = nil
	l.gate.cond.Broadcast()
	l.gate.mu.Unlock()
}

// Step lets n more dispatches through a paused loop. Safe from any goroutine.
func (l *Loop) Step(n int) {
	l.gate.mu.Lock()
	l.gate.steps += n
	l.gate.cond.Broadcast()
	l.gate.mu.Unlock()
}

// Paused reports whether the loop is paused. Safe from any goroutine.
func (l *Loop) Paused() bool { return l.gate.paused.Load() }

// Pending describes what a paused loop would dispatch next, in order, at
// most 32 lines: "fd 9 readable (client connection)", "timer ngx.sleep
// 50ms due in 12 ms", "posted event". It is nil when the loop is not
// paused, and empty while a stepped dispatch runs. Safe from any goroutine.
func (l *Loop) Pending() []string {
	l.gate.mu.Lock()
	items := l.gate.pending
	l.gate.mu.Unlock()
	if items == nil {
		return nil
	}
	now := time.Now()
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.what
		if !it.when.IsZero() {
			out[i] += " " + dueIn(it.when.Sub(now))
		}
	}
	return out
}

// dueIn says when a timer fires: "due in 12 ms", "due in 3.5 s", "due now".
func dueIn(d time.Duration) string {
	switch {
	case d <= 0:
		return "due now"
	case d < time.Second:
		return "due in " + strconv.FormatInt(int64((d+time.Millisecond-1)/time.Millisecond), 10) + " ms"
	case d < time.Minute:
		return "due in " + strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
	}
	return "due in " + d.Round(time.Second).String()
}

// admit blocks a dispatch while the loop is paused and has no steps left.
// Loop-only.
func (l *Loop) admit(h held) {
	if !l.gate.paused.Load() {
		return
	}
	l.hold(h)
}

// hold is admit's paused path: consume a step, or record the pending list,
// tell Hooks.Hold and wait for Step, Resume or Stop.
func (l *Loop) hold(h held) {
	g := &l.gate
	g.mu.Lock()
	if g.steps > 0 || !g.paused.Load() || g.closed {
		if g.steps > 0 {
			g.steps--
		}
		g.mu.Unlock()
		return
	}
	g.mu.Unlock()
	l.record(&h)
	g.mu.Lock()
	for g.paused.Load() && g.steps == 0 && !g.closed {
		g.cond.Wait()
	}
	if g.steps > 0 {
		g.steps--
	}
	if g.paused.Load() {
		g.pending = []pendingItem{} // the dispatch runs: nothing recorded until the next stop
	}
	g.mu.Unlock()
}

// recordIdle records the pending list of a paused loop about to wait for
// events (nothing held). Loop-only.
func (l *Loop) recordIdle() {
	if l.gate.paused.Load() {
		l.record(nil)
	}
}

// record stores the pending list and calls Hooks.Hold. Loop-only.
func (l *Loop) record(h *held) {
	items := l.snapshot(h)
	l.gate.mu.Lock()
	if !l.gate.paused.Load() {
		l.gate.mu.Unlock()
		return
	}
	l.gate.pending = items
	l.gate.mu.Unlock()
	if l.Hooks.Hold != nil {
		l.Hooks.Hold()
	}
}

// snapshot lists what the loop would dispatch next: the held dispatch,
// the rest of the ready fds, the due timers, the posted events, the
// timers not due yet. Loop-only.
func (l *Loop) snapshot(h *held) []pendingItem {
	out := []pendingItem{}
	add := func(what string, when time.Time) {
		if len(out) < maxPending {
			out = append(out, pendingItem{what: what, when: when})
		}
	}
	// lazily armed timers are listed at their real deadlines, lazily
	// stopped ones not at all (ArmLazy, StopLazy)
	timers := slices.DeleteFunc(slices.Clone([]*Timer(l.timers)), func(t *Timer) bool { return !t.Armed() })
	slices.SortFunc(timers, func(a, b *Timer) int {
		if c := a.deadline().Compare(b.deadline()); c != 0 {
			return c
		}
		return int(a.seq - b.seq)
	})
	var due, later []*Timer
	for _, t := range timers {
		if !t.deadline().After(l.now) && (!l.expiring || t.seq <= l.seqAtExpire) {
			due = append(due, t)
		} else {
			later = append(later, t)
		}
	}
	addTimers := func(ts []*Timer) {
		for _, t := range ts {
			add(timerText(t), t.deadline())
		}
	}
	posted := len(l.posted)
	if h != nil {
		switch h.kind {
		case heldFD:
			add(l.fdText(h.fd, h.ev), time.Time{})
			for j := h.next; j < h.n; j++ {
				fd := int(l.events[j].Fd)
				if l.handler(fd) != nil && fd != l.wakefd {
					add(l.fdText(fd, l.events[j].Events), time.Time{})
				}
			}
		case heldTimer:
			add(timerText(h.t), h.t.when)
		case heldPosted:
			add("posted event", time.Time{})
			posted += h.next
			for range posted {
				add("posted event", time.Time{})
			}
			posted = 0
		}
	}
	addTimers(due)
	for range posted {
		add("posted event", time.Time{})
	}
	addTimers(later)
	return out
}

// fdText describes a ready fd: "fd 9 readable (client connection)".
func (l *Loop) fdText(fd int, ev uint32) string {
	var parts []string
	if ev&unix.EPOLLIN != 0 {
		parts = append(parts, "readable")
	}
	if ev&unix.EPOLLOUT != 0 {
		parts = append(parts, "writable")
	}
	if ev&(unix.EPOLLRDHUP|unix.EPOLLHUP) != 0 {
		parts = append(parts, "hang-up")
	}
	if ev&unix.EPOLLERR != 0 {
		parts = append(parts, "error")
	}
	s := "fd " + strconv.Itoa(fd) + " " + strings.Join(parts, ", ")
	if d, ok := l.handler(fd).(Describer); ok {
		if what := d.Describe(); what != "" {
			s += " (" + what + ")"
		}
	}
	return s
}

// timerText names a timer: "timer ngx.sleep 50ms".
func timerText(t *Timer) string {
	if t.Desc == "" {
		return "timer"
	}
	return "timer " + t.Desc
}

// openGate releases a paused loop for good (Stop).
func (l *Loop) openGate() {
	l.gate.mu.Lock()
	l.gate.closed = true
	l.gate.cond.Broadcast()
	l.gate.mu.Unlock()
}
