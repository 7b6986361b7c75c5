package event

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/restylab/restylab/lab/trace"
)

// Handler receives readiness events for one file descriptor.
type Handler interface {
	// OnEvent is called on the loop with the epoll event mask (EPOLLIN, EPOLLOUT, ...).
	OnEvent(events uint32)
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(events uint32)

// OnEvent calls f.
func (f HandlerFunc) OnEvent(events uint32) { f(events) }

// Hooks let the owner observe the loop (tracing, step mode). Nil fields are skipped.
type Hooks struct {
	// BeforeWait runs right before epoll_wait with its timeout in ms.
	BeforeWait func(timeoutMS int)
	// Recover, when set, receives a panic of a timer or posted event (the
	// loop goes on with the next one); fd handlers recover on their own.
	Recover func(v any)
	// Hold runs on the loop each time a paused loop has recorded what it
	// would dispatch next (Pending), before it blocks or waits for events.
	// It must not block.
	Hold func()
}

// Loop is one worker's event loop. See the package doc for its contract.
type Loop struct {
	epfd   int
	wakefd int

	handlers []Handler // by fd; nil: none (a slice: looked up per event, a map cost 1.5% of a hello request)
	events   []unix.EpollEvent

	timers   timerHeap
	timerSeq uint64
	// seqAtExpire is timerSeq when this iteration's timers began to run:
	// timers armed later wait for the next iteration (expireTimers).
	seqAtExpire uint64
	expiring    bool // expireTimers runs

	posted []func()
	spare  []func()

	now time.Time

	rec   *trace.Recorder
	Hooks Hooks

	gate gate // step mode

	mu     sync.Mutex
	tasks  []func()
	woken  bool
	stop   bool
	closed bool // the eventfd is closed: its number may belong to another file now
}

// New creates a loop with its own epoll instance and wake-up eventfd. rec may
// be nil (no tracing).
func New(rec *trace.Recorder) (*Loop, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, os.NewSyscallError("eventfd", err)
	}
	l := &Loop{
		epfd:   epfd,
		wakefd: wakefd,
		events: make([]unix.EpollEvent, 512),
		now:    time.Now(),
		rec:    rec,
	}
	l.gate.init()
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wakefd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &ev); err != nil {
		l.Close()
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	return l, nil
}

// FD returns the epoll file descriptor (shown in traces: each worker has its own).
func (l *Loop) FD() int { return l.epfd }

// Now returns the loop's cached time, updated after every epoll_wait like
// nginx's ngx_current_msec. Loop-only.
func (l *Loop) Now() time.Time { return l.now }

// UpdateTime refreshes the cached time (ngx.update_time). Loop-only.
func (l *Loop) UpdateTime() { l.now = time.Now() }

// Add registers fd with the given epoll event mask. Loop-only.
func (l *Loop) Add(fd int, events uint32, h Handler) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl add", err)
	}
	l.SetHandler(fd, h)
	return nil
}

// Modify changes the event mask of a registered fd. Loop-only.
func (l *Loop) Modify(fd int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_MOD, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl mod", err)
	}
	return nil
}

// Remove unregisters fd (before it is closed). Loop-only.
func (l *Loop) Remove(fd int) {
	if l.handler(fd) == nil {
		return
	}
	l.handlers[fd] = nil
	// An fd about to be closed leaves the interest list by itself; the
	// explicit call keeps a dup'ed listening socket from lingering.
	_ = unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, fd, nil)
}

// Forget drops fd's handler without a syscall: for an fd about to be
// closed (closing removes it from the interest list). Loop-only.
func (l *Loop) Forget(fd int) {
	if fd >= 0 && fd < len(l.handlers) {
		l.handlers[fd] = nil
	}
}

// SetHandler gives a registered fd another handler (same event mask), as
// when a connection moves into or out of a pool. Loop-only.
func (l *Loop) SetHandler(fd int, h Handler) {
	if fd < 0 {
		return
	}
	if fd >= len(l.handlers) {
		l.handlers = append(l.handlers, make([]Handler, fd+1-len(l.handlers)+len(l.handlers)/2)...)
	}
	l.handlers[fd] = h
}

// handler returns fd's handler, nil when fd has none.
func (l *Loop) handler(fd int) Handler {
	if fd < 0 || fd >= len(l.handlers) {
		return nil
	}
	return l.handlers[fd]
}

