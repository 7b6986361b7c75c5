package engine

import (
	"fmt"
	"net"
	"runtime/debug"
	"strconv"
	"sync/atomic"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"github.com/restylab/restylab/lab/coro"
	"github.com/restylab/restylab/lab/event"
	"github.com/restylab/restylab/lab/trace"
)

// worker is one nginx worker: one OS thread, one epoll loop, one Lua VM.
type worker struct {
	e   *Engine
	id  int
	tid int // OS thread id, printed in error_log lines as nginx does
	// tidShared is tid for other workers to read (ngx.worker.pids)
	tidShared atomic.Int64
	loop      *event.Loop
	rec       *trace.Recorder
	listeners []*listener

	// luaVM is the VM whose Lua runs now: the worker's own (mainVM) or,
	// with lua_code_cache off, the running request's own (requestvm.go).
	// Its fields (w.L, w.sched, w.ngx, ...) are the running code's.
	*luaVM
	mainVM *luaVM
	budget *coro.Budget // the CPU budget of this worker's resumes; nil: none

	// cur is the request (or init/timer context) whose Lua is running: the
	// ngx API acts on it. Only one coroutine runs at a time on a worker.
	cur            *request
	coroutineState // coroutines and light threads (thread.go)

	conns map[int]*conn

	tlsBuf  []byte // ciphertext read buffer (tlsconn.go)
	dateSec int64  // the second dateBuf was formatted for
	dateBuf []byte // cached Date header value
	outBuf  []byte // ngx.say's and ngx.print's buffer, reused (api_output.go)
	// memReused counts the requests that got a finished request's memory
	// (conn.nextMem): loop-only, read by tests through the loop
	memReused int

	upstreamState // peers' failures and round robin (proxy.go)
	timerState    // ngx.timer callbacks (api_timer.go)
	// threadPools are the thread_pool directives' pools, this worker's own
	// as an nginx worker process has its own threads (workerthread.go)
	threadPools map[string]*threadPool
	pools       map[string][]*cosock // kept-alive cosocket connections
	// accessBufs are the buffers of access logs with buffer= (accesslog_buffer.go)
	accessBufs map[*accessLogFile]*accessLogBuffer
	stopping   bool
	// acceptPaused: at the lab's connection limit, the listeners are out
	// of epoll until a connection closes.
	acceptPaused bool
	// acceptWakes counts this worker's wake-ups per shared listening
	// socket (reorderAccept).
	acceptWakes map[int]uint64
}

// run is the worker's thread: set up, report readiness, loop until stopped.
func (w *worker) run(ready chan<- error) error {
	w.tid = unix.Gettid()
	w.tidShared.Store(int64(w.tid))
	w.rec = w.e.tracer.Recorder(w.id)
	w.conns = make(map[int]*conn)
	w.loop.Hooks.Hold = w.e.opts.OnHold
	w.loop.Hooks.Recover = func(v any) {
		w.log(LevelAlert, 0, fmt.Sprintf("engine bug in a timer: %v\n%s", v, debug.Stack()))
	}
	w.coIDs = make(map[*lua.LState]int64)
	w.uthreads = make(map[*lua.LState]*uthread)
	defer func() {
		if w.budget != nil {
			w.budget.Close()
		}
	}()
	if err := w.initVM(); err != nil {
		ready <- err
		return nil
	}
	defer w.L.Close()
	if w.rec.Enabled() {
		w.rec.Emit(trace.Event{Kind: trace.WorkerStart, FD: int32(w.loop.FD()), Arg: int64(w.tid)})
	}
	if err := w.runInit(); err != nil {
		ready <- err
		return nil
	}
	for _, l := range w.listeners {
		l := l
		ev := uint32(unix.EPOLLIN)
		if l.exclusive {
			ev |= unix.EPOLLEXCLUSIVE
		}
		if err := w.loop.Add(l.fd, ev, listenHandler{w: w, l: l}); err != nil {
			ready <- fmt.Errorf("worker %d: %w", w.id, err)
			return nil
		}
	}
	ready <- nil
	err := w.loop.Run()
	for _, c := range w.conns {
		c.close("worker exiting")
	}
	for _, list := range w.pools {
		for _, pc := range list {
			w.dropPooled(pc)
		}
	}
	for _, l := range w.listeners {
		if !w.stopping { // beginQuit removed them, and StopAccepting may have closed the shared ones since
			w.loop.Remove(l.fd)
		}
		if !l.exclusive {
			unix.Close(l.fd)
		}
	}
	w.flushAccessBuffers() // after the connections' last log phases
	if w.rec.Enabled() {
		w.rec.Emit(trace.Event{Kind: trace.WorkerExit})
	}
	w.loop.Close()
	return err
}

// beginQuit starts a graceful stop of this worker.
func (w *worker) beginQuit() {
	if w.stopping {
		return
	}
	w.stopping = true
	for _, l := range w.listeners {
		w.loop.Remove(l.fd)
	}
	// Only keep-alive connections waiting for their next request are
	// closed (nginx's ngx_close_idle_connections): a connection accepted
	// but not yet read still gets its request served, by the old config.
	for _, c := range w.conns {
		if c.req == nil && c.nreq > 0 && c.rpos >= len(c.rbuf) {
			c.close("worker exiting")
		}
	}
	w.loop.AddTimer(shutdownTimeout, w.loop.Stop)
	w.prematureTimers()
	w.checkQuit()
}

