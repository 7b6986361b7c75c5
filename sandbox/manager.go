package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/restylab/restylab/lab/trace"
	"github.com/restylab/restylab/sandbox/proto"
)

// Config configures a Manager. Zero fields take the Default* constants.
type Config struct {
	// Binary is the restylab executable to run (default os.Executable()).
	Binary string
	// Args come before the limit flags (default ["sandbox"]).
	Args []string
	// TempDir holds the Manager's workspace root, restylab-lab-XXXX/, with
	// one directory per child, removed when the child is reaped (default:
	// the system's temporary directory). See workdir.go.
	TempDir string
	// Hosts are the lab host names (redis.lab, ...) the instances'
	// cosockets may connect to, name to "ip:port" (see testserver).
	Hosts map[string]string
	// LabFiles are files every workspace gets beside its own (the lab's
	// certificates, labca.CA.Files), by slash-separated path relative to
	// nginx.conf's directory; a workspace file of the same path wins.
	LabFiles map[string]string

	MaxInstances int
	// MaxAddresses is how many distinct listen addresses a workspace may
	// declare: each child gets that many loopback ports (default
	// DefaultMaxAddresses).
	MaxAddresses int
	IdleTimeout  time.Duration
	StartTimeout time.Duration
	StopTimeout  time.Duration
	EventBuffer  int

	// Limits of each child, applied by the child (its flags).
	MemoryLimit      int64
	AddressSpace     int64
	OpenFiles        int
	CPUBudget        time.Duration
	MaxWorkers       int
	HealthInterval   time.Duration
	MaxConnections   int
	MaxTimers        int
	MaxResponseBytes int64
	MaxBodyBytes     int64
	MaxClientTimeout time.Duration
	MaxTraceRate     int
	// Nice is the nice value of the children's threads (1..19; negative:
	// the lab's own, for measuring what the priority buys).
	Nice int
	// HogNice is the nice value of an instance while it keeps a core busy
	// (negative: not demoted). See hogs in cpuwatch.go.
	HogNice int

	// CPUPerMinute is the CPU time a child may use in CPUWindow; the
	// Manager samples /proc/PID/stat and kills a child past it.
	CPUPerMinute time.Duration
	CPUWindow    time.Duration

	// cgroup v2 limits of each child, applied by the Manager when it can
	// create cgroups (see CgroupParent).
	CgroupMemory int64
	MaxPids      int
	CgroupCPUs   float64
	// CgroupParent is the cgroup v2 directory under which the children's
	// cgroups are made (default: the lab's own cgroup, from
	// /proc/self/cgroup); "off" does without cgroups.
	CgroupParent string

	// Logger logs the Manager's operations: the isolation in force, kills,
	// failures to clean up (default slog.Default()).
	Logger *slog.Logger
}

// Workspace is what a learner edits: nginx.conf and the other files (Lua
// modules, includes) by slash-separated path relative to it.
type Workspace struct {
	Conf  string
	Files map[string]string
}

// LoadError is a workspace the child refused, with its file and line.
type LoadError proto.LoadError

func (e *LoadError) Error() string { return e.Message }

// ErrFull is returned (wrapped, with the count) when MaxInstances are live.
var ErrFull = errors.New("lab is full")

// ErrClosed is returned by Start after Close.
var ErrClosed = errors.New("sandbox manager closed")

// Manager starts and supervises one child per session. Its methods are
// safe for concurrent use.
type Manager struct {
	cfg   Config
	spawn chan func() // run on the spawner thread (see spawner)
	quit  chan struct{}
	wg    sync.WaitGroup

	cgroups   *cgroups // nil without cgroup v2
	isolation string   // what Isolation says
	root      *workRoot
	log       *slog.Logger

	mu        sync.Mutex
	live      int                  // children started and not yet reaped, plus starts in progress
	instances map[string]*Instance // the current instance of each session
	ports     map[int]bool         // the loopback ports set aside for live children (reservePorts)
	closed    bool

	watchMu sync.Mutex
	watched []*cpuWatch // the children the CPU watchdog samples (cpuWatcher)
}

