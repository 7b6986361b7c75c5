package coro

import (
	"golang.org/x/sys/unix"
)

// threadClock is the CPU-time clock of one OS thread, readable from any
// thread of the process. Linux encodes a thread's CPU clock id as
// (^tid << 3) | CPUCLOCK_PERTHREAD (4) | CPUCLOCK_SCHED (2): see
// MAKE_THREAD_CPUCLOCK in the kernel's include/linux/posix-timers.h and
// pthread_getcpuclockid(3). CPUCLOCK_SCHED counts the scheduler's exact
// runtime in nanoseconds, not ticks.
type threadClock int32

// currentThreadClock returns the clock of the calling OS thread; the caller
// must be locked to it (runtime.LockOSThread) for the clock to stay its own.
func currentThreadClock() threadClock {
	return threadClock(^int32(unix.Gettid())<<3 | 6)
}

// now returns the thread's CPU time in nanoseconds, or -1 when the thread is
// gone or the clock cannot be read.
func (c threadClock) now() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(int32(c), &ts); err != nil {
		return -1
	}
	return ts.Nano()
}
