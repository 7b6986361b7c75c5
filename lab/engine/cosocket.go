package engine

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"github.com/restylab/restylab/lab/event"
	"github.com/restylab/restylab/lab/lualib"
	"github.com/restylab/restylab/lab/trace"
)

// Cosocket defaults, as ngx_lua's lua_socket_* directives.
const (
	socketTimeout      = 60 * time.Second // lua_socket_connect/send/read_timeout
	socketPoolSize     = 30               // lua_socket_pool_size
	socketIdleTimeout  = 60 * time.Second // lua_socket_keepalive_timeout
	socketReadChunk    = 4096             // lua_socket_buffer_size
	maxSocketReadBytes = 64 << 20         // the lab's cap on one receive('*a')
)

// sockWait is what a cosocket operation waits for.
type sockWait uint8

const (
	waitNone sockWait = iota
	waitConnect
	waitSend
	waitRecv
)

// recvKind is a receive pattern.
type recvKind uint8

const (
	recvLine  recvKind = iota // '*l'
	recvAll                   // '*a'
	recvSize                  // n bytes
	recvAny                   // receiveany(max)
	recvUntil                 // receiveuntil's reader
)

// cosock is one ngx.socket.tcp object. Loop-only.
type cosock struct {
	w     *worker
	r     *request // the request (or timer) that owns it
	fd    int
	peer  string // "127.0.0.1:6379" or "unix:/path": the pool key by default
	pool  string
	state sockState

	connectTimeout, sendTimeout, readTimeout time.Duration

	rbuf    []byte
	eof     bool
	sockErr string

	out  []byte // data being sent
	sent int

	wait      sockWait
	timer     *event.Timer
	kind      recvKind
	size      int
	until     *untilReader
	reused    int
	poolIdle  *event.Timer
	waiter    *uthread    // the light thread blocked on this socket
	obj       *lua.LTable // the Lua socket object
	shorthand bool        // made by ngx.socket.connect: connect returns obj

	// down is set for a request socket (reqsocket.go): the request whose
	// client connection it reads (fd stays -1); raw: ngx.req.socket(true);
	// bodyLeft: the body bytes a read-only one has not taken yet.
	down     *request
	raw      bool
	bodyLeft int64

	// bindIP: tcpsock:bind's local address for the next connect
	bindIP net.IP
}

type sockState uint8

const (
	sockNew sockState = iota
	sockConnecting
	sockConnected
	sockPooled
	sockClosed
)

// untilReader is the state of one receiveuntil iterator.
type untilReader struct {
	pattern   []byte
	inclusive bool
	done      bool // the pattern was consumed: the next call starts anew
}

// newSocketTable builds ngx.socket.
func (w *worker) newSocketTable() *lua.LTable {
	L := w.L
	t := L.NewTable()
	mt := L.NewTable()
	methods := map[string]lua.LGFunction{
		"connect":        w.sockConnect,
		"send":           w.sockSend,
		"receive":        w.sockReceive,
		"receiveany":     w.sockReceiveAny,
		"receiveuntil":   w.sockReceiveUntil,
		"close":          w.sockClose,
		"settimeout":     w.sockSetTimeout,
		"settimeouts":    w.sockSetTimeouts,
		"setkeepalive":   w.sockSetKeepalive,
		"getreusedtimes": w.sockGetReusedTimes,
		"sslhandshake":   w.sockSSLHandshake,
		"setoption":      w.sockSetOption,
		"getoption":      w.sockGetOption,
		"bind":           w.sockBind,
		"setclientcert":  w.sockSetClientCert,
	}
	idx := L.NewTable()
	for k, f := range methods {
		w.setAPI(idx, "tcpsock:"+k, f)
	}
	mt.RawSetString("__index", idx)
	w.sockMeta = mt
	w.newReqSocketMetas()
	w.newUDPAPI(t)
	w.setAPI(t, "ngx.socket.tcp", func(L *lua.LState) int { return w.sockNew(L, "ngx.socket.tcp") })
	w.setAPI(t, "ngx.socket.stream", func(L *lua.LState) int { return w.sockNew(L, "ngx.socket.stream") })
	w.setAPI(t, "ngx.socket.connect", func(L *lua.LState) int {
		// ngx.socket.connect(host, port): tcp() then connect(); on success
		// it returns the socket itself
		top := L.GetTop()
		w.sockNew(L, "ngx.socket.connect")
		obj := L.Get(-1)
		L.Pop(1)
		if t, ok := obj.(*lua.LTable); ok {
			if ud, ok := t.RawGetInt(1).(*lua.LUserData); ok {
				ud.Value.(*cosock).shorthand = true
			}
		}
		args := []lua.LValue{obj}
		for i := 1; i <= top; i++ {
			args = append(args, L.Get(i))
		}
		L.SetTop(0)
		for _, a := range args {
			L.Push(a)
		}
		return w.sockConnect(L)
	})
	return t
}

