package lessons

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/lab/engine"
	"github.com/restylab/restylab/lab/trace"
)

// Engine serves a workspace in-process, as a learner's sandboxed instance
// would (the lab's Lua environment, a 1 s CPU budget per resume, every
// distinct listen address moved to a loopback port of its own): the
// Target of tests and of the command line. Its methods are safe for concurrent use.
type Engine struct {
	eng      *engine.Engine
	dir      string
	base     string
	addrs    []Address
	workers  int
	warnings []string

	hosts map[string]string

	mu   sync.Mutex
	recs map[*engineRecording]bool
}

// LoadError is a workspace that does not load, with the workspace file and
// line when there is one ("unknown directive \"x\" in nginx.conf:12").
type LoadError struct {
	Message string
	File    string
	Line    int
}

func (e *LoadError) Error() string { return e.Message }

// engineTrace is the ring size of an Engine's tracer: a burst of 1000
// requests emits some 30 events each.
const engineTrace = 1 << 16

// StartEngine writes ws into a temporary folder and serves it. Close stops
// it and removes the folder. A workspace that does not load gives a
// *LoadError.
func StartEngine(ws Workspace) (*Engine, error) {
	return StartEngineWith(ws, EngineOptions{})
}

// EngineOptions are what an Engine's workspace may reach.
type EngineOptions struct {
	// Hosts maps the lab's host names (redis.lab, echo.lab ...) to the
	// "ip:port" of the services (testserver.Services.HostMap): as in a
	// learner's instance, cosockets and proxy_pass reach those and the
	// instance's own port, nothing else.
	Hosts map[string]string
}

// StartEngineWith is StartEngine with the lab's services.
func StartEngineWith(ws Workspace, opts EngineOptions) (*Engine, error) {
	dir, err := os.MkdirTemp("", "restylab-lesson-")
	if err != nil {
		return nil, fmt.Errorf("lessons: workspace folder: %w", err)
	}
	e := &Engine{dir: dir, recs: map[*engineRecording]bool{}, hosts: opts.Hosts}
	if err := e.start(ws); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return e, nil
}

func (e *Engine) start(ws Workspace) error {
	for name, text := range ws.Files {
		if !filepath.IsLocal(filepath.FromSlash(name)) || filepath.Clean(name) == "nginx.conf" {
			return &LoadError{Message: fmt.Sprintf("bad file name %q: want a path inside the workspace other than nginx.conf", name)}
		}
		if err := writeFile(filepath.Join(e.dir, filepath.FromSlash(name)), text); err != nil {
			return err
		}
	}
	confPath := filepath.Join(e.dir, "nginx.conf")
	if err := writeFile(confPath, ws.Conf); err != nil {
		return err
	}
	cfg, diags, err := conf.LoadConfined(confPath, e.dir, e.dir)
	if err != nil {
		return e.loadError(err)
	}
	for _, d := range diags {
		if d.Alert {
			continue // nginx's start-up alert ("lua_code_cache is off"): no Lua fails
		}
		e.warnings = append(e.warnings, fmt.Sprintf("%s:%d: %s", e.rel(d.Pos.File), d.Pos.Line, e.scrub(d.Message)))
	}
	if cfg.HTTP == nil {
		return &LoadError{Message: "no http block: nothing to serve", File: "nginx.conf"}
	}
	// each distinct address on a loopback port of its own, as a learner's
	// instance serves them (sandbox/addresses.go)
	var declared []string
	seen := map[string]bool{}
	for _, s := range cfg.HTTP.Servers {
		for _, l := range s.Listens {
			if seen[l.Addr] {
				continue
			}
			if len(declared) == MaxAddresses {
				return &LoadError{
					Message: fmt.Sprintf("too many listen addresses: listen %s is address number %d, and the lab serves at most %d per workspace in %s:%d", l.Addr, len(declared)+1, MaxAddresses, e.rel(l.Pos.File), l.Pos.Line),
					File:    e.rel(l.Pos.File), Line: l.Pos.Line,
				}
			}
			seen[l.Addr] = true
			declared = append(declared, l.Addr)
		}
	}
	for _, s := range cfg.HTTP.Servers {
		for i := range s.Listens {
			s.Listens[i].Declared = s.Listens[i].Addr
		}
	}
	cfg.ErrorLog = os.DevNull // lines reach recordings through the sink
	var startErr error
	for try := 0; try < 3; try++ { // a free port can be taken between probe and bind
		ports, err := freePorts(len(declared))
		if err != nil {
			return err
		}
		portOf := map[string]int{}
		for i, d := range declared {
			portOf[d] = ports[i]
		}
		for _, s := range cfg.HTTP.Servers {
			for i := range s.Listens {
				s.Listens[i].Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(portOf[s.Listens[i].Declared]))
			}
		}
		eng, err := engine.New(cfg, engine.Options{
			Tracer:    trace.New(max(cfg.WorkerProcesses, 1), engineTrace),
			CPUBudget: time.Second, // the sandbox's default budget
			Stderr:    io.Discard,  // Start returns the error itself
			Sandbox:   true,
			// what a learner's instance may reach (sandbox/child.go)
			DialPolicy: engine.SandboxDialPolicy(cfg, e.hosts),
			Hosts:      e.hosts,
		})
		if err != nil {
			return e.loadError(err)
		}
		eng.ErrorLog().Sink = e.logLine
		if startErr = eng.Start(); startErr == nil {
			e.eng, e.workers = eng, max(cfg.WorkerProcesses, 1)
			e.addrs = nil
			for _, l := range cfg.HTTP.ListenAddrs() {
				scheme := "http://"
				if l.SSL {
					scheme = "https://"
				}
				e.addrs = append(e.addrs, Address{Declared: l.Declared, URL: scheme + l.Addr, SSL: l.SSL})
			}
			if len(e.addrs) > 0 {
				// BaseURL is the first address's, plain as Target says:
				// a check over TLS says so (--- sni)
				e.base = "http://" + strings.TrimPrefix(strings.TrimPrefix(e.addrs[0].URL, "https://"), "http://")
			}
			return nil
		}
		if !strings.Contains(startErr.Error(), "in use") {
			break
		}
	}
	return e.loadError(startErr)
}

