package sandbox

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/lab/engine"
	"github.com/restylab/restylab/lab/shdict"
	"github.com/restylab/restylab/lab/trace"
	"github.com/restylab/restylab/sandbox/proto"
)

// Exit codes of the child.
const (
	ExitOK          = 0
	ExitProtocol    = 1 // the parent sent something the child cannot read
	ExitUsage       = 2
	ExitMemoryLimit = 3 // the memory watchdog stopped the child
)

// Limits of the child's output queue and workspace.
const (
	// outputQueue bounds the lossy queue of LogLine/Health frames waiting
	// for the parent: past it frames are dropped and counted.
	outputQueue = 256
	// traceBatchMax is the most events in one trace message.
	traceBatchMax = 1024
	// traceQueue bounds the trace messages waiting for the parent (the
	// "instance" hop of docs/trace.md).
	traceQueue = 256
	// traceGather is how long the forwarder lets events gather after a
	// message that was not full: the pipe's only batching delay.
	traceGather = 10 * time.Millisecond
	// traceNoticeAfter: drops still unreported this long after the last
	// message go to the parent in a message of their own.
	traceNoticeAfter = 100 * time.Millisecond
	// traceRing is the trace ring size per worker (events).
	traceRing = 1 << 14
	// retiredTraceDrain is how long a replaced engine's trace forwarder
	// goes on after the engine ended: it reads what is left in the rings
	// (the forwarder wakes every traceGather at most).
	retiredTraceDrain = 50 * time.Millisecond
	// healthQuietShare is the share of a core an instance may use since
	// the last health report and still skip the next one (an idle
	// instance's own wake-ups cost 0.02-0.06% on this VM, under load);
	// healthQuietMax is the longest time between two reports.
	healthQuietShare = 0.002
	healthQuietMax   = 8 * time.Second
	// MaxWorkspaceFiles bounds the files of a workspace besides nginx.conf.
	MaxWorkspaceFiles = 100
	// stopGrace bounds a graceful stop of the engine on Stop.
	stopGrace = 5 * time.Second
)

// ChildMain is `restylab sandbox`: it applies the limits given by flags to
// its own process, then serves the workspaces the parent sends as proto
// frames on stdin, answering on stdout, until Stop or the end of stdin. It
// returns the exit code. A limit of 0 leaves that limit unset (tests run
// the child mode in-process this way).
func ChildMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var lim Limits
	fs.Int64Var(&lim.MemoryLimit, "memory-limit", DefaultMemoryLimit, "Go heap `bytes` (GOMEMLIMIT); past it the child exits (0: none)")
	fs.Int64Var(&lim.AddressSpace, "address-space", DefaultAddressSpace, "RLIMIT_AS `bytes` (0: unchanged)")
	fs.IntVar(&lim.OpenFiles, "open-files", DefaultOpenFiles, "RLIMIT_NOFILE (0: unchanged)")
	fs.DurationVar(&lim.CPUBudget, "cpu-budget", DefaultCPUBudget, "CPU budget of one Lua resume (0: none)")
	fs.IntVar(&lim.MaxWorkers, "max-workers", DefaultMaxWorkers, "largest worker_processes served (0: the engine's own cap)")
	fs.IntVar(&lim.MaxConnections, "max-connections", DefaultMaxConnections, "cap on worker_connections (0: none)")
	fs.IntVar(&lim.MaxTimers, "max-timers", DefaultMaxTimers, "cap on lua_max_pending_timers and lua_max_running_timers (0: none)")
	fs.Int64Var(&lim.MaxResponseBytes, "max-response", DefaultMaxResponseBytes, "largest response in `bytes` (0: none)")
	fs.Int64Var(&lim.MaxBodyBytes, "max-body", DefaultMaxBodyBytes, "cap on client_max_body_size in `bytes` (0: none)")
	fs.DurationVar(&lim.MaxClientTimeout, "max-client-timeout", DefaultMaxClientTimeout, "cap on client_header_timeout, keepalive_timeout and send_timeout (0: none)")
	fs.IntVar(&lim.MaxTraceRate, "max-trace-rate", DefaultMaxTraceRate, "most trace events streamed per second (0: no limit)")
	fs.IntVar(&lim.Nice, "nice", DefaultNice, "nice value of every thread, 1..19 (0: unchanged)")
	health := fs.Duration("health-interval", DefaultHealthInterval, "how often to send Health (0: never)")
	tmp := fs.String("tmpdir", "", "directory for the workspace (default: the system's temporary directory)")
	hostsFlag := fs.String("hosts", "", "lab host names cosockets may use, `name=ip:port,...` (the lab's testserver)")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	hosts, err := ParseHosts(*hostsFlag)
	if err != nil {
		fmt.Fprintf(stderr, "restylab sandbox: %v\n", err)
		return ExitUsage
	}
	if err := applyLimits(lim); err != nil {
		fmt.Fprintf(stderr, "restylab sandbox: %v\n", err)
		return ExitUsage
	}
	dir, err := os.MkdirTemp(*tmp, "restylab-sandbox-")
	if err != nil {
		fmt.Fprintf(stderr, "restylab sandbox: %v\n", err)
		return ExitUsage
	}
	defer os.RemoveAll(dir)
	c := &child{
		hosts:      hosts,
		lim:        lim,
		dir:        dir,
		stderr:     stderr,
		w:          proto.NewWriter(stdout),
		ctrl:       make(chan any, 4),
		lossy:      make(chan any, outputQueue),
		traceQ:     trace.NewQueue(traceQueue, traceWeight),
		healthWake: make(chan struct{}, 1),
		counters:   &engine.Counters{}, // before any goroutine reads it (healthLoop)
		exited:     make(chan struct{}),
		holds:      make(chan struct{}, 1),
		access:     accessBatch{kick: make(chan struct{}, 1)},

		quitRetired: make(chan struct{}),
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	writerDone := make(chan struct{})
	go func() { defer close(writerDone); c.writeLoop(ctx) }()
	if lim.MemoryLimit > 0 {
		go c.memoryWatchdog(ctx)
	}
	if *health > 0 {
		go c.healthLoop(ctx, *health)
	}
	go c.stateLoop(ctx)
	go c.accessLoop(ctx)
	code := c.controlLoop(proto.NewReader(stdin))
	select {
	case c.ctrl <- &proto.Exit{Reason: c.exitReason}:
		select {
		case <-c.exited:
		case <-time.After(time.Second): // the parent stopped reading
		}
	case <-time.After(time.Second):
	}
	cancel()
	<-writerDone
	return code
}

