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
// the engine's CPU budget per coroutine resume, and a cap on
// worker_processes. Children run in their own process group and get
// SIGKILL when the parent dies (Pdeathsig).
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
	// DefaultOpenFiles is RLIMIT_NOFILE.
	DefaultOpenFiles = 256
	// DefaultCPUBudget aborts a Lua resume that runs this long without
	// yielding (the request gets a 500; the instance keeps serving).
	DefaultCPUBudget = time.Second
	// DefaultMaxWorkers caps worker_processes (a larger value is lowered,
	// with a warning).
	DefaultMaxWorkers = 2
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