// checkQuit ends the loop of a stopping worker once no connection is left.
func (w *worker) checkQuit() {
	if w.stopping && len(w.conns) == 0 && w.timersRunning == 0 && len(w.luaTimers) == 0 {
		w.loop.Stop()
	}
}

// accept takes new connections from a ready listening socket (at most a
// few per event, so that with EPOLLEXCLUSIVE other workers get a share).
func (w *worker) accept(l *listener) {
	defer w.reorderAccept(l)
	// one connection per wake-up, as nginx with multi_accept off (its
	// default): the next pending connection wakes another worker
	n := 1
	if w.e.cfg.MultiAccept {
		n = 16
	}
	for i := 0; i < n; i++ {
		if m := w.e.opts.MaxConnections; m > 0 && m < w.e.cfg.WorkerConnections && len(w.conns) >= m {
			w.pauseAccept(m)
			return
		}
		fd, sa, err := unix.Accept4(l.fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != nil {
			if err != unix.EAGAIN && err != unix.EINTR {
				w.log(LevelAlert, 0, "accept4() failed ("+strconv.Itoa(int(err.(unix.Errno)))+": "+errnoText(err)+")")
			}
			return
		}
		if len(w.conns) >= w.e.cfg.WorkerConnections {
			w.log(LevelAlert, 0, fmt.Sprintf("%d worker_connections are not enough", w.e.cfg.WorkerConnections))
			unix.Close(fd)
			continue
		}
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		c := newConn(w, fd, l, sa)
		if w.rec.Enabled() {
			w.rec.Emit(trace.Event{Kind: trace.Accept, FD: int32(fd), Arg: int64(l.fd), Detail: c.remoteAddr + ":" + c.remotePort})
		}
		if err := w.loop.Add(fd, unix.EPOLLIN|unix.EPOLLOUT|unix.EPOLLRDHUP|unix.EPOLLET, c); err != nil {
			unix.Close(fd)
			continue
		}
		w.conns[fd] = c
		c.armIdle(l.headerTimeout)
		if l.ssl {
			c.startTLS()
		}
	}
}

// reorderAccept re-registers a shared listening socket in this worker's
// epoll every 16 wake-ups, as nginx does (ngx_reorder_accept_events):
// Linux wakes the first epoll that registered an EPOLLEXCLUSIVE socket
// and is waiting, so without it an idle first worker takes almost every
// connection. Re-adding puts this worker at the end of the socket's queue.
func (w *worker) reorderAccept(l *listener) {
	if !l.exclusive || w.acceptPaused {
		return
	}
	if w.acceptWakes == nil {
		w.acceptWakes = map[int]uint64{}
	}
	w.acceptWakes[l.fd]++
	if w.acceptWakes[l.fd]%16 != 0 {
		return
	}
	w.loop.Remove(l.fd)
	if err := w.loop.Add(l.fd, unix.EPOLLIN|unix.EPOLLEXCLUSIVE, listenHandler{w: w, l: l}); err != nil {
		w.log(LevelAlert, 0, fmt.Sprintf("listen again on %s: %v", l.addr, err))
	}
}

// pauseAccept stops accepting at the lab's connection limit
// (Options.MaxConnections): new connections wait in the listen backlog
// until one of this worker's closes (resumeAccept), instead of being
// reset, and the level-triggered listener does not spin the loop.
func (w *worker) pauseAccept(limit int) {
	if w.acceptPaused {
		return
	}
	w.acceptPaused = true
	w.log(LevelAlert, 0, fmt.Sprintf("the lab's limit of %d connections per worker is reached (worker_connections %d): new connections wait until one closes", limit, w.e.cfg.WorkerConnections))
	for _, l := range w.listeners {
		w.loop.Remove(l.fd)
	}
}

// resumeAccept listens again once a connection closed below the limit.
func (w *worker) resumeAccept() {
	if !w.acceptPaused || w.stopping || len(w.conns) >= w.e.opts.MaxConnections {
		return
	}
	w.acceptPaused = false
	for _, l := range w.listeners {
		ev := uint32(unix.EPOLLIN)
		if l.exclusive {
			ev |= unix.EPOLLEXCLUSIVE
		}
		if err := w.loop.Add(l.fd, ev, listenHandler{w: w, l: l}); err != nil {
			w.log(LevelAlert, 0, fmt.Sprintf("listen again on %s: %v", l.addr, err))
		}
	}
}

// recoverBug turns a panic in the engine's own code into an [alert] line
// and the loss of one connection, not of the worker: a learner's snippet
// must never take the lab down, even through an engine bug.
func (w *worker) recoverBug(c *conn) {
	rec := recover()
	if rec == nil {
		return
	}
	var num int64
	if c != nil {
		num = c.num
	}
	w.log(LevelAlert, num, fmt.Sprintf("engine bug: %v\n%s", rec, debug.Stack()))
	if c != nil && !c.closed {
		c.req = nil
		c.close("engine bug")
	}
}

// log writes an error_log line on behalf of this worker.
func (w *worker) log(level int, conn int64, msg string) {
	w.e.errlog.Write(level, w.tid, conn, msg)
	if w.rec.Enabled() {
		w.rec.Emit(trace.Event{Kind: trace.Log, Arg: int64(level), Detail: msg})
	}
}

func sockaddrString(sa unix.Sockaddr) (string, string) {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port)
	case *unix.SockaddrInet6:
		return net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port)
	}
	return "unix:", ""
}