// Limits are the resource limits of one child (flags of ChildMain; 0
// leaves a limit unset). The child reports them in Ready.
type Limits = proto.Limits

// applyLimits sets the process limits (soft and hard: learner code cannot
// raise them) and the Go memory limit.
func applyLimits(lim Limits) error {
	if lim.AddressSpace > 0 {
		if err := lowerLimit(unix.RLIMIT_AS, "RLIMIT_AS", uint64(lim.AddressSpace)); err != nil {
			return err
		}
	}
	if lim.OpenFiles > 0 {
		if err := lowerLimit(unix.RLIMIT_NOFILE, "RLIMIT_NOFILE", uint64(lim.OpenFiles)); err != nil {
			return err
		}
	}
	if lim.MemoryLimit > 0 {
		debug.SetMemoryLimit(lim.MemoryLimit)
	}
	if lim.Nice > 0 {
		if err := reniceSelf(lim.Nice); err != nil {
			return err
		}
	}
	return nil
}

// lowerLimit sets a resource limit (soft = hard) to want, or to the current
// hard limit when that is lower: an unprivileged lab (a container's user)
// may lower its limits but not raise them.
func lowerLimit(resource int, name string, want uint64) error {
	var old unix.Rlimit
	if err := unix.Getrlimit(resource, &old); err != nil {
		return fmt.Errorf("get %s: %w", name, os.NewSyscallError("getrlimit", err))
	}
	v := capLimit(want, old.Max)
	if err := unix.Setrlimit(resource, &unix.Rlimit{Cur: v, Max: v}); err != nil {
		return fmt.Errorf("set %s: %w", name, os.NewSyscallError("setrlimit", err))
	}
	return nil
}

// capLimit is want, or hard when hard is lower.
func capLimit(want, hard uint64) uint64 { return min(want, hard) }