// sockNew makes a socket object for api (ngx.socket.tcp, its alias
// ngx.socket.stream, or ngx.socket.connect).
func (w *worker) sockNew(L *lua.LState, api string) int {
	r := w.need(L, api)
	cs := &cosock{w: w, r: r, fd: -1, connectTimeout: socketTimeout, sendTimeout: socketTimeout, readTimeout: socketTimeout}
	r.pin() // Lua may keep the socket, which names its request
	// as in ngx_lua, the socket is a table holding its C object at [1]
	ud := L.NewUserData()
	ud.Value = cs
	obj := L.CreateTable(1, 0)
	obj.RawSetInt(1, ud)
	obj.Metatable = w.sockMeta
	cs.obj = obj
	L.Push(obj)
	return 1
}

// checkSock returns the socket of a method call and checks that the
// running request owns it, as ngx_lua does ("bad request").
func (w *worker) checkSock(L *lua.LState, api string) (*cosock, *request, bool) {
	cs := sockOf(L.Get(1))
	if cs == nil {
		raise(L, "bad argument #1 to '%s' (table expected, got %s)", api, L.Get(1).Type().String())
	}
	r := w.need(L, "tcpsock:"+api)
	if cs.r != r {
		L.Push(lua.LNil)
		if !cs.r.ended {
			raise(L, "bad request") // a live request's socket: a Lua error
		}
		// its request is over: nginx closed the connection with it
		L.Push(lua.LString("closed"))
		return nil, nil, false
	}
	return cs, r, true
}

// connectOptions checks connect's options table as ngx_lua does, raising
// its argument errors, and returns the pool name it gives ("" for none).
// pool_size and backlog are checked only: the lab's pools keep
// lua_socket_pool_size connections and queue no connects.
func connectOptions(L *lua.LState, opts *lua.LTable) string {
	pool := ""
	switch p := opts.RawGetString("pool").(type) {
	case *lua.LNilType:
	case lua.LString:
		pool = string(p)
	case lua.LNumber:
		pool = lualib.FormatNumber(float64(p))
	default:
		L.ArgError(4, fmt.Sprintf("bad \"pool\" option type: %s", p.Type().String()))
	}
	for _, o := range []struct {
		name string
		min  int
	}{{"pool_size", 1}, {"backlog", 0}} {
		v := opts.RawGetString(o.name)
		if v == lua.LNil {
			continue
		}
		// a number or a numeric string; another pool_size is a type
		// error, another backlog is ignored (difftest cosocket/connect_args)
		var n int
		switch v := v.(type) {
		case lua.LNumber:
			n = int(v)
		case lua.LString:
			f, err := strconv.ParseFloat(strings.TrimSpace(string(v)), 64)
			if err != nil && o.name == "pool_size" {
				L.ArgError(4, fmt.Sprintf("bad \"%s\" option type: %s", o.name, v.Type().String()))
			}
			if err != nil {
				continue
			}
			n = int(f)
		default:
			if o.name == "pool_size" {
				L.ArgError(4, fmt.Sprintf("bad \"%s\" option type: %s", o.name, v.Type().String()))
			}
			continue
		}
		if n < o.min {
			L.ArgError(4, fmt.Sprintf("bad \"%s\" option value: %d", o.name, n))
		}
	}
	return pool
}

