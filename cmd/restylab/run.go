package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/lab/engine"
	"github.com/restylab/restylab/lab/trace"
	"github.com/restylab/restylab/testserver"
)

// runGCPercent is run's Go GC target. A worker's live heap is small (about
// 2 MB serving the bench/run.sh handlers), so at Go's default of 100 the
// collector ran every 4 MB allocated: 75 cycles a second under a handler
// allocating 13 KB per request (a 200-element table), about a quarter of
// the worker's CPU per request. At 400 the heap peaks near 10 MB and the
// table handler costs 28 us of CPU per request instead of 39 (docs/benchmarks.md,
// "Lua handlers doing work").
const runGCPercent = 400

// runCmd is `restylab run`: nginx -c FILE -p PREFIX in the foreground.
func runCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	confPath := fs.String("c", "conf/nginx.conf", "configuration `file`")
	prefix := fs.String("p", "", "server `prefix` (default: the directory of the configuration file's parent, as nginx -p)")
	test := fs.Bool("t", false, "test the configuration and exit")
	traceOut := fs.String("trace", "", "write trace events as JSON lines to `file` (- for standard output)")
	budget := fs.Duration("cpu-budget", 0, "abort a Lua resume that uses more than this of its worker thread's CPU time without yielding (0: no limit)")
	ring := fs.Int("trace-ring", 1<<16, "trace ring size per worker (events)")
	hosts := fs.String("hosts", "", "host names cosockets may use, as `name=ip:port,...` (a name with a port connects there whatever port Lua gives)")
	gcPercent := fs.Int("gc-percent", runGCPercent, "Go GC target `percent` (as GOGC; the GOGC variable, when set, wins)")
	withTS := fs.Bool("testserver", false, "start the lab's upstream services in-process and map their names (httpbin.lab, echo.lab, slow.lab, closer.lab, redis.lab)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(*gcPercent)
	}
	path := *confPath
	if *prefix != "" && !filepath.IsAbs(path) {
		if _, err := os.Stat(path); err != nil {
			path = filepath.Join(*prefix, path)
		}
	}
	cfg, diags, err := conf.Load(path, *prefix)
	if err != nil {
		emerg(stderr, "emerg", err)
		return 1
	}
	for _, d := range diags {
		if d.Alert {
			fmt.Fprintf(stderr, "restylab: [alert] %s in %s:%d\n", d.Message, d.Pos.File, d.Pos.Line)
			continue
		}
		if d.Warn {
			fmt.Fprintf(stderr, "restylab: [warn] %s in %s:%d\n", d.Message, d.Pos.File, d.Pos.Line)
			continue
		}
		fmt.Fprintf(stderr, "restylab: [warn] Lua code that will fail at request time (real ngx_lua reports it then): %s in %s:%d\n", d.Message, d.Pos.File, d.Pos.Line)
	}
	if *test {
		fmt.Fprintf(stderr, "restylab: the configuration file %s syntax is ok\nrestylab: configuration file %s test is successful\n", cfg.File, cfg.File)
		return 0
	}

	opts := engine.Options{CPUBudget: *budget, Stderr: stderr, Hosts: map[string]string{}}
	for _, kv := range strings.Split(*hosts, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		name, addr, ok := strings.Cut(kv, "=")
		if !ok || name == "" || addr == "" {
			fmt.Fprintf(stderr, "restylab: bad --hosts entry %q: want name=ip:port\n", kv)
			return 2
		}
		opts.Hosts[name] = addr
	}
	if *withTS {
		svc, err := testserver.Start(context.Background(), testserver.Config{})
		if err != nil {
			emerg(stderr, "emerg", fmt.Errorf("testserver: %w", err))
			return 1
		}
		defer svc.Close()
		for name, addr := range svc.HostMap() {
			opts.Hosts[name] = addr
			fmt.Fprintf(stderr, "restylab: %s -> %s\n", name, addr)
		}
	}
	var stopTrace func()
	if *traceOut != "" {
		tr := trace.New(max(cfg.WorkerProcesses, 1), *ring)
		opts.Tracer = tr
		w := stdout
		if *traceOut != "-" {
			f, err := os.Create(*traceOut)
			if err != nil {
				emerg(stderr, "emerg", fmt.Errorf("trace: %w", err))
				return 1
			}
			defer f.Close()
			w = f
		}
		stopTrace = printTrace(tr, w)
	}
	// Signals are caught before anything listens: a SIGQUIT that arrives
	// as soon as a client was served must stop the server gracefully, not
	// kill it with Go's default handler (seen in CI under load).
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT)
	defer signal.Stop(sigs)
	e, err := engine.New(cfg, opts)
	if err != nil {
		emerg(stderr, "emerg", err)
		return 1
	}
	if err := e.Start(); err != nil {
		level := "emerg"
		if strings.HasPrefix(err.Error(), "init_by_lua") {
			level = "error" // as nginx logs a failing init_by_lua
		}
		emerg(stderr, level, err)
		return 1
	}
	done := make(chan error, 1)
	go func() { done <- e.Wait() }()
	// SIGQUIT: graceful stop (requests in flight finish), as nginx -s quit;
	// SIGINT, SIGTERM, or a second signal: stop now, as nginx -s stop.
	var runErr error
	quitting := false