// child is the state of `restylab sandbox`. The control loop owns eng,
// cfg, port, wsDir and the trace forwarder; the writer goroutine owns w.
type child struct {
	hosts  map[string]string // lab host names for cosockets
	lim    Limits
	dir    string
	stderr io.Writer
	w      *proto.Writer

	ctrl       chan any      // answers and Exit: never dropped
	lossy      chan any      // LogLine, Health: dropped when full
	healthSlow atomic.Bool   // health reports slowed down for an idle process (healthLoop)
	healthWake chan struct{} // wakeHealth's signal to healthLoop (capacity 1)
	logDropped atomic.Int64
	access     accessBatch // access log lines for the next AccessLog frame (accesslog.go)
	// traceQ holds the trace messages the forwarders encoded for the
	// writer: the "instance" hop of the trace pipe.
	traceQ     *trace.Queue[trace.Message]
	exited     chan struct{} // closed once an Exit frame is written
	exitOnce   sync.Once
	exitReason string

	eng     *engine.Engine
	retired sync.WaitGroup // replaced engines finishing their requests
	// quitRetired, closed when the child exits, stops them at once.
	quitRetired chan struct{}
	cfg         *conf.Config
	ports       []int             // Load.Ports: the lab ports the addresses are served on
	labFiles    map[string]string // files the lab adds to every workspace (Load.LabFiles)
	wsDir       string
	wsSeq       int
	traceOn     bool
	stopFwd     func()
	// lastTracer and counters are the newest engine's: a reload's engine
	// goes on with its clock, generation and numbering.
	lastTracer *trace.Tracer
	counters   *engine.Counters
	listenN    atomic.Int64 // listening sockets of the current engine (for Health.Conns)

	// step mode: paused is the control loop's; live is the running engine
	// for the state reporter; holds is signalled (never blocking) by the
	// workers each time a paused loop stops.
	paused    bool
	live      atomic.Pointer[engine.Engine]
	holds     chan struct{}
	stateMu   sync.Mutex
	lastState *proto.State

	// recordings are the Record windows open now (record.go); the control
	// loop owns the map.
	recordings map[int64]*recording
	// logRecs are the recordings that collect error_log lines (the log
	// sink runs on the workers' threads).
	recMu   sync.Mutex
	logRecs []*recording
}

// send queues a frame that must reach the parent (blocks while the queue
// is full; never called from a worker).
func (c *child) send(msg any) { c.ctrl <- msg }

// offer queues a frame if there is room and reports whether it did.
func (c *child) offer(msg any) bool {
	if _, ok := msg.(*proto.Health); !ok {
		c.wakeHealth()
	}
	select {
	case c.lossy <- msg:
		return true
	default:
		return false
	}
}

// writeLoop writes queued frames to the parent, control frames first.
func (c *child) writeLoop(ctx context.Context) {
	for {
		var msg any
		select {
		case msg = <-c.ctrl:
		default:
			select {
			case msg = <-c.ctrl:
			case msg = <-c.lossy:
			case <-c.traceQ.Ready():
				c.wakeHealth() // trace events: the instance is serving
				if c.writeTrace() != nil {
					return
				}
				continue
			case <-ctx.Done():
				return
			}
		}
		if m, ok := msg.(*proto.LogLine); ok {
			m.Dropped = c.logDropped.Swap(0)
		}
		err := c.w.Write(msg)
		if _, ok := msg.(*proto.Exit); ok {
			c.exitOnce.Do(func() { close(c.exited) })
		}
		if err != nil {
			return // the parent is gone; the control loop sees stdin end
		}
	}
}

// writeTrace writes the trace messages queued now, as they are.
func (c *child) writeTrace() error {
	for {
		m, ok := c.traceQ.TryTake()
		if !ok {
			return nil
		}
		if err := c.w.Write(&proto.TraceMessage{Data: m}); err != nil {
			return err
		}
	}
}

// traceWeight is what a trace message dropped at a queue counts for: its
// events.
func traceWeight(m trace.Message) int64 {
	h, _ := m.Header()
	return int64(h.Events)
}

// logSink receives every error_log line on a worker's thread: it must not block.
func (c *child) logSink(level int, line string) {
	c.recordLog(line)
	if !c.offer(&proto.LogLine{Level: level, Line: line}) {
		c.logDropped.Add(1)
	}
}