// NewManager returns a Manager; Close stops it and all its instances.
func NewManager(cfg Config) (*Manager, error) {
	if cfg.Binary == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("sandbox: find own executable: %w", err)
		}
		cfg.Binary = exe
	}
	if cfg.Args == nil {
		cfg.Args = []string{"sandbox"}
	}
	setDefault(&cfg.MaxInstances, DefaultMaxInstances)
	setDefault(&cfg.MaxAddresses, DefaultMaxAddresses)
	setDefault(&cfg.IdleTimeout, DefaultIdleTimeout)
	setDefault(&cfg.StartTimeout, DefaultStartTimeout)
	setDefault(&cfg.StopTimeout, DefaultStopTimeout)
	setDefault(&cfg.EventBuffer, DefaultEventBuffer)
	setDefault(&cfg.MemoryLimit, DefaultMemoryLimit)
	setDefault(&cfg.AddressSpace, DefaultAddressSpace)
	setDefault(&cfg.OpenFiles, DefaultOpenFiles)
	setDefault(&cfg.CPUBudget, DefaultCPUBudget)
	setDefault(&cfg.MaxWorkers, DefaultMaxWorkers)
	setDefault(&cfg.HealthInterval, DefaultHealthInterval)
	setDefault(&cfg.MaxConnections, DefaultMaxConnections)
	setDefault(&cfg.MaxTimers, DefaultMaxTimers)
	setDefault(&cfg.MaxResponseBytes, DefaultMaxResponseBytes)
	setDefault(&cfg.MaxBodyBytes, DefaultMaxBodyBytes)
	setDefault(&cfg.MaxClientTimeout, DefaultMaxClientTimeout)
	setDefault(&cfg.MaxTraceRate, DefaultMaxTraceRate)
	setDefault(&cfg.Nice, DefaultNice)
	setDefault(&cfg.HogNice, DefaultHogNice)
	setDefault(&cfg.CPUPerMinute, DefaultCPUPerMinute)
	setDefault(&cfg.CPUWindow, DefaultCPUWindow)
	setDefault(&cfg.CgroupMemory, DefaultCgroupMemory)
	setDefault(&cfg.MaxPids, DefaultMaxPids)
	setDefault(&cfg.CgroupCPUs, DefaultCgroupCPUs)
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	root, err := newWorkRoot(cfg.TempDir)
	if err != nil {
		return nil, err
	}
	m := &Manager{cfg: cfg, root: root, log: cfg.Logger, spawn: make(chan func()), quit: make(chan struct{}), instances: map[string]*Instance{}}
	m.isolation = "rlimits and the CPU watchdog only (cgroups turned off by --cgroup-parent=off)"
	if cfg.CgroupParent != "off" {
		lim := cgroupLimits{memory: cfg.CgroupMemory, pids: cfg.MaxPids, cpus: cfg.CgroupCPUs}
		cg, err := newCgroups(systemCgroupHost(), cfg.CgroupParent, lim)
		if err != nil {
			m.isolation = fmt.Sprintf("rlimits and the CPU watchdog only: cgroup v2 not available (%v); %s", err, cgroupHint)
		} else {
			m.cgroups = cg
			m.isolation = fmt.Sprintf("cgroup v2: a group per instance under %s (memory.max %s, pids.max %d, cpu.max %g CPU), with the rlimits and the CPU watchdog",
				cg.dir, formatBytes(lim.memory), lim.pids, lim.cpus)
		}
	}
	if m.cgroups != nil {
		m.log.Info("sandbox isolation", "isolation", m.isolation, "cgroup", m.cgroups.dir)
	} else {
		m.log.Warn("sandbox isolation", "isolation", m.isolation)
	}
	m.wg.Add(3)
	go m.spawner()
	go m.reaper()
	go m.cpuWatcher()
	return m, nil
}

func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}

// spawner starts children from one OS thread that lives as long as the
// Manager: Pdeathsig fires when the thread that forked a child exits, not
// only when the process does.
func (m *Manager) spawner() {
	defer m.wg.Done()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for {
		select {
		case f := <-m.spawn:
			f()
		case <-m.quit:
			return
		}
	}
}

