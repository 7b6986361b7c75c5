// Package trace records what workers do (epoll waits, reads, coroutine
// resumes and yields, phases, timers, logs) as Events, and hands them to any
// number of subscribers: the `run --trace -` printer, the web UI, tests.
// docs/trace.md documents the event schema and the guarantees below.
//
// Each worker owns a Recorder backed by a bounded ring that only that worker
// writes. Recording never blocks the worker and does not allocate: a
// subscriber that falls a whole ring behind loses the oldest events and is
// told exactly how many with a Dropped event. With nobody subscribed,
// Recorder.Enabled is a single atomic load and Emit returns at once.
//
// Concurrency: Tracer and Subscription methods are safe from any goroutine
// (a single Subscription's Next must not be called concurrently with
// itself). Recorder.Emit must only be called from its worker's thread (one
// producer per ring); Recorder.Enabled is safe anywhere.
package trace