// sockConnect is tcpsock:connect(host, port, opts?) or connect("unix:path").
func (w *worker) sockConnect(L *lua.LState) int {
	// the arguments as ngx_lua 0.10.23 checks them (difftest
	// cosocket/connect_args): the count first, then the options table
	// (argument 4), then the port, whose problems are returned, not raised
	if n := L.GetTop(); n < 2 || n > 4 {
		raise(L, "ngx.socket connect: expecting 2, 3, or 4 arguments (including the object), but seen %d", n)
	}
	cs, r, ok := w.checkSock(L, "connect")
	if !ok {
		return 2
	}
	host := L.CheckString(2)
	pool := ""
	if opts, okt := L.Get(4).(*lua.LTable); okt {
		pool = connectOptions(L, opts)
	}
	var addr string
	if strings.HasPrefix(host, "unix:") {
		addr = host
	} else {
		var port lua.LNumber
		switch p := L.Get(3).(type) {
		case lua.LNumber:
			port = p
		case lua.LString:
			f, err := strconv.ParseFloat(strings.TrimSpace(string(p)), 64)
			if err != nil {
				return nilErr(L, "missing the port number")
			}
			port = lua.LNumber(f)
		default:
			return nilErr(L, "missing the port number")
		}
		if port < 0 || port > 65535 {
			return nilErr(L, "bad port number: "+strconv.Itoa(int(port)))
		}
		if mapped, ok := w.e.opts.Hosts[host]; ok && strings.Contains(mapped, ":") {
			// a lab host name: it stands for one service, whatever the port
			addr = mapped
		} else {
			ip, err := w.resolve(host)
			if err != nil {
				return nilErr(L, err.Error())
			}
			addr = net.JoinHostPort(ip, strconv.Itoa(int(port)))
		}
	}
	if pool == "" {
		pool = addr
	}
	if cs.state == sockConnected || cs.state == sockConnecting {
		cs.closeFD("reconnect")
	}
	cs.peer, cs.pool = addr, pool
	cs.rbuf, cs.eof, cs.sockErr = nil, false, ""
	// the policy runs before the pool and any system call: a refused
	// address costs nothing and tells nothing about what listens there
	dial, err := w.e.opts.dialPolicy()(addr)
	if err != nil {
		r.logErr(LevelErr, err.Error())
		return nilErr(L, err.Error())
	}
	if pc := w.pooledConn(pool); pc != nil {
		// reuse a kept-alive connection of this worker's pool
		cs.fd, cs.reused, cs.state = pc.fd, pc.reused+1, sockConnected
		cs.rbuf, cs.eof = nil, false
		pc.fd = -1
		w.loop.SetHandler(cs.fd, cs) // still registered from its first connect
		r.sockets = append(r.sockets, cs)
		L.Push(cs.connectResult())
		return 1
	}
	fd, err := cs.dial(dial)
	if err != nil {
		var be *bindError
		if errors.As(err, &be) {
			r.logErr(LevelCrit, be.Error())
			return nilErr(L, errMessage(be.errno))
		}
		r.logSockErr(fmt.Sprintf("connect() failed (%s)", errText(err)))
		return nilErr(L, errMessage(err))
	}
	cs.fd, cs.reused, cs.state = fd, 0, sockConnecting
	if err := w.loop.Add(fd, unix.EPOLLIN|unix.EPOLLOUT|unix.EPOLLRDHUP|unix.EPOLLET, cs); err != nil {
		cs.closeFD("epoll")
		return nilErr(L, err.Error())
	}
	r.sockets = append(r.sockets, cs)
	cs.wait = waitConnect
	return cs.block(L, cs.connectTimeout, fmt.Sprintf("connect fd %d", fd))
}