// reaper stops instances idle for longer than IdleTimeout.
func (m *Manager) reaper() {
	defer m.wg.Done()
	t := time.NewTicker(max(m.cfg.IdleTimeout/4, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-m.quit:
			return
		case <-t.C:
		}
		m.mu.Lock()
		var idle []*Instance
		for _, in := range m.instances {
			if time.Since(time.Unix(0, in.lastUsed.Load())) > m.cfg.IdleTimeout {
				idle = append(idle, in)
			}
		}
		m.mu.Unlock()
		for _, in := range idle {
			go in.stop(fmt.Sprintf("stopped after %v without use", m.cfg.IdleTimeout), ExitIdle)
		}
	}
}

// cgroupHint tells an operator how to give the lab cgroups.
const cgroupHint = "to enable them, run the lab in a cgroup v2 group delegated to its user " +
	"(in Docker: its own cgroup namespace, --cgroupns=private, and a writable cgroup mount; " +
	"elsewhere a systemd unit with Delegate=yes and --cgroup-parent), see docs/operations.md"

// Isolation is one sentence saying how the instances are isolated: cgroup
// v2 groups (and where), or rlimits only and why.
func (m *Manager) Isolation() string { return m.isolation }

// Cgroups reports whether each instance runs in a cgroup v2 group of its own.
func (m *Manager) Cgroups() bool { return m.cgroups != nil }

// Live reports the number of live children.
func (m *Manager) Live() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.live
}

// Instance returns the session's instance, nil when it has none (it may
// have exited: see Instance.Exited).
func (m *Manager) Instance(session string) *Instance {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.instances[session]
}

// Start starts an instance serving ws for session, first stopping the
// session's previous instance if it has one (a restart). It returns a
// *LoadError when the workspace is refused (the child is then stopped),
// an error wrapping ErrFull when MaxInstances children are live.
func (m *Manager) Start(ctx context.Context, session string, ws Workspace) (*Instance, error) {
	if old := m.Instance(session); old != nil {
		old.Stop()
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, ErrClosed
	}
	if m.live >= m.cfg.MaxInstances {
		n := m.live
		m.mu.Unlock()
		return nil, fmt.Errorf("%w: %d instances running", ErrFull, n)
	}
	m.live++ // reserved; released when the child is reaped or never started
	m.mu.Unlock()

	in, err := m.startChild(ctx, ws)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		in.Stop()
		return nil, ErrClosed
	}
	if old := m.instances[session]; old != nil && old != in {
		defer old.Stop() // a concurrent Start for the same session: the last one wins
	}
	m.instances[session] = in
	m.mu.Unlock()
	go func() {
		<-in.done
		m.mu.Lock()
		if m.instances[session] == in {
			delete(m.instances, session)
		}
		m.mu.Unlock()
	}()
	return in, nil
}

// unstarted releases the reservation of a child that never started and
// removes its workspace directory.
func (m *Manager) unstarted(dir string) {
	os.RemoveAll(dir)
	m.release()
}

func (m *Manager) release() {
	m.mu.Lock()
	m.live--
	m.mu.Unlock()
}

