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
	m := newManager(t, Config{Nice: 7, HogNice: -1}) // its start-up may look like a hog on a loaded machine
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
	times := map[int]threadTimes{}
	// step: each thread ran for run and waited for wait, as shares of the sample
	type share struct{ run, wait float64 }
	step := func(shares ...share) (int, bool) {
		at = at.Add(hogSample)
		next := map[int]threadTimes{}
		for tid, sh := range shares {
			next[tid] = threadTimes{
				run:  times[tid].run + time.Duration(sh.run*float64(hogSample)),
				wait: times[tid].wait + time.Duration(sh.wait*float64(hogSample)),
			}
		}
		times = next
		return h.sample(at, next)
	}
	busy, starved, idle, waiting := share{1, 0}, share{0.05, 0.9}, share{0.02, 0}, share{0.02, 0.3}
	var got []string
	for i, shares := range [][]share{
		{idle},                    // 0: the first sample only sets the base
		{busy},                    // 1: one hungry sample: a start-up burst, no hog yet
		{idle},                    // 2
		{busy},                    // 3
		{starved},                 // 4: hungry twice in a row, by its wait: demoted
		{starved},                 // 5
		{idle},                    // 6
		{waiting},                 // 7: idle threads waiting for a CPU (but not half the time) are calm
		{share{0.3, 0}},           // 8: ran a third of the sample: not calm
		{idle}, {waiting}, {idle}, // 9-11
		{idle}, // 12: calm four times in a row: restored
		{waiting, waiting, waiting, waiting, waiting, waiting, waiting}, // 13: many threads waiting a little: no hog
		{idle, busy}, {idle, starved}, // 14-15: one busy thread of two: demoted
	} {
		if n, ok := step(shares...); ok {
			got = append(got, fmt.Sprintf("%d->%d", i, n))
		}
	}
	want := "4->19 12->10 15->19"
	if strings.Join(got, " ") != want {
		t.Fatalf("changes %q, want %q", strings.Join(got, " "), want)
	}
}

// TestSpinningInstanceDemoted: an instance that spins is reniced to HogNice
// soon, and back to Nice once it is calm.
func TestSpinningInstanceDemoted(t *testing.T) {
	m := newManager(t, Config{Nice: 5, HogNice: 15})
	// spins for 2 s of wall time however little CPU it gets (at nice 15 on
	// a busy machine, a CPU-time limit would take minutes), then is idle
	conf := `events {}
http {
    server {
        listen 8080;
        location /spin {
            content_by_lua_block {
                local t = ngx.now()
                while ngx.now() - t < 2 do ngx.update_time() end
                ngx.say("spun")
            }
        }
    }
}`
	in, err := m.Start(context.Background(), "s", Workspace{Conf: conf})
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
	waitNice(15, 5*time.Second) // two 250 ms samples runnable half the time, however little CPU it gets
	waitNice(5, 30*time.Second) // the spin ends after 2 s; then calm for 1 s
}

// TestHogsWatching: the CPU watchdog skips reading an instance's threads
// only while nothing can be hungry: after a look found a busy or starved
// thread, or while demoted, the next sample reads them even if the
// process's CPU time (in clock ticks) did not move.
func TestHogsWatching(t *testing.T) {
	h := &hogs{nice: 10, hogNice: 19}
	at := time.Unix(1000, 0)
	var run, wait time.Duration
	look := func(runShare, waitShare float64) {
		at = at.Add(hogSample)
		run += time.Duration(runShare * float64(hogSample))
		wait += time.Duration(waitShare * float64(hogSample))
		h.sample(at, map[int]threadTimes{1: {run, wait}})
	}
	look(0, 0)
	look(0.01, 0)
	if h.watching() {
		t.Fatal("an idle instance is watched thread by thread")
	}
	look(0.04, 0.5) // starved: ran 10 ms of 250, runnable more than half
	if !h.watching() {
		t.Fatal("after a starved sample the next one may be skipped")
	}
	h.quiet() // a skipped sample ends a run of hungry ones...
	look(0.04, 0.5)
	look(0.04, 0.5)
	if !h.demoted || !h.watching() {
		t.Fatalf("hungry twice in a row: demoted %v, watching %v; want both", h.demoted, h.watching())
	}
	for i := 0; i < calmSamples; i++ {
		look(0, 0)
	}
	if h.demoted || h.watching() {
		t.Fatalf("calm %d times: demoted %v, watching %v; want neither", calmSamples, h.demoted, h.watching())
	}
}