wait:
	for {
		select {
		case sig := <-sigs:
			if sig == syscall.SIGQUIT && !quitting {
				quitting = true
				e.Quit()
				continue
			}
			e.Stop()
		case runErr = <-done:
			break wait
		}
	}
	signal.Stop(sigs)
	if stopTrace != nil {
		stopTrace()
	}
	if runErr != nil {
		fmt.Fprintf(stderr, "restylab: [alert] %v\n", runErr)
		return 1
	}
	return 0
}

// traceGather is how long the printer lets events gather after a batch
// that was not full. Each wake-up of the printer costs the process about
// 50 us of CPU on a virtual machine (the Go scheduler parks and wakes a
// thread): at 2 ms, about 4% of a traced hello-world engine's CPU
// (docs/benchmarks.md). A ring of run's default size holds over 100 ms of
// one busy worker's events.
const traceGather = 20 * time.Millisecond

// traceBatch is the most events the printer takes at once.
const traceBatch = 4096

// printTrace copies trace batches to w as JSON lines until stopped; when
// stopped, it prints what the rings still hold first.
func printTrace(tr *trace.Tracer, w io.Writer) func() {
	sub := tr.Subscribe()
	ctx, cancel := context.WithCancel(context.Background())
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var buf []byte
		var evs []trace.Event
		gather := time.NewTimer(traceGather)
		for {
			var err error
			evs, err = sub.AppendNext(ctx, evs[:0], traceBatch) // one buffer: no batch allocated each time
			for i := range evs {
				buf = trace.AppendJSON(buf, evs[i])
				buf = append(buf, '\n')
			}
			if len(buf) > 0 {
				if _, werr := w.Write(buf); werr != nil {
					return
				}
				buf = buf[:0]
			}
			if err != nil {
				if !errors.Is(err, context.Canceled) {
					fmt.Fprintf(os.Stderr, "restylab: trace: %v\n", err)
				}
				return
			}
			if len(evs) < traceBatch {
				// Let events gather: waking the printer for every few
				// events costs the workers more than the events themselves.
				gather.Reset(traceGather)
				select {
				case <-gather.C:
				case <-ctx.Done(): // stopping: print what is left at once
				}
			}
		}
	}()
	return func() {
		cancel()
		<-finished
		sub.Close()
	}
}

// emerg prints a startup failure as nginx does on standard error:
// "2026/11/27 03:36:05 [emerg] 123#123: MESSAGE".
func emerg(w io.Writer, level string, err error) {
	pid := os.Getpid()
	fmt.Fprintf(w, "%s [%s] %d#%d: %v\n", time.Now().Format("2006/01/02 15:04:05"), level, pid, pid, err)
}
