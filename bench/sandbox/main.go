// Command sandbox measures the per-learner instances of package sandbox
// (one-shot): the cold start of an instance (Manager.Start until its first
// request is answered; the median of -cold runs), the idle RSS of an
// instance (VmRSS of the child after -idle without requests) and, with -n
// instances live at once and one request per second going to each for
// -load, the latency percentiles of those requests.
//
//	go run ./bench/sandbox [-cold 20] [-n 30] [-load 20s] [-idle 2s]
//
// The tool is its own child: run as `sandbox ...` it is `restylab sandbox`
// (sandbox.ChildMain), so the figures include no -race and no test binary.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/restylab/restylab/bench/latency"
	"github.com/restylab/restylab/sandbox"
)

const conf = `events {}
http {
    server {
        listen 8080;
        location / {
            content_by_lua_block { ngx.say("hello from ", ngx.var.uri) }
        }
    }
}
`

var client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "sandbox" {
		os.Exit(sandbox.ChildMain(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	cold := flag.Int("cold", 20, "cold starts to measure (the median is reported)")
	n := flag.Int("n", 30, "instances live at once for the load phase")
	load := flag.Duration("load", 20*time.Second, "how long one request per second goes to each instance")
	idle := flag.Duration("idle", 2*time.Second, "idle time before the RSS of each instance is read")
	flag.Parse()

	m, err := sandbox.NewManager(sandbox.Config{MaxInstances: max(*n, 1) + 1})
	if err != nil {
		fail(err)
	}
	defer m.Close()
	ctx := context.Background()
	fmt.Printf("machine: %d CPUs, %s; limits: the sandbox defaults\n", runtime.NumCPU(), loadavg())

	// 1. cold start: Start until the first request is answered.
	var starts []time.Duration
	for range *cold {
		t0 := time.Now()
		in, err := m.Start(ctx, "cold", sandbox.Workspace{Conf: conf})
		if err != nil {
			fail(err)
		}
		if _, err := get(in, "/first"); err != nil {
			fail(err)
		}
		starts = append(starts, time.Since(t0))
		in.Stop()
	}
	slices.Sort(starts)
	fmt.Printf("cold start (Start -> first response), %d runs: median %v, min %v, max %v (goal <= 50ms: %s)\n",
		len(starts), latency.Ms(latency.Percentile(starts, 50)), latency.Ms(starts[0]), latency.Ms(starts[len(starts)-1]), latency.Met(latency.Percentile(starts, 50) <= 50*time.Millisecond))

	// 2. n instances at once; idle RSS after one request each.
	ins := make([]*sandbox.Instance, *n)
	for i := range ins {
		in, err := m.Start(ctx, fmt.Sprintf("s%d", i), sandbox.Workspace{Conf: conf})
		if err != nil {
			fail(err)
		}
		if _, err := get(in, "/"); err != nil {
			fail(err)
		}
		ins[i] = in
	}
	time.Sleep(*idle)
	var rss []int64
	for _, in := range ins {
		rss = append(rss, vmRSS(in.PID()))
	}
	slices.Sort(rss)
	fmt.Printf("idle RSS per instance (VmRSS after %v idle, %d instances): median %.1f MiB, min %.1f, max %.1f (goal <= 16 MiB: %s)\n",
		*idle, len(rss), mib(rss[len(rss)/2]), mib(rss[0]), mib(rss[len(rss)-1]), latency.Met(rss[len(rss)/2] <= 16<<20))

	// 3. one request per second to each of the n instances.
	var mu sync.Mutex
	var lats []time.Duration
	errs := 0
	var wg sync.WaitGroup
	deadline := time.Now().Add(*load)
	for i, in := range ins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * time.Second / time.Duration(len(ins))) // spread over the second
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for time.Now().Before(deadline) {
				t0 := time.Now()
				_, err := get(in, "/tick")
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					errs++
				} else {
					lats = append(lats, d)
				}
				mu.Unlock()
				<-t.C
			}
		}()
	}
	wg.Wait()
	slices.Sort(lats)
	fmt.Printf("%d instances, 1 req/s each for %v: %d requests, %d errors, p50 %v, p99 %v, max %v\n",
		len(ins), *load, len(lats)+errs, errs, latency.Ms(latency.Percentile(lats, 50)), latency.Ms(latency.Percentile(lats, 99)), latency.Ms(lats[len(lats)-1]))
	rss = rss[:0]
	for _, in := range ins {
		rss = append(rss, vmRSS(in.PID()))
	}
	slices.Sort(rss)
	fmt.Printf("RSS per instance after the load: median %.1f MiB, max %.1f MiB\n", mib(rss[len(rss)/2]), mib(rss[len(rss)-1]))
}

func get(in *sandbox.Instance, path string) (string, error) {
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d%s", in.Port(), path))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("status %d", resp.StatusCode)
	}
	return string(b), err
}

// vmRSS reads VmRSS of a process in bytes.
func vmRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		fail(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			f := strings.Fields(rest)
			kb, _ := strconv.ParseInt(f[0], 10, 64)
			return kb << 10
		}
	}
	fail(fmt.Errorf("no VmRSS for %d", pid))
	return 0
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "load average unknown"
	}
	return "load average " + strings.Join(f[:3], " ")
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench/sandbox:", err)
	os.Exit(1)
}
