package sandbox

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"
)

// userHZ is the unit of utime and stime in /proc/PID/stat: USER_HZ, 100 on
// every Linux architecture the lab runs on.
const userHZ = 100

// cpuSample is a child's CPU time at one moment.
type cpuSample struct {
	at  time.Time
	cpu time.Duration
}

// cpuWindow keeps the samples of the last window and says how much CPU was
// used in it.
type cpuWindow struct {
	window  time.Duration
	samples []cpuSample // oldest first; samples[0] is at or before now-window once the window is full
}

// add records a sample and returns the CPU used since the window's start
// (or since the first sample, while the window is not full yet).
func (w *cpuWindow) add(s cpuSample) time.Duration {
	w.samples = append(w.samples, s)
	for len(w.samples) > 1 && s.at.Sub(w.samples[1].at) >= w.window {
		w.samples = w.samples[1:]
	}
	return s.cpu - w.samples[0].cpu
}

// cpuWatch is one instance's CPU watchdog state: the window of its CPU
// samples, its hog state and an open /proc/PID/stat (read again with pread:
// one syscall a sample, and the file stays bound to this process even if
// its pid is reused).
type cpuWatch struct {
	in      *Instance
	pid     int
	stat    *os.File
	w       cpuWindow
	h       hogs
	lastCPU time.Duration // at the last sample: whether the threads need reading (see sample)
	still   int           // samples in a row in which the process used no CPU tick
	buf     []byte
}

// stillEvery: a process whose CPU time has not moved for this many samples
// in a row is sampled only every this many ticks (once a second instead of
// four times) until it moves again; a learner's loop starting in an idle
// instance is seen by the CPU window and the hog state a fraction of a
// second later, which neither needs sooner.
const stillEvery = 4

// watchCPU adds the instance's child to the Manager's CPU watchdog, which
// samples its CPU time until it exits, kills it when it used more than
// CPUPerMinute in the last CPUWindow, and lowers its priority while it
// hogs the CPU (see hogs). One goroutine and one ticker watch every
// instance: 60 tickers waking the lab 240 times a second kept its runtime
// from ever sleeping (docs/benchmarks.md, "A classroom").
func (m *Manager) watchCPU(in *Instance) {
	if m.cfg.CPUPerMinute <= 0 || m.cfg.CPUWindow <= 0 {
		return
	}
	pid := in.PID()
	cw := &cpuWatch{in: in, pid: pid, w: cpuWindow{window: m.cfg.CPUWindow},
		h: hogs{nice: m.cfg.Nice, hogNice: m.cfg.HogNice}, buf: make([]byte, 512)}
	if f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
		cw.stat = f
	}
	cw.w.add(cpuSample{at: time.Now()}) // a new process has used nothing yet
	m.watchMu.Lock()
	m.watched = append(m.watched, cw)
	m.watchMu.Unlock()
}

// cpuWatcher is the Manager's CPU watchdog loop (see watchCPU).
func (m *Manager) cpuWatcher() {
	defer m.wg.Done()
	every := min(max(m.cfg.CPUWindow/20, 20*time.Millisecond), hogSample)
	t := time.NewTicker(every)
	defer t.Stop()
	var list []*cpuWatch
	tick := 0
	for {
		select {
		case <-m.quit:
			m.watchMu.Lock()
			for _, cw := range m.watched {
				cw.close()
			}
			m.watched = nil
			m.watchMu.Unlock()
			return
		case <-t.C:
		}
		m.watchMu.Lock()
		list = append(list[:0], m.watched...)
		m.watchMu.Unlock()
		tick++
		var ended []*cpuWatch
		for _, cw := range list {
			if cw.still >= stillEvery && tick%stillEvery != 0 {
				continue
			}
			if !cw.sample(m) {
				ended = append(ended, cw)
			}
		}
		if len(ended) > 0 {
			m.watchMu.Lock()
			m.watched = slices.DeleteFunc(m.watched, func(cw *cpuWatch) bool { return slices.Contains(ended, cw) })
			m.watchMu.Unlock()
			for _, cw := range ended {
				cw.close()
			}
		}
	}
}

// sample takes one sample of the instance's CPU time; false when it is
// not to be watched any more (it exited, or was killed for its CPU).
func (cw *cpuWatch) sample(m *Manager) bool {
	select {
	case <-cw.in.done:
		return false
	default:
	}
	cpu, err := cw.processCPU()
	if err != nil {
		return true // exiting: the reader reaps it
	}
	now := cpuSample{at: time.Now(), cpu: cpu}
	h := &cw.h
	if h.enabled() { // else the threads' schedstat files need no reading
		// An instance whose utime+stime did not move and that was not busy
		// at the last look is not read thread by thread (one file instead
		// of one per thread: most of a class's instances are idle).
		if h.watching() || cpu > cw.lastCPU {
			cw.in.prioritize(h, cw.pid, now)
		} else {
			h.quiet()
		}
	}
	if cpu == cw.lastCPU && !h.watching() {
		cw.still++
	} else {
		cw.still = 0
	}
	cw.lastCPU = cpu
	if used := cw.w.add(now); used > m.cfg.CPUPerMinute {
		m.log.Warn("instance killed", "reason", ExitCPU, "pid", cw.pid, "cpu", used, "window", m.cfg.CPUWindow, "limit", m.cfg.CPUPerMinute)
		cw.in.killFor(ExitCPU, CPULimitReason(m.cfg.CPUPerMinute, m.cfg.CPUWindow))
		return false
	}
	return true
}