// startChild spawns a child, sends Load and waits for the answer. The
// reservation in m.live is released exactly once, when the child is
// reaped or when it never started.
func (m *Manager) startChild(ctx context.Context, ws Workspace) (*Instance, error) {
	ports, err := m.reservePorts(m.cfg.MaxAddresses)
	if err != nil {
		m.release()
		return nil, err
	}
	reading := false // once the read loop runs, the reap releases the ports
	defer func() {
		if !reading {
			m.releasePorts(ports)
		}
	}()
	args := append(append([]string(nil), m.cfg.Args...),
		"--memory-limit="+strconv.FormatInt(m.cfg.MemoryLimit, 10),
		"--address-space="+strconv.FormatInt(m.cfg.AddressSpace, 10),
		"--open-files="+strconv.Itoa(m.cfg.OpenFiles),
		"--cpu-budget="+m.cfg.CPUBudget.String(),
		"--max-workers="+strconv.Itoa(m.cfg.MaxWorkers),
		"--health-interval="+m.cfg.HealthInterval.String(),
		"--max-connections="+strconv.Itoa(m.cfg.MaxConnections),
		"--max-timers="+strconv.Itoa(m.cfg.MaxTimers),
		"--max-response="+strconv.FormatInt(m.cfg.MaxResponseBytes, 10),
		"--max-body="+strconv.FormatInt(m.cfg.MaxBodyBytes, 10),
		"--max-client-timeout="+m.cfg.MaxClientTimeout.String(),
		"--max-trace-rate="+strconv.Itoa(m.cfg.MaxTraceRate),
		"--nice="+strconv.Itoa(m.cfg.Nice),
	)
	if len(m.cfg.Hosts) > 0 {
		args = append(args, "--hosts="+FormatHosts(m.cfg.Hosts))
	}
	dir, err := m.root.instanceDir()
	if err != nil {
		m.release()
		return nil, err
	}
	args = append(args, "--tmpdir="+dir)
	cmd := exec.Command(m.cfg.Binary, args...)
	cmd.Env = []string{"GOTRACEBACK=single"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	in := &Instance{
		m:       m,
		cmd:     cmd,
		ports:   ports,
		dir:     dir,
		events:  make(chan any, m.cfg.EventBuffer),
		traceQ:  trace.NewQueue(m.cfg.EventBuffer, messageEvents),
		replies: make(chan any, 1),
		done:    make(chan struct{}),

		healthNews: make(chan struct{}, 1),
		stderr:     &tailBuffer{max: stderrTail},
	}
	in.lastUsed.Store(time.Now().UnixNano())
	cmd.Stderr = in.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		m.unstarted(dir)
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		m.unstarted(dir)
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	in.stdin = stdin
	in.w = proto.NewWriter(stdin)
	if m.cgroups != nil {
		cg, err := m.cgroups.newChild()
		if err != nil {
			stdin.Close()
			stdout.Close()
			m.unstarted(dir)
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		in.cgroup = cg
		cmd.SysProcAttr.UseCgroupFD = true
		cmd.SysProcAttr.CgroupFD = cg.fd
	}
	started := make(chan error, 1)
	select {
	case m.spawn <- func() { started <- cmd.Start() }:
	case <-m.quit:
		in.cgroup.remove()
		m.unstarted(dir)
		return nil, ErrClosed
	}
	err = <-started
	in.cgroup.started()
	if err != nil {
		in.cgroup.remove()
		m.unstarted(dir)
		return nil, fmt.Errorf("sandbox: start %s: %w", m.cfg.Binary, err)
	}
	// The child renices itself first thing; this covers the threads its
	// runtime started before that.
	if m.cfg.Nice > 0 {
		if err := reniceProcessGroup(cmd.Process.Pid, m.cfg.Nice); err != nil {
			m.log.Warn("renice a new instance", "pid", cmd.Process.Pid, "err", err)
		}
	}
	reading = true
	go in.readLoop(stdout)
	m.watchCPU(in)

	if err := in.w.Write(&proto.Load{Conf: ws.Conf, Files: ws.Files, Port: ports[0], Ports: ports, LabFiles: m.cfg.LabFiles}); err != nil {
		in.Stop()
		return nil, fmt.Errorf("sandbox: send workspace: %w (%s)", err, in.Exited())
	}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.StartTimeout)
	defer cancel()
	reply, err := in.await(ctx)
	if err != nil {
		in.Stop()
		return nil, err
	}
	switch r := reply.(type) {
	case *proto.Ready:
		in.setReady(r)
		return in, nil
	case *proto.LoadError:
		in.Stop()
		return nil, (*LoadError)(r)
	}
	in.Stop()
	return nil, fmt.Errorf("sandbox: unexpected answer %T", reply)
}

// reservePorts picks n distinct free loopback ports for a child, none of
// them set aside for another live child of m: a child binds only the
// ports its addresses need, and one of its spare ports must not be handed
// to a neighbour meanwhile (a reload adding an address takes it later).
// A port in use by some other process can still be taken between the pick
// and the child's bind, as with any port picked this way.
func (m *Manager) reservePorts(n int) ([]int, error) {
	// hold every probe open until all are picked: the kernel then hands
	// out n different ports
	var probes []net.Listener
	defer func() {
		for _, l := range probes {
			l.Close()
		}
	}()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ports == nil {
		m.ports = map[int]bool{}
	}
	var ports []int
	for tries := 0; len(ports) < n; tries++ {
		if tries > 4*n+16 {
			return nil, fmt.Errorf("sandbox: pick %d ports: only %d free after %d tries", n, len(ports), tries)
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("sandbox: pick a port: %w", err)
		}
		probes = append(probes, l)
		if p := l.Addr().(*net.TCPAddr).Port; !m.ports[p] {
			ports = append(ports, p)
		}
	}
	for _, p := range ports {
		m.ports[p] = true
	}
	return ports, nil
}

// releasePorts gives back the ports of a child that was reaped or never
// started.
func (m *Manager) releasePorts(ports []int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range ports {
		delete(m.ports, p)
	}
}

// Close stops every instance and the Manager.
func (m *Manager) Close() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	all := make([]*Instance, 0, len(m.instances))
	for _, in := range m.instances {
		all = append(all, in)
	}
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, in := range all {
		wg.Add(1)
		go func() { defer wg.Done(); in.Stop() }()
	}
	wg.Wait()
	close(m.quit)
	m.wg.Wait()
	m.cgroups.close()
	if err := m.root.close(); err != nil {
		m.log.Warn("remove the instances' workspace root", "err", err)
	}
}