// controlLoop runs the parent's commands in order and returns the exit code.
func (c *child) controlLoop(r *proto.Reader) int {
	defer func() {
		c.stopEngine(false)
		close(c.quitRetired)
		c.retired.Wait()
	}()
	for {
		msg, err := r.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				c.exitReason = "stopped: the lab closed the connection"
				return ExitOK
			}
			c.exitReason = "protocol error: " + err.Error()
			fmt.Fprintf(c.stderr, "restylab sandbox: %v\n", err)
			return ExitProtocol
		}
		switch m := msg.(type) {
		case *proto.Load:
			if c.eng != nil || c.ports != nil {
				c.send(&proto.LoadError{Message: "a workspace is already loaded: send Reload"})
				continue
			}
			c.ports = m.Ports
			if len(c.ports) == 0 {
				c.ports = []int{m.Port} // a parent without Ports: one address
			}
			c.labFiles = m.LabFiles
			c.send(c.load(m.Conf, m.Files))
		case *proto.Reload:
			if c.ports == nil {
				c.send(&proto.LoadError{Message: "nothing loaded yet: send Load first"})
				continue
			}
			c.send(c.load(m.Conf, m.Files))
		case *proto.SetTrace:
			c.traceOn = m.On
			c.restartTrace()
		case *proto.Record:
			if m.Stop {
				c.stopRecording(m.ID)
			} else {
				c.startRecording(m.ID)
			}
		case *proto.Pause:
			c.paused = true
			if c.eng != nil {
				c.eng.Pause()
			}
			c.sendState(true)
		case *proto.Step:
			if c.paused && c.eng != nil && m.N > 0 {
				c.eng.Step(m.N)
			}
			c.sendState(true)
		case *proto.Resume:
			c.paused = false
			if c.eng != nil {
				c.eng.Resume()
			}
			c.sendState(true)
		case *proto.Stop:
			c.stopEngine(true)
			c.exitReason = "stopped"
			return ExitOK
		default:
			c.send(&proto.LoadError{Message: fmt.Sprintf("unexpected message %T", msg)})
		}
	}
}

// load prepares the workspace, and when it is valid replaces the running
// engine with one serving it (the old one quits gracefully first: both
// cannot hold the port). It returns the answer for the parent.
func (c *child) load(confText string, files map[string]string) any {
	c.wsSeq++
	dir := filepath.Join(c.dir, "ws"+strconv.Itoa(c.wsSeq))
	cfg, warnings, lerr := c.prepare(dir, confText, files)
	if lerr != nil {
		os.RemoveAll(dir)
		return lerr
	}
	old, oldCfg, oldDir := c.eng, c.cfg, c.wsDir
	var inherit map[string]int
	var dicts []*shdict.Dict
	var caches *engine.CacheZones
	if old != nil {
		inherit, dicts, caches = old.Listeners(), old.SharedDicts(), old.CacheZones()
	}
	e, err := c.newEngine(cfg, inherit, dicts, caches)
	if err != nil {
		os.RemoveAll(dir)
		return c.loadError(dir, err)
	}
	if c.paused { // a reload ends step mode: the new engine runs freely
		c.paused = false
		defer c.sendState(true)
	}
	if old != nil {
		// As nginx -s reload: the new engine serves at once on the old
		// engine's listening sockets; the old one finishes its requests,
		// and its trace goes on reaching the page until it has.
		oldFwd := c.stopFwd
		c.stopFwd = nil
		err := c.startEngine(e, cfg)
		if err == nil {
			// Once Ready is sent, new connections must reach the new
			// configuration: the old engine stops accepting first.
			old.Resume()
			old.StopAccepting(time.Second)
			c.retire(old, oldDir, oldFwd)
			c.wsDir = dir
			return c.ready(cfg, warnings)
		}
		c.stopFwd = oldFwd // the old engine serves on
		if !strings.Contains(err.Error(), "in use") {
			os.RemoveAll(dir)
			return c.loadError(dir, err) // the old engine keeps serving
		}
		// The new listeners cannot share the port with the old ones (e.g.
		// reuseport added or removed): stop the old engine first.
		if e, err = c.newEngine(cfg, nil, dicts, caches); err != nil {
			os.RemoveAll(dir)
			return c.loadError(dir, err)
		}
	}
	c.stopEngine(true)
	if err := c.startEngine(e, cfg); err != nil {
		os.RemoveAll(dir)
		answer := c.loadError(dir, err)
		if oldCfg != nil { // the old configuration serves again
			if e2, err2 := c.newEngine(oldCfg, nil, dicts, caches); err2 == nil && c.startEngine(e2, oldCfg) == nil {
				c.cfg, c.wsDir = oldCfg, oldDir
			}
		}
		return answer
	}
	if oldDir != "" {
		os.RemoveAll(oldDir)
	}
	c.wsDir = dir
	return c.ready(cfg, warnings)
}

// ready is the answer for a served cfg: its workers after the lab's caps
// (newEngine lowered cfg.WorkerProcesses) and the instance's limits.
func (c *child) ready(cfg *conf.Config, warnings []string) *proto.Ready {
	r := &proto.Ready{Port: c.ports[0], PID: os.Getpid(), Warnings: warnings, Workers: max(cfg.WorkerProcesses, 1), Limits: c.lim}
	r.Addresses = addressesOf(cfg)
	if len(r.Addresses) > 0 {
		r.Port, r.SSL = r.Addresses[0].Port, r.Addresses[0].SSL
	}
	return r
}