// processCPU reads the process's CPU time through the open stat file (or
// by its path when it could not be opened).
func (cw *cpuWatch) processCPU() (time.Duration, error) {
	if cw.stat == nil {
		return processCPU(cw.pid)
	}
	n, err := cw.stat.ReadAt(cw.buf, 0)
	if n == 0 && err != nil {
		return 0, err
	}
	return parseStatCPU(cw.buf[:n])
}

func (cw *cpuWatch) close() {
	if cw.stat != nil {
		cw.stat.Close()
	}
}

// processCPU reads the user + system CPU time of all of a process's threads
// from /proc/PID/stat.
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	return parseStatCPU(b)
}

// parseStatCPU takes utime and stime (fields 14 and 15) from a
// /proc/PID/stat line; the command name (field 2) may hold spaces and
// parentheses, so fields are counted from the last ')'.
func parseStatCPU(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("parse /proc stat: no ')' in %q", b)
	}
	f := bytes.Fields(b[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("parse /proc stat: %d fields after the command", len(f))
	}
	utime, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parse /proc stat: utime %q stime %q", f[11], f[12])
	}
	return time.Duration(utime+stime) * time.Second / userHZ, nil
}

// CPULimitReason is the sentence a learner reads when the CPU watchdog
// ended an instance: "CPU limit: the instance used 30 s of CPU in the last
// minute".
func CPULimitReason(limit, window time.Duration) string {
	return "CPU limit: the instance used " + spoken(limit) + " of CPU in the last " + spokenWindow(window)
}

// spoken writes a duration for a learner: "30 s", "500 ms", "2 min".
func spoken(d time.Duration) string {
	switch {
	case d >= time.Minute && d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + " min"
	case d >= time.Second && d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + " s"
	case d >= time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " s"
	}
	return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
}

// spokenWindow is spoken for "in the last ...": "minute", "2 s".
func spokenWindow(d time.Duration) string {
	switch d {
	case time.Minute:
		return "minute"
	case time.Second:
		return "second"
	case time.Hour:
		return "hour"
	}
	return spoken(d)
}

// CPUTime is the CPU time the child has used so far, read from /proc
// (fresher than Health's periodic figure): the sum of its threads'
// schedstat run times, in nanoseconds, where the kernel has them, else
// utime+stime in clock ticks (10 ms).
func (in *Instance) CPUTime() (time.Duration, error) {
	if d, err := schedCPU(in.PID()); err == nil {
		return d, nil
	}
	return processCPU(in.PID())
}

// prioritize takes a sample of the child's threads and applies the
// priority the hogs state says: its nice value and, with cgroup v2, its
// group's cpu.weight.
func (in *Instance) prioritize(h *hogs, pid int, now cpuSample) {
	n, change := h.sample(now.at, threadSample(pid, now.cpu))
	if !change {
		return
	}
	weight := cgroupWeight
	if n == h.hogNice {
		weight = cgroupHogWeight
	}
	if err := in.cgroup.setWeight(weight); err != nil {
		in.m.log.Warn("demote a hog", "pid", pid, "err", err)
	}
	if err := reniceProcessGroup(pid, n); err != nil {
		// An unprivileged lab may lower a priority but not raise it again
		// (no CAP_SYS_NICE, RLIMIT_NICE 0): the instance stays demoted
		// until it restarts.
		in.m.log.Warn("renice an instance", "pid", pid, "err", err, "keeps_nice", h.hogNice)
		h.hogNice = 0
	}
}

// schedCPU sums the first field (time on a CPU, ns) of
// /proc/PID/task/*/schedstat.
func schedCPU(pid int) (time.Duration, error) {
	var sum time.Duration
	err := eachSchedstat(pid, func(_ int, run, _ time.Duration) { sum += run })
	return sum, err
}

// threadTimes is one thread's time on a CPU and time waiting on a run
// queue so far.
type threadTimes struct{ run, wait time.Duration }

// threadDemand returns each thread's times (the first two fields of
// /proc/PID/task/TID/schedstat, ns).
func threadDemand(pid int) (map[int]threadTimes, error) {
	d := map[int]threadTimes{}
	err := eachSchedstat(pid, func(tid int, run, wait time.Duration) { d[tid] = threadTimes{run, wait} })
	return d, err
}