// connectResult is what a successful connect returns: 1, or the socket
// for ngx.socket.connect.
func (cs *cosock) connectResult() lua.LValue {
	if cs.shorthand {
		return cs.obj
	}
	return lua.LNumber(1)
}

// resolve maps a host name to an address: IP literals, localhost, and the
// engine's host map (the lab's upstream names); ngx_lua needs a resolver
// for anything else.
func (w *worker) resolve(host string) (string, error) {
	if ip := net.ParseIP(strings.Trim(host, "[]")); ip != nil {
		return ip.String(), nil
	}
	if a, ok := w.e.opts.Hosts[host]; ok {
		h, _, err := net.SplitHostPort(a)
		if err == nil {
			return h, nil
		}
		return a, nil
	}
	return "", fmt.Errorf("no resolver defined to resolve \"%s\"", host)
}

// block parks the request's coroutine until the socket's wait ends (or the
// timeout fires).
func (cs *cosock) block(L *lua.LState, timeout time.Duration, desc string) int {
	r := cs.r
	r.op = opSocket
	r.waitDesc = desc
	cs.waiter = r.running
	cs.w.markWait(L, r)
	if timeout > 0 {
		cs.timer = cs.w.loop.AddTimer(timeout, cs.timedOut)
		cs.timer.Desc = "cosocket timeout " + timeout.String()
	}
	return cs.w.sched.Yield(L)
}

// finish ends the current wait and resumes the request with vals.
func (cs *cosock) finish(vals ...lua.LValue) {
	cs.wait = waitNone
	cs.w.loop.StopTimer(cs.timer)
	cs.timer = nil
	if t := cs.waiter; t != nil && t.state().op == opSocket {
		cs.waiter = nil
		cs.r.resumeThread(t, vals...)
	}
}

func (cs *cosock) timedOut() {
	cs.timer = nil
	r := cs.r
	switch cs.wait {
	case waitConnect:
		r.logSockErr("lua tcp socket connect timed out, when connecting to " + cs.peer)
		cs.closeFD("connect timeout")
		cs.finish(lua.LNil, lua.LString("timeout"))
	case waitSend:
		r.logSockErr("lua tcp socket write timed out")
		cs.closeFD("send timeout")
		cs.finish(lua.LNil, lua.LString("timeout"))
	case waitRecv:
		r.logSockErr("lua tcp socket read timed out")
		// a read timeout leaves the connection open (ngx_lua >= 0.8.8)
		partial := cs.takePartial()
		cs.finish(lua.LNil, lua.LString("timeout"), lua.LString(partial))
	}
}

// Describe names the fd in a paused loop's pending list.
func (cs *cosock) Describe() string {
	if cs.state == sockPooled {
		return "cosocket to " + cs.peer + ", idle in its pool"
	}
	return "cosocket to " + cs.peer
}

// OnEvent handles readiness of the socket's fd.
func (cs *cosock) OnEvent(ev uint32) {
	if cs.state == sockPooled {
		// data or a close on an idle pooled connection: it is no longer
		// usable (a writable edge means nothing here)
		if ev&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
			cs.w.dropPooled(cs)
		}
		return
	}
	switch cs.wait {
	case waitConnect:
		if ev&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) != 0 {
			cs.connected()
		}
	case waitSend:
		if ev&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) != 0 {
			cs.trySend()
		}
	case waitRecv:
		if ev&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
			cs.fill()
			cs.tryRecv()
		}
	default:
		if ev&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
			cs.fill() // buffer what arrives while nobody reads
		}
	}
}