// Instance is one live child serving a session's workspace. Its methods
// are safe for concurrent use.
type Instance struct {
	m        *Manager
	cmd      *exec.Cmd
	ports    []int  // Load.Ports: the lab ports set aside for its addresses
	dir      string // the child's workspace directory, removed when it is reaped
	stdin    io.Closer
	w        *proto.Writer
	stderr   *tailBuffer
	lastUsed atomic.Int64

	cgroup *childCgroup // nil without cgroup v2

	ctlMu   sync.Mutex // one Reload or Stop at a time
	events  chan any   // *proto.LogLine, *proto.AccessLog, *proto.State
	replies chan any   // *proto.Ready, *proto.LoadError
	dropped atomic.Int64
	// traceQ holds the child's trace messages for the session's hub (the
	// "lab" hop of docs/trace.md); traceLost tallies what it dropped.
	traceQ    *trace.Queue[trace.Message]
	traceLost trace.DropTally

	recs   sync.Map // open recordings by id: int64 -> *Recording
	recSeq atomic.Int64

	// healthNews has a token after each Health frame (HealthChanged).
	healthNews chan struct{}

	mu         sync.Mutex
	ready      proto.Ready // the last Ready: warnings, workers and limits
	health     proto.Health
	state      proto.State
	exitMsg    string // from the child's Exit frame
	stopReason string // set when the Manager ended the child
	stopKind   string // ExitKind of the stop: "stopped" or "idle"
	killReason string // set when the Manager killed the child for a limit
	killKind   string // ExitKind of the kill
	reason     string // final, set before done is closed
	kind       string // final ExitKind, set before done is closed
	done       chan struct{}
	stopOnce   sync.Once
}

// Port is the loopback port of the workspace's first listen address (the
// one lessons' checks use).
func (in *Instance) Port() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.ready.Port != 0 {
		return in.ready.Port
	}
	return in.ports[0]
}

// Addresses are the workspace's distinct listen addresses in the order
// nginx.conf first gives them, each with the loopback port serving it and
// whether it speaks TLS, as the child reported them for the workspace it
// serves now. A fresh slice: the caller may keep it.
func (in *Instance) Addresses() []proto.Address {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]proto.Address(nil), in.ready.Addresses...)
}

// PID is the child's process id.
func (in *Instance) PID() int { return in.cmd.Process.Pid }

// Warnings are the last load's diagnostics (Lua that will fail at
// request time, a lowered worker_processes).
func (in *Instance) Warnings() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.ready.Warnings
}

// Workers is the number of workers serving the current workspace, after
// the lab's caps (worker_processes 4 runs as 2 under MaxWorkers 2), as the
// child reported it: what every per-worker figure must use.
func (in *Instance) Workers() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.ready.Workers
}

