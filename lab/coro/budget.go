package coro

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Budget is the CPU budget of one resume: a context.Context shared by every
// coroutine of a VM whose Done channel closes when the running resume has
// used more than the limit of its thread's CPU time without yielding.
// gopher-lua checks Done before every instruction (through InterruptFlag:
// one atomic load), so `while true do end` stops with the budget's error;
// the next resume gets a fresh channel.
//
// The budget counts CPU time, not wall time: on a loaded machine (other
// instances spinning, a test run under -race) a resume that waits for a core
// is not charged for the wait, so the same Lua code meets or exceeds its
// budget whatever the machine is doing. A Budget belongs to one VM and so to
// one worker thread: NewBudget must be called on that OS thread, locked to
// it for the Budget's life.
//
// Done is called on the loop's thread; the watchdog goroutine only reads the
// resume's generation, the thread's CPU clock, and closes the current
// channel.
//
// A resume costs no clock read: begin only counts a new generation and
// says a resume runs, and the watchdog reads the thread's CPU clock at its
// ticks, charging a generation from the first tick that sees it. Reading
// the clock is a system call (no vDSO for CPU clocks): on a paravirtualised
// VM one per resume was 8% of a sandboxed engine's CPU under a Lua handler
// (docs/benchmarks.md). A resume is thus stopped once it has used between
// the limit and the limit plus a tick (limit/8) of CPU time, the tick it
// ran before the watchdog first saw it not being counted.
type Budget struct {
	limit   time.Duration
	clock   threadClock
	gen     atomic.Uint64 // counts begins: each is a fresh budget
	running atomic.Bool   // a resume runs (between begin and end)
	done    atomic.Pointer[chan struct{}]
	hit     atomic.Bool
	mu      sync.Mutex // serialises closing with replacing
	quit    chan struct{}

	// parked is set while the watchdog sleeps for want of resumes; begin
	// wakes it through wake (capacity 1).
	parked atomic.Bool
	wake   chan struct{}

	// measure asks begin and end to read the CPU time the resume used
	// (two clock reads; the engine sets it while somebody reads the
	// trace); start is the clock at the resume's begin then, last that
	// time for the last resume that ended, 0 when not measured.
	measure atomic.Bool
	start   int64
	last    int64
}

// NewBudget starts a watchdog for resumes that use more than limit of CPU
// time. It must be called on the (locked) OS thread that runs the resumes.
// Close stops it.
func NewBudget(limit time.Duration) *Budget {
	b := &Budget{limit: limit, clock: currentThreadClock(), quit: make(chan struct{}), wake: make(chan struct{}, 1)}
	ch := make(chan struct{})
	b.done.Store(&ch)
	go b.watch()
	return b
}

// Limit is the budget of one resume.
func (b *Budget) Limit() time.Duration { return b.limit }