func (cs *cosock) connected() {
	errno, err := unix.GetsockoptInt(cs.fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err == nil && errno != 0 {
		err = unix.Errno(errno)
	}
	if err != nil {
		cs.r.logSockErr(fmt.Sprintf("connect() failed (%s)", errText(err)))
		cs.closeFD("connect failed")
		cs.finish(lua.LNil, lua.LString(errMessage(err)))
		return
	}
	cs.state = sockConnected
	cs.finish(cs.connectResult())
}

// sockSend is tcpsock:send(data): a string or an array table of strings.
func (w *worker) sockSend(L *lua.LState) int {
	cs, r, ok := w.checkSock(L, "send")
	if !ok {
		return 2
	}
	if cs.state != sockConnected {
		r.logSockErr("attempt to send data on a closed socket: u:" + fmt.Sprintf("%p", cs) + ", c:0000000000000000, ft:0 eof:0")
		return nilErr(L, "closed")
	}
	data := appendPrintable(L, nil, L.CheckAny(2), 2, "send")
	if cs.down != nil {
		return cs.sendDown(L, data)
	}
	cs.out, cs.sent = data, 0
	if cs.trySendNow() {
		L.Push(lua.LNumber(len(data)))
		return 1
	}
	if cs.sockErr != "" {
		return nilErr(L, cs.sockErr)
	}
	cs.wait = waitSend
	return cs.block(L, cs.sendTimeout, fmt.Sprintf("write fd %d", cs.fd))
}

// trySendNow writes as much as the socket takes; it reports completion.
func (cs *cosock) trySendNow() bool {
	n, err := cs.w.writeNonblock(cs.fd, cs.out[cs.sent:], cs.r.id)
	cs.sent += n
	switch {
	case err == nil:
		return true
	case err == unix.EAGAIN:
		return false
	}
	cs.r.logSockErr(fmt.Sprintf("send() failed (%s)", errText(err)))
	cs.sockErr = errMessage(err)
	cs.closeFD("send failed")
	return false
}

func (cs *cosock) trySend() {
	if cs.trySendNow() {
		cs.finish(lua.LNumber(len(cs.out)))
	} else if cs.sockErr != "" {
		cs.finish(lua.LNil, lua.LString(cs.sockErr))
	}
}

// fill reads what the socket has into the buffer.
func (cs *cosock) fill() {
	if cs.down != nil {
		cs.fillDown()
		return
	}
	if cs.fd < 0 {
		return
	}
	var buf [socketReadChunk]byte
	for !cs.eof && len(cs.rbuf) < maxSocketReadBytes {
		n, err := unix.Read(cs.fd, buf[:])
		if n > 0 {
			cs.rbuf = append(cs.rbuf, buf[:n]...)
			if cs.w.rec.Enabled() {
				cs.w.rec.Emit(trace.Event{Kind: trace.Read, FD: int32(cs.fd), Arg: int64(n), Req: cs.r.id})
			}
			continue
		}
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			return
		}
		if err != nil {
			cs.sockErr = errMessage(err)
		}
		cs.eof = true
		return
	}
}

// sockReceive is tcpsock:receive(pattern?): '*l' (default), '*a' or a size.
func (w *worker) sockReceive(L *lua.LState) int {
	cs, _, ok := w.checkSock(L, "receive")
	if !ok {
		return 2
	}
	switch p := L.Get(2).(type) {
	case *lua.LNilType:
		cs.kind = recvLine
	case lua.LNumber:
		if p < 0 {
			raise(L, "bad argument #2 to 'receive' (bad pattern argument)")
		}
		cs.kind, cs.size = recvSize, int(p)
	case lua.LString:
		if n, err := strconv.Atoi(string(p)); err == nil && n >= 0 {
			cs.kind, cs.size = recvSize, n
			break
		}
		switch {
		case strings.HasPrefix(string(p), "*l"):
			cs.kind = recvLine
		case strings.HasPrefix(string(p), "*a"):
			cs.kind = recvAll
		default:
			raise(L, "bad argument #2 to 'receive' (bad pattern argument)")
		}
	default:
		raise(L, "bad argument #2 to 'receive' (bad pattern argument)")
	}
	return cs.receive(L)
}

// sockReceiveAny is tcpsock:receiveany(max).
func (w *worker) sockReceiveAny(L *lua.LState) int {
	cs, _, ok := w.checkSock(L, "receiveany")
	if !ok {
		return 2
	}
	max := L.CheckInt(2)
	if max <= 0 {
		raise(L, "bad argument #2 to 'receiveany' (bad max argument)")
	}
	cs.kind, cs.size = recvAny, max
	return cs.receive(L)
}