// SSL tells whether the instance's first address speaks TLS ("listen ...
// ssl"), as the child reported it for the workspace it serves now.
func (in *Instance) SSL() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.ready.SSL
}

// Limits are the instance's limits, as the child reported them.
func (in *Instance) Limits() proto.Limits {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.ready.Limits
}

func (in *Instance) setReady(r *proto.Ready) {
	in.mu.Lock()
	in.ready = *r
	in.mu.Unlock()
}

// Touch records that the learner used the instance (the idle timer restarts).
func (in *Instance) Touch() { in.lastUsed.Store(time.Now().UnixNano()) }

// Events delivers error_log lines (*proto.LogLine), access log lines as
// they reach their file (*proto.AccessLog) and the step mode's states
// (*proto.State: after Pause, Step and Resume, and each time a paused loop
// stops at another dispatch). It is closed when the child has exited.
// Events the consumer did not take in time are dropped and counted by
// Dropped (State keeps the last one). Trace messages come through Trace.
func (in *Instance) Events() <-chan any { return in.events }

// Trace delivers the trace messages the child encoded for the browser
// while SetTrace is on (trace.Message: the lab forwards their bytes
// without decoding them; docs/trace.md, "The pipe"). The queue is bounded:
// a message the consumer did not take in time is dropped, counted by the
// queue's Dropped and tallied for TraceLost. It is closed when the child
// has exited (what it holds can still be taken).
func (in *Instance) Trace() *trace.Queue[trace.Message] { return in.traceQ }

// TraceLost returns what the messages Trace dropped since the last call
// held: their events at trace.HopLab, and the drops they carried at their
// hops, for a trace.Notice.
func (in *Instance) TraceLost() (drops [trace.NumHops]int64, any bool) {
	return in.traceLost.Take()
}

// messageEvents is a trace message's weight in its queue's Dropped.
func messageEvents(m trace.Message) int64 {
	h, _ := m.Header()
	return int64(h.Events)
}

// Dropped counts events dropped because Events was full.
func (in *Instance) Dropped() int64 { return in.dropped.Load() }

// Health is the child's last reported resource usage.
func (in *Instance) Health() proto.Health {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.health
}

// HealthChanged has a value after the child reported its health (every
// --health-interval, less often while it is idle): read Health then. One
// value stands for any number of reports since it was last taken.
func (in *Instance) HealthChanged() <-chan struct{} { return in.healthNews }

// Done is closed when the child has exited and been reaped.
func (in *Instance) Done() <-chan struct{} { return in.done }

// Exited returns the one sentence saying why the child ended ("memory
// limit of 256 MiB exceeded", "crashed: panic: ...", "stopped"), or ""
// while it runs.
func (in *Instance) Exited() string {
	select {
	case <-in.done:
		in.mu.Lock()
		defer in.mu.Unlock()
		return in.reason
	default:
		return ""
	}
}

// State is the last step-mode state the child reported.
func (in *Instance) State() proto.State {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.state
}

// Pause stops the instance's event loops before their next dispatch; the
// child reports what they would dispatch next as a *proto.State on Events.
// Requests wait (their clients see no answer) until Step or Resume.
func (in *Instance) Pause() error {
	in.Touch()
	if err := in.w.Write(&proto.Pause{}); err != nil {
		return in.goneError(err)
	}
	return nil
}

// Step lets n more dispatches (a ready fd's handler, a timer, a posted
// event) through each paused worker; a State follows when they stop again.
func (in *Instance) Step(n int) error {
	if n < 1 {
		return fmt.Errorf("sandbox: step %d: want at least 1 event", n)
	}
	in.Touch()
	if err := in.w.Write(&proto.Step{N: n}); err != nil {
		return in.goneError(err)
	}
	return nil
}

// Resume lets the paused event loops run freely again.
func (in *Instance) Resume() error {
	in.Touch()
	if err := in.w.Write(&proto.Resume{}); err != nil {
		return in.goneError(err)
	}
	return nil
}

// SetTrace turns the trace stream on or off.
func (in *Instance) SetTrace(on bool) error {
	in.Touch()
	return in.w.Write(&proto.SetTrace{On: on})
}