// retire lets a replaced engine finish its requests in the background
// (bounded by stopGrace), then stops its trace forwarder (stopFwd, may be
// nil) once the last events have been read, and removes its workspace
// directory.
func (c *child) retire(e *engine.Engine, dir string, stopFwd func()) {
	c.retired.Add(1)
	go func() {
		defer c.retired.Done()
		if stopFwd != nil {
			defer func() {
				time.Sleep(retiredTraceDrain)
				stopFwd()
			}()
		}
		e.Resume() // a paused loop would hold the graceful quit up
		done := make(chan struct{})
		go func() { e.Wait(); close(done) }()
		e.Quit()
		select {
		case <-done:
		case <-time.After(stopGrace):
			e.Stop()
			<-done
		case <-c.quitRetired:
			e.Stop()
			<-done
		}
		if dir != "" {
			os.RemoveAll(dir)
		}
	}()
}

// prepare writes the workspace into dir and loads its configuration with
// every listen address moved to a port of c.ports on 127.0.0.1
// (assignPorts).
func (c *child) prepare(dir, confText string, files map[string]string) (*conf.Config, []string, *proto.LoadError) {
	if len(files) > MaxWorkspaceFiles {
		return nil, nil, &proto.LoadError{Message: fmt.Sprintf("too many files in the workspace: %d (the lab's limit is %d)", len(files), MaxWorkspaceFiles)}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, &proto.LoadError{Message: "cannot write the workspace: " + err.Error()}
	}
	write := func(name, text string) *proto.LoadError {
		if !filepath.IsLocal(filepath.FromSlash(name)) {
			return &proto.LoadError{Message: fmt.Sprintf("bad file name %q: want a path inside the workspace", name)}
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return &proto.LoadError{Message: "cannot write the workspace: " + scrub(dir, err.Error())}
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			return &proto.LoadError{Message: "cannot write the workspace: " + scrub(dir, err.Error())}
		}
		return nil
	}
	for name, text := range files {
		if filepath.Clean(filepath.FromSlash(name)) == "nginx.conf" {
			return nil, nil, &proto.LoadError{Message: "the workspace's nginx.conf is given as Conf, not as a file"}
		}
		if lerr := write(name, text); lerr != nil {
			return nil, nil, lerr
		}
	}
	if lerr := write("nginx.conf", confText); lerr != nil {
		return nil, nil, lerr
	}
	// the lab's own files (its certificates): a workspace file of the same
	// path is the learner's and wins
	for name, text := range c.labFiles {
		if _, ok := files[name]; ok {
			continue
		}
		if lerr := write(name, text); lerr != nil {
			return nil, nil, lerr
		}
	}
	// confined: includes and *_by_lua_file cannot reach outside the workspace
	cfg, diags, err := conf.LoadConfined(filepath.Join(dir, "nginx.conf"), dir, dir)
	if err != nil {
		return nil, nil, c.loadError(dir, err)
	}
	var warnings []string
	for _, d := range diags {
		warnings = append(warnings, fmt.Sprintf("%s:%d: %s", rel(dir, d.Pos.File), d.Pos.Line, scrub(dir, d.Message)))
	}
	if cfg.HTTP == nil {
		return nil, nil, &proto.LoadError{Message: "no http block: nothing to serve", File: "nginx.conf"}
	}
	// each distinct address on a lab port of its own; the declared one
	// keeps reaching the instance itself (engine.SandboxDialPolicy)
	if lerr := assignPorts(cfg, c.ports, portsOf(c.cfg), func(f string) string { return rel(dir, f) }); lerr != nil {
		return nil, nil, lerr
	}
	if c.lim.MaxWorkers > 0 && cfg.WorkerProcesses > c.lim.MaxWorkers {
		warnings = append(warnings, fmt.Sprintf("worker_processes %d lowered to the lab's limit of %d", cfg.WorkerProcesses, c.lim.MaxWorkers))
		cfg.WorkerProcesses = c.lim.MaxWorkers
	}
	// error_log lines reach the parent through the sink; the file is not kept.
	cfg.ErrorLog = os.DevNull
	return cfg, warnings, nil
}

