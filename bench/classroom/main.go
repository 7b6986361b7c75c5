// Command classroom is the classroom load test of issue 15: it builds and
// starts the real lab (`restylab serve` on a free loopback port, a
// temporary data folder, the testserver on), then N simulated learners,
// each with its own cookie jar, do what a browser in a lesson does:
//
//   - open a session (GET /play; with -join, the join form first),
//   - start a lesson (POST /api/lessons/{id}/start, as the lesson page's
//     button does) and load its page (GET /lessons/{id}),
//   - hold the page's WebSocket (/api/ws), reading everything it is sent,
//   - every -interval: apply the lesson's solution (POST /api/apply), run
//     the lesson's checks on it (POST /api/lessons/{id}/check) and fire a
//     burst (POST /api/burst, -burst requests at concurrency -c),
//
// for -d. It reports p50/p99 of page load, apply, check and burst wall time
// (as the learner's client sees it), the instances' RSS (from the WebSocket
// health messages and /proc), the lab process's RSS (/proc), the PSS of the
// lab and its instances together (/proc/PID/smaps_rollup, every 5 s: the
// memory goal is judged on it, since summed RSS counts the binary's shared
// pages once per process), CPU of the lab
// and of its instances, trace events received and dropped (WebSocket and
// /metrics), and every error (count by kind and the first few). It prints
// PASS/FAIL for each goal of the issue and exits 0: it is a measurement, not
// a test (it exits 1 only when the lab cannot be built or started, 3 when
// the hard deadline passes during the clean-up).
//
//	go run ./bench/classroom [-n 60] [-d 5m] [-burst 50] [-c 10] [-interval 5s] [-join CODE]
//
// Everything is on 127.0.0.1. The goroutines are bounded (two per learner
// and a sampler), every request has a timeout, the whole run has a hard
// deadline (-timeout), and the lab (whose instances die with it) is stopped
// at the end, on Ctrl-C too.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// options are the command's flags.
type options struct {
	n        int
	duration time.Duration
	burst    int
	conc     int
	interval time.Duration
	ramp     time.Duration
	lesson   string
	join     string
	bin      string
	timeout  time.Duration
	pageFreq int
	keep     bool
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 60, "simulated learners")
	flag.DurationVar(&o.duration, "d", 5*time.Minute, "how long the class runs (from the first learner's arrival)")
	flag.IntVar(&o.burst, "burst", 50, "requests in each burst")
	flag.IntVar(&o.conc, "c", 10, "concurrency of each burst")
	flag.DurationVar(&o.interval, "interval", 5*time.Second, "each learner applies, checks and fires a burst this often")
	flag.DurationVar(&o.ramp, "ramp", 10*time.Second, "the learners arrive spread over this time")
	flag.StringVar(&o.lesson, "lesson", "hello", "the lesson every learner takes (its solution is applied and checked)")
	flag.StringVar(&o.join, "join", "", "start the lab with this join code; learners go through /join")
	flag.StringVar(&o.bin, "bin", "", "a built restylab binary (default: go build ./cmd/restylab into a temporary folder)")
	flag.DurationVar(&o.timeout, "timeout", 0, "hard deadline of the whole run (default: -d + 3m)")
	flag.IntVar(&o.pageFreq, "page-every", 6, "a learner reloads the lesson page every this many cycles (0: never)")
	flag.BoolVar(&o.keep, "keep-log", false, "keep the lab's log file (its path is printed)")
	flag.Parse()
	if o.n < 1 || o.burst < 1 || o.conc < 1 || o.interval <= 0 || o.duration <= 0 {
		fmt.Fprintln(os.Stderr, "bench/classroom: -n, -burst, -c, -interval and -d must be positive")
		os.Exit(2)
	}
	if o.timeout <= 0 {
		o.timeout = o.duration + 3*time.Minute
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	// The deadline is hard: should the clean-up itself hang, the process
	// ends anyway (the lab's instances die with it: Pdeathsig).
	watchdog := time.AfterFunc(o.timeout+45*time.Second, func() {
		fmt.Fprintln(os.Stderr, "bench/classroom: hard deadline passed, exiting")
		os.Exit(3)
	})
	defer watchdog.Stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench/classroom:", err)
		watchdog.Stop()
		os.Exit(1)
	}
}
