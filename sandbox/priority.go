package sandbox

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Without cgroups nothing caps an instance's share of the CPU, so children
// run at a lower scheduling priority than the lab (nice DefaultNice): a
// learner's spinning loop then yields the cores to the lab's web server and
// proxy, and the kernel's wake-up preference keeps other, mostly idle,
// instances answering quickly. Linux keeps a nice value per thread, and a
// new thread inherits its creator's, so every thread existing at the call is
// reniced and later ones follow. (With autogroup scheduling, nice compares
// threads of one session: children stay in the lab's session, they only
// get a process group of their own.)

// reniceProcessGroup sets the nice value of every thread in process group
// pgid (setpriority PRIO_PGRP applies to each thread of the group).
func reniceProcessGroup(pgid, nice int) error {
	if err := unix.Setpriority(unix.PRIO_PGRP, pgid, nice); err != nil {
		return fmt.Errorf("sandbox: renice process group %d to %d: %w", pgid, nice, os.NewSyscallError("setpriority", err))
	}
	return nil
}

// reniceSelf sets the nice value of every thread of the calling process
// (and so of the threads they start later). A nice value can only be
// raised without privileges, which is all a sandbox does.
func reniceSelf(nice int) error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return fmt.Errorf("sandbox: list threads: %w", err)
	}
	for _, task := range tasks {
		tid, err := strconv.Atoi(task.Name())
		if err != nil {
			continue
		}
		if cur, err := unix.Getpriority(unix.PRIO_PROCESS, tid); err == nil && 20-cur >= nice {
			continue // already as low (getpriority's raw value is 20 - nice)
		}
		if err := unix.Setpriority(unix.PRIO_PROCESS, tid, nice); err != nil && err != unix.ESRCH {
			return fmt.Errorf("sandbox: renice thread %d to %d: %w", tid, nice, os.NewSyscallError("setpriority", err))
		}
	}
	return nil
}