// Reload serves ws instead of the current workspace once the requests in
// flight have finished. A *LoadError leaves the old workspace serving.
func (in *Instance) Reload(ctx context.Context, ws Workspace) error {
	in.ctlMu.Lock()
	defer in.ctlMu.Unlock()
	in.Touch()
	if err := in.w.Write(&proto.Reload{Conf: ws.Conf, Files: ws.Files}); err != nil {
		return in.goneError(err)
	}
	reply, err := in.await(ctx)
	if err != nil {
		return err
	}
	switch r := reply.(type) {
	case *proto.Ready:
		in.setReady(r)
		return nil
	case *proto.LoadError:
		return (*LoadError)(r)
	}
	return fmt.Errorf("sandbox: unexpected answer %T", reply)
}

// await waits for the answer to Load or Reload.
func (in *Instance) await(ctx context.Context) (any, error) {
	select {
	case r := <-in.replies:
		return r, nil
	case <-in.done:
		return nil, in.goneError(nil)
	case <-ctx.Done():
		return nil, fmt.Errorf("sandbox: waiting for the instance: %w", ctx.Err())
	}
}

func (in *Instance) goneError(err error) error {
	select {
	case <-in.done:
		return fmt.Errorf("sandbox: the instance ended: %s", in.Exited())
	default:
		return fmt.Errorf("sandbox: %w", err)
	}
}

// Stop asks the child to finish its requests and exit; past StopTimeout it
// kills the child's process group. It returns once the child is reaped.
func (in *Instance) Stop() { in.stop("stopped", ExitStopped) }

func (in *Instance) stop(reason, kind string) {
	in.stopOnce.Do(func() {
		in.mu.Lock()
		in.stopReason = reason
		in.stopKind = kind
		in.mu.Unlock()
		_ = in.w.Write(&proto.Stop{})
		select {
		case <-in.done:
		case <-time.After(in.m.cfg.StopTimeout):
			in.kill()
		}
	})
	<-in.done
}

// killFor kills the child for a limit; reason is what the learner reads,
// kind its ExitKind.
func (in *Instance) killFor(kind, reason string) {
	in.mu.Lock()
	if in.killReason == "" {
		in.killReason = reason
		in.killKind = kind
	}
	in.mu.Unlock()
	in.kill()
}

// kill sends SIGKILL to the child's process group.
func (in *Instance) kill() {
	if p := in.cmd.Process; p != nil {
		_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
	}
}

// readLoop reads the child's frames until its stdout ends, then reaps it.
// It is the only sender on events and replies.
func (in *Instance) readLoop(stdout io.Reader) {
	r := proto.NewReader(stdout)
	for {
		msg, err := r.Read()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				in.kill() // a child that breaks the protocol is not trusted further
			}
			break
		}
		switch m := msg.(type) {
		case *proto.Ready, *proto.LoadError:
			select {
			case in.replies <- m:
			default: // nobody asked: ignore
			}
		case *proto.State:
			in.mu.Lock()
			in.state = *m
			in.mu.Unlock()
			select {
			case in.events <- m:
			default:
				in.dropped.Add(1)
			}
		case *proto.TraceMessage:
			msg := trace.Message(m.Data)
			h, err := trace.CheckMessage(msg)
			if err != nil {
				in.kill() // a child that breaks the protocol is not trusted further
				break
			}
			if !in.traceQ.Offer(msg) {
				in.traceLost.Add(trace.HopLab, h)
				in.traceQ.Wake()
			}
		case *proto.LogLine, *proto.AccessLog:
			select {
			case in.events <- m:
			default:
				in.dropped.Add(1)
			}
		case *proto.Recorded:
			in.deliverRecorded(m)
		case *proto.Health:
			in.mu.Lock()
			in.health = *m
			in.mu.Unlock()
			select {
			case in.healthNews <- struct{}{}:
			default: // a token is already waiting
			}
		case *proto.Exit:
			in.mu.Lock()
			in.exitMsg = m.Reason
			in.mu.Unlock()
		}
	}
	io.Copy(io.Discard, stdout)
	werr := in.cmd.Wait()
	in.stdin.Close()
	if err := os.RemoveAll(in.dir); err != nil {
		in.m.log.Warn("remove an instance's workspace", "dir", in.dir, "err", err)
	}
	oomKilled := in.cgroup.oomKilled()
	in.cgroup.remove()
	in.mu.Lock()
	switch {
	case in.killReason != "":
		in.reason, in.kind = in.killReason, in.killKind
	case oomKilled && in.exitMsg == "":
		in.reason, in.kind = MemoryLimitReason(in.m.cfg.CgroupMemory), ExitMemory
	default:
		in.reason = exitReason(in.exitMsg, in.stopReason, in.cmd.ProcessState, werr, in.stderr.String(), in.m.cfg.MemoryLimit)
		in.kind = exitKind(in.reason, in.stopReason, in.stopKind, in.m.cfg.MemoryLimit)
	}
	in.mu.Unlock()
	in.traceQ.Close()
	close(in.events)
	in.m.releasePorts(in.ports)
	in.m.release()
	close(in.done)
}

