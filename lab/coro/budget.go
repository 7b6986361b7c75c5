package coro

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Budget is the CPU budget of one resume: a context.Context shared by every
// coroutine of a VM whose Done channel closes when the running resume has
// gone on longer than the limit without yielding. gopher-lua checks Done
// before every instruction, so `while true do end` stops with the budget's
// error; the next resume gets a fresh channel.
//
// Done is called on the loop's thread; the watchdog goroutine only reads the
// start time and closes the current channel.
type Budget struct {
	limit time.Duration
	start atomic.Int64 // unix ns of the running resume's start, 0 when idle
	done  atomic.Pointer[chan struct{}]
	hit   atomic.Bool
	mu    sync.Mutex // serialises closing with replacing
	quit  chan struct{}
}

// NewBudget starts a watchdog for resumes longer than limit. Close stops it.
func NewBudget(limit time.Duration) *Budget {
	b := &Budget{limit: limit, quit: make(chan struct{})}
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
	for {
		select {
		case <-b.quit:
			return
		case now := <-t.C:
			st := b.start.Load()
			if st != 0 && now.UnixNano()-st > int64(b.limit) && !b.hit.Load() {
				b.mu.Lock()
				if b.start.Load() == st {
					b.hit.Store(true)
					close(*b.done.Load())
				}
				b.mu.Unlock()
			}
		}
	}
}

func (b *Budget) begin() {
	if b.hit.Load() {
		b.mu.Lock()
		ch := make(chan struct{})
		b.done.Store(&ch)
		b.hit.Store(false)
		b.mu.Unlock()
	}
	b.start.Store(time.Now().UnixNano())
}

func (b *Budget) end() { b.start.Store(0) }

// Exceeded reports whether the last resume was stopped by the budget.
func (b *Budget) Exceeded() bool { return b.hit.Load() }

// Message turns gopher-lua's error for the stopped resume into a sentence
// that names the budget; msg carries the Lua position ("chunk:line:").
func (b *Budget) Message(msg string) string {
	return fmt.Sprintf("%s: the Lua code ran for %v without yielding", msg, b.limit)
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

// AfterFunc lets context.WithCancel (which gopher-lua's NewThread calls)
// link a child without starting a goroutine; the child context is replaced
// by the Budget itself right after (see adopt), so f is never needed.
func (b *Budget) AfterFunc(f func()) (stop func() bool) { return func() bool { return true } }

type budgetError struct{}

func (budgetError) Error() string { return "CPU budget exceeded" }

var errBudget = budgetError{}
