package engine

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"github.com/restylab/restylab/lab/event"
	"github.com/restylab/restylab/lab/trace"
)

// ngx.socket.udp: a connected datagram socket (UDP or a unix datagram
// socket), with ngx_lua 0.10.23's arguments, errors and error_log lines
// (difftest udp/*). setpeername passes the same dial policy as a TCP
// connect (in the sandbox: the instance's own ports and the lab's
// services), so a learner's UDP reaches nothing a TCP cosocket could not.
// receive reads one datagram and yields until one comes or the timeout
// (settimeout, else lua_socket_read_timeout's 60 s) fires.

// udpMaxDatagram is receive's default and largest size (ngx_lua's
// UDP buffer).
const udpMaxDatagram = 65536

// udpsock is one ngx.socket.udp object. Loop-only.
type udpsock struct {
	w       *worker
	r       *request
	fd      int
	peer    string
	timeout time.Duration
	size    int // the pending receive's size
	reading bool
	timer   *event.Timer
	waiter  *uthread
	obj     *lua.LTable
}

// newUDPAPI adds ngx.socket.udp to the ngx.socket table t and builds the
// metatable of its objects.
func (w *worker) newUDPAPI(t *lua.LTable) {
	L := w.L
	mt := L.NewTable()
	for k, f := range map[string]lua.LGFunction{
		"setpeername": w.udpSetPeerName,
		"send":        w.udpSend,
		"receive":     w.udpReceive,
		"settimeout":  w.udpSetTimeout,
		"close":       w.udpClose,
	} {
		w.setAPI(mt, "udpsock:"+k, f)
	}
	mt.RawSetString("__index", mt)
	w.udpMeta = mt
	w.setAPI(t, "ngx.socket.udp", w.udpNew)
}

// udpNew is ngx.socket.udp().
func (w *worker) udpNew(L *lua.LState) int {
	if n := L.GetTop(); n != 0 {
		raise(L, "expecting zero arguments, but got %d", n)
	}
	r := w.need(L, "ngx.socket.udp")
	u := &udpsock{w: w, r: r, fd: -1, timeout: socketTimeout}
	r.pin() // Lua may keep the socket, which names its request
	ud := L.NewUserData()
	ud.Value = u
	obj := L.CreateTable(1, 0)
	obj.RawSetInt(1, ud)
	obj.Metatable = w.udpMeta
	u.obj = obj
	L.Push(obj)
	return 1
}

// udpOf returns the socket of a UDP object, or nil.
func udpOf(v lua.LValue) *udpsock {
	t, ok := v.(*lua.LTable)
	if !ok {
		return nil
	}
	ud, ok := t.RawGetInt(1).(*lua.LUserData)
	if !ok {
		return nil
	}
	u, _ := ud.Value.(*udpsock)
	return u
}

// checkUDP returns the socket of a method call (api names the method for
// need) and checks that the running request owns it.
func (w *worker) checkUDP(L *lua.LState, api string) (*udpsock, *request) {
	if L.GetTop() < 1 || L.Get(1).Type() != lua.LTTable {
		raise(L, "bad argument #1 to '?' (table expected, got %s)", L.Get(1).Type().String())
	}
	r := w.need(L, api)
	u := udpOf(L.Get(1))
	if u != nil && u.r != r {
		raise(L, "bad request")
	}
	return u, r
}

// udpClosedLog is ngx_lua's error_log line for I/O on a socket with no
// peer (u is the C object, NULL before the first setpeername).
func (u *udpsock) closedLog(r *request, op string) {
	ptr := "0000000000000000"
	if u != nil && u.peer != "" {
		ptr = fmt.Sprintf("%016s", strings.ToUpper(strings.TrimPrefix(fmt.Sprintf("%p", u), "0x")))
	}
	r.logSockErr("attempt to " + op + " data on a closed socket: u:" + ptr + ", c:0000000000000000")
}

