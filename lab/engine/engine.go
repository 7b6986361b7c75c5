package engine

import (
	"errors"
	"fmt"
	"golang.org/x/sys/unix"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/lab/event"
	"github.com/restylab/restylab/lab/shdict"
	"github.com/restylab/restylab/lab/trace"
)

func init() {
	// LuaJIT has no implicit `arg` table in vararg functions; building one
	// per call also costs an allocation on every handler run.
	lua.CompatVarArg = false
}

// Options tune an Engine beyond its nginx.conf.
type Options struct {
	// Tracer receives trace events; nil means a private one nobody reads
	// (recording then costs one atomic load per event site).
	Tracer *trace.Tracer
	// CPUBudget aborts a Lua resume that uses more than this of its worker
	// thread's CPU time without yielding (0: no limit, like nginx); the
	// wait for a core on a loaded machine is not counted (coro.Budget).
	CPUBudget time.Duration
	// Stderr receives startup messages ("[emerg] ..."); default os.Stderr.
	Stderr io.Writer
	// Hosts maps host names cosockets may use to "ip:port" (the lab's
	// upstream names such as redis.lab); other names need an IP literal.
	Hosts map[string]string
	// DialPolicy decides which addresses cosockets, proxy_pass and
	// balancer peers may connect to (SandboxDialPolicy for a learner's
	// instance). nil means `restylab run`'s: LoopbackOnly for cosockets,
	// any address for proxy_pass as in nginx.
	DialPolicy DialPolicy
	// Sandbox gives Lua the lab's safe environment (no io, no os.execute,
	// no debug but traceback, capped string.rep): for learners' instances.
	// `restylab run` leaves it off, like nginx.
	Sandbox bool

	// Limits a sandbox puts over the configuration's own values; 0 leaves
	// a limit unset. The error each one causes names the lab's limit.

	// MaxResponseBytes closes the connection of a response (header and
	// body) that grows past it, with an error_log line.
	MaxResponseBytes int64
	// MaxBodyBytes caps client_max_body_size (also where it is 0, unlimited).
	MaxBodyBytes int64
	// MaxConnections caps worker_connections.
	MaxConnections int
	// MaxTimers caps lua_max_pending_timers and lua_max_running_timers.
	MaxTimers int
	// MaxClientTimeout caps client_header_timeout, keepalive_timeout and
	// send_timeout: how long a connection may sit without a complete
	// request header, or with a response its client does not read.
	MaxClientTimeout time.Duration
	// MaxSharedDictBytes caps the total size of the lua_shared_dict zones:
	// a configuration over it does not load (the error names the
	// lua_shared_dict line that crosses it).
	MaxSharedDictBytes int64

	// OnHold runs on a worker's thread each time its paused loop has
	// recorded what it would dispatch next (see Pending): after Pause, and
	// after each stepped dispatch. It must not block.
	OnHold func()
	// OnAccessLog runs on a worker's thread each time access log lines
	// reach a file: path is the file as the configuration resolved it,
	// data the bytes written (whole lines, several when a buffer= buffer
	// was flushed). It must not block and must not keep data.
	OnAccessLog func(path string, data []byte)

	// Inherit holds listening sockets of the engine this one replaces (its
	// Listeners), by listen address: a plain (non-reuseport) address found
	// here is served on a duplicate of that socket instead of a new bind,
	// as nginx's new workers inherit the old ones' sockets on reload. The
	// old engine keeps and closes its own descriptors; connections queued
	// on the socket are accepted by whichever engine still listens.
	Inherit map[string]int
	// InheritDicts are the shared dicts of the engine this one replaces
	// (its SharedDicts): a lua_shared_dict of the same name and size keeps
	// its contents, as nginx keeps a shared memory zone across a reload; a
	// zone whose size changed starts empty.
	InheritDicts []*shdict.Dict
	// InheritCaches are the proxy cache zones of the engine this one
	// replaces (Engine.CacheZones): zones of the same name, path and size
	// keep their entries.
	InheritCaches *CacheZones
	// Counters are the numbering of the engine this one replaces (its
	// Counters): connection numbers and request ids go on across the
	// reload, as nginx's connection counter lives in shared memory. nil:
	// numbering starts at 1.
	Counters *Counters
}

// Counters hand out connection numbers (the "*N" of error_log lines) and
// the trace's request ids; engines that follow one another by reload share
// one Counters, so neither number is given twice in an instance.
type Counters struct {
	conn, req atomic.Int64
	// watch, when set, is called (on the worker's thread, once) at the
	// next accepted connection: SetWatch arms it again. The sandbox's
	// child uses it to look at its health again when it was idle.
	watch atomic.Pointer[func()]
}

