// Package sandbox runs one isolated, supervised server instance per learner
// session: a child process (`restylab sandbox`, ChildMain) that serves the
// learner's workspace with the engine on a loopback port, under OS limits,
// and a Manager in the web process that starts, supervises, reloads and
// stops those children. Parent and child talk over the child's stdin and
// stdout in the frames of package proto (docs/sandbox.md).
//
// # Limits
//
// Each limit is a named constant (Default*) with a Config field and a flag
// of `restylab sandbox`. The child applies them to itself at startup:
// RLIMIT_AS and RLIMIT_NOFILE (soft = hard, so learner code cannot raise
// them), the Go memory limit (GOMEMLIMIT) plus a watchdog that ends the
// child with "memory limit of N MiB exceeded" when the live heap passes it,
// the engine's CPU budget per coroutine resume, a cap on
// worker_processes, and caps the engine puts over nginx.conf's own values
// (connections, timers, body and response sizes, client timeouts) with
// errors that name the lab's limit. The Manager watches each child's CPU
// time over a sliding window (/proc/PID/stat) and kills a child past
// CPUPerMinute. When the lab may create cgroup v2 groups, each child also
// runs in its own cgroup with memory.max, pids.max and cpu.max; otherwise
// the Manager logs once why not and relies on the rest. Children run in
// their own process group and get SIGKILL when the parent dies
// (Pdeathsig).
//
// # Step mode
//
// Instance.Pause, Step and Resume drive the engine's event loops: a paused
// child reports what its loops would dispatch next in proto.State messages
// on Instance.Events.
//
// # Concurrency
//
// Manager and Instance methods are safe for concurrent use. An Instance's
// Events channel is filled by one reader goroutine that never blocks: when
// the consumer falls behind, events are dropped and counted (Dropped). The
// child likewise never lets a slow parent block its workers: error_log
// lines and trace batches go through a bounded queue and are dropped with a
// count when it is full.
package sandbox

import "time"

// Defaults of the limits on one child; Config fields and flags change them.
const (
	// DefaultMemoryLimit is the Go memory limit (GOMEMLIMIT) and the live
	// heap past which the child is ended.
	DefaultMemoryLimit = 256 << 20
	// DefaultAddressSpace is RLIMIT_AS: the hard stop for an allocation the
	// watchdog cannot see in time. The Go runtime reserves address space
	// beyond its heap, so it is well above DefaultMemoryLimit.
	DefaultAddressSpace = 2 << 30
	// DefaultOpenFiles is RLIMIT_NOFILE: room for a burst of 1000
	// connections (the web lab's largest) plus their cosockets.
	DefaultOpenFiles = 4096
	// DefaultCPUBudget aborts a Lua resume that uses this much of its
	// worker thread's CPU time without yielding (time spent waiting for a
	// core on a loaded machine is not counted; the request gets a 500; the
	// instance keeps serving).
	DefaultCPUBudget = time.Second
	// DefaultMaxWorkers caps worker_processes (a larger value is lowered,
	// with a warning).
	DefaultMaxWorkers = 2
	// DefaultCPUPerMinute is the CPU time (user + system, all threads) a
	// child may use in DefaultCPUWindow; past it the Manager kills it with
	// "CPU limit: the instance used 30 s of CPU in the last minute". It
	// stops what the per-resume budget cannot see: work spread over many
	// short resumes.
	DefaultCPUPerMinute = 30 * time.Second
	// DefaultCPUWindow is the sliding window of DefaultCPUPerMinute.
	DefaultCPUWindow = time.Minute
	// DefaultMaxConnections caps worker_connections (client connections
	// per worker; past it the worker stops accepting, with an error_log
	// line, until one closes). A burst of 1000 at concurrency 1000 fits.
	DefaultMaxConnections = 1024
	// DefaultMaxTimers caps lua_max_pending_timers and
	// lua_max_running_timers (per worker).
	DefaultMaxTimers = 1024
	// DefaultMaxResponseBytes is the largest response (header and body): a
	// larger one is cut and its connection closed, with an error_log line.
	DefaultMaxResponseBytes = 16 << 20
	// DefaultMaxBodyBytes caps client_max_body_size, also where it is 0
	// (unlimited): a larger request body gets 413.
	DefaultMaxBodyBytes = 16 << 20
	// DefaultMaxClientTimeout caps client_header_timeout and
	// keepalive_timeout: a client that sends nothing useful (slowloris)
	// holds its file descriptor this long at most.
	DefaultMaxClientTimeout = 10 * time.Second
	// DefaultMaxTraceRate is the most trace events per second streamed to
	// the parent; the excess is dropped and counted at the "rate" hop of
	// the trace pipe (docs/trace.md). A burst of 1000 sleeping requests
	// makes about 20000 events; the lab forwards one for about 1.5 µs.
	DefaultMaxTraceRate = 50000
	// DefaultNice is the nice value of every thread of a child: below the
	// lab's priority, so a spinning instance leaves the cores to the lab
	// and to the instances that are waiting for a request (priority.go).
	DefaultNice = 10
	// DefaultHogNice is the nice value of an instance while it wants half a
	// core or more (sampled every 250 ms), until it is calm for a second.
	DefaultHogNice = 19
	// DefaultCgroupMemory is memory.max of a child's cgroup (cgroup v2
	// only): RSS of every kind, above DefaultMemoryLimit for the Go heap.
	DefaultCgroupMemory = 512 << 20
	// DefaultMaxPids is pids.max of a child's cgroup: the Go runtime's and
	// the workers' threads count.
	DefaultMaxPids = 128
	// DefaultCgroupCPUs is cpu.max of a child's cgroup, in CPUs.
	DefaultCgroupCPUs = 1.0
	// DefaultHealthInterval is how often a child reports its usage.
	DefaultHealthInterval = time.Second
	// DefaultMaxInstances caps the live instances of one Manager.
	DefaultMaxInstances = 32
	// DefaultIdleTimeout stops an instance nobody used for that long.
	DefaultIdleTimeout = 15 * time.Minute
	// DefaultStartTimeout bounds the wait for Ready (or LoadError).
	DefaultStartTimeout = 15 * time.Second
	// DefaultStopTimeout is how long Stop waits for a graceful exit
	// before it kills the process group.
	DefaultStopTimeout = 7 * time.Second
	// DefaultEventBuffer is the size of an Instance's Events channel.
	DefaultEventBuffer = 256
	// stderrTail is how much of a child's stderr is kept to explain a crash.
	stderrTail = 16 << 10
)
