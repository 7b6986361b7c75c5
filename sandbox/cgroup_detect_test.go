package sandbox

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fakeCgroupTree is a cgroup2 mount as a container or a host shows it,
// made of plain files in a temporary directory.
type fakeCgroupTree struct {
	t    *testing.T
	root string // the fake /sys/fs/cgroup
	self string // the fake /proc/self/cgroup
}

func newFakeCgroupTree(t *testing.T, selfLine string) *fakeCgroupTree {
	t.Helper()
	dir := t.TempDir()
	f := &fakeCgroupTree{t: t, root: filepath.Join(dir, "sys-fs-cgroup"), self: filepath.Join(dir, "proc-self-cgroup")}
	if err := os.Mkdir(f.root, 0o755); err != nil {
		t.Fatal(err)
	}
	f.write("../proc-self-cgroup", selfLine)
	return f
}

// write writes a file relative to the fake mount, making its directories.
func (f *fakeCgroupTree) write(name, text string) {
	f.t.Helper()
	path := filepath.Join(f.root, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fakeCgroupTree) read(name string) string {
	f.t.Helper()
	b, err := os.ReadFile(filepath.Join(f.root, name))
	if err != nil {
		f.t.Fatalf("read %s: %v", name, err)
	}
	return string(b)
}

// group makes a cgroup directory with the files the setup reads (the
// kernel makes them with each group; plain directories lack them).
func (f *fakeCgroupTree) group(name, controllers, procs string, root bool) {
	f.t.Helper()
	f.write(filepath.Join(name, "cgroup.controllers"), controllers)
	f.write(filepath.Join(name, "cgroup.subtree_control"), "")
	f.write(filepath.Join(name, "cgroup.procs"), procs)
	if !root {
		f.write(filepath.Join(name, "cgroup.type"), "domain\n")
	}
}

func (f *fakeCgroupTree) host(notCgroup2 bool) cgroupHost {
	return cgroupHost{fsRoot: f.root, selfCgroup: f.self, pid: 4242, isCgroup2: func(dir string) error {
		if notCgroup2 {
			return errors.New(dir + " is not a cgroup2 mount (a cgroup v1 or hybrid host)")
		}
		return nil
	}}
}

// TestCgroupDetection runs the detection of newCgroups against fake
// /sys/fs/cgroup trees: a container's namespace root (the lab moves its
// processes into a leaf first), a delegated systemd service, a host's root,
// and the cases that fall back to rlimits with the reason.
func TestCgroupDetection(t *testing.T) {
	const all = "cpuset cpu io memory hugetlb pids rdma\n"
	lim := cgroupLimits{memory: 256 << 20, pids: 64, cpus: 1}
	tests := []struct {
		name       string
		self       string // /proc/self/cgroup
		notCgroup2 bool
		setup      func(f *fakeCgroupTree)
		parent     string // Config.CgroupParent, relative to the fake mount
		wantParent string // where restylab-4242/ is made, relative to the mount
		wantErr    string
		check      func(t *testing.T, f *fakeCgroupTree)
	}{
		{
			name: "container with its own cgroup namespace",
			self: "0::/\n",
			setup: func(f *fakeCgroupTree) {
				f.group("", all, "1\n4242\n", false)
			},
			wantParent: "",
			check: func(t *testing.T, f *fakeCgroupTree) {
				if got := f.read(leafGroup + "/cgroup.procs"); got != "1\n4242\n" {
					t.Errorf("moved into the leaf: %q, want the init's and the lab's pids", got)
				}
			},
		},
		{
			name: "path outside the namespace: the mount is the container's group",
			self: "0::/../../system.slice/docker-abc.scope\n",
			setup: func(f *fakeCgroupTree) {
				f.group("", all, "4242\n", false)
			},
			wantParent: "",
		},
		{
			name: "own group not mounted where /proc/self/cgroup says (cgroupns=host view)",
			self: "0::/system.slice/docker-abc.scope\n",
			setup: func(f *fakeCgroupTree) {
				f.group("", all, "", false)
			},
			wantParent: "",
		},
		{
			name: "host root: processes allowed beside delegated controllers",
			self: "0::/\n",
			setup: func(f *fakeCgroupTree) {
				f.group("", all, "1\n4242\n", true)
			},
			wantParent: "",
			check: func(t *testing.T, f *fakeCgroupTree) {
				if _, err := os.Stat(filepath.Join(f.root, leafGroup)); !os.IsNotExist(err) {
					t.Errorf("the host's root processes were moved (%v)", err)
				}
			},
		},
		{
			name: "delegated empty group given as the parent",
			self: "0::/system.slice/restylab.service/supervisor\n",
			setup: func(f *fakeCgroupTree) {
				f.group("system.slice/restylab.service", all, "", false)
				f.group("system.slice/restylab.service/supervisor", "", "4242\n", false)
			},
			parent:     "system.slice/restylab.service",
			wantParent: "system.slice/restylab.service",
		},
		{
			name: "systemd service holding the lab itself",
			self: "0::/system.slice/restylab.service\n",
			setup: func(f *fakeCgroupTree) {
				f.group("system.slice/restylab.service", all, "4242\n", false)
			},
			wantErr: "holds processes (1), so cgroup v2 lets it delegate no controller: give the lab an empty, delegated sub-group (--cgroup-parent)",
		},
		{
			name:       "cgroup v1 host",
			self:       "12:memory:/\n0::/\n",
			notCgroup2: true,
			setup:      func(f *fakeCgroupTree) {},
			wantErr:    "is not a cgroup2 mount",
		},
		{
			name: "controllers not delegated to the container",
			self: "0::/\n",
			setup: func(f *fakeCgroupTree) {
				f.group("", "cpu io\n", "4242\n", false)
			},
			wantErr: "controller(s) memory, pids not delegated",
		},
		{
			name: "no cgroup v2 line",
			self: "4:pids:/\n",
			setup: func(f *fakeCgroupTree) {
				f.group("", all, "", false)
			},
			wantErr: "no cgroup v2 entry",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCgroupTree(t, tt.self)
			tt.setup(f)
			want := filepath.Join(f.root, tt.wantParent)
			if tt.wantErr == "" {
				// the kernel makes the new group's files; the fake needs this one
				f.write(filepath.Join(tt.wantParent, "restylab-4242", "cgroup.subtree_control"), "")
			}
			parent := ""
			if tt.parent != "" {
				parent = filepath.Join(f.root, tt.parent)
			}
			cg, err := newCgroups(f.host(tt.notCgroup2), parent, lim)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cg.parent != want || cg.dir != filepath.Join(want, "restylab-"+strconv.Itoa(4242)) {
				t.Errorf("group %s under %s, want restylab-4242 under %s", cg.dir, cg.parent, want)
			}
			if got := f.read(filepath.Join(tt.wantParent, "cgroup.subtree_control")); got != "+memory +pids +cpu" {
				t.Errorf("parent's subtree_control = %q", got)
			}
			if tt.check != nil {
				tt.check(t, f)
			}
		})
	}
}
