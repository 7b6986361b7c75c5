package engine

import (
	"fmt"
	"net"
	"strconv"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// tcpsock:bind, getoption, setoption and setclientcert as ngx_lua 0.10.23
// with its lua-resty-core answers them (difftest cosocket/sockopt_*,
// cosocket/bind). getoption and setoption are lua-resty-core's Lua over
// FFI: their errors carry its file and line, reproduced here.

// restyCoreSocketLua is where lua-resty-core's socket module raises.
const restyCoreSocketLua = "/usr/share/lua/5.1/resty/core/socket.lua"

// sockOptions are the options 0.10.23 supports, as socket levels and names.
var sockOptions = map[string][2]int{
	"keepalive":   {unix.SOL_SOCKET, unix.SO_KEEPALIVE},
	"reuseaddr":   {unix.SOL_SOCKET, unix.SO_REUSEADDR},
	"tcp-nodelay": {unix.IPPROTO_TCP, unix.TCP_NODELAY},
	"sndbuf":      {unix.SOL_SOCKET, unix.SO_SNDBUF},
	"rcvbuf":      {unix.SOL_SOCKET, unix.SO_RCVBUF},
}

// optSock returns the socket of getoption/setoption, raising as
// lua-resty-core does for one that never connected; ok is false when the
// call already pushed nil, "closed".
func optSock(L *lua.LState, api string) (*cosock, bool) {
	cs := sockOf(L.Get(1))
	if cs == nil {
		raise(L, "bad argument #1 to '%s' (table expected, got %s)", api, L.Get(1).Type().String())
	}
	if cs.state == sockNew {
		L.Error(lua.LString(restyCoreSocketLua+":81: socket is never created nor connected"), 0)
	}
	if cs.fd < 0 || cs.state != sockConnected {
		nilErr(L, "closed")
		return nil, false
	}
	return cs, true
}

// optName is the option argument: its table entry, or false after pushing
// the error.
func optName(L *lua.LState) ([2]int, bool) {
	v := L.Get(2)
	if v == lua.LNil {
		nilErr(L, "missing the \"option\" argument")
		return [2]int{}, false
	}
	o, ok := sockOptions[lua.LVAsString(v)]
	if _, isStr := v.(lua.LString); !ok || !isStr {
		nilErr(L, "unsupported option "+lua.LVAsString(v))
		return [2]int{}, false
	}
	return o, true
}

// sockGetOption is tcpsock:getoption(option).
func (w *worker) sockGetOption(L *lua.LState) int {
	cs, ok := optSock(L, "getoption")
	if !ok {
		return 2
	}
	o, ok := optName(L)
	if !ok {
		return 2
	}
	v, err := unix.GetsockoptInt(cs.fd, o[0], o[1])
	if err != nil {
		return nilErr(L, errMessage(err))
	}
	L.Push(lua.LNumber(v))
	return 1
}

// sockSetOption is tcpsock:setoption(option, value).
func (w *worker) sockSetOption(L *lua.LState) int {
	cs, ok := optSock(L, "setoption")
	if !ok {
		return 2
	}
	if L.Get(2) == lua.LNil {
		return nilErr(L, "missing the \"option\" argument")
	}
	var n int
	switch v := L.Get(3).(type) {
	case *lua.LNilType:
		return nilErr(L, "missing the \"value\" argument")
	case lua.LBool:
		if v {
			n = 1
		}
	case lua.LNumber:
		n = int(v)
	default:
		L.Error(lua.LString(fmt.Sprintf("%s:135: bad argument #3 to 'ngx_http_lua_ffi_socket_tcp_setoption' (cannot convert '%s' to 'int')",
			restyCoreSocketLua, v.Type().String())), 0)
	}
	o, ok := optName(L)
	if !ok {
		return 2
	}
	if err := unix.SetsockoptInt(cs.fd, o[0], o[1], n); err != nil {
		return nilErr(L, errMessage(err))
	}
	L.Push(lua.LTrue)
	return 1
}

// sockBind is tcpsock:bind(ip): the local address of the next connect.
func (w *worker) sockBind(L *lua.LState) int {
	if n := L.GetTop(); n != 2 {
		raise(L, "expecting 2 arguments, but got %d", n)
	}
	cs := sockOf(L.Get(1))
	if cs == nil {
		raise(L, "bad argument #1 to 'bind' (table expected, got %s)", L.Get(1).Type().String())
	}
	s, isStr := L.Get(2).(lua.LString)
	ip := net.ParseIP(string(s))
	if !isStr || ip == nil {
		return nilErr(L, "bad address")
	}
	cs.bindIP = ip
	L.Push(lua.LTrue)
	return 1
}

// sockSetClientCert is tcpsock:setclientcert(cert, pkey): the lab's
// cosockets have no TLS, so a certificate is never lua-resty-core's cdata;
// no arguments (clearing it) succeeds.
func (w *worker) sockSetClientCert(L *lua.LState) int {
	if cert := L.Get(2); cert != lua.LNil {
		return nilErr(L, "bad cert arg: cdata expected, got "+cert.Type().String())
	}
	if key := L.Get(3); key != lua.LNil {
		return nilErr(L, "bad pkey arg: cdata expected, got "+key.Type().String())
	}
	L.Push(lua.LTrue)
	return 1
}

// bindError is a failed bind before a cosocket's connect, logged at crit
// as nginx logs it.
type bindError struct {
	ip    string
	errno error
}

func (e *bindError) Error() string {
	return "bind(" + e.ip + ") failed (" + errText(e.errno) + ")"
}

// dial starts the socket's connect to addr, from bindIP when bind set one.
func (cs *cosock) dial(addr string) (int, error) {
	if cs.bindIP == nil {
		return dialNonblock(addr)
	}
	return dialFrom(addr, cs.bindIP)
}

// dialFrom is dialNonblock with a local address.
func dialFrom(addr string, local net.IP) (int, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return -1, fmt.Errorf("bind needs an IP peer: %w", err)
	}
	p, _ := strconv.Atoi(port)
	ip := net.ParseIP(host)
	family := unix.AF_INET
	var sa, la unix.Sockaddr
	if ip4, l4 := ip.To4(), local.To4(); ip4 != nil && l4 != nil {
		s := &unix.SockaddrInet4{Port: p}
		copy(s.Addr[:], ip4)
		l := &unix.SockaddrInet4{}
		copy(l.Addr[:], l4)
		sa, la = s, l
	} else {
		family = unix.AF_INET6
		s := &unix.SockaddrInet6{Port: p}
		copy(s.Addr[:], ip.To16())
		l := &unix.SockaddrInet6{}
		copy(l.Addr[:], local.To16())
		sa, la = s, l
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := unix.Bind(fd, la); err != nil {
		unix.Close(fd)
		return -1, &bindError{ip: local.String(), errno: err}
	}
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	if err := unix.Connect(fd, sa); err != nil && err != unix.EINPROGRESS {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}