// Why an instance ended, as Instance.ExitKind says it: a small fixed set,
// fit for a metric's label.
const (
	ExitStopped = "stopped" // the lab stopped it (a restart, Close, a reset)
	ExitIdle    = "idle"    // unused for IdleTimeout
	ExitCPU     = "cpu"     // past CPUPerMinute
	ExitMemory  = "memory"  // past the memory limit (Go heap or cgroup)
	ExitCrashed = "crashed" // a panic or a fatal error of the child
	ExitOther   = "other"   // any other exit status or signal
)

// ExitKind classifies why the instance ended (one of the Exit* constants),
// or "" while it runs.
func (in *Instance) ExitKind() string {
	select {
	case <-in.done:
		in.mu.Lock()
		defer in.mu.Unlock()
		return in.kind
	default:
		return ""
	}
}

// exitKind classifies an exit reason made by exitReason.
func exitKind(reason, stopReason, stopKind string, memLimit int64) string {
	switch {
	case reason == MemoryLimitReason(memLimit) || strings.HasPrefix(reason, "memory limit of "):
		return ExitMemory
	case strings.HasPrefix(reason, "crashed: "):
		return ExitCrashed
	case stopReason != "" && (reason == stopReason || reason == "stopped"):
		return stopKind
	}
	return ExitOther
}

// exitReason is the sentence for the learner: the child's own Exit
// message, else a memory or crash line from its stderr, else the exit
// status or signal; a stop the Manager asked for says so.
func exitReason(exitMsg, stopReason string, st *os.ProcessState, werr error, stderr string, memLimit int64) string {
	if exitMsg != "" && (exitMsg != "stopped" || stopReason == "") {
		return exitMsg
	}
	if strings.Contains(stderr, "out of memory") || strings.Contains(stderr, "cannot allocate memory") {
		return MemoryLimitReason(memLimit)
	}
	for _, prefix := range []string{"panic: ", "fatal error: "} {
		if i := strings.Index(stderr, prefix); i >= 0 {
			line, _, _ := strings.Cut(stderr[i:], "\n")
			return "crashed: " + line
		}
	}
	if stopReason != "" {
		return stopReason
	}
	if st == nil {
		return fmt.Sprintf("ended: %v", werr)
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return fmt.Sprintf("killed by signal %s", ws.Signal())
	}
	return fmt.Sprintf("exited with status %d", st.ExitCode())
}

// tailBuffer keeps the first line of a panic and the last max bytes of a
// child's stderr.
type tailBuffer struct {
	mu   sync.Mutex
	max  int
	head []byte // the first max/4 bytes: a panic line comes early
	buf  []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max/4 - len(b.head); room > 0 {
		b.head = append(b.head, p[:min(room, len(p))]...)
	}
	b.buf = append(b.buf, p...)
	if len(b.buf) > b.max {
		b.buf = append(b.buf[:0], b.buf[len(b.buf)-b.max:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if bytes.HasPrefix(b.buf, b.head) {
		return string(b.buf)
	}
	return string(b.head) + "\n...\n" + string(b.buf)
}

// reservedPorts counts the ports set aside for live children.
func (m *Manager) reservedPorts() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.ports)
}
