package sandbox

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// threadNices reads the nice value (field 19 of stat) of every thread of pid.
func threadNices(t *testing.T, pid int) map[int]int {
	t.Helper()
	dirs, err := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/stat")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("threads of %d: %v", pid, err)
	}
	nices := map[int]int{}
	for _, p := range dirs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // the thread ended
		}
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // field 3 onwards
		tid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		nices[tid], _ = strconv.Atoi(fields[16])
	}
	return nices
}

// TestChildrenRunBelowTheLab: every thread of an instance, its engine's
// workers included, runs at the lower priority, and the lab's own do not.
func TestChildrenRunBelowTheLab(t *testing.T) {
	m := newManager(t, Config{Nice: 7})
	conf := strings.Replace(helloConf, "events {}", "worker_processes 2;\nevents {}", 1)
	in, err := m.Start(context.Background(), "s", Workspace{Conf: conf})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		get(t, in, "/")
	}
	nices := threadNices(t, in.PID())
	if len(nices) < 3 {
		t.Fatalf("only %d threads: %v", len(nices), nices)
	}
	for tid, n := range nices {
		if n != 7 {
			t.Errorf("thread %d of the instance runs at nice %d, want 7 (all: %v)", tid, n, nices)
		}
	}
	for tid, n := range threadNices(t, os.Getpid()) {
		if n == 7 {
			t.Errorf("the lab's own thread %d was reniced", tid)
		}
	}
}
