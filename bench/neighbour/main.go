// Command neighbour measures how an instance that only answers hello
// requests fares while other instances spin their CPU in every phase: the
// latency percentiles of one request every -every to the neighbour, with
// -spinners instances (two workers each) kept busy by a client that asks
// each for a phase that loops until the CPU budget stops it (set, rewrite,
// access, content, header_filter, body_filter, log, a timer). Run it once
// with the sandbox's priority (-nice 10, the default) and once without
// (-nice 0 -hog-nice 0: the lab's own priority) to see what the priorities
// buy; measure on an otherwise idle machine: a compiler at nice 0 beats
// every instance.
//
//	go run ./bench/neighbour [-spinners 8] [-duration 30s] [-every 20ms] [-nice 10] [-hog-nice 19]
//
// The tool is its own child: run as `sandbox ...` it is `restylab sandbox`.
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
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/restylab/restylab/bench/latency"
	"github.com/restylab/restylab/sandbox"
)

const helloConf = `events {}
http {
    server {
        listen 8080;
        location / { content_by_lua_block { ngx.say("hello") } }
    }
}
`

// spinConf loops in every phase; each loop is stopped by the CPU budget.
const spinConf = `worker_processes 2;
events {}
http {
    server {
        listen 8080;
        location /set { set_by_lua_block $x { while true do end } return 200 $x; }
        location /rewrite { rewrite_by_lua_block { while true do end } }
        location /access { access_by_lua_block { while true do end } }
        location /content { content_by_lua_block { while true do end } }
        location /header_filter {
            content_by_lua_block { ngx.say("x") }
            header_filter_by_lua_block { while true do end }
        }
        location /body_filter {
            content_by_lua_block { ngx.say("x") }
            body_filter_by_lua_block { while true do end }
        }
        location /log {
            content_by_lua_block { ngx.say("x") }
            log_by_lua_block { while true do end }
        }
        location /timer {
            content_by_lua_block {
                ngx.timer.at(0, function() while true do end end)
                ngx.say("x")
            }
        }
    }
}
`

var phases = []string{"/set", "/rewrite", "/access", "/content", "/header_filter", "/body_filter", "/log", "/timer"}

var client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "sandbox" {
		os.Exit(sandbox.ChildMain(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	spinners := flag.Int("spinners", 8, "instances spinning in every phase")
	duration := flag.Duration("duration", 30*time.Second, "how long the neighbour is measured")
	every := flag.Duration("every", 20*time.Millisecond, "time between two requests to the neighbour")
	nice := flag.Int("nice", sandbox.DefaultNice, "nice value of the instances (0: the lab's own priority)")
	hog := flag.Int("hog-nice", sandbox.DefaultHogNice, "nice value of an instance that hogs a core (0: not demoted)")
	flag.Parse()

	cfg := sandbox.Config{MaxInstances: *spinners + 2}
	if *nice == 0 {
		cfg.Nice = -1 // Config's zero means the default: ask for "unchanged" explicitly
	} else {
		cfg.Nice = *nice
	}
	cfg.HogNice = *hog
	if *hog == 0 {
		cfg.HogNice = -1
	}
	m, err := sandbox.NewManager(cfg)
	if err != nil {
		fail(err)
	}
	defer m.Close()
	ctx, cancel := context.WithCancel(context.Background())
	fmt.Printf("machine: %d CPUs, load %s; %d spinning instances x 2 workers; nice %d, hogs %d; cgroup v2: %s\n",
		runtime.NumCPU(), loadavg(), *spinners, *nice, *hog, cgroupState())

	neighbour, err := m.Start(ctx, "neighbour", sandbox.Workspace{Conf: helloConf})
	if err != nil {
		fail(err)
	}
	var wg sync.WaitGroup
	var spins, restarts atomic.Int64
	for i := range *spinners {
		session := fmt.Sprintf("spinner-%d", i)
		for w := range 2 { // two clients: both workers spin
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := w; ctx.Err() == nil; j++ {
					in := m.Instance(session)
					if in == nil || isDone(in) {
						if w != 0 {
							time.Sleep(50 * time.Millisecond)
							continue
						}
						if _, err := m.Start(ctx, session, sandbox.Workspace{Conf: spinConf}); err != nil {
							if ctx.Err() == nil {
								fmt.Fprintln(os.Stderr, "start spinner:", err)
							}
							time.Sleep(100 * time.Millisecond)
						}
						restarts.Add(1)
						continue
					}
					get(in.Port(), phases[j%len(phases)])
					spins.Add(1)
				}
			}()
		}
	}
	time.Sleep(2 * time.Second) // every spinner started and busy
	var lat []time.Duration
	errors := 0
	end := time.Now().Add(*duration)
	for time.Now().Before(end) {
		t0 := time.Now()
		if body, err := get(neighbour.Port(), "/"); err != nil || body != "hello\n" {
			errors++
		} else {
			lat = append(lat, time.Since(t0))
		}
		time.Sleep(*every - min(time.Since(t0), *every))
	}
	cancel()
	slices.Sort(lat)
	fmt.Printf("neighbour: %d requests, %d errors: p50 %s, p99 %s, max %s (goal p99 < 100ms: %s)\n",
		len(lat), errors, latency.Ms(latency.Percentile(lat, 50)), latency.Ms(latency.Percentile(lat, 99)), latency.Ms(lat[len(lat)-1]), latency.Met(latency.Percentile(lat, 99) < 100*time.Millisecond))
	fmt.Printf("spinners: %d spinning requests answered, %d (re)starts\n", spins.Load(), restarts.Load())
	m.Close()
	wg.Wait()
}

func isDone(in *sandbox.Instance) bool {
	select {
	case <-in.Done():
		return true
	default:
		return false
	}
}

func get(port int, path string) (string, error) {
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d%s", port, path))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// cgroupState says whether /sys/fs/cgroup is a cgroup2 mount (the Manager
// logs whether it could use it).
func cgroupState() string {
	var st unix.Statfs_t
	if unix.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		return "cgroup2 mounted"
	}
	return "not a cgroup2 mount: priorities, rlimits and the CPU watchdog only"
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "neighbour:", err)
	os.Exit(1)
}
