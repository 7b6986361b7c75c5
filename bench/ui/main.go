// Command ui measures the browser front end (one-shot): the size of the
// embedded bundle (raw and gzipped), and how many trace events per second
// the playground page draws live without a frame longer than 50 ms. It
// serves the lab, opens /play in headless chromium (chromedp), and feeds
// the page synthetic burst-like events through window.restylab.ingest at
// each -rates step for -step, reading window.restylab.stats() after each.
//
//	go run ./bench/ui [-rates 10000,25000,50000,100000,200000] [-step 5s] [-bursts 1]
//
// Then it fires -bursts real bursts of 1000 requests from the page (-rates ""
// skips the synthetic steps) and prints, for each, what reached the page,
// the frame times, the lab process's CPU time per event and the trace
// counters of the lab's /metrics (events streamed, dropped by hop). The lab
// (web server and sandbox manager) runs as this program's "lab" subcommand
// in a process of its own, so its CPU time is the lab's alone: not
// chromedp's, nor the instance's (a child process), nor chromium's.
// -cpuprofile writes the lab process's CPU profile.
//
// The events are made inside the page (a request's coroutine: create,
// resume, yield on a sleep, resume, exit; epoll_wait/epoll_ready between),
// so the figure is the page's ingest and drawing, not the DevTools pipe.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/restylab/restylab/sandbox"
	"github.com/restylab/restylab/web"
	"github.com/restylab/restylab/web/static"
)

// generator defines window.__bench(rate, ms): feed rate events/s for ms
// milliseconds in 16 ms slices; it resolves when done.
const generator = `
window.__bench = (rate, ms) => new Promise(resolve => {
  let ts = performance.now() * 1e6, co = 1, req = 1, fd = 10;
  const start = performance.now();
  let carry = 0;
  const tick = () => {
    const now = performance.now();
    if (now - start >= ms) { resolve(window.restylab.stats()); return; }
    carry += rate * 0.016;
    const n = Math.floor(carry); carry -= n;
    const batch = [];
    while (batch.length < n) {
      const c = co++, r = req++, f = fd++ % 200 + 10;
      ts += 2000;
      batch.push({ts, kind: "epoll_ready", worker: 0, fd: f, arg: 1});
      batch.push({ts: ts += 500, kind: "request_start", worker: 0, req: r, fd: f, detail: "GET /"});
      batch.push({ts: ts += 500, kind: "co_create", worker: 0, req: r, co: c, phase: "content"});
      batch.push({ts: ts += 500, kind: "co_resume", worker: 0, req: r, co: c, phase: "content", source: "nginx.conf", line: 16});
      batch.push({ts: ts += 3000, kind: "co_yield", worker: 0, req: r, co: c, phase: "content", source: "nginx.conf", line: 16, detail: "sleep 50ms"});
      batch.push({ts: ts += 500, kind: "epoll_wait", worker: 0, arg: 50});
      batch.push({ts: ts += 50000, kind: "co_resume", worker: 0, req: r, co: c, phase: "content"});
      batch.push({ts: ts += 3000, kind: "co_exit", worker: 0, req: r, co: c, detail: "ok"});
      batch.push({ts: ts += 500, kind: "request_end", worker: 0, req: r, arg: 200, arg2: 120});
      batch.push({ts: ts += 500, kind: "close", worker: 0, fd: f, detail: "done"});
    }
    window.restylab.ingest(batch);
    setTimeout(tick, 16);
  };
  tick();
});
`

