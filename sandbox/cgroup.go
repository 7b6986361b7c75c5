package sandbox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// cgroupFS is where cgroup v2 is mounted.
const cgroupFS = "/sys/fs/cgroup"

// cgroupControllers are the controllers a child's cgroup needs.
var cgroupControllers = []string{"memory", "pids", "cpu"}

// cgroupPeriod is the cpu.max period.
const cgroupPeriod = 100 * time.Millisecond

// cgroupLimits are what each child's cgroup gets.
type cgroupLimits struct {
	memory int64   // memory.max, bytes
	pids   int     // pids.max
	cpus   float64 // cpu.max, in CPUs
}

// cgroups makes one cgroup v2 group per child under the lab's own:
// PARENT/restylab-PID/child-N, with memory.max, pids.max and cpu.max. A
// child is born in its group (clone3 with CLONE_INTO_CGROUP), so nothing
// it runs escapes the limits. Its methods are safe for concurrent use.
type cgroups struct {
	dir string // PARENT/restylab-PID
	lim cgroupLimits
	seq atomic.Int64
}

// newCgroups checks that parent (the lab's own cgroup under fsRoot when
// parent is "") is on a cgroup2 mount, that it offers the memory, pids and cpu
// controllers and lets us enable them for a sub-group, and makes the lab's
// group. The error says why cgroups cannot be used.
func newCgroups(fsRoot, parent string, lim cgroupLimits) (*cgroups, error) {
	mount := fsRoot
	if parent != "" {
		mount = parent
	}
	var st unix.Statfs_t
	if err := unix.Statfs(mount, &st); err != nil {
		return nil, fmt.Errorf("statfs %s: %w", mount, err)
	}
	if st.Type != unix.CGROUP2_SUPER_MAGIC {
		return nil, fmt.Errorf("%s is not a cgroup2 mount", mount)
	}
	if parent == "" {
		own, err := ownCgroup("/proc/self/cgroup")
		if err != nil {
			return nil, err
		}
		parent = filepath.Join(fsRoot, own)
	}
	return setupCgroups(parent, lim)
}

// ownCgroup reads the process's cgroup v2 path ("0::/path") from
// /proc/self/cgroup.
func ownCgroup(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("find the lab's cgroup: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if p, ok := strings.CutPrefix(sc.Text(), "0::"); ok {
			return p, nil
		}
	}
	return "", fmt.Errorf("find the lab's cgroup: no cgroup v2 entry in %s", file)
}