// Post queues fn to run after this iteration's events and timers, like
// nginx's posted events (ngx.sleep(0) uses it). Loop-only.
func (l *Loop) Post(fn func()) { l.posted = append(l.posted, fn) }

// Submit queues fn to run on the loop and wakes it. Safe from any goroutine.
func (l *Loop) Submit(fn func()) {
	l.mu.Lock()
	l.tasks = append(l.tasks, fn)
	wake := !l.woken
	l.woken = true
	l.mu.Unlock()
	if wake {
		l.wake()
	}
}

// Stop asks Run to return after the current iteration. Safe from any goroutine.
func (l *Loop) Stop() {
	l.mu.Lock()
	l.stop = true
	l.mu.Unlock()
	l.openGate()
	l.wake()
}

// wake writes to the eventfd, unless Close has run: after it, the fd
// number may already name another file (a new client socket), which must
// never receive these 8 bytes. Safe from any goroutine.
func (l *Loop) wake() {
	var one = [8]byte{1}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		_, _ = unix.Write(l.wakefd, one[:])
	}
}

// Run processes events and timers until Stop. It must be called from the
// goroutine that owns the loop, locked to its OS thread.
func (l *Loop) Run() error {
	for {
		if err := l.RunOnce(); err != nil {
			return err
		}
		l.mu.Lock()
		stop := l.stop
		l.mu.Unlock()
		if stop {
			return nil
		}
	}
}

// RunOnce is one iteration of the loop: wait, handle ready fds, expire
// timers, run posted events.
func (l *Loop) RunOnce() error {
	timeout := l.waitTimeout()
	if len(l.posted) > 0 {
		timeout = 0
	}
	if l.Hooks.BeforeWait != nil {
		l.Hooks.BeforeWait(timeout)
	}
	l.recordIdle()
	if l.rec.Enabled() {
		l.rec.Emit(trace.Event{Kind: trace.EpollWait, FD: int32(l.epfd), Arg: int64(timeout)})
	}
	n, err := unix.EpollWait(l.epfd, l.events, timeout)
	l.now = time.Now()
	if err != nil && !errors.Is(err, unix.EINTR) {
		return os.NewSyscallError("epoll_wait", err)
	}

	for i := 0; i < n; i++ {
		ev := l.events[i]
		fd := int(ev.Fd)
		if fd == l.wakefd {
			l.runTasks()
			continue
		}
		if l.handler(fd) == nil {
			continue // removed by an earlier handler in this batch
		}
		l.admit(held{kind: heldFD, fd: fd, ev: ev.Events, next: i + 1, n: n})
		h := l.handler(fd) // looked up again: a paused loop may have waited
		if h == nil {
			continue
		}
		if l.rec.Enabled() {
			l.rec.Emit(trace.Event{Kind: trace.EpollReady, FD: ev.Fd, Arg: int64(ev.Events)})
		}
		h.OnEvent(ev.Events)
	}

	l.expireTimers()
	l.runPosted()
	return nil
}

func (l *Loop) runTasks() {
	var buf [8]byte
	_, _ = unix.Read(l.wakefd, buf[:])
	l.mu.Lock()
	tasks := l.tasks
	l.tasks = nil
	l.woken = false
	l.mu.Unlock()
	for _, fn := range tasks {
		fn()
	}
}

// runPosted runs the events posted so far; what they post runs next turn.
func (l *Loop) runPosted() {
	if len(l.posted) == 0 {
		return
	}
	run := l.posted
	l.posted = l.spare[:0]
	for i, fn := range run {
		run[i] = nil
		l.call(fn, held{kind: heldPosted, next: len(run) - i - 1})
	}
	l.spare = run[:0]
}

// call runs a timer or posted event, handing a panic to Hooks.Recover.
func (l *Loop) call(fn func(), h held) {
	l.admit(h)
	if l.Hooks.Recover != nil {
		defer func() {
			if v := recover(); v != nil {
				l.Hooks.Recover(v)
			}
		}()
	}
	fn()
}

// Close releases the epoll and eventfd descriptors. Registered fds are not
// closed. Submit and Stop after Close do nothing.
func (l *Loop) Close() error {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	err1 := unix.Close(l.wakefd)
	err2 := unix.Close(l.epfd)
	if err1 != nil {
		return fmt.Errorf("close eventfd: %w", err1)
	}
	if err2 != nil {
		return fmt.Errorf("close epoll: %w", err2)
	}
	return nil
}