// receive serves a receive from the buffer or waits for input.
func (cs *cosock) receive(L *lua.LState) int {
	if cs.state != sockConnected {
		cs.r.logSockErr("attempt to receive data on a closed socket: u:" + fmt.Sprintf("%p", cs) + ", c:0000000000000000, ft:0 eof:0")
		return nilErr(L, "closed")
	}
	cs.fill()
	if vals, done := cs.match(); done {
		for _, v := range vals {
			L.Push(v)
		}
		return len(vals)
	}
	cs.wait = waitRecv
	return cs.block(L, cs.readTimeout, fmt.Sprintf("read fd %d", cs.fdDesc()))
}

func (cs *cosock) tryRecv() {
	if vals, done := cs.match(); done {
		cs.finish(vals...)
	}
}

// match tries to satisfy the pending receive from the buffer: the Lua
// results and whether the receive is over.
func (cs *cosock) match() ([]lua.LValue, bool) {
	closed := func() ([]lua.LValue, bool) {
		partial := cs.takePartial()
		msg := "closed"
		if cs.sockErr != "" {
			msg = cs.sockErr
		}
		cs.closeFD("peer closed")
		return []lua.LValue{lua.LNil, lua.LString(msg), lua.LString(partial)}, true
	}
	switch cs.kind {
	case recvLine:
		if i := bytes.IndexByte(cs.rbuf, '\n'); i >= 0 {
			line := bytes.ReplaceAll(cs.rbuf[:i], []byte{'\r'}, nil) // '*l' drops every CR
			cs.rbuf = cs.rbuf[i+1:]
			return []lua.LValue{lua.LString(line)}, true
		}
		if cs.eof {
			return closed()
		}
	case recvSize:
		if len(cs.rbuf) >= cs.size {
			data := string(cs.rbuf[:cs.size])
			cs.rbuf = cs.rbuf[cs.size:]
			return []lua.LValue{lua.LString(data)}, true
		}
		if cs.eof {
			return closed()
		}
	case recvAny:
		if len(cs.rbuf) > 0 {
			n := min(cs.size, len(cs.rbuf))
			data := string(cs.rbuf[:n])
			cs.rbuf = cs.rbuf[n:]
			return []lua.LValue{lua.LString(data)}, true
		}
		if cs.eof {
			return closed()
		}
	case recvAll:
		if cs.eof {
			// '*a' ends at the peer's close without an error, and the
			// socket stays open (a second '*a' returns "")
			data := cs.takePartial()
			if cs.sockErr != "" {
				return closed()
			}
			return []lua.LValue{lua.LString(data)}, true
		}
	case recvUntil:
		return cs.matchUntil()
	}
	return nil, false
}

// takePartial empties the buffer.
func (cs *cosock) takePartial() string {
	s := string(cs.rbuf)
	cs.rbuf = nil
	return s
}

// sockReceiveUntil is tcpsock:receiveuntil(pattern, opts?): an iterator
// that reads up to the pattern (reader() or reader(size)).
func (w *worker) sockReceiveUntil(L *lua.LState) int {
	cs, _, ok := w.checkSock(L, "receiveuntil")
	if !ok {
		return 2
	}
	pat := L.CheckString(2)
	if pat == "" {
		raise(L, "pattern is empty")
	}
	u := &untilReader{pattern: []byte(pat)}
	if opts, okt := L.Get(3).(*lua.LTable); okt {
		u.inclusive = lua.LVAsBool(opts.RawGetString("inclusive"))
	}
	L.Push(w.apiFunc("tcpsock:receiveuntil reader", func(L *lua.LState) int {
		r := w.need(L, "tcpsock:receiveuntil reader")
		if cs.r != r {
			return nilErr(L, "bad request")
		}
		cs.kind, cs.until, cs.size = recvUntil, u, 0
		if n, ok := L.Get(1).(lua.LNumber); ok && n > 0 {
			cs.size = int(n)
		}
		return cs.receive(L)
	}))
	return 1
}

