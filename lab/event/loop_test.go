package event

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestLoopOrder checks one iteration's order: ready fds, then expired
// timers (by deadline), then posted events; tasks from other goroutines
// wake a loop blocked with no timer.
func TestLoopOrder(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	l, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])

	var got []string
	if err := l.Add(fds[0], unix.EPOLLIN, HandlerFunc(func(ev uint32) {
		got = append(got, "fd")
		var b [8]byte
		unix.Read(fds[0], b[:])
		l.Post(func() { got = append(got, "posted") })
	})); err != nil {
		t.Fatal(err)
	}
	l.AddTimer(20*time.Millisecond, func() { got = append(got, "timer20") })
	l.AddTimer(10*time.Millisecond, func() { got = append(got, "timer10") })
	time.Sleep(30 * time.Millisecond)
	unix.Write(fds[1], []byte("x"))
	if err := l.RunOnce(); err != nil {
		t.Fatal(err)
	}
	want := []string{"fd", "timer10", "timer20", "posted"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}

	// A zero-delay timer armed by a timer waits for the next turn.
	n := 0
	var rearm func()
	rearm = func() { n++; l.AddTimer(0, rearm) }
	l.AddTimer(0, rearm)
	l.UpdateTime()
	l.RunOnce()
	if n != 1 {
		t.Fatalf("self-rearming zero timer ran %d times in one turn, want 1", n)
	}

	// Submit from another goroutine wakes a loop with nothing to do.
	done := make(chan struct{})
	l2, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	go func() {
		time.Sleep(20 * time.Millisecond)
		l2.Submit(func() { close(done) })
		time.Sleep(20 * time.Millisecond)
		l2.Stop()
	}()
	if err := l2.Run(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	default:
		t.Fatal("submitted task did not run")
	}
}

func TestWaitTimeoutRoundsUp(t *testing.T) {
	l, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if got := l.waitTimeout(); got != -1 {
		t.Fatalf("no timers: timeout %d, want -1", got)
	}
	tm := l.AddTimer(1500*time.Microsecond, func() {})
	if got := l.waitTimeout(); got != 2 {
		t.Fatalf("1.5ms timer: timeout %d, want 2 (never early)", got)
	}
	l.StopTimer(tm)
	if l.Timers() != 0 || tm.Armed() {
		t.Fatal("stopped timer still armed")
	}
}

// TestWakeAfterClose: Submit and Stop after Close must not write to the
// closed eventfd's number, which may name another file by then.
func TestWakeAfterClose(t *testing.T) {
	l, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	fd := l.wakefd
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// Reuse the number for a pipe, as a new socket would reuse it.
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	if p[1] != fd {
		t.Skipf("the pipe's write end did not reuse the eventfd's number %d (got %v)", fd, p)
	}
	l.Submit(func() {})
	l.Stop()
	var buf [16]byte
	if n, _ := unix.Read(p[0], buf[:]); n > 0 {
		t.Fatalf("%d bytes reached the file that reused the eventfd's number", n)
	}
}

// TestArmReusesTimer: one Timer armed, moved, fired and armed again, in
// deadline order with other timers, with no allocation per arming.
func TestArmReusesTimer(t *testing.T) {
	l, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var order []string
	re := NewTimer(func() { order = append(order, "re") })
	l.AddTimer(20*time.Millisecond, func() { order = append(order, "other") })
	l.Arm(re, time.Hour)
	l.Arm(re, 10*time.Millisecond) // moved earlier: before "other"
	if !re.Armed() || l.Timers() != 2 {
		t.Fatalf("armed %v, %d timers; want armed, 2", re.Armed(), l.Timers())
	}
	for deadline := time.Now().Add(5 * time.Second); len(order) < 2 && time.Now().Before(deadline); {
		if err := l.RunOnce(); err != nil {
			t.Fatal(err)
		}
	}
	if len(order) != 2 || order[0] != "re" || order[1] != "other" {
		t.Fatalf("fired %v, want [re other]", order)
	}
	if re.Armed() {
		t.Fatal("a fired timer is still armed")
	}
	l.Arm(re, time.Millisecond) // a fired timer arms again
	for deadline := time.Now().Add(5 * time.Second); len(order) < 3 && time.Now().Before(deadline); {
		if err := l.RunOnce(); err != nil {
			t.Fatal(err)
		}
	}
	if len(order) != 3 || order[2] != "re" {
		t.Fatalf("fired %v, want a second re", order)
	}
	if n := testing.AllocsPerRun(100, func() { l.Arm(re, time.Hour); l.Arm(re, time.Minute) }); n != 0 {
		t.Fatalf("Arm allocates %.1f times per call pair, want 0", n)
	}
	l.StopTimer(re)
}

