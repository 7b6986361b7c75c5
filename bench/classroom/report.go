package main

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"syscall"
	"time"
)

// report prints the figures and the goals' verdicts.
func report(o options, rec *recorder, sm *samples, lab0, labEnd procStat, elapsed time.Duration, metrics []string, interrupted bool) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	sm.mu.Lock()
	defer sm.mu.Unlock()
	fmt.Printf("\nran %v (%d learners); load average %s at the end", elapsed.Round(time.Second), o.n, loadavg())
	if interrupted {
		fmt.Print(" -- INTERRUPTED (Ctrl-C or -timeout): partial figures")
	}
	fmt.Println()

	fmt.Println("\nwall time as the learner's client sees it:")
	q := map[string]quantiles{}
	for _, op := range []string{opJoin, opPage, opStart, opApply, opCheck, opBurst} {
		q[op] = quantilesOf(rec.lat[op])
		if q[op].n == 0 && op == opJoin {
			continue
		}
		fmt.Printf("  %-6s %s\n", op, q[op])
	}
	fmt.Printf("  burst, the lab's own wall_ms (the requests only): %s\n", quantilesOf(rec.burstSrv))
	cycles := q[opBurst].n
	if elapsed > 0 {
		fmt.Printf("  %d cycles (apply+check+burst) in all, %.1f per second\n", cycles, float64(cycles)/elapsed.Seconds())
	}

	fmt.Println("\nmemory and CPU:")
	var health []int64
	for _, v := range rec.healthRSS {
		health = append(health, v)
	}
	slices.Sort(health)
	var peaks []int64
	for _, v := range rec.peakRSS {
		peaks = append(peaks, v)
	}
	slices.Sort(peaks)
	if len(health) > 0 {
		var sum int64
		for _, v := range health {
			sum += v
		}
		fmt.Printf("  instance RSS (WebSocket health, last of each of %d): median %.1f MiB, max %.1f MiB, total %.0f MiB; largest seen %.1f MiB\n",
			len(health), mib(health[len(health)/2]), mib(health[len(health)-1]), mib(sum), mib(peaks[len(peaks)-1]))
	} else {
		fmt.Println("  instance RSS: no health message received")
	}
	var instRSS []int64
	for _, c := range sm.lastChildren {
		instRSS = append(instRSS, c.rss)
	}
	slices.Sort(instRSS)
	if len(instRSS) > 0 {
		var sum int64
		for _, v := range instRSS {
			sum += v
		}
		fmt.Printf("  instance RSS (/proc, the lab's %d children at the end): median %.1f MiB, max %.1f MiB, total %.0f MiB; most alive at once %d\n",
			len(instRSS), mib(instRSS[len(instRSS)/2]), mib(instRSS[len(instRSS)-1]), mib(sum), sm.instPeak)
	}
	fmt.Printf("  lab process RSS (/proc): %.0f MiB at the end, peak sampled %.0f MiB, VmHWM %.0f MiB\n",
		mib(labEnd.rss), mib(sm.labPeak), mib(labEnd.hwm))
	fmt.Printf("  lab + instances RSS, peak sampled: %.0f MiB (counts the binary's shared pages once per process)\n", mib(sm.totalPeak))
	if inst := slices.Sorted(slices.Values(sm.pssInstEnd)); len(inst) > 0 {
		var sum int64
		for _, v := range inst {
			sum += v
		}
		fmt.Printf("  instance PSS (last sample, %d children): median %.1f MiB, max %.1f MiB, total %.0f MiB\n",
			len(inst), mib(inst[len(inst)/2]), mib(inst[len(inst)-1]), mib(sum))
	}
	fmt.Printf("  lab + instances PSS (the memory they take together), peak sampled every %d s: %.0f MiB\n", pssEvery, mib(sm.pssPeak))
	var instCPU time.Duration
	for p, c := range sm.instCPU {
		instCPU += c - sm.instCPU0[p]
	}
	labCPU := labEnd.cpu - lab0.cpu
	secs := elapsed.Seconds()
	fmt.Printf("  CPU over the run: lab process %.1f s (%.2f cores), instances %.1f s (%.2f cores), of %d cores\n",
		labCPU.Seconds(), labCPU.Seconds()/secs, instCPU.Seconds(), instCPU.Seconds()/secs, numCPU())
	if cycles > 0 {
		fmt.Printf("  CPU per cycle: lab %.0f ms, instances %.0f ms\n",
			labCPU.Seconds()*1000/float64(cycles), instCPU.Seconds()*1000/float64(cycles))
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		self := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		fmt.Printf("  this tool (the %d clients, on the same cores): %.1f s (%.2f cores)\n", o.n, self.Seconds(), self.Seconds()/secs)
	}

	fmt.Println("\nWebSocket:")
	fmt.Printf("  messages by type: %v\n", fmtCounts(rec.msgs))
	fmt.Printf("  trace events received %d, dropped (as the messages said) %d\n", rec.events, rec.dropped)
	fmt.Println("\nthe lab's /metrics at the end:")
	for _, m := range metrics {
		fmt.Println("  " + m)
	}

	total := 0
	for _, c := range rec.errCount {
		total += c
	}
	fmt.Printf("\nerrors: %d\n", total)
	for _, op := range slices.Sorted(maps.Keys(rec.errCount)) {
		fmt.Printf("  %s: %d\n", op, rec.errCount[op])
		for _, t := range rec.errTexts[op] {
			fmt.Printf("    %s\n", t)
		}
	}

	fmt.Println("\ngoals (issue 15, on this machine):")
	verdict := func(ok bool, what string) {
		v := "FAIL"
		if ok {
			v = "PASS"
		}
		fmt.Printf("  %s  %s\n", v, what)
	}
	verdict(total == 0, fmt.Sprintf("zero errors (%d)", total))
	verdict(q[opApply].n > 0 && q[opApply].p99 < goalApply, fmt.Sprintf("p99 apply < 300 ms (%s)", ms(q[opApply].p99)))
	verdict(q[opCheck].n > 0 && q[opCheck].p99 < goalCheck, fmt.Sprintf("p99 check < 1 s (%s)", ms(q[opCheck].p99)))
	verdict(q[opBurst].n > 0 && q[opBurst].p99 < goalBurst, fmt.Sprintf("p99 burst of %d < 1 s (%s)", o.burst, ms(q[opBurst].p99)))
	verdict(sm.pssPeak > 0 && sm.pssPeak < goalRSS, fmt.Sprintf("lab memory < 4 GiB (lab + instances PSS peak %.0f MiB, RSS summed %.0f MiB; the lab process alone %.0f MiB RSS)", mib(sm.pssPeak), mib(sm.totalPeak), mib(sm.labPeak)))
}

func fmtCounts(m map[string]int) string {
	s := ""
	for _, k := range slices.Sorted(maps.Keys(m)) {
		s += fmt.Sprintf("%s=%d ", k, m[k])
	}
	return s
}

func numCPU() int { return runtime.NumCPU() }
