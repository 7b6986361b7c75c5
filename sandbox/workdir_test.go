package sandbox

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// leftovers lists what is in temp besides the Manager's root and its lock
// file: every workspace directory of a reaped child must be gone.
func leftovers(t *testing.T, temp string, m *Manager) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(temp, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == temp || path == m.root.dir || path == filepath.Join(m.root.dir, lockName) {
			return nil
		}
		found = append(found, path)
		if d.IsDir() {
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestWorkspaceRemovedWhateverEndsTheChild kills instances in a loop, by
// SIGKILL from outside, by the memory watchdog, after a reload, and by a
// plain stop, and finds no workspace directory left.
func TestWorkspaceRemovedWhateverEndsTheChild(t *testing.T) {
	m := newManager(t, Config{MemoryLimit: 64 << 20})
	temp := filepath.Dir(m.root.dir)
	ends := []struct {
		name string
		end  func(t *testing.T, in *Instance)
	}{
		{"SIGKILL", func(t *testing.T, in *Instance) { syscall.Kill(-in.PID(), syscall.SIGKILL) }},
		{"SIGKILL after a reload", func(t *testing.T, in *Instance) {
			if err := in.Reload(context.Background(), Workspace{Conf: helloConf}); err != nil {
				t.Fatal(err)
			}
			get(t, in, "/after-reload")
			syscall.Kill(-in.PID(), syscall.SIGKILL)
		}},
		{"memory limit", func(t *testing.T, in *Instance) { try(in, "/bomb") }},
		{"stop", func(t *testing.T, in *Instance) { in.Stop() }},
	}
	for round := 0; round < 3; round++ {
		for _, e := range ends {
			t.Run(fmt.Sprintf("%s/%d", e.name, round), func(t *testing.T) {
				in, err := m.Start(context.Background(), "s", Workspace{Conf: helloConf, Files: map[string]string{"lua/x.lua": "return 1"}})
				if err != nil {
					t.Fatal(err)
				}
				if st, _ := get(t, in, "/"); st != 200 {
					t.Fatalf("status %d", st)
				}
				if entries, _ := os.ReadDir(in.dir); len(entries) == 0 {
					t.Fatalf("the child's workspace is not in its directory %s", in.dir)
				}
				e.end(t, in)
				<-in.Done()
				if _, err := os.Stat(in.dir); !os.IsNotExist(err) {
					t.Fatalf("%s still there after the child ended (%s)", in.dir, in.Exited())
				}
				if left := leftovers(t, temp, m); len(left) > 0 {
					t.Fatalf("left behind: %v", left)
				}
			})
		}
	}
	m.Close()
	if entries, _ := os.ReadDir(temp); len(entries) != 0 {
		t.Fatalf("after Close, %s still holds %d entries", temp, len(entries))
	}
}

// TestStaleRootsRemoved: a lab that starts removes the root of a lab that is
// gone (its lock is free) and leaves a running lab's root (locked) alone.
func TestStaleRootsRemoved(t *testing.T) {
	temp := t.TempDir()
	mkroot := func(name string) string {
		dir := filepath.Join(temp, labRootPattern+name)
		if err := os.MkdirAll(filepath.Join(dir, "instance-1", "restylab-sandbox-1"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, lockName), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	dead := mkroot("dead")
	live := mkroot("live")
	f, err := os.Open(filepath.Join(live, lockName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	unrelated := filepath.Join(temp, "someone-else")
	if err := os.Mkdir(unrelated, 0o700); err != nil {
		t.Fatal(err)
	}

	m, err := NewManager(Config{Binary: childBinary, TempDir: temp, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("the dead lab's root %s was not removed", dead)
	}
	for _, keep := range []string{live, unrelated, m.root.dir} {
		if _, err := os.Stat(keep); err != nil {
			t.Errorf("%s: %v", keep, err)
		}
	}
}