// setupCgroups enables the controllers under parent and makes the lab's group.
func setupCgroups(parent string, lim cgroupLimits) (*cgroups, error) {
	avail, err := os.ReadFile(filepath.Join(parent, "cgroup.controllers"))
	if err != nil {
		return nil, fmt.Errorf("read controllers: %w", err)
	}
	var missing []string
	for _, c := range cgroupControllers {
		if !hasWord(string(avail), c) {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("controller(s) %s not delegated to %s", strings.Join(missing, ", "), parent)
	}
	if err := enableControllers(parent); err != nil {
		if errors.Is(err, unix.EBUSY) {
			return nil, fmt.Errorf("%w (the cgroup holds processes: run the lab in a delegated cgroup and set CgroupParent to an empty sub-group)", err)
		}
		return nil, err
	}
	dir := filepath.Join(parent, "restylab-"+strconv.Itoa(os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("create cgroup: %w", err)
	}
	if err := enableControllers(dir); err != nil {
		unix.Rmdir(dir)
		return nil, err
	}
	return &cgroups{dir: dir, lim: lim}, nil
}

// enableControllers writes "+memory +pids +cpu" to dir's
// cgroup.subtree_control when they are not enabled yet.
func enableControllers(dir string) error {
	file := filepath.Join(dir, "cgroup.subtree_control")
	cur, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("read subtree_control: %w", err)
	}
	var add []string
	for _, c := range cgroupControllers {
		if !hasWord(string(cur), c) {
			add = append(add, "+"+c)
		}
	}
	if len(add) == 0 {
		return nil
	}
	if err := os.WriteFile(file, []byte(strings.Join(add, " ")), 0o644); err != nil {
		return fmt.Errorf("enable controllers in %s: %w", dir, err)
	}
	return nil
}

func hasWord(s, w string) bool { return slices.Contains(strings.Fields(s), w) }

// childCgroup is one child's group. A nil *childCgroup (no cgroups) does
// nothing.
type childCgroup struct {
	dir string
	fd  int // open on dir until the child has started (SysProcAttr.CgroupFD)
}

// newChild makes a group with the limits and opens it for CLONE_INTO_CGROUP.
func (cg *cgroups) newChild() (*childCgroup, error) {
	dir := filepath.Join(cg.dir, "child-"+strconv.FormatInt(cg.seq.Add(1), 10))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create cgroup: %w", err)
	}
	c := &childCgroup{dir: dir, fd: -1}
	quota := int64(cg.lim.cpus * float64(cgroupPeriod/time.Microsecond))
	for _, f := range []struct{ name, value string }{
		{"memory.max", strconv.FormatInt(cg.lim.memory, 10)},
		{"memory.swap.max", "0"}, // optional: absent without swap accounting
		{"pids.max", strconv.Itoa(cg.lim.pids)},
		{"cpu.max", strconv.FormatInt(quota, 10) + " " + strconv.FormatInt(int64(cgroupPeriod/time.Microsecond), 10)},
		{"cpu.weight", strconv.Itoa(cgroupWeight)},
	} {
		err := os.WriteFile(filepath.Join(dir, f.name), []byte(f.value), 0o644)
		if err != nil && !(f.name == "memory.swap.max" && errors.Is(err, os.ErrNotExist)) {
			c.remove()
			return nil, fmt.Errorf("cgroup %s: %w", f.name, err)
		}
	}
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		c.remove()
		return nil, fmt.Errorf("open cgroup: %w", os.NewSyscallError("open", err))
	}
	c.fd = fd
	return c, nil
}

// Within cgroup v2 each child's group competes with its siblings by
// cpu.weight, and nice values only order threads inside one group, so a hog
// is demoted by its group's weight too (see hogs in cpuwatch.go).
const (
	cgroupWeight    = 100 // cpu.weight of a child (the kernel's default)
	cgroupHogWeight = 10  // cpu.weight of a child while it hogs a core
)

// setWeight writes the group's cpu.weight.
func (c *childCgroup) setWeight(w int) error {
	if c == nil {
		return nil
	}
	if err := os.WriteFile(filepath.Join(c.dir, "cpu.weight"), []byte(strconv.Itoa(w)), 0o644); err != nil {
		return fmt.Errorf("sandbox: cgroup cpu.weight: %w", err)
	}
	return nil
}

// started closes the directory fd once the child is born in the group.
func (c *childCgroup) started() {
	if c != nil && c.fd >= 0 {
		unix.Close(c.fd)
		c.fd = -1
	}
}

// oomKilled reports whether the kernel's OOM killer ended a process of the
// group (memory.events oom_kill).
func (c *childCgroup) oomKilled() bool {
	if c == nil {
		return false
	}
	b, err := os.ReadFile(filepath.Join(c.dir, "memory.events"))
	if err != nil {
		return false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "oom_kill "); ok {
			return n != "0"
		}
	}
	return false
}

// remove deletes the group once its processes are gone (a reaped child's
// group can stay busy for a moment).
func (c *childCgroup) remove() {
	if c == nil {
		return
	}
	c.started()
	for i := 0; i < 50; i++ {
		if err := unix.Rmdir(c.dir); err == nil || errors.Is(err, unix.ENOENT) || !errors.Is(err, unix.EBUSY) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// close removes the lab's group (the children's are gone by then).
func (cg *cgroups) close() {
	if cg != nil {
		unix.Rmdir(cg.dir)
	}
}