func (c *child) newEngine(cfg *conf.Config, inherit map[string]int, dicts []*shdict.Dict, caches *engine.CacheZones) (*engine.Engine, error) {
	tr := trace.New(max(cfg.WorkerProcesses, 1), traceRing)
	tr.Continue(c.lastTracer) // nil for the first engine
	c.lastTracer = tr
	if c.counters == nil {
		c.counters = &engine.Counters{}
	}
	e, err := engine.New(cfg, engine.Options{
		InheritDicts:  dicts,
		InheritCaches: caches,
		Counters:      c.counters,
		Tracer:        tr,
		CPUBudget:     c.lim.CPUBudget,
		Stderr:        c.stderr,
		DialPolicy:    engine.SandboxDialPolicy(cfg, c.hosts),
		Hosts:         c.hosts,
		Inherit:       inherit,
		Sandbox:       true,

		MaxResponseBytes: c.lim.MaxResponseBytes,
		MaxBodyBytes:     c.lim.MaxBodyBytes,
		MaxConnections:   c.lim.MaxConnections,
		MaxTimers:        c.lim.MaxTimers,
		MaxClientTimeout: c.lim.MaxClientTimeout,
		OnHold:           c.onHold,
		OnAccessLog:      c.accessSink(cfg.Prefix),

		MaxSharedDictBytes: c.lim.MemoryLimit / 2, // the zones must leave room for the VMs and requests
	})
	if err != nil {
		return nil, err
	}
	e.ErrorLog().Sink = c.logSink
	return e, nil
}

func (c *child) startEngine(e *engine.Engine, cfg *conf.Config) error {
	if err := e.Start(); err != nil {
		return err
	}
	if c.lim.Nice > 0 {
		_ = reniceSelf(c.lim.Nice) // threads started since applyLimits inherited it; this closes any race
	}
	n := 0
	for _, l := range cfg.HTTP.ListenAddrs() {
		if l.ReusePort {
			n += max(cfg.WorkerProcesses, 1)
		} else {
			n++
		}
	}
	c.listenN.Store(int64(n))
	c.eng, c.cfg = e, cfg
	c.live.Store(e)
	c.restartTrace()
	return nil
}

// stopEngine stops the running engine, gracefully (bounded by stopGrace)
// or at once, and waits for it.
func (c *child) stopEngine(graceful bool) {
	if c.stopFwd != nil {
		c.stopFwd()
		c.stopFwd = nil
	}
	e := c.eng
	if e == nil {
		return
	}
	c.eng = nil
	c.live.Store(nil)
	e.Resume() // a paused loop would hold the graceful quit up
	done := make(chan struct{})
	go func() { e.Wait(); close(done) }()
	if graceful {
		e.Quit()
		select {
		case <-done:
			return
		case <-time.After(stopGrace):
		}
	}
	e.Stop()
	<-done
}

// restartTrace stops the trace forwarder and starts one for the running
// engine when tracing is on.
func (c *child) restartTrace() {
	if c.stopFwd != nil {
		c.stopFwd()
		c.stopFwd = nil
	}
	if !c.traceOn || c.eng == nil {
		return
	}
	sub := c.eng.Tracer().Subscribe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		forwardTrace(ctx, sub, c.traceQ, newTraceRate(c.lim.MaxTraceRate))
	}()
	c.stopFwd = func() { cancel(); <-done; sub.Close() }
}