// SetWatch arms f to be called at the next accepted connection (nil
// disarms). f must not block: it runs on an event loop's thread.
func (c *Counters) SetWatch(f func()) {
	if f == nil {
		c.watch.Store(nil)
		return
	}
	c.watch.Store(&f)
}

// accepted numbers a new client connection and calls the armed watch.
func (c *Counters) accepted() int64 {
	n := c.conn.Add(1)
	if c.watch.Load() != nil {
		if f := c.watch.Swap(nil); f != nil {
			(*f)()
		}
	}
	return n
}

// Engine serves one configuration.
type Engine struct {
	cfg    *conf.Config
	opts   Options
	tracer *trace.Tracer
	errlog *ErrorLog
	// accessLogs are the open access_log files by path (accesslog.go).
	accessLogs map[string]*accessLogFile
	dicts      []*shdict.Dict
	caches     map[string]*cacheZone // proxy_cache_path zones by name (proxycache.go)
	tls        *tlsServers           // the TLS settings of "listen ... ssl" servers (tls.go)
	protos     map[*conf.LuaCode]*lua.FunctionProto
	loadErr    map[*conf.LuaCode]error

	userVars map[string]struct{} // variables declared by set / set_by_lua, map, named map captures
	// indexedVars are the variables directives use: nginx caches their
	// values per request (map, $request_id); others are computed per read.
	indexedVars map[string]bool

	workers   []*worker
	listeners *listenerSet
	seq       *Counters
	coSeq     atomic.Int64
	tempSeq   atomic.Int64
	wg        sync.WaitGroup
	stopOnce  sync.Once
	closeOnce sync.Once
	errMu     sync.Mutex
	runErr    error
}

// New prepares an engine for cfg: opens the error log, creates the shared
// dicts and compiles every Lua snippet. Nothing listens until Start.
func New(cfg *conf.Config, opts Options) (*Engine, error) {
	if cfg.HTTP == nil {
		return nil, errors.New("no http block: nothing to serve")
	}
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	e := &Engine{cfg: cfg, opts: opts, tracer: opts.Tracer, seq: opts.Counters}
	if e.seq == nil {
		e.seq = &Counters{}
	}
	if e.tracer == nil {
		e.tracer = trace.New(cfg.WorkerProcesses, 1024)
	}
	el, err := OpenErrorLog(cfg.ErrorLog, ParseLevel(cfg.ErrorLogLevel))
	if err != nil {
		return nil, err
	}
	if err := checkSharedDicts(cfg.HTTP.SharedDicts, opts.MaxSharedDictBytes); err != nil {
		el.Close()
		return nil, err
	}
	e.errlog = el
	for _, d := range cfg.HTTP.SharedDicts {
		e.dicts = append(e.dicts, inheritedDict(opts.InheritDicts, d))
	}
	if e.caches, err = newCacheZones(cfg, opts.InheritCaches); err != nil {
		el.Close()
		return nil, fmt.Errorf("proxy_cache_path: %w", err)
	}
	if e.tls, err = buildTLSServers(cfg.HTTP); err != nil {
		el.Close()
		return nil, fmt.Errorf("ssl: %w", err)
	}
	e.compileAll()
	e.userVars = declaredVars(cfg.HTTP)
	if err := e.checkVars(); err != nil {
		return nil, err
	}
	if err := e.openAccessLogs(); err != nil {
		e.closeAccessLogs()
		return nil, err
	}
	return e, nil
}

// inheritedDict is the predecessor's zone of d's name and size, or a new one.
func inheritedDict(old []*shdict.Dict, d conf.SharedDict) *shdict.Dict {
	for _, o := range old {
		if o.Name() == d.Name && o.Capacity() == d.Size {
			return o
		}
	}
	return shdict.New(d.Name, d.Size, nil)
}

// SharedDicts are the engine's lua_shared_dict zones, for a successor's
// Options.InheritDicts.
func (e *Engine) SharedDicts() []*shdict.Dict { return e.dicts }

// Counters returns the engine's numbering, for a successor's Options.Counters.
func (e *Engine) Counters() *Counters { return e.seq }

// ErrorLog returns the engine's error log (for a sink).
func (e *Engine) ErrorLog() *ErrorLog { return e.errlog }

// Tracer returns the engine's tracer.
func (e *Engine) Tracer() *trace.Tracer { return e.tracer }

