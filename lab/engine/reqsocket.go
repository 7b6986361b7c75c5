package engine

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"
)

// ngx.req.socket: a cosocket on the client's own connection, as ngx_lua
// 0.10.23 gives it (difftest reqsock/*). Without an argument it is
// read-only and reads the request body (Content-Length bytes, no more);
// ngx.req.socket(true) is the raw connection, readable and writable, and
// the response becomes the handler's own bytes: nginx sends no header and
// no body from then on, and the output APIs return nil, "raw request
// socket acquired". The socket is a cosock whose reads come from the
// connection's input buffer (fillDown) instead of a file descriptor of its
// own, so receive, receiveany and receiveuntil are the TCP cosocket's.
//
// A request socket reaches only the connection of the request that made
// it: cosock.down is that request, checkSock refuses any other request,
// and the socket has no connect. The sandbox's dial policy does not apply
// (nothing is dialled: the client is the learner's own).

// reqSocketMethods are the methods of a request socket (ngx_lua's
// req_socket metatable, plus send for the raw one).
var reqSocketMethods = []string{"receive", "receiveany", "receiveuntil", "settimeout", "settimeouts"}

// newReqSocketMetas builds the metatables of request sockets: read-only
// and raw. As in ngx_lua, a metatable is its own __index.
func (w *worker) newReqSocketMetas() {
	L := w.L
	methods := map[string]lua.LGFunction{
		"receive":      w.sockReceive,
		"receiveany":   w.sockReceiveAny,
		"receiveuntil": w.sockReceiveUntil,
		"settimeout":   w.sockSetTimeout,
		"settimeouts":  w.sockSetTimeouts,
		"send":         w.sockSend,
	}
	build := func(raw bool) *lua.LTable {
		mt := L.NewTable()
		names := reqSocketMethods
		if raw {
			names = append(append([]string{}, names...), "send")
		}
		for _, k := range names {
			w.setAPI(mt, "tcpsock:"+k, methods[k])
		}
		mt.RawSetString("__index", mt)
		return mt
	}
	w.reqSockMeta, w.rawSockMeta = build(false), build(true)
}

// reqSocket is ngx.req.socket(raw?).
func (w *worker) reqSocket(L *lua.LState) int {
	r := w.need(L, "ngx.req.socket")
	n := L.GetTop()
	if n > 1 {
		raise(L, "expecting zero arguments, but got %d", n)
	}
	raw := n == 1 && lua.LVAsBool(L.Get(1))
	if r.sub != nil {
		raise(L, "attempt to read the request body in a subrequest")
	}
	if raw {
		return w.rawReqSocket(L, r)
	}
	// the checks in ngx_lua's order, each observed on 0.10.23
	if r.reqSock != nil || r.bodyState != bodyUnread {
		return nilErr(L, "request body already exists")
	}
	if r.bodyDiscarded || (r.head.ContentLength <= 0 && !r.head.Chunked) {
		return nilErr(L, "no body")
	}
	if r.head.Chunked {
		return nilErr(L, "chunked request bodies not supported yet")
	}
	r.sendContinue()
	cs := w.newReqSock(L, r, false)
	cs.bodyLeft = r.head.ContentLength
	// the body is the socket's now: read_body returns at once and finds
	// none, as ngx_lua's request body exists but holds nothing
	r.bodyState = bodyRead
	L.Push(cs.obj)
	return 1
}

// rawReqSocket is ngx.req.socket(true).
func (w *worker) rawReqSocket(L *lua.LState, r *request) int {
	if r.reqSock != nil && r.reqSock.raw {
		return nilErr(L, "duplicate call")
	}
	if cs := r.reqSock; cs != nil && cs.bodyLeft > 0 {
		// a read-only socket still owns the rest of the body (observed)
		return nilErr(L, "pending request body reading in some other thread")
	}
	c := r.c
	if c == nil || c.closed {
		return nilErr(L, "closed")
	}
	if r.head.Major != 1 {
		return nilErr(L, "http v2 not supported yet")
	}
	// Output nginx's postpone_output still holds (a header, a small body)
	// never goes out: the socket is the handler's from here (observed: a
	// header from ngx.send_headers is lost). Output the socket did not
	// take yet is another matter: ngx_lua refuses.
	unwritten := len(c.wbuf) - c.wpos
	if unwritten > r.unflushed {
		return nilErr(L, "pending data to write")
	}
	if r.unflushed > 0 {
		c.wbuf = c.wbuf[:len(c.wbuf)-r.unflushed]
		r.bytesSent -= int64(r.unflushed)
		r.unflushed = 0
	}
	r.sendContinue()
	cs := w.newReqSock(L, r, true)
	r.headerSent, r.eofSent = true, true
	r.keepAlive = false
	if r.bodyState != bodyRead {
		// the unread body is the socket's to read, raw
		r.bodyState, r.bodyDecoder = bodyRead, nil
	}
	L.Push(cs.obj)
	return 1
}

