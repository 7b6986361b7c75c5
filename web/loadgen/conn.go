package loadgen

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

func sockaddr(ap netip.AddrPort) unix.Sockaddr {
	if a := ap.Addr().Unmap(); a.Is4() {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: a.As4()}
	}
	return &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
}

// A connection's states, in the order a request passes them.
const (
	idle       uint8 = iota // carries no request: takes the next, or retires
	dialing                 // the request needs a new socket
	connecting              // connect(2) in progress: EPOLLOUT says it ended
	writing                 // the request's bytes are being written
	reading                 // the response is being read
)

// conn is one of the burst's C connections: it carries requests one after
// another, on one socket while the server keeps it alive. Its socket is
// registered edge-triggered (EPOLLET) for reading and writing once, so a
// request costs no epoll_ctl: each handler reads or writes until EAGAIN
// (or, reading, until a short read with no end of stream in sight: the
// next bytes bring a new edge, as nginx's reads count on).
type conn struct {
	g     *gen
	fd    int
	state uint8
	req   int // the request carried; -1 none
	t0    time.Time
	wrote int
	resp  response
	// reused: the socket carried an earlier response, so a failure before
	// any byte of this one may be the server's keep-alive close, and the
	// request is sent again once on a new socket (retried), as net/http does.
	reused, retried bool
	// inReady: an event said readable and no read has drained it since;
	// rdhup: the peer ended its side (read until EOF, never trust a short read).
	inReady, rdhup bool
}

// OnEvent drives the connection with an epoll event.
func (c *conn) OnEvent(ev uint32) {
	if ev&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		c.inReady = true
	}
	if ev&(unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		c.rdhup = true
	}
	c.run(ev)
}

// take starts the connection on the next request (or retires it).
func (c *conn) take() { c.run(0) }

// run moves the connection through its states until it must wait for an
// event (or has no request left to carry).
func (c *conn) run(ev uint32) {
	g := c.g
	for {
		switch c.state {
		case idle:
			if g.next >= g.plan.N {
				c.close()
				delete(g.conns, c)
				return
			}
			c.req = g.next
			g.next++
			c.t0 = time.Now()
			c.retried = false
			c.begin()
		case dialing:
			if err := c.dial(); err != nil {
				c.failed(err)
				continue
			}
			if c.state == connecting {
				return
			}
		case connecting:
			if ev&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) == 0 {
				return
			}
			if err := c.connected(); err != nil {
				c.failed(err)
				continue
			}
			c.state = writing
		case writing:
			wait, err := c.write()
			if err != nil {
				c.broken(err)
				continue
			}
			if wait {
				return
			}
			c.state = reading
			if !c.inReady {
				return // the response brings an EPOLLIN edge
			}
		case reading:
			done, err := c.read()
			if err != nil {
				c.broken(err)
				continue
			}
			if !done {
				return
			}
			c.complete()
		}
	}
}

// begin readies the request's first (or repeated) attempt.
func (c *conn) begin() {
	c.resp.reset(c.g.plan.Head)
	c.wrote = 0
	if c.fd < 0 {
		c.state = dialing
	} else {
		c.state = writing
	}
}

// dial opens a non-blocking socket and starts connecting it.
func (c *conn) dial() error {
	g := c.g
	domain := unix.AF_INET
	if _, ok := g.sa.(*unix.SockaddrInet6); ok {
		domain = unix.AF_INET6
	}
	fd, err := unix.Socket(domain, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("connect %s: %w", g.plan.Addr, os.NewSyscallError("socket", err))
	}
	// as Go's net and nginx's upstreams: a request larger than one segment
	// must not wait for an ACK of its first part (Nagle)
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	err = unix.Connect(fd, g.sa)
	switch {
	case err == nil:
		c.state = writing // loopback connects often complete at once
	case errors.Is(err, unix.EINPROGRESS), errors.Is(err, unix.EINTR):
		c.state = connecting
	default:
		unix.Close(fd)
		return fmt.Errorf("connect %s: %w", g.plan.Addr, err)
	}
	if err := g.loop.Add(fd, unix.EPOLLIN|unix.EPOLLOUT|unix.EPOLLRDHUP|unix.EPOLLET, c); err != nil {
		unix.Close(fd)
		return fmt.Errorf("connect %s: %w", g.plan.Addr, err)
	}
	c.fd = fd
	c.reused, c.inReady, c.rdhup = false, false, false
	return nil
}

// connected reads how a connect in progress ended.
func (c *conn) connected() error {
	errno, err := unix.GetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err == nil && errno != 0 {
		err = syscall.Errno(errno)
	}
	if err != nil {
		return fmt.Errorf("connect %s: %w", c.g.plan.Addr, err)
	}
	return nil
}

// write writes what is left of the request; wait is true when the socket's
// buffer is full (an EPOLLOUT edge resumes it).
func (c *conn) write() (wait bool, err error) {
	req := c.g.plan.Request
	for c.wrote < len(req) {
		n, err := unix.Write(c.fd, req[c.wrote:])
		switch {
		case err == nil:
			c.wrote += n
		case errors.Is(err, unix.EINTR):
		case errors.Is(err, unix.EAGAIN):
			return true, nil
		default:
			return false, fmt.Errorf("write: %w", err)
		}
	}
	return false, nil
}

// read reads the response; done when it has ended.
func (c *conn) read() (done bool, err error) {
	buf := c.g.buf
	for {
		n, err := unix.Read(c.fd, buf)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EAGAIN):
			c.inReady = false
			return false, nil
		case err != nil:
			return false, fmt.Errorf("read: %w", err)
		case n == 0:
			return c.resp.eof()
		}
		done, err := c.resp.feed(buf[:n])
		if err != nil || done {
			if n < len(buf) && !c.rdhup {
				c.inReady = false
			}
			return done, err
		}
		if n < len(buf) && !c.rdhup {
			c.inReady = false
			return false, nil
		}
	}
}

// complete records the response and readies the connection for the next
// request: the same socket when the response allows it.
func (c *conn) complete() {
	c.g.finish(c.req, Result{Latency: time.Since(c.t0), Status: c.resp.status, Body: c.resp.body(&c.g.lastBody)})
	c.req = -1
	if c.resp.keepAlive() && !c.rdhup {
		c.reused = true
	} else {
		c.close()
	}
	c.state = idle
}

// broken handles a failure of the socket or of the response: the request
// is sent again once on a new socket when the socket was reused and no
// byte of the response came (the server closed it while it was idle);
// otherwise it fails.
func (c *conn) broken(err error) {
	retry := c.reused && !c.retried && !c.resp.started() && closedWhileIdle(err)
	c.close()
	if retry {
		c.retried = true
		c.begin()
		return
	}
	c.failed(err)
}

// closedWhileIdle tells whether err is what a reused connection that the
// server had closed gives: the write fails or no response byte comes.
func closedWhileIdle(err error) bool {
	return errors.Is(err, ErrNoResponse) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

// failed records the request's failure; the connection goes on with the
// next request on a new socket.
func (c *conn) failed(err error) {
	c.g.finish(c.req, Result{Latency: time.Since(c.t0), Err: err})
	c.req = -1
	c.close()
	c.state = idle
}

func (c *conn) close() {
	if c.fd >= 0 {
		c.g.loop.Forget(c.fd) // closing leaves the interest list
		unix.Close(c.fd)
		c.fd = -1
	}
	c.reused = false
}