// udpSetPeerName is udpsock:setpeername(host, port) or ("unix:path").
func (w *worker) udpSetPeerName(L *lua.LState) int {
	if n := L.GetTop(); n != 2 && n != 3 {
		raise(L, "ngx.socket.udp setpeername: expecting 2 or 3 arguments (including the object), but seen %d", n)
	}
	u, r := w.checkUDP(L, "udpsock:setpeername")
	host := L.CheckString(2)
	port := 0
	if L.GetTop() == 3 {
		p, ok := luaInteger(L.Get(3))
		if !ok {
			raise(L, "bad argument #3 to '?' (number expected, got %s)", luaTypeName(L.Get(3)))
		}
		if p < 0 || p > 65535 {
			return nilErr(L, "bad port number: "+strconv.Itoa(p))
		}
		port = p
	}
	var addr string
	if strings.HasPrefix(host, "unix:") {
		addr = host
	} else if mapped, ok := w.e.opts.Hosts[host]; ok && strings.Contains(mapped, ":") {
		addr = mapped // a lab host name stands for one service, as for TCP
	} else {
		ip, err := w.resolve(host)
		if err != nil {
			return nilErr(L, err.Error())
		}
		addr = net.JoinHostPort(ip, strconv.Itoa(port))
	}
	u.closeFD("setpeername")
	dial, err := w.e.opts.dialPolicy()(addr)
	if err != nil {
		r.logErr(LevelErr, err.Error())
		return nilErr(L, err.Error())
	}
	fd, err := dialUDP(dial)
	if err != nil {
		r.logErr(LevelCrit, fmt.Sprintf("connect() failed (%s)", errText(err)))
		return nilErr(L, errMessage(err))
	}
	if err := w.loop.Add(fd, unix.EPOLLIN|unix.EPOLLET, u); err != nil {
		unix.Close(fd)
		return nilErr(L, err.Error())
	}
	u.fd, u.peer = fd, addr
	r.udpSockets = append(r.udpSockets, u)
	L.Push(lua.LNumber(1))
	return 1
}

// udpSend is udpsock:send(data): one datagram.
func (w *worker) udpSend(L *lua.LState) int {
	if n := L.GetTop(); n != 2 {
		raise(L, "expecting 2 arguments (including the object), but got %d", n)
	}
	u, r := w.checkUDP(L, "udpsock:send")
	if u == nil || u.fd < 0 {
		u.closedLog(r, "send")
		return nilErr(L, "closed")
	}
	data := appendPrintable(L, nil, L.Get(2), 2, "send")
	for {
		n, err := unix.Write(u.fd, data)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			r.logSockErr(fmt.Sprintf("send() failed (%s)", errText(err)))
			return nilErr(L, errMessage(err))
		}
		if w.rec.Enabled() {
			w.rec.Emit(trace.Event{Kind: trace.Write, FD: int32(u.fd), Arg: int64(n), Req: r.id})
		}
		L.Push(lua.LNumber(1))
		return 1
	}
}

// udpReceive is udpsock:receive(size?): one datagram, at most size bytes.
func (w *worker) udpReceive(L *lua.LState) int {
	n := L.GetTop()
	if n != 1 && n != 2 {
		raise(L, "expecting 1 or 2 arguments (including the object), but got %d", n)
	}
	u, r := w.checkUDP(L, "udpsock:receive")
	if u == nil || u.fd < 0 {
		u.closedLog(r, "receive")
		return nilErr(L, "closed")
	}
	size := udpMaxDatagram
	if n == 2 {
		v, ok := luaInteger(L.Get(2))
		if !ok {
			raise(L, "bad argument #2 to '?' (number expected, got %s)", luaTypeName(L.Get(2)))
		}
		if v > 0 && v < udpMaxDatagram {
			size = v
		}
	}
	u.size = size
	if vals, done := u.tryRead(); done {
		for _, v := range vals {
			L.Push(v)
		}
		return len(vals)
	}
	u.reading = true
	r.op = opSocket
	r.waitDesc = fmt.Sprintf("read udp fd %d", u.fd)
	u.waiter = r.running
	w.markWait(L, r)
	u.timer = w.loop.AddTimer(u.timeout, u.timedOut)
	u.timer.Desc = "udp socket timeout " + u.timeout.String()
	return w.sched.Yield(L)
}

