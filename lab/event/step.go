package event

import (
	"sync"
	"sync/atomic"
)

// Step mode: a paused loop dispatches nothing (no fd handler, timer or
// posted event runs) until Step lets a given number of dispatches through
// or Resume lets it run freely again. The lab's step debugger drives it;
// when not paused, a dispatch costs one atomic load.

type gate struct {
	paused atomic.Bool
	mu     sync.Mutex
	cond   *sync.Cond
	steps  int
	closed bool
}

func (g *gate) init() { g.cond = sync.NewCond(&g.mu) }

// Pause stops dispatching after the current handler. Safe from any goroutine.
func (l *Loop) Pause() {
	l.gate.mu.Lock()
	l.gate.paused.Store(true)
	l.gate.mu.Unlock()
}

// Resume lets a paused loop run freely. Safe from any goroutine.
func (l *Loop) Resume() {
	l.gate.mu.Lock()
	l.gate.paused.Store(false)
	l.gate.steps = 0
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

// admit blocks a dispatch while the loop is paused and has no steps left.
func (l *Loop) admit() {
	if !l.gate.paused.Load() {
		return
	}
	g := &l.gate
	g.mu.Lock()
	for g.paused.Load() && g.steps == 0 && !g.closed {
		g.cond.Wait()
	}
	if g.steps > 0 {
		g.steps--
	}
	g.mu.Unlock()
}

// openGate releases a paused loop for good (Stop).
func (l *Loop) openGate() {
	l.gate.mu.Lock()
	l.gate.closed = true
	l.gate.cond.Broadcast()
	l.gate.mu.Unlock()
}