// Start opens the listening sockets and starts the workers; each runs
// init_by_lua and init_worker_by_lua in its own VM before it accepts.
func (e *Engine) Start() error {
	n := e.cfg.WorkerProcesses
	if n < 1 {
		n = 1
	}
	ls, err := openListeners(e.cfg.HTTP, n, e.opts.Inherit)
	if err != nil {
		return err
	}
	e.listeners = ls
	e.setHeaderTimeouts(ls)
	for _, l := range e.cfg.HTTP.ListenAddrs() {
		if l.HTTP2 {
			// HTTP/2 framing is out of the lab's scope: say so where a
			// learner looks, once per address
			e.errlog.Write(LevelNotice, 0, 0, "listen "+l.Addr+" http2: the lab speaks HTTP/1.1 only; TLS's ALPN offers http/1.1 and clients fall back to it")
		}
	}
	ready := make(chan error, n)
	// every worker exists before the first one runs: a worker's Lua reads
	// the others (ngx.worker.pids)
	for i := 0; i < n; i++ {
		loop, err := event.New(e.tracer.Recorder(i))
		if err != nil {
			for _, w := range e.workers {
				w.loop.Close()
			}
			e.workers = nil
			ls.closeAll()
			return err
		}
		w := &worker{e: e, id: i, listeners: ls.forWorker(i), loop: loop, threadPools: map[string]*threadPool{}}
		for _, tp := range e.cfg.ThreadPools {
			w.threadPools[tp.Name] = &threadPool{cfg: tp, slots: make(chan struct{}, tp.Threads)}
		}
		e.workers = append(e.workers, w)
	}
	for _, w := range e.workers {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			if err := w.run(ready); err != nil {
				e.setErr(err)
			}
		}()
	}
	var first error
	for i := 0; i < n; i++ {
		if err := <-ready; err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		e.Stop()
		e.wg.Wait()
		ls.closeAll()
		e.listeners = &listenerSet{}
		return first
	}
	e.errlog.Write(LevelNotice, os.Getpid(), 0, fmt.Sprintf("restylab engine: %d worker(s) started", n))
	return nil
}

func (e *Engine) setErr(err error) {
	e.errMu.Lock()
	if e.runErr == nil {
		e.runErr = err
	}
	e.errMu.Unlock()
}

// Stop asks every worker to stop; Wait waits for them.
func (e *Engine) Stop() {
	e.stopOnce.Do(func() {
		for _, w := range e.workers {
			if w.loop != nil {
				w.loop.Stop()
			}
		}
	})
}

// Listeners returns the shared (non-reuseport) listening sockets by listen
// address, for a successor engine's Options.Inherit. Call after Start.
func (e *Engine) Listeners() map[string]int {
	out := map[string]int{}
	if e.listeners != nil {
		for _, l := range e.listeners.shared {
			out[l.addr] = l.fd
		}
	}
	return out
}

// Quit stops gracefully, as nginx does on SIGQUIT: workers stop accepting,
// close idle connections, finish the requests in flight and then exit (at
// the latest after shutdownTimeout).
func (e *Engine) Quit() {
	for _, w := range e.workers {
		w := w
		w.loop.Submit(w.beginQuit)
	}
}

// StopAccepting is the first step of Quit, waited for: every worker stops
// accepting (its listeners leave its epoll) and closes its idle keep-alive
// connections. It returns once all have, or after timeout (a paused or
// stopped loop runs nothing). After it, a new connection on a listening
// socket this engine shares with a successor reaches only the successor.
func (e *Engine) StopAccepting(timeout time.Duration) {
	var wg sync.WaitGroup
	for _, w := range e.workers {
		w := w
		wg.Add(1)
		w.loop.Submit(func() {
			w.beginQuit()
			wg.Done()
		})
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		// Every worker has taken the shared listening sockets out of its
		// epoll, so nothing uses them: close them now, as nginx's old
		// workers do on a graceful quit. A retired engine must not hold
		// the port while it finishes its requests (a reload that cannot
		// share the socket binds it anew). After a timeout they stay open
		// until Wait: a worker might still use the fd number.
		e.closeListeners()
	case <-time.After(timeout):
	}
}

// closeListeners closes the shared listening sockets, once.
func (e *Engine) closeListeners() {
	e.closeOnce.Do(func() {
		if e.listeners == nil {
			return
		}
		for _, l := range e.listeners.shared {
			unix.Close(l.fd)
		}
	})
}

// shutdownTimeout bounds a graceful stop (nginx's worker_shutdown_timeout
// has no default; the lab must not hang).
const shutdownTimeout = 30 * time.Second

// Wait blocks until all workers have stopped and returns the first worker error.
func (e *Engine) Wait() error {
	e.wg.Wait()
	e.closeListeners()
	e.closeAccessLogs()
	e.errMu.Lock()
	defer e.errMu.Unlock()
	return e.runErr
}

// Pause stops every worker's loop before its next dispatch (step mode);
// Step lets n more dispatches through each paused worker; Resume lets them
// run freely. Safe from any goroutine.
func (e *Engine) Pause() {
	for _, w := range e.workers {
		w.loop.Pause()
	}
}

// Step lets n more dispatches (a ready fd's handler, a timer, a posted
// event) through each paused worker.
func (e *Engine) Step(n int) {
	for _, w := range e.workers {
		w.loop.Step(n)
	}
}