// tryRead reads one datagram: the Lua results and whether the receive is
// over (false: nothing there yet).
func (u *udpsock) tryRead() ([]lua.LValue, bool) {
	buf := make([]byte, u.size)
	for {
		n, err := unix.Read(u.fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			return nil, false
		}
		if err != nil {
			u.r.logSockErr(fmt.Sprintf("recv() failed (%s)", errText(err)))
			return []lua.LValue{lua.LNil, lua.LString(errMessage(err))}, true
		}
		if u.w.rec.Enabled() {
			u.w.rec.Emit(trace.Event{Kind: trace.Read, FD: int32(u.fd), Arg: int64(n), Req: u.r.id})
		}
		return []lua.LValue{lua.LString(buf[:n])}, true
	}
}

// finish ends a pending receive with vals.
func (u *udpsock) finish(vals ...lua.LValue) {
	u.reading = false
	u.w.loop.StopTimer(u.timer)
	u.timer = nil
	if t := u.waiter; t != nil && t.state().op == opSocket {
		u.waiter = nil
		u.r.resumeThread(t, vals...)
	}
}

func (u *udpsock) timedOut() {
	u.timer = nil
	u.r.logSockErr("lua udp socket read timed out")
	u.finish(lua.LNil, lua.LString("timeout"))
}

// OnEvent handles readiness of the socket.
func (u *udpsock) OnEvent(ev uint32) {
	if !u.reading || u.fd < 0 {
		return
	}
	if vals, done := u.tryRead(); done {
		u.finish(vals...)
	}
}

// Describe names the fd in a paused loop's pending list.
func (u *udpsock) Describe() string { return "udp socket to " + u.peer }

// udpSetTimeout is udpsock:settimeout(ms): 0 or junk means
// lua_socket_read_timeout's default.
func (w *worker) udpSetTimeout(L *lua.LState) int {
	u := udpOf(L.Get(1))
	if u == nil {
		raise(L, "bad argument #1 to '?' (table expected, got %s)", L.Get(1).Type().String())
	}
	ms, _ := luaInteger(L.Get(2))
	u.timeout = socketTimeout
	if ms > 0 {
		u.timeout = time.Duration(ms) * time.Millisecond
	}
	return 0
}

// udpClose is udpsock:close().
func (w *worker) udpClose(L *lua.LState) int {
	u, _ := w.checkUDP(L, "udpsock:close")
	if u == nil || u.fd < 0 {
		return nilErr(L, "closed")
	}
	u.closeFD("close()")
	L.Push(lua.LNumber(1))
	return 1
}

// closeFD closes the socket, if open.
func (u *udpsock) closeFD(why string) {
	if u.fd < 0 {
		return
	}
	u.w.loop.StopTimer(u.timer)
	u.timer = nil
	u.w.loop.Forget(u.fd)
	unix.Close(u.fd)
	if u.w.rec.Enabled() {
		u.w.rec.Emit(trace.Event{Kind: trace.Close, FD: int32(u.fd), Req: u.r.id, Detail: "udp socket: " + why})
	}
	u.fd = -1
}

// releaseUDP closes the UDP sockets a finished request left open.
func (r *request) releaseUDP() {
	for _, u := range r.udpSockets {
		u.closeFD("request finished")
	}
	r.udpSockets = nil
}

// dialUDP makes a non-blocking datagram socket connected to "ip:port" or
// "unix:/path".
func dialUDP(addr string) (int, error) {
	family, sa, err := sockaddrOf(addr)
	if err != nil {
		return -1, err
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := unix.Connect(fd, sa); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// luaInteger reads a number or a numeric string as lua_tointeger would
// after luaL_checknumber accepted it.
func luaInteger(v lua.LValue) (int, bool) {
	switch v := v.(type) {
	case lua.LNumber:
		return int(v), true
	case lua.LString:
		f, err := strconv.ParseFloat(strings.TrimSpace(string(v)), 64)
		if err != nil {
			return 0, false
		}
		return int(f), true
	}
	return 0, false
}

// luaTypeName is the type name luaL_checknumber's message uses ("no
// value" for a missing argument).
func luaTypeName(v lua.LValue) string {
	if v == lua.LNil {
		return "nil"
	}
	return v.Type().String()
}
