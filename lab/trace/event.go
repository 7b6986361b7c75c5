package trace

import (
	"cmp"
	"slices"
)

// Kind names what happened. The string values are part of the documented
// JSON schema (docs/trace.md): never rename one.
type Kind uint8

// Event kinds.
const (
	EpollWait    Kind = iota + 1 // the worker is about to block in epoll_wait; Arg = timeout ms (-1 = forever)
	EpollReady                   // epoll_wait returned fd ready; Arg = event mask (EPOLLIN=1, EPOLLOUT=4, EPOLLERR=8, EPOLLHUP=16, EPOLLRDHUP=0x2000)
	Accept                       // a connection was accepted on a listening fd; FD = new fd, Detail = peer address
	Read                         // bytes read from FD; Arg = n (0 = EOF)
	Write                        // bytes written to FD; Arg = n
	Close                        // FD closed; Detail = reason
	TimerAdd                     // a timer was armed; Arg = delay in ms; Detail = what for
	TimerFire                    // a timer expired and its handler runs; Detail = what for
	CoCreate                     // a coroutine was created; Co = its id, Arg = parent coroutine id (0 = none)
	CoResume                     // a coroutine resumes (starts running Lua)
	CoYield                      // a coroutine yields; Detail = reason ("sleep 100ms", "read fd 9", "user yield")
	CoExit                       // a coroutine finished; Detail = "ok" or the error
	PhaseEnter                   // a request enters a phase; Phase set
	PhaseExit                    // a request leaves a phase
	RequestStart                 // a request line and headers were parsed; Detail = "GET /path"
	RequestEnd                   // the request finished; Arg = status, Arg2 = bytes sent
	Log                          // ngx.log or an error_log line; Arg = level (ngx.ERR = 4 ...), Detail = message
	LuaError                     // a Lua error ended a handler; Detail = message
	Dropped                      // the consumer missed events; Arg = how many were dropped
	WorkerStart                  // a worker started; FD = its epoll fd, Arg = OS thread id
	WorkerExit                   // a worker stopped
	TLSHello                     // a TLS ClientHello arrived on FD; Detail = "sni=NAME versions=..." (the SNI name, or "-")
	TLSDone                      // a TLS handshake on FD ended; Detail = "TLSv1.3 CIPHER new|resumed", or "failed: why"
)

var kindNames = [...]string{
	EpollWait:    "epoll_wait",
	EpollReady:   "epoll_ready",
	Accept:       "accept",
	Read:         "read",
	Write:        "write",
	Close:        "close",
	TimerAdd:     "timer_add",
	TimerFire:    "timer_fire",
	CoCreate:     "co_create",
	CoResume:     "co_resume",
	CoYield:      "co_yield",
	CoExit:       "co_exit",
	PhaseEnter:   "phase_enter",
	PhaseExit:    "phase_exit",
	RequestStart: "request_start",
	RequestEnd:   "request_end",
	Log:          "log",
	LuaError:     "lua_error",
	Dropped:      "dropped",
	WorkerStart:  "worker_start",
	WorkerExit:   "worker_exit",
	TLSHello:     "tls_hello",
	TLSDone:      "tls_done",
}

// String returns the kind's schema name, e.g. "co_yield".
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "unknown"
}

// Event is one trace record. Fields that do not apply are zero. Events are
// plain values: the worker fills one in and copies it into a ring, so
// recording allocates nothing beyond the Detail string it already has.
type Event struct {
	// TS is monotonic nanoseconds since the tracer started.
	TS     int64
	Kind   Kind
	Worker int32 // worker id (0-based)
	// Gen is the engine generation: 0 for an instance's first engine, one
	// more for each reload's (Tracer.Continue). Workers of two generations
	// share their ids, as ngx.worker.id() numbers each generation from 0.
	Gen   int32
	FD    int32 // file descriptor, 0 when none
	Req   int64 // request id, 0 when none
	Co    int64 // coroutine id, 0 when none
	Phase string
	// Source and Line are the Lua chunk name and line running when the event
	// happened (set for coroutine and log events).
	Source string
	Line   int32
	Arg    int64
	Arg2   int64
	Detail string
}

// SortByTime orders events by TS, keeping the order of equal times: each
// worker's events, already in the order it emitted them, stay so. Events
// already in order (one worker's batch) cost one pass.
func SortByTime(evs []Event) {
	for i := 1; i < len(evs); i++ {
		if evs[i].TS < evs[i-1].TS {
			slices.SortStableFunc(evs, func(a, b Event) int { return cmp.Compare(a.TS, b.TS) })
			return
		}
	}
}