// matchUntil serves a receiveuntil reader.
func (cs *cosock) matchUntil() ([]lua.LValue, bool) {
	u := cs.until
	if u.done {
		// the last call found the pattern: this call ends the iteration
		u.done = false
		return []lua.LValue{lua.LNil, lua.LNil}, true
	}
	if i := bytes.Index(cs.rbuf, u.pattern); i >= 0 {
		if cs.size > 0 && i > cs.size {
			data := string(cs.rbuf[:cs.size])
			cs.rbuf = cs.rbuf[cs.size:]
			return []lua.LValue{lua.LString(data)}, true
		}
		end := i
		if u.inclusive {
			end = i + len(u.pattern)
		}
		data := string(cs.rbuf[:end])
		cs.rbuf = cs.rbuf[i+len(u.pattern):]
		if cs.size > 0 {
			u.done = true
			if data == "" {
				u.done = false
				return []lua.LValue{lua.LNil, lua.LNil}, true
			}
		}
		return []lua.LValue{lua.LString(data)}, true
	}
	// Without the pattern in sight, a sized reader may hand out what cannot
	// be the start of the pattern.
	if cs.size > 0 {
		safe := len(cs.rbuf) - (len(u.pattern) - 1)
		if safe >= cs.size {
			data := string(cs.rbuf[:cs.size])
			cs.rbuf = cs.rbuf[cs.size:]
			return []lua.LValue{lua.LString(data)}, true
		}
	}
	if cs.eof {
		partial := cs.takePartial()
		msg := "closed"
		if cs.sockErr != "" {
			msg = cs.sockErr
		}
		cs.closeFD("peer closed")
		return []lua.LValue{lua.LNil, lua.LString(msg), lua.LString(partial)}, true
	}
	return nil, false
}

// sockClose is tcpsock:close().
func (w *worker) sockClose(L *lua.LState) int {
	cs, _, ok := w.checkSock(L, "close")
	if !ok {
		return 2
	}
	if cs.state != sockConnected && cs.state != sockConnecting {
		return nilErr(L, "closed")
	}
	cs.closeFD("close()")
	L.Push(lua.LNumber(1))
	return 1
}

func (w *worker) sockSetTimeout(L *lua.LState) int {
	cs := sockOf(L.Get(1))
	if cs == nil {
		raise(L, "bad argument #1 to 'settimeout' (table expected, got %s)", L.Get(1).Type().String())
	}
	d := luaMillis(L, 2)
	cs.connectTimeout, cs.sendTimeout, cs.readTimeout = d, d, d
	return 0
}

func (w *worker) sockSetTimeouts(L *lua.LState) int {
	cs := sockOf(L.Get(1))
	if cs == nil {
		raise(L, "bad argument #1 to 'settimeouts' (table expected, got %s)", L.Get(1).Type().String())
	}
	cs.connectTimeout, cs.sendTimeout, cs.readTimeout = luaMillis(L, 2), luaMillis(L, 3), luaMillis(L, 4)
	return 0
}

// luaMillis reads a timeout in milliseconds; 0 (or none) means the default.
func luaMillis(L *lua.LState, i int) time.Duration {
	ms := float64(L.OptNumber(i, 0))
	if ms <= 0 {
		return socketTimeout
	}
	return time.Duration(ms * float64(time.Millisecond))
}

func (w *worker) sockGetReusedTimes(L *lua.LState) int {
	cs, _, ok := w.checkSock(L, "getreusedtimes")
	if !ok {
		return 2
	}
	if cs.state != sockConnected {
		return nilErr(L, "closed")
	}
	L.Push(lua.LNumber(cs.reused))
	return 1
}

func (w *worker) sockSSLHandshake(L *lua.LState) int {
	return nilErr(L, "not supported: the lab's cosockets have no TLS")
}