// eachSchedstat calls f with the run and wait times of each thread of pid.
func eachSchedstat(pid int, f func(tid int, run, wait time.Duration)) error {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(dir + "/" + t.Name() + "/schedstat")
		if err != nil {
			continue // the thread ended meanwhile
		}
		fs := bytes.Fields(b)
		if len(fs) < 2 {
			return fmt.Errorf("sandbox: short %s/%s/schedstat", dir, t.Name())
		}
		r, err1 := strconv.ParseInt(string(fs[0]), 10, 64)
		w, err2 := strconv.ParseInt(string(fs[1]), 10, 64)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("sandbox: %s/%s/schedstat: %q", dir, t.Name(), b)
		}
		f(tid, time.Duration(r), time.Duration(w))
	}
	return nil
}

// An instance with a thread that keeps a core busy, or would if it could
// (the thread's time on a CPU plus its time waiting for one: its demand),
// is demoted to a lower priority still (nice HogNice, 19 by default) until
// it calms down: against it, an instance that wakes up for one request
// (nice 10: a CFS/EEVDF weight 7 times as large) runs at once, so a class's
// spinning loops do not slow the neighbours' answers. It is the old Unix
// scheduler's idea, decaying the priority of CPU-bound processes, done from
// outside. Demand, not CPU time: on a busy machine a spinning thread gets
// little CPU but is always runnable. Per thread, not summed: an idle
// instance's many runtime threads each wait a little for a CPU when the
// machine is busy, and together they would look like a hog (and, demoted,
// wait longer still).
const (
	hogSample   = 250 * time.Millisecond // how often the Manager samples
	hogRate     = 0.5                    // share of a sample one thread was runnable: hungry
	hogSamples  = 2                      // hungry samples in a row to demote (not a start-up burst)
	calmRate    = 0.1                    // share of a sample a thread may run and be calm
	calmSamples = 4                      // calm samples in a row to restore
)

// hogs decides an instance's priority from its threads' samples. A sample
// is hungry when a thread was runnable (running or waiting for a CPU) half
// of it or more; calm when no thread was hungry and none ran more than a
// tenth of it. Calm looks at time run too: on a busy machine a demoted
// instance's idle threads wait longer for a CPU each time they wake, and by
// their wait alone it might never look calm again.
type hogs struct {
	nice, hogNice int
	last          map[int]threadTimes // tid -> times at lastAt
	lastAt        time.Time
	demoted       bool
	hungry, calm  int  // samples in a row
	busy          bool // the busiest thread was runnable a tenth of the last sample or more
}

// watching reports whether the next sample must read the threads even if
// the process's CPU time did not move: a demoted instance must be seen
// calm to be restored, and a thread that was runnable at the last look
// may be starved of CPU by a busy machine (utime and stime count in clock
// ticks and may not move for a thread that ran a few ms).
func (h *hogs) watching() bool { return h.demoted || h.hungry > 0 || h.busy }

// quiet takes a sample without reading the threads: the process used no
// CPU tick since the last sample and none of its threads was busy then,
// so no thread is hungry. The thread times stay those of the last look;
// the next look measures shares over the whole time since.
func (h *hogs) quiet() {
	h.hungry = 0
}

// enabled reports whether hogs are demoted at all (HogNice set below Nice,
// and not given up after a refused renice).
func (h *hogs) enabled() bool { return h.hogNice > 0 && h.hogNice > h.nice }

// threadSample is the sample of pid's threads: their schedstat times, or
// without schedstat the process's CPU time as one thread.
func threadSample(pid int, cpu time.Duration) map[int]threadTimes {
	demand, err := threadDemand(pid)
	if err != nil {
		return map[int]threadTimes{0: {run: cpu}}
	}
	return demand
}

// sample takes the next sample (tid -> times) and returns the nice value
// to set when it changes.
func (h *hogs) sample(at time.Time, threads map[int]threadTimes) (nice int, change bool) {
	if !h.enabled() {
		return 0, false
	}
	prev, prevAt := h.last, h.lastAt
	h.last, h.lastAt = threads, at
	dt := float64(at.Sub(prevAt))
	if prev == nil || dt <= 0 {
		return 0, false
	}
	demand, run := 0.0, 0.0 // the busiest thread's shares of the sample
	for tid, cur := range threads {
		if p, ok := prev[tid]; ok {
			demand = max(demand, float64(cur.run+cur.wait-p.run-p.wait)/dt)
			run = max(run, float64(cur.run-p.run)/dt)
		}
	}
	h.busy = demand >= calmRate
	if demand >= hogRate {
		h.hungry, h.calm = h.hungry+1, 0
	} else {
		h.hungry = 0
		if run <= calmRate {
			h.calm++
		} else {
			h.calm = 0
		}
	}
	switch {
	case !h.demoted && h.hungry >= hogSamples:
		h.demoted = true
		return h.hogNice, true
	case h.demoted && h.calm >= calmSamples:
		h.demoted = false
		return max(h.nice, 0), true
	}
	return 0, false
}