// TestArmLazy: a timer re-armed lazily for a later deadline fires once, at
// that deadline and not at its place in the heap; one stopped lazily never
// fires; one re-armed for an earlier deadline moves at once. A paused
// loop's pending list shows the real deadlines.
func TestArmLazy(t *testing.T) {
	l, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// run turns the loop for d of its own time, until a guard timer fires.
	// Ending at a wall-clock time instead hung in CI: the guard's deadline
	// counts from the loop's cached time, which lags the wall clock, so it
	// could fire before that end and leave the loop in epoll_wait with no
	// timer at all.
	run := func(d time.Duration) {
		t.Helper()
		done := false
		guard := l.AddTimer(d, func() { done = true })
		defer l.StopTimer(guard)
		for !done {
			if err := l.RunOnce(); err != nil {
				t.Fatal(err)
			}
		}
	}
	var fired []time.Time
	var want time.Time
	tm := NewTimer(func() { fired = append(fired, l.Now()) })
	tm.Desc = "idle"
	l.Arm(tm, 20*time.Millisecond)
	l.ArmLazy(tm, 150*time.Millisecond) // later: stays at 20 ms in the heap
	want = l.Now().Add(150 * time.Millisecond)
	if !tm.Armed() || !tm.When().Equal(want) || l.Timers() != 1 {
		t.Fatalf("armed %v when %v timers %d; want armed, %v, 1", tm.Armed(), tm.When(), l.Timers(), want)
	}
	if p := l.snapshot(nil); len(p) != 1 || !p[0].when.Equal(want) || p[0].what != "timer idle" {
		t.Fatalf("pending %v, want the timer at its real deadline %v", p, want)
	}
	run(400 * time.Millisecond)
	if len(fired) != 1 || fired[0].Before(want) {
		t.Fatalf("fired at %v, want once, not before %v", fired, want)
	}

	fired = nil
	l.Arm(tm, 20*time.Millisecond)
	l.StopLazy(tm)
	if tm.Armed() || l.Timers() != 0 || len(l.snapshot(nil)) != 0 {
		t.Fatalf("stopped lazily: armed %v, %d timers, pending %v; want none", tm.Armed(), l.Timers(), l.snapshot(nil))
	}
	run(100 * time.Millisecond)
	if len(fired) != 0 || len(l.timers) != 0 {
		t.Fatalf("a timer stopped lazily fired %d times, %d left in the heap", len(fired), len(l.timers))
	}

	l.Arm(tm, time.Hour)
	l.ArmLazy(tm, 20*time.Millisecond) // earlier: moves at once
	want = l.Now().Add(20 * time.Millisecond)
	run(200 * time.Millisecond)
	if len(fired) != 1 || fired[0].Before(want) {
		t.Fatalf("fired at %v, want once, not before %v", fired, want)
	}
	l.Arm(tm, time.Hour)
	if n := testing.AllocsPerRun(100, func() { l.StopLazy(tm); l.ArmLazy(tm, 2*time.Hour) }); n != 0 {
		t.Fatalf("StopLazy+ArmLazy allocate %.1f times, want 0", n)
	}
	l.StopTimer(tm)
}

// TestHandlersByFD checks the fd -> handler table: handlers of fds far
// apart (the table grows) each get their own events, SetHandler replaces
// one, and a removed fd gets no event, nor a forgotten one (Forget leaves
// it in epoll's interest list: its readiness is still reported).
func TestHandlersByFD(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	l, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	pipe := func() [2]int {
		t.Helper()
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { unix.Close(p[0]); unix.Close(p[1]) })
		return p
	}
	low := pipe()
	// a high fd: dup the read end of a second pipe far up
	second := pipe()
	high, err := unix.FcntlInt(uintptr(second[0]), unix.F_DUPFD_CLOEXEC, 700)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(high)
	third := pipe()
	got := map[string]int{}
	drain := func(fd int) {
		var b [16]byte
		unix.Read(fd, b[:])
	}
	handler := func(name string, fd int) Handler {
		return HandlerFunc(func(uint32) { got[name]++; drain(fd) })
	}
	for _, a := range []struct {
		fd   int
		name string
	}{{low[0], "low"}, {high, "high"}, {third[0], "third"}} {
		if err := l.Add(a.fd, unix.EPOLLIN, handler(a.name, a.fd)); err != nil {
			t.Fatal(err)
		}
	}
	write := func(fd int) {
		if _, err := unix.Write(fd, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	write(low[1])
	write(second[1])
	if err := l.RunOnce(); err != nil {
		t.Fatal(err)
	}
	if got["low"] != 1 || got["high"] != 1 || got["third"] != 0 {
		t.Fatalf("after writes to low and high: %v", got)
	}
	l.SetHandler(high, handler("high2", high))
	l.Remove(low[0])
	l.Forget(third[0])
	write(low[1])
	write(second[1])
	write(third[1])
	if err := l.RunOnce(); err != nil {
		t.Fatal(err)
	}
	if got["low"] != 1 || got["high"] != 1 || got["high2"] != 1 || got["third"] != 0 {
		t.Fatalf("after SetHandler, Remove and Forget: %v", got)
	}
}
