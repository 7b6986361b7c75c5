package sandbox

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
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

func TestHogsDemotedAndRestored(t *testing.T) {
	h := &hogs{nice: 10, hogNice: 19}
	at := time.Unix(1000, 0)
	demand := map[int]time.Duration{}
	// step: each thread was runnable for that share of the sample
	step := func(shares ...float64) (int, bool) {
		at = at.Add(hogSample)
		next := map[int]time.Duration{}
		for tid, share := range shares {
			next[tid] = demand[tid] + time.Duration(share*float64(hogSample))
		}
		demand = next
		return h.sample(at, next)
	}
	var got []string
	for i, shares := range [][]float64{
		{0}, {0.2}, {1}, {1}, {0.3}, {0.05}, {0.05}, {0.3}, {0.05}, {0.05}, {0.05}, {0.05},
		{0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2}, // many threads waiting a little: no hog
		{0.05, 0.9},                         // one busy thread of two: a hog
	} {
		if n, ok := step(shares...); ok {
			got = append(got, fmt.Sprintf("%d->%d", i, n))
		}
	}
	want := "2->19 11->10 13->19"
	if strings.Join(got, " ") != want {
		t.Fatalf("changes %q, want %q", strings.Join(got, " "), want)
	}
}

// TestSpinningInstanceDemoted: an instance that spins is reniced to HogNice
// soon, and back to Nice once it is calm.
func TestSpinningInstanceDemoted(t *testing.T) {
	m := newManager(t, Config{Nice: 5, HogNice: 15, CPUBudget: 2 * time.Second})
	in, err := m.Start(context.Background(), "s", Workspace{Conf: helloConf})
	if err != nil {
		t.Fatal(err)
	}
	go try(in, "/spin")
	waitNice := func(want int, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			nices := threadNices(t, in.PID())
			all := true
			for _, n := range nices {
				all = all && n == want
			}
			if all {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("threads' nice values %v, want all %d", nices, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitNice(15, 5*time.Second) // one 250 ms sample wanting half a core or more, however little it gets
	waitNice(5, 30*time.Second) // the budget ends the spin after 2 s of its CPU time; then calm for 1 s
}