type stats struct {
	Events     float64 `json:"events"`
	Coroutines float64 `json:"coroutines"`
	Frames     float64 `json:"frames"`
	LongFrames float64 `json:"longFrames"`
	MaxFrameMS float64 `json:"maxFrameMs"`
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "sandbox" {
		os.Exit(sandbox.ChildMain(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	if len(os.Args) > 1 && os.Args[1] == "lab" {
		serveLab(os.Args[2:])
		return
	}
	ratesFlag := flag.String("rates", "10000,25000,50000,100000,200000", "event rates to try, events/s")
	step := flag.Duration("step", 5*time.Second, "how long each rate runs")
	chromium := flag.String("chromium", "/usr/bin/chromium", "chromium executable")
	bursts := flag.Int("bursts", 1, "real bursts of 1000 to fire from the page")
	cpuProfile := flag.String("cpuprofile", "", "write the lab process's CPU profile over the real bursts to this file")
	flag.Parse()

	bundleSize()

	lab := startLab(*cpuProfile)
	defer lab.stop()

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(*chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.WindowSize(1400, 900),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	err := chromedp.Do(ctx,
		chromedp.Navigate(lab.base+"/play"),
		chromedp.WaitVisible(chromedp.CSS(".cm-content")),
		chromedp.Action[chromedp.Void](func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.Evaluate[chromedp.Void](generator)(ctx, t)
			return chromedp.Void{}, err
		}),
	)
	if err != nil {
		fail(err)
	}
	fmt.Println("rate (events/s) | events drawn | frames | frames > 50 ms | longest frame")
	for _, f := range strings.Split(*ratesFlag, ",") {
		if strings.TrimSpace(f) == "" {
			continue
		}
		rate, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			fail(err)
		}
		before, err := chromedp.Run(ctx, chromedp.Evaluate[stats](`window.restylab.ingest([]), window.restylab.resetFrames(), window.restylab.stats()`))
		if err != nil {
			fail(err)
		}
		after, err := chromedp.Run(ctx, chromedp.Evaluate[stats](fmt.Sprintf(`window.__bench(%d, %d)`, rate, step.Milliseconds()), chromedp.EvalAwaitPromise))
		if err != nil {
			fail(err)
		}
		fmt.Printf("%d | %.0f | %.0f | %.0f | %.0f ms\n", rate, after.Events-before.Events, after.Frames, after.LongFrames, after.MaxFrameMS)
	}
	// the instance runs and streams before the first burst
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		st, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#instance-state').dataset.state`))
		if st == "running" {
			break
		}
	}
	time.Sleep(time.Second)
	for i := 0; i < *bursts; i++ {
		realBurst(ctx, lab)
	}
	untracedBursts(ctx, lab, *bursts)
}

// realBurst measures the whole pipeline once: a burst of 1000 requests at
// concurrency 1000 fired from the page's Burst panel, its trace streamed
// from the sandboxed instance through the WebSocket into the timeline.
func realBurst(ctx context.Context, lab *labProcess) {
	base := lab.base
	_, _ = chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const d = document.querySelector('#dropped'); if (d) { d.dataset.dropped = '0'; } return true; })()`))
	err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#tl-clear`)),
		chromedp.Click(chromedp.CSS(`#tab-burst`)),
		chromedp.SetValue(chromedp.CSS(`#burst-n`), "1000"),
		chromedp.SetValue(chromedp.CSS(`#burst-c`), "1000"),
	)
	if err != nil {
		fail(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.restylab.resetFrames(), true`)); err != nil {
		fail(err)
	}
	metBefore := traceMetrics(base)
	cpuBefore := lab.cpu()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#burst-go`))); err != nil {
		fail(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		n, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('#burst-summary')||{dataset:{}}).dataset.n || ''`))
		if n == "1000" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // the last trace batches
	cpu := lab.cpu() - cpuBefore
	metAfter := traceMetrics(base)
	st, err := chromedp.Run(ctx, chromedp.Evaluate[stats](`window.restylab.stats()`))
	if err != nil {
		fail(err)
	}
	dropped, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#dropped').dataset.dropped || '0'`))
	fmt.Printf("real burst of 1000 at 1000 through the WebSocket: %.0f events, %.0f coroutines drawn, %s dropped; %.0f frames, %.0f over 50 ms, longest %.0f ms\n",
		st.Events, st.Coroutines, dropped, st.Frames, st.LongFrames, st.MaxFrameMS)
	streamed := metAfter["restylab_trace_events_streamed_total"] - metBefore["restylab_trace_events_streamed_total"]
	fmt.Printf("  lab process CPU %.0f ms over the burst (+2 s): %.2f µs per event streamed (%.0f events streamed)\n",
		cpu.Seconds()*1000, float64(cpu.Microseconds())/max(streamed, 1), streamed)
	var hops []string
	for name, v := range metAfter {
		if d := v - metBefore[name]; strings.HasPrefix(name, "restylab_trace_events_dropped_total") {
			hops = append(hops, fmt.Sprintf("%s %.0f", strings.TrimPrefix(name, "restylab_trace_events_dropped_total"), d))
		}
	}
	sort.Strings(hops)
	fmt.Printf("  /metrics drops during the burst: %s\n", strings.Join(hops, ", "))
}