// sockSetKeepalive is tcpsock:setkeepalive(timeout?, size?): the
// connection goes into the worker's pool for this peer (or pool name), if
// nothing unread is left in it.
func (w *worker) sockSetKeepalive(L *lua.LState) int {
	cs, _, ok := w.checkSock(L, "setkeepalive")
	if !ok {
		return 2
	}
	if cs.state != sockConnected {
		return nilErr(L, "closed")
	}
	cs.fill()
	if len(cs.rbuf) > 0 {
		// the connection stays usable: the caller can still read it
		return nilErr(L, "unread data in buffer")
	}
	if cs.eof {
		cs.closeFD("peer closed")
		return nilErr(L, "connection in dubious state")
	}
	idle := socketIdleTimeout
	if ms := float64(L.OptNumber(2, 0)); ms > 0 {
		idle = time.Duration(ms * float64(time.Millisecond))
	}
	size := L.OptInt(3, socketPoolSize)
	w.putPooled(cs, idle, size)
	L.Push(lua.LNumber(1))
	return 1
}

// closeFD closes the connection and forgets it.
func (cs *cosock) closeFD(why string) {
	if cs.fd < 0 {
		cs.state = sockClosed
		return
	}
	cs.w.loop.Forget(cs.fd) // close takes it off the interest list
	unix.Close(cs.fd)
	if cs.w.rec.Enabled() {
		var req int64
		if cs.r != nil {
			req = cs.r.id
		}
		cs.w.rec.Emit(trace.Event{Kind: trace.Close, FD: int32(cs.fd), Req: req, Detail: "cosocket: " + why})
	}
	cs.fd = -1
	cs.state = sockClosed
}

// releaseSockets closes what a finished request left open, as ngx_lua's
// request cleanup does.
func (r *request) releaseSockets() {
	r.ended = true
	for _, t := range r.children {
		if t.th != nil {
			delete(r.w.uthreads, t.th)
			r.w.threadEnded(t.th)
		}
	}
	for _, cs := range r.sockets {
		if cs.state == sockConnected || cs.state == sockConnecting {
			cs.w.loop.StopTimer(cs.timer)
			cs.closeFD("request finished")
		}
	}
	r.sockets = nil
	r.releaseUDP()
}

// sockaddrOf is the socket family and address of "ip:port" (IPv4 or
// IPv6) or "unix:/path".
func sockaddrOf(addr string) (int, unix.Sockaddr, error) {
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		return unix.AF_UNIX, &unix.SockaddrUnix{Name: path}, nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, nil, err
	}
	p, _ := strconv.Atoi(port)
	ip := net.ParseIP(host)
	if ip4 := ip.To4(); ip4 != nil {
		s := &unix.SockaddrInet4{Port: p}
		copy(s.Addr[:], ip4)
		return unix.AF_INET, s, nil
	}
	s := &unix.SockaddrInet6{Port: p}
	copy(s.Addr[:], ip.To16())
	return unix.AF_INET6, s, nil
}

// dialNonblock starts a non-blocking connect to "ip:port" or "unix:/path".
func dialNonblock(addr string) (int, error) {
	family, sa, err := sockaddrOf(addr)
	if err != nil {
		return -1, err
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if family != unix.AF_UNIX {
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	}
	if err := unix.Connect(fd, sa); err != nil && err != unix.EINPROGRESS {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// errText is nginx's "(111: Connection refused)" form.
func errText(err error) string {
	if en, ok := err.(unix.Errno); ok {
		return fmt.Sprintf("%d: %s", int(en), errnoText(en))
	}
	return err.Error()
}

// errMessage is the err string ngx_lua returns to Lua: "connection refused".
func errMessage(err error) string {
	if en, ok := err.(unix.Errno); ok {
		return en.Error()
	}
	return err.Error()
}

// sockOf returns the cosocket of a socket object (the table from
// ngx.socket.tcp), or nil.
func sockOf(v lua.LValue) *cosock {
	t, ok := v.(*lua.LTable)
	if !ok {
		return nil
	}
	ud, ok := t.RawGetInt(1).(*lua.LUserData)
	if !ok {
		return nil
	}
	cs, _ := ud.Value.(*cosock)
	return cs
}