func writeFile(p, text string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("lessons: write workspace: %w", err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		return fmt.Errorf("lessons: write workspace: %w", err)
	}
	return nil
}

// freePorts picks n distinct free loopback ports (every probe stays open
// until all are picked).
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("lessons: find a free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// loadError words a load or start error with the workspace file and line.
func (e *Engine) loadError(err error) error {
	var ce *conf.Error
	if errors.As(err, &ce) && ce.Pos.File != "" {
		f := e.rel(ce.Pos.File)
		return &LoadError{Message: fmt.Sprintf("%s in %s:%d", e.scrub(ce.Msg), f, ce.Pos.Line), File: f, Line: ce.Pos.Line}
	}
	return &LoadError{Message: e.scrub(err.Error())}
}

func (e *Engine) rel(file string) string {
	if r, err := filepath.Rel(e.dir, file); err == nil && filepath.IsLocal(r) {
		return filepath.ToSlash(r)
	}
	return filepath.Base(file)
}

func (e *Engine) scrub(msg string) string {
	return strings.ReplaceAll(msg, e.dir+string(filepath.Separator), "")
}

// Warnings are the load's diagnostics (Lua that will fail at request time),
// as "file:line: message".
func (e *Engine) Warnings() []string { return e.warnings }

// BaseURL implements Target.
func (e *Engine) BaseURL() string { return e.base }

// Addresses implements AddressTarget.
func (e *Engine) Addresses() []Address { return append([]Address(nil), e.addrs...) }

// Workers implements Target.
func (e *Engine) Workers() int { return e.workers }

// Close stops the engine at once and removes its workspace folder.
func (e *Engine) Close() error {
	e.eng.Stop()
	err := e.eng.Wait()
	e.eng.ErrorLog().Close()
	if rmErr := os.RemoveAll(e.dir); err == nil {
		err = rmErr
	}
	return err
}

func (e *Engine) logLine(_ int, line string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for r := range e.recs {
		r.logs = append(r.logs, line)
	}
}

// Record implements Target.
func (e *Engine) Record(ctx context.Context) (Recording, error) {
	rctx, cancel := context.WithCancel(context.Background())
	r := &engineRecording{e: e, sub: e.eng.Tracer().Subscribe(), cancel: cancel, done: make(chan struct{})}
	e.mu.Lock()
	e.recs[r] = true
	e.mu.Unlock()
	go r.read(rctx)
	return r, nil
}

// engineRecording reads its subscription until stopped.
type engineRecording struct {
	e      *Engine
	sub    *trace.Subscription
	cancel context.CancelFunc
	done   chan struct{}
	events []trace.Event // owned by read until done
	logs   []string      // guarded by e.mu
}

func (r *engineRecording) read(ctx context.Context) {
	defer close(r.done)
	for {
		evs, err := r.sub.Next(ctx, 4096)
		r.events = append(r.events, evs...)
		if err != nil {
			return
		}
	}
}

// Stop implements Recording.
func (r *engineRecording) Stop(context.Context) (Window, error) {
	r.cancel()
	<-r.done
	drained, cancel := context.WithCancel(context.Background())
	cancel() // Next returns what is left, then the context's error
	for {
		evs, err := r.sub.Next(drained, 4096)
		r.events = append(r.events, evs...)
		if err != nil || len(evs) == 0 {
			break
		}
	}
	r.sub.Close()
	r.e.mu.Lock()
	delete(r.e.recs, r)
	logs := r.logs
	r.e.mu.Unlock()

	var w Window
	for _, ev := range r.events {
		if ev.Kind == trace.Dropped {
			w.Dropped += ev.Arg
			continue
		}
		w.Events = append(w.Events, ev)
	}
	trace.SortByTime(w.Events)
	w.ErrorLog = logs
	return w, nil
}