// forwardTrace is the first hop of the trace pipe (docs/trace.md): it reads
// the engine's rings through sub, lets at most rate's events through, and
// offers each batch to q encoded once as the browser's message. The drops
// of the hops so far travel in the next message; a message q drops gives
// its events and its own drops to the next one. It returns when ctx ends.
func forwardTrace(ctx context.Context, sub *trace.Subscription, q *trace.Queue[trace.Message], rate *traceRate) {
	var pending [trace.NumHops]int64 // drops not yet in a message
	send := func(evs []trace.Event) {
		m := trace.AppendMessage(nil, evs, pending)
		pending = [trace.NumHops]int64{}
		// A message past the protocol's frame bound (a batch of huge log
		// lines) would stop the writer: it is dropped and counted as a
		// full queue's would be.
		if len(m)+1 > proto.MaxFrameSize || !q.Offer(m) {
			h, _ := m.Header()
			for i, d := range h.Drops {
				pending[i] += int64(d)
			}
			pending[trace.HopInstance] += int64(h.Events)
		}
	}
	owed := func() bool { return pending != [trace.NumHops]int64{} }
	var evs []trace.Event // reused: AppendMessage copies the events into the message's bytes
	defer func() {
		if owed() {
			send(nil)
		}
	}()
	for {
		wait := ctx
		var cancel context.CancelFunc = func() {}
		if owed() {
			wait, cancel = context.WithTimeout(ctx, traceNoticeAfter)
		}
		var err error
		evs, err = sub.AppendNext(wait, evs[:0], traceBatchMax)
		cancel()
		// While the writer has not taken the last message, the events
		// gather into fewer, fuller messages rather than fill its queue.
		for err == nil && len(evs) > 0 && len(evs) < traceBatchMax && q.Len() > 0 {
			wait, cancel := context.WithTimeout(ctx, traceGather)
			n := len(evs)
			evs, _ = sub.AppendNext(wait, evs, traceBatchMax-n)
			cancel()
			if len(evs) == n {
				break // nothing new: the message goes as it is
			}
			trace.SortByTime(evs) // each worker's events stay in order
		}
		if n := rate.allow(len(evs), time.Now()); n < len(evs) {
			pending[trace.HopRate] += int64(len(evs) - n)
			evs = evs[:n]
		}
		if len(evs) > 0 || (err != nil && ctx.Err() == nil && owed()) {
			send(evs)
		}
		if ctx.Err() != nil || (err != nil && !errors.Is(err, context.DeadlineExceeded)) {
			return
		}
		if len(evs) < traceBatchMax {
			select { // let events gather
			case <-time.After(traceGather):
			case <-ctx.Done():
			}
		}
	}
}

// traceRate is a token bucket over the trace events streamed per second
// (burst: one second's worth). A zero rate lets everything through.
type traceRate struct {
	rate   float64
	tokens float64
	last   time.Time
}

func newTraceRate(perSecond int) *traceRate {
	return &traceRate{rate: float64(perSecond), tokens: float64(perSecond)}
}

// allow returns how many of n events may go now.
func (t *traceRate) allow(n int, now time.Time) int {
	if t.rate <= 0 || n == 0 {
		return n
	}
	if !t.last.IsZero() {
		t.tokens = min(t.rate, t.tokens+now.Sub(t.last).Seconds()*t.rate)
	}
	t.last = now
	k := min(n, int(t.tokens))
	t.tokens -= float64(k)
	return k
}

// onHold is the engine's OnHold: on a worker's thread, must not block.
func (c *child) onHold() {
	select {
	case c.holds <- struct{}{}:
	default:
	}
}

// stateLoop sends a State each time a paused loop stopped at another
// dispatch (when it differs from the last one sent).
func (c *child) stateLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.holds:
		}
		c.sendState(false)
	}
}

// sendState sends the step mode's state: always when forced (the answer
// to Pause, Step, Resume), else only when it changed.
func (c *child) sendState(force bool) {
	c.stateMu.Lock()
	defer c.stateMu.Unlock()
	st := &proto.State{}
	if e := c.live.Load(); e != nil {
		st.Paused = e.Paused()
		st.Pending = e.Pending()
	}
	if !force && c.lastState != nil && st.Paused == c.lastState.Paused && slices.Equal(st.Pending, c.lastState.Pending) {
		return
	}
	c.lastState = st
	c.send(st)
}

// memoryWatchdog ends the child with an Exit message when the live Go heap
// passes the memory limit (GOMEMLIMIT makes the GC work hard before that;
// RLIMIT_AS is the hard stop if an allocation outruns the watchdog). The
// live heap is what the last GC marked (runtime/metrics,
// /gc/heap/live:bytes), so it looks once after each GC cycle, not on a
// clock: an idle instance allocates nothing, runs no GC and is never woken
// (a 10 ms poll was most of an idle class's CPU: docs/benchmarks.md, "A
// classroom").
func (c *child) memoryWatchdog(ctx context.Context) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	gcs := afterEachGC(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-gcs:
		}
		metrics.Read(sample)
		live := int64(-1)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			live = int64(sample[0].Value.Uint64())
		}
		if live <= c.lim.MemoryLimit {
			continue
		}
		fmt.Fprintf(c.stderr, "restylab sandbox: live heap %d bytes > limit %d\n", sample[0].Value.Uint64(), c.lim.MemoryLimit)
		select {
		case c.ctrl <- &proto.Exit{Reason: MemoryLimitReason(c.lim.MemoryLimit)}:
			select {
			case <-c.exited:
			case <-time.After(500 * time.Millisecond):
			}
		case <-time.After(500 * time.Millisecond):
		}
		os.Exit(ExitMemoryLimit)
	}
}