func (b *Budget) watch() {
	tick := b.limit / 8
	if tick < time.Millisecond {
		tick = time.Millisecond
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	idle := 0       // ticks in a row with no resume running
	var seen uint64 // the generation the last tick saw running
	var from int64  // the thread's CPU time at that tick
	for {
		select {
		case <-b.quit:
			return
		case <-t.C:
			if !b.running.Load() {
				if idle++; idle >= parkAfter {
					if !b.park(t) {
						return
					}
					t.Reset(tick)
					idle = 0
				}
				continue
			}
			idle = 0
			if b.hit.Load() {
				continue
			}
			g, now := b.gen.Load(), b.clock.now()
			if now <= 0 {
				continue
			}
			if g != seen {
				seen, from = g, now // a new resume: charged from here
				continue
			}
			if now-from > int64(b.limit) {
				b.mu.Lock()
				if b.gen.Load() == g && b.running.Load() {
					b.hit.Store(true)
					close(*b.done.Load())
				}
				b.mu.Unlock()
			}
		}
	}
}

// parkAfter is how many ticks in a row with no resume running put the
// watchdog to sleep until the next resume begins: an idle server's VMs
// then cause no wake-ups at all (a class's idle instances are most of
// its machine's load otherwise).
const parkAfter = 16

// park stops the ticker and waits for begin's wake-up; false when the
// budget was closed meanwhile. The flag is set before running is checked
// again and begin stores running before it reads the flag, so one of the
// two always sees the other.
func (b *Budget) park(t *time.Ticker) bool {
	t.Stop()
	b.parked.Store(true)
	defer b.parked.Store(false)
	if b.running.Load() {
		return true
	}
	select {
	case <-b.wake:
		return true
	case <-b.quit:
		return false
	}
}

// Begin starts charging a run of Lua that no scheduler resumes (a worker
// thread's task) to the budget; End stops it. Both on the budget's thread.
func (b *Budget) Begin() { b.begin() }

// End stops charging the run Begin started.
func (b *Budget) End() { b.end() }

func (b *Budget) begin() {
	if b.hit.Load() {
		b.mu.Lock()
		ch := make(chan struct{})
		b.done.Store(&ch)
		b.hit.Store(false)
		b.mu.Unlock()
	}
	if b.measure.Load() {
		b.start = b.clock.now()
	}
	b.gen.Add(1)
	b.running.Store(true)
	if b.parked.Load() {
		select {
		case b.wake <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
}

func (b *Budget) end() {
	b.last = 0
	if b.measure.Load() && b.start > 0 {
		if now := b.clock.now(); now > b.start {
			b.last = now - b.start
		}
	}
	b.start = 0
	b.running.Store(false)
}

// Measure turns on (or off) measuring the CPU time of each resume, read by
// LastCPU: the trace's co_yield and co_exit carry it. Loop thread only.
func (b *Budget) Measure(on bool) {
	if b.measure.Load() != on {
		b.measure.Store(on)
	}
}

// LastCPU is the thread CPU time, in ns, the last resume used from its
// start (or its last nested resume) to its end; 0 when not measured. Unlike
// the wall time between co_resume and co_yield, it does not count the
// time the thread waited for a core on a loaded machine.
func (b *Budget) LastCPU() int64 { return b.last }

// Exceeded reports whether the last resume was stopped by the budget.
func (b *Budget) Exceeded() bool { return b.hit.Load() }

// Message turns gopher-lua's error for the stopped resume into a sentence
// that names the budget; msg carries the Lua position ("chunk:line:").
func (b *Budget) Message(msg string) string {
	return fmt.Sprintf("%s: the Lua code used %v of CPU time without yielding", msg, b.limit)
}

// Close stops the watchdog.
func (b *Budget) Close() { close(b.quit) }

// Deadline implements context.Context: there is no fixed deadline.
func (b *Budget) Deadline() (time.Time, bool) { return time.Time{}, false }

// Done implements context.Context.
func (b *Budget) Done() <-chan struct{} { return *b.done.Load() }

// Err implements context.Context.
func (b *Budget) Err() error {
	if b.hit.Load() {
		return errBudget
	}
	return nil
}

// Value implements context.Context.
func (b *Budget) Value(any) any { return nil }

// InterruptFlag makes the Budget a gopher-lua Interrupter: the VM loads
// this flag before each instruction and looks at Done only once it is set.
// It is hit, set before the watchdog closes Done and cleared when the next
// resume gets a fresh channel.
func (b *Budget) InterruptFlag() *atomic.Bool { return &b.hit }

// AfterFunc lets context.WithCancel (which gopher-lua's NewThread calls)
// link a child without starting a goroutine; the child context is replaced
// by the Budget itself right after (see adopt), so f is never needed.
func (b *Budget) AfterFunc(f func()) (stop func() bool) { return func() bool { return true } }

type budgetError struct{}

func (budgetError) Error() string { return "CPU budget exceeded" }

var errBudget = budgetError{}
