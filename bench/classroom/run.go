package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/restylab/restylab/lessons"
)

// Goals of issue 15 on the 2-core machine.
const (
	goalApply = 300 * time.Millisecond
	goalCheck = time.Second
	goalBurst = time.Second
	goalRSS   = 4 << 30
)

// samples are the lab's and its instances' figures over the run.
type samples struct {
	mu           sync.Mutex
	labPeak      int64   // largest lab VmRSS seen
	totalPeak    int64   // largest lab + instances RSS seen
	pssPeak      int64   // largest lab + instances PSS seen (every pssEvery)
	pssInstEnd   []int64 // the instances' PSS at the last PSS sample
	instPeak     int     // most instances alive
	labCPU0      time.Duration
	instCPU      map[int]time.Duration // pid -> last CPU seen (ended instances keep theirs)
	instCPU0     map[int]time.Duration // pid -> CPU at the load's start
	lastChildren map[int]procStat
}

func run(ctx context.Context, o options) error {
	l, ok := lessons.ByID(o.lesson)
	if !ok || l.Status != lessons.Ready {
		return fmt.Errorf("lesson %q: not a ready lesson", o.lesson)
	}
	files := l.Solution.Files
	if files == nil {
		files = map[string]string{}
	}
	sol, err := json.Marshal(map[string]any{"conf": l.Solution.Conf, "files": files})
	if err != nil {
		return fmt.Errorf("the solution's JSON: %w", err)
	}
	commit := gitDescribe()
	fmt.Printf("bench/classroom: %d learners, %v, lesson %q, burst n=%d c=%d every %v, ramp %v, join code %v\n",
		o.n, o.duration, o.lesson, o.burst, o.conc, o.interval, o.ramp, o.join != "")
	fmt.Printf("machine: %d CPUs, load average %s before; commit %s; %s\n", runtime.NumCPU(), loadavg(), commit, time.Now().UTC().Format("2006-01-02 15:04 MST"))

	lab, err := startLab(ctx, o)
	if err != nil {
		return err
	}
	defer func() {
		lab.stop(o.keep)
		if o.keep {
			fmt.Printf("the lab's log: %s\n", lab.log)
		}
	}()
	fmt.Printf("lab: %s (pid %d), --max-instances %d\n", lab.base, lab.pid(), o.n+4)
	lab0, _ := readProc(lab.pid())

	rec := newRecorder(ctx)
	sm := &samples{instCPU: map[int]time.Duration{}, instCPU0: map[int]time.Duration{}, labCPU0: lab0.cpu}
	sctx, scancel := context.WithCancel(ctx)
	var swg sync.WaitGroup
	swg.Add(1)
	go func() {
		defer swg.Done()
		sm.sample(sctx, lab.pid())
	}()

	tr := &http.Transport{MaxIdleConnsPerHost: 2*o.n + 8, IdleConnTimeout: 90 * time.Second}
	defer tr.CloseIdleConnections()
	start := time.Now()
	loadEnd := start.Add(o.duration)
	var wg sync.WaitGroup
	for i := range o.n {
		lr := newLearner(i, lab.base, o, rec, tr, sol)
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-time.After(time.Duration(i) * o.ramp / time.Duration(o.n)):
			case <-ctx.Done():
				return
			}
			lr.run(ctx, loadEnd)
		}()
	}
	// progress, every 30 s
	pctx, pcancel := context.WithCancel(ctx)
	go func() {
		t := time.NewTicker(30 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				sm.mu.Lock()
				n := len(sm.lastChildren)
				sm.mu.Unlock()
				fmt.Printf("  %3.0fs: %d instances, %d errors, load average %s\n", time.Since(start).Seconds(), n, rec.errors(), loadavg())
			case <-pctx.Done():
				return
			}
		}
	}()
	wg.Wait()
	pcancel()
	elapsed := time.Since(start)
	labEnd, _ := readProc(lab.pid())
	scancel()
	swg.Wait()
	metrics := fetchMetrics(lab.base)
	interrupted := ctx.Err() != nil
	report(o, rec, sm, lab0, labEnd, elapsed, metrics, interrupted)
	return nil
}

// pssEvery: the PSS is read every this many samples (a smaps_rollup read
// walks the process's page tables: 100 of them every second would load the
// machine the tool measures).
const pssEvery = 5

// sample reads the lab's and its instances' RSS and CPU every second, and
// their PSS every pssEvery seconds.
func (sm *samples) sample(ctx context.Context, pid int) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for n := 0; ; n++ {
		lp, err := readProc(pid)
		ch := children(pid)
		if n%pssEvery == 0 {
			sm.samplePSS(pid, ch)
		}
		sm.mu.Lock()
		if err == nil {
			sm.labPeak = max(sm.labPeak, lp.rss)
			total := lp.rss
			for p, c := range ch {
				total += c.rss
				if _, ok := sm.instCPU0[p]; !ok {
					sm.instCPU0[p] = 0 // started during the run: all its CPU counts
				}
				sm.instCPU[p] = c.cpu
			}
			sm.totalPeak = max(sm.totalPeak, total)
			sm.instPeak = max(sm.instPeak, len(ch))
			sm.lastChildren = ch
		}
		sm.mu.Unlock()
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}

// samplePSS adds up the PSS of the lab and its children ch.
func (sm *samples) samplePSS(pid int, ch map[int]procStat) {
	total, err := readPSS(pid)
	if err != nil {
		return
	}
	var inst []int64
	for p := range ch {
		if v, err := readPSS(p); err == nil {
			total += v
			inst = append(inst, v)
		}
	}
	sm.mu.Lock()
	sm.pssPeak = max(sm.pssPeak, total)
	sm.pssInstEnd = inst
	sm.mu.Unlock()
}

// fetchMetrics is the lab's /metrics, the lines of interest only.
func fetchMetrics(base string) []string {
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(base + "/metrics")
	if err != nil {
		return []string{"(no /metrics: " + err.Error() + ")"}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		for _, p := range []string{"restylab_trace_events_", "restylab_instance_spawns_total", "restylab_instance_exits_total",
			"restylab_sessions_created_total", "restylab_instances_running", "process_resident_memory_bytes", "go_goroutines",
			"restylab_apply_seconds_count", "restylab_apply_seconds_sum", "restylab_check_seconds_count", "restylab_check_seconds_sum"} {
			if strings.HasPrefix(line, p) {
				out = append(out, line)
			}
		}
	}
	slices.Sort(out)
	return out
}

// gitDescribe names the commit the lab is built from (with +dirty).
func gitDescribe() string {
	out, err := exec.Command("git", "log", "-1", "--format=%h %s").Output()
	if err != nil {
		return "?"
	}
	s := strings.TrimSpace(string(out))
	if len(s) > 90 {
		s = s[:90] + "..."
	}
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
		s += " (+dirty)"
	}
	return s
}
