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
	dir    string // PARENT/restylab-PID
	parent string
	lim    cgroupLimits
	seq    atomic.Int64
}

// cgroupHost is where the cgroup detection looks: the cgroup2 mount, the
// process's cgroup file and how a cgroup2 mount is told (statfs; a test runs
// the detection on a fake tree in a temporary directory).
type cgroupHost struct {
	fsRoot     string                 // where cgroup2 is mounted: /sys/fs/cgroup
	selfCgroup string                 // /proc/self/cgroup
	isCgroup2  func(dir string) error // nil when dir is on a cgroup2 mount
	pid        int                    // the lab's process id
}

// systemCgroupHost is the real machine's.
func systemCgroupHost() cgroupHost {
	return cgroupHost{fsRoot: cgroupFS, selfCgroup: "/proc/self/cgroup", isCgroup2: statfsCgroup2, pid: os.Getpid()}
}

// statfsCgroup2 says whether dir is on a cgroup2 mount.
func statfsCgroup2(dir string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return fmt.Errorf("statfs %s: %w", dir, err)
	}
	if st.Type != unix.CGROUP2_SUPER_MAGIC {
		return fmt.Errorf("%s is not a cgroup2 mount (a cgroup v1 or hybrid host)", dir)
	}
	return nil
}

// leafGroup is the group the lab moves its own processes into when it runs
// at the root of a container's cgroup namespace (see newCgroups).
const leafGroup = "restylab-supervisor"

// newCgroups finds the cgroup v2 group the children's groups go under and
// makes the lab's group there. The group is parent when it is set; else
// the lab's own cgroup (the "0::" line of /proc/self/cgroup) under the
// mount, or the mount itself when that path is not visible there: a
// container with a cgroup namespace of its own sees its group as "/" and
// has it mounted at /sys/fs/cgroup, while a path that starts with "/.."
// lies outside the namespace. The group must be on a cgroup2 mount, offer
// the memory, pids and cpu controllers (cgroup.controllers), and be
// writable by the lab. cgroup v2 lets a group hand controllers to
// sub-groups only while it holds no process (the root excepted): when the
// lab runs at the root of its container's namespace, it first moves the
// processes of that group (its own, an init's) into a leaf sub-group,
// restylab-supervisor, as a delegated service manager does; elsewhere a
// group that holds processes is refused with the way out. The error says
// why cgroups cannot be used.
func newCgroups(h cgroupHost, parent string, lim cgroupLimits) (*cgroups, error) {
	mount := h.fsRoot
	if parent != "" {
		mount = parent
	}
	if err := h.isCgroup2(mount); err != nil {
		return nil, err
	}
	nsRoot := false
	if parent == "" {
		own, err := ownCgroup(h.selfCgroup)
		if err != nil {
			return nil, err
		}
		parent = filepath.Join(h.fsRoot, own)
		if own == "/" || strings.HasPrefix(own, "/..") || !exists(filepath.Join(parent, "cgroup.controllers")) {
			parent, nsRoot = h.fsRoot, true
		}
	}
	if err := unix.Access(parent, unix.W_OK); err != nil {
		return nil, fmt.Errorf("%s is not writable by the lab (uid %d): %w (a container mounts it read-only unless told otherwise: docs/operations.md)", parent, os.Getuid(), err)
	}
	// the root of the whole hierarchy has no cgroup.type and may hold
	// processes while its controllers are delegated
	if exists(filepath.Join(parent, "cgroup.type")) {
		procs, err := cgroupProcs(parent)
		if err != nil {
			return nil, err
		}
		if len(procs) > 0 {
			if !nsRoot {
				return nil, fmt.Errorf("the cgroup %s holds processes (%d), so cgroup v2 lets it delegate no controller: give the lab an empty, delegated sub-group (--cgroup-parent)", parent, len(procs))
			}
			if err := evacuate(parent, procs); err != nil {
				return nil, err
			}
		}
	}
	return setupCgroups(parent, h.pid, lim)
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

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// cgroupProcs lists the process ids in dir's cgroup.procs (none when the
// file is absent, as in a bare fake tree).
func cgroupProcs(dir string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s/cgroup.procs: %w", dir, err)
	}
	return strings.Fields(string(b)), nil
}

// evacuate moves procs from dir into dir/restylab-supervisor, one write of
// a pid each (a process gone meanwhile is skipped).
func evacuate(dir string, procs []string) error {
	leaf := filepath.Join(dir, leafGroup)
	if err := os.Mkdir(leaf, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create the lab's leaf cgroup: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(leaf, "cgroup.procs"), os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("move the lab into %s: %w", leaf, err)
	}
	defer f.Close()
	for _, pid := range procs {
		if _, err := f.WriteString(pid + "\n"); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("move process %s into %s: %w", pid, leaf, err)
		}
	}
	return nil
}

// setupCgroups enables the controllers under parent and makes the lab's group.
func setupCgroups(parent string, pid int, lim cgroupLimits) (*cgroups, error) {
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
			return nil, fmt.Errorf("%w (the cgroup holds processes: run the lab in a delegated cgroup and set --cgroup-parent to an empty sub-group)", err)
		}
		return nil, err
	}
	dir := filepath.Join(parent, "restylab-"+strconv.Itoa(pid))
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("create cgroup: %w", err)
	}
	if err := enableControllers(dir); err != nil {
		unix.Rmdir(dir)
		return nil, err
	}
	return &cgroups{dir: dir, parent: parent, lim: lim}, nil
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