// untracedBursts fires the same bursts through the API with no page open:
// the instance streams no trace (the burst's recording still runs), so the
// difference with realBurst's CPU is what streaming the trace costs the lab.
func untracedBursts(ctx context.Context, lab *labProcess, n int) {
	session, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.parse(document.getElementById('boot').textContent).session`))
	if err != nil {
		fail(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		fail(err)
	}
	time.Sleep(time.Second) // the socket closed, the trace off
	for i := 0; i < n; i++ {
		metBefore := traceMetrics(lab.base)
		cpuBefore := lab.cpu()
		req, _ := http.NewRequest("POST", lab.base+"/api/burst", strings.NewReader(`{"path":"/","n":1000,"c":1000}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Restylab-Session", session)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fail(err)
		}
		var out struct {
			OK     int `json:"ok"`
			Traced int `json:"traced"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			fail(fmt.Errorf("burst: %d %v", resp.StatusCode, err))
		}
		time.Sleep(2 * time.Second) // as realBurst
		cpu := lab.cpu() - cpuBefore
		streamed := traceMetrics(lab.base)["restylab_trace_events_streamed_total"] - metBefore["restylab_trace_events_streamed_total"]
		fmt.Printf("burst of 1000 at 1000 through the API, no page open: %d ok, %d traced by its recording, %.0f events streamed; lab process CPU %.0f ms (+2 s)\n",
			out.OK, out.Traced, streamed, cpu.Seconds()*1000)
	}
}

// labProcess is the lab under measure: this program run as "lab" in a
// process of its own, so its CPU time is the lab's alone (not chromedp's,
// which decodes every WebSocket frame the page receives; the instances are
// its child processes and not counted either).
type labProcess struct {
	cmd   *exec.Cmd
	stdin io.Closer
	base  string
}

// startLab starts the lab process and waits for its address.
func startLab(cpuProfile string) *labProcess {
	cmd := exec.Command(os.Args[0], "lab", "-cpuprofile="+cpuProfile)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		fail(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fail(err)
	}
	if err := cmd.Start(); err != nil {
		fail(fmt.Errorf("start the lab: %w", err))
	}
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		fail(fmt.Errorf("the lab's address: %w", err))
	}
	return &labProcess{cmd: cmd, stdin: stdin, base: "http://" + strings.TrimSpace(addr)}
}

// stop closes the lab's stdin (it then writes its profile and exits) and
// waits for it.
func (l *labProcess) stop() {
	l.stdin.Close()
	done := make(chan struct{})
	go func() { l.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		l.cmd.Process.Kill()
		<-done
	}
}

// cpu is the lab process's user + system CPU time so far (/proc/PID/stat
// utime and stime, in clock ticks of 10 ms).
func (l *labProcess) cpu() time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", l.cmd.Process.Pid))
	if err != nil {
		fail(err)
	}
	// the fields after the command name (in parentheses, may hold spaces)
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// serveLab is the "lab" process: the web lab on 127.0.0.1:0, its address
// on stdout, until stdin ends.
func serveLab(args []string) {
	fs := flag.NewFlagSet("lab", flag.ExitOnError)
	cpuProfile := fs.String("cpuprofile", "", "CPU profile file")
	fs.Parse(args)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	data, err := os.MkdirTemp("", "bench-ui-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(data)
	srv, err := web.New(web.Config{DataDir: data, Sandbox: sandbox.Config{TempDir: data}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fail(err)
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	go http.Serve(ln, srv.Handler())
	fmt.Println(ln.Addr().String())
	io.Copy(io.Discard, os.Stdin)
}

// traceMetrics reads the lab's restylab_trace_* counters from /metrics,
// keyed by name and labels as the text format writes them.
func traceMetrics(base string) map[string]float64 {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		fail(fmt.Errorf("metrics: %w", err))
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "restylab_trace_") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

// bundleSize prints the embedded front end's size, raw and gzipped.
func bundleSize() {
	var raw, gz int
	for _, name := range []string{"app.js", "app.css", "site.css"} {
		data, err := fs.ReadFile(static.FS(), name)
		if err != nil {
			fail(fmt.Errorf("%s: %w (run make web)", name, err))
		}
		var b bytes.Buffer
		w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		w.Write(data)
		w.Close()
		fmt.Printf("%s: %.1f KiB, gzip %.1f KiB\n", name, float64(len(data))/1024, float64(b.Len())/1024)
		raw += len(data)
		gz += b.Len()
	}
	fmt.Printf("front end in all: %.1f KiB, gzip %.1f KiB (goal < 400 KiB gzipped)\n", float64(raw)/1024, float64(gz)/1024)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench/ui:", err)
	os.Exit(1)
}