// Resume ends step mode.
func (e *Engine) Resume() {
	for _, w := range e.workers {
		w.loop.Resume()
	}
}

// Pending describes what the paused workers would dispatch next, each line
// prefixed with its worker: "worker 0: fd 9 readable (client connection)",
// "worker 0: timer ngx.sleep 50ms due in 12 ms", "worker 0: posted
// event". It is empty when no worker is paused. Safe from any goroutine.
func (e *Engine) Pending() []string {
	var out []string
	for _, w := range e.workers {
		for _, p := range w.loop.Pending() {
			out = append(out, "worker "+strconv.Itoa(w.id)+": "+p)
		}
	}
	return out
}

// Paused reports whether the workers are paused (step mode).
func (e *Engine) Paused() bool {
	return len(e.workers) > 0 && e.workers[0].loop.Paused()
}

// setHeaderTimeouts gives each listener the client_header_timeout of its
// address's default server, capped by Options.MaxClientTimeout.
func (e *Engine) setHeaderTimeouts(ls *listenerSet) {
	set := func(l *listener) {
		d := e.cfg.HTTP.ClientHeaderTimeout
		if s := e.cfg.HTTP.FindServer(l.addr, ""); s != nil && s.ClientHeaderTimeout > 0 {
			d = s.ClientHeaderTimeout
		}
		if d <= 0 {
			d = clientHeaderTimeout
		}
		l.headerTimeout = e.capTimeout(d)
	}
	for _, l := range ls.shared {
		set(l)
	}
	for _, own := range ls.own {
		for _, l := range own {
			set(l)
		}
	}
}

// capTimeout applies Options.MaxClientTimeout to a client timeout.
func (e *Engine) capTimeout(d time.Duration) time.Duration {
	if m := e.opts.MaxClientTimeout; m > 0 && d > m {
		return m
	}
	return d
}

// checkSharedDicts refuses lua_shared_dict zones whose total size passes
// limit (0: no limit), naming the directive that crosses it.
func checkSharedDicts(dicts []conf.SharedDict, limit int64) error {
	if limit <= 0 {
		return nil
	}
	var total int64
	for _, d := range dicts {
		total += d.Size
		if total > limit {
			what := fmt.Sprintf("lua_shared_dict \"%s\" of %s", d.Name, labBytes(d.Size))
			if total != d.Size {
				what += fmt.Sprintf(" brings the shared dicts to %s,", labBytes(total))
			} else {
				what += " is"
			}
			return fmt.Errorf("%s over the lab's limit of %s for all lua_shared_dict zones in %s:%d", what, labBytes(limit), d.Pos.File, d.Pos.Line)
		}
	}
	return nil
}

// labBytes writes a limit in bytes as a learner reads it: "16 MiB".
func labBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + " GiB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// Workers reports the number of workers.
func (e *Engine) Workers() int { return len(e.workers) }

// declaredVars collects the variables that set and set_by_lua declare
// anywhere in the http block: nginx knows them from load time on.
func declaredVars(h *conf.HTTP) map[string]struct{} {
	vars := make(map[string]struct{})
	addNames := func(names []string) {
		for _, n := range names {
			if n != "" {
				vars[n] = struct{}{}
			}
		}
	}
	var addOps func(ops []*conf.RewriteOp)
	addOps = func(ops []*conf.RewriteOp) {
		for _, op := range ops {
			addOps(op.Ops) // an if block's
			if op.Cond != nil && op.Cond.Re != nil {
				addNames(op.Cond.Re.SubexpNames())
			}
			if op.Kind == conf.OpSet || op.Kind == conf.OpSetByLua {
				vars[op.Var] = struct{}{}
			}
			if op.Re != nil {
				addNames(op.Re.SubexpNames())
			}
		}
	}
	for _, s := range h.Servers {
		addOps(s.Rewrites)
		for l := range conf.LocationTree(s.Locations) {
			if l.Regex != nil {
				addNames(l.Regex.SubexpNames()) // (?<name>...) declares $name, as in nginx
			}
			addOps(l.Rewrites)
		}
	}
	for name, m := range h.Maps {
		vars[name] = struct{}{}
		for _, re := range m.Regexes {
			for _, n := range re.Names {
				vars[n] = struct{}{}
			}
		}
	}
	return vars
}

// dialPolicy is the policy of cosocket connects.
func (o *Options) dialPolicy() DialPolicy {
	if o.DialPolicy != nil {
		return o.DialPolicy
	}
	return LoopbackOnly
}

// proxyDial is the policy of upstream connects: proxy_pass is not limited
// unless a DialPolicy is set.
func (o *Options) proxyDial(addr string) (string, error) {
	if o.DialPolicy != nil {
		return o.DialPolicy(addr)
	}
	return addr, nil
}