// newReqSock makes the socket object of a request socket.
func (w *worker) newReqSock(L *lua.LState, r *request, raw bool) *cosock {
	cs := &cosock{w: w, r: r, fd: -1, down: r, raw: raw, state: sockConnected, peer: "client",
		connectTimeout: socketTimeout, sendTimeout: socketTimeout, readTimeout: socketTimeout}
	r.pin() // Lua may keep the socket, which names its request
	ud := L.NewUserData()
	ud.Value = cs
	obj := L.CreateTable(1, 0)
	obj.RawSetInt(1, ud)
	if raw {
		obj.Metatable = w.rawSockMeta
	} else {
		obj.Metatable = w.reqSockMeta
	}
	cs.obj = obj
	r.reqSock = cs
	return cs
}

// fillDown moves input of the client's connection into the socket's
// buffer: the rest of the body (read-only socket) or anything (raw).
func (cs *cosock) fillDown() {
	c := cs.down.c
	if c == nil || c.closed {
		cs.eof = true
		return
	}
	for len(cs.rbuf) < maxSocketReadBytes {
		in := c.rbuf[c.rpos:]
		n := len(in)
		if !cs.raw && int64(n) > cs.bodyLeft {
			n = int(cs.bodyLeft)
		}
		cs.rbuf = append(cs.rbuf, in[:n]...)
		c.rpos += n
		if !cs.raw {
			cs.bodyLeft -= int64(n)
			cs.down.bodyRecv += int64(n)
			if cs.bodyLeft == 0 {
				cs.eof = true
				return
			}
		}
		if c.readMore {
			c.readAll()
			continue
		}
		break
	}
	if c.eof && c.rpos == len(c.rbuf) {
		cs.eof = true
	}
}

// onDownInput is called when client input arrives for a request that has
// a request socket.
func (cs *cosock) onDownInput() {
	if cs.wait == waitRecv {
		cs.fill()
		cs.tryRecv()
	}
}

// sendDown is the raw request socket's send: the bytes go out on the
// client's connection; the coroutine waits while the socket does not take
// them all.
func (cs *cosock) sendDown(L *lua.LState, data []byte) int {
	r := cs.down
	c := r.c
	if c == nil || c.closed || r.clientGone {
		return nilErr(L, "closed")
	}
	c.send(data)
	r.bytesSent += int64(len(data))
	cs.out, cs.sent = data, 0
	if c.flush() {
		if r.clientGone {
			return nilErr(L, "broken pipe")
		}
		L.Push(lua.LNumber(len(data)))
		return 1
	}
	cs.wait = waitSend
	return cs.block(L, cs.sendTimeout, fmt.Sprintf("write fd %d", c.fd))
}

// onDownFlushed resumes a raw send waiting for the client to take its
// bytes.
func (cs *cosock) onDownFlushed() {
	if cs.wait == waitSend {
		if cs.down.clientGone {
			cs.finish(lua.LNil, lua.LString("broken pipe"))
			return
		}
		cs.finish(lua.LNumber(len(cs.out)))
	}
}

// fdDesc is the descriptor a wait on the socket names in the trace.
func (cs *cosock) fdDesc() int {
	if cs.down != nil && cs.down.c != nil {
		return cs.down.c.fd
	}
	return cs.fd
}

// errRawSocket is what the output APIs return once the raw request socket
// took the connection.
const errRawSocket = "raw request socket acquired"

// rawSocket reports whether Lua took the connection with ngx.req.socket(true).
func (r *request) rawSocket() bool {
	return r.reqSock != nil && r.reqSock.raw
}