// gcSentinel is an object whose finalizer marks the end of a GC cycle; it
// holds a pointer so that it is not placed in a tiny-allocator block
// (whose finalizers may never run).
type gcSentinel struct{ _ *byte }

// afterEachGC returns a channel that receives after each completed GC
// cycle (coalesced: one pending value at most) until ctx ends. Each
// cycle's sweep finds the last sentinel unreachable and runs its
// finalizer, which arms the next one.
func afterEachGC(ctx context.Context) <-chan struct{} {
	ch := make(chan struct{}, 1)
	var arm func()
	arm = func() {
		runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
			if ctx.Err() != nil {
				return
			}
			select {
			case ch <- struct{}{}:
			default:
			}
			arm()
		})
	}
	arm()
	return ch
}

// healthLoop sends the child's resource usage every interval (lossy). While
// the process uses almost no CPU (under healthQuietShare of a core: its
// memory, sockets and files do not change without it running) a report is
// left out and the next look comes twice as late, up to healthQuietMax; an
// accepted connection or any output to the lab (a log line, trace events)
// brings the interval back. An idle instance is then woken every few
// seconds, not every second: each wake-up also restarts the Go runtime's
// sysmon thread, which was most of an idle instance's context switches
// (docs/benchmarks.md, "A classroom").
func (c *child) healthLoop(ctx context.Context, every time.Duration) {
	t := time.NewTimer(every)
	defer t.Stop()
	wait := every
	last, lastAt := int64(-1), time.Time{}
	for {
		woken := false
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-c.healthWake:
			woken = true
			if !t.Stop() {
				select {
				case <-t.C:
				default:
				}
			}
		}
		now := time.Now()
		if cpu, since := selfCPU(), now.Sub(lastAt); last >= 0 && !woken && float64(cpu-last) < healthQuietShare*float64(since) && since < healthQuietMax {
			wait = min(wait*2, max(healthQuietMax, every))
		} else {
			c.offer(c.health())
			last, lastAt = selfCPU(), now
			wait = every
		}
		c.healthSlow.Store(wait > every)
		if wait > every && c.counters != nil {
			c.counters.SetWatch(c.wakeHealth) // a connection is activity too
		}
		t.Reset(wait)
	}
}

// wakeHealth brings the health reports back to their interval when they
// slowed down for an idle process (called with each lossy message).
func (c *child) wakeHealth() {
	if c.healthSlow.Load() {
		c.healthSlow.Store(false)
		select {
		case c.healthWake <- struct{}{}:
		default:
		}
	}
}

// selfCPU is the user + system CPU time of this process, in ns (-1 when
// getrusage fails).
func selfCPU() int64 {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_SELF, &ru) != nil {
		return -1
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// health reads this process's usage from /proc and getrusage.
func (c *child) health() *proto.Health {
	h := &proto.Health{}
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 1 {
			pages, _ := strconv.ParseInt(f[1], 10, 64)
			h.RSS = pages * int64(os.Getpagesize())
		}
	}
	h.CPUTime = selfCPU()
	sockets := 0
	if ents, err := os.ReadDir("/proc/self/fd"); err == nil {
		h.FDs = len(ents)
		for _, e := range ents {
			if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && strings.HasPrefix(l, "socket:") {
				sockets++
			}
		}
	}
	h.Conns = max(sockets-int(c.listenN.Load()), 0)
	return h
}

// loadError turns a load or start error into a LoadError naming the
// workspace file and line, with the temporary directory removed from the text.
func (c *child) loadError(dir string, err error) *proto.LoadError {
	var ce *conf.Error
	if errors.As(err, &ce) && ce.Pos.File != "" {
		f := rel(dir, ce.Pos.File)
		return &proto.LoadError{Message: fmt.Sprintf("%s in %s:%d", scrub(dir, ce.Msg), f, ce.Pos.Line), File: f, Line: ce.Pos.Line}
	}
	return &proto.LoadError{Message: scrub(dir, err.Error())}
}

// rel names a workspace file as the learner knows it.
func rel(dir, file string) string {
	if r, err := filepath.Rel(dir, file); err == nil && filepath.IsLocal(r) {
		return filepath.ToSlash(r)
	}
	return filepath.Base(file)
}

// scrub removes the workspace's temporary directory from a message.
func scrub(dir, msg string) string {
	return strings.ReplaceAll(msg, dir+string(filepath.Separator), "")
}

// MemoryLimitReason is the sentence a learner reads when the memory limit ended an instance.
func MemoryLimitReason(limit int64) string {
	return "memory limit of " + formatBytes(limit) + " exceeded"
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}
