package engine

import (
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/restylab/restylab/lab/conf"
)

// listener is one listening socket as a worker sees it.
type listener struct {
	fd   int
	addr string // as configured, e.g. "127.0.0.1:8080": the key for server lookup
	port string // the declared port (declaredPort)
	// exclusive: the socket is shared by all workers and registered with
	// EPOLLEXCLUSIVE, so one connection wakes one worker (what nginx 1.22
	// does on Linux with accept_mutex off, its default). Otherwise it is this
	// worker's own SO_REUSEPORT socket and the kernel spreads connections.
	exclusive bool
	// headerTimeout is client_header_timeout for its connections (and
	// their TLS handshakes, as nginx's post_accept_timeout).
	headerTimeout time.Duration
	// ssl: "listen ... ssl": connections start with a TLS handshake.
	ssl bool
}

// listenHandler accepts connections on a ready listening socket.
type listenHandler struct {
	w *worker
	l *listener
}

// OnEvent accepts the waiting connections.
func (h listenHandler) OnEvent(uint32) { h.w.accept(h.l) }

// Describe names the socket in a paused loop's pending list.
func (h listenHandler) Describe() string { return "listening socket " + h.l.addr }

type listenerSet struct {
	shared []*listener   // one per non-reuseport address
	own    [][]*listener // per worker: its reuseport sockets
}

func (s *listenerSet) forWorker(i int) []*listener {
	out := append([]*listener(nil), s.shared...)
	return append(out, s.own[i]...)
}

func (s *listenerSet) closeAll() {
	for _, l := range s.shared {
		unix.Close(l.fd)
	}
	for _, ls := range s.own {
		for _, l := range ls {
			unix.Close(l.fd)
		}
	}
}

// openListeners binds every address of the http block: one shared socket
// per plain address (or the inherited one for that address), one socket
// per worker for `reuseport` addresses.
func openListeners(h *conf.HTTP, workers int, inherit map[string]int) (*listenerSet, error) {
	set := &listenerSet{own: make([][]*listener, workers)}
	for _, l := range h.ListenAddrs() {
		if l.ReusePort {
			for i := 0; i < workers; i++ {
				fd, err := listenSocket(l.Addr, true)
				if err != nil {
					set.closeAll()
					return nil, err
				}
				set.own[i] = append(set.own[i], &listener{fd: fd, addr: l.Addr, port: declaredPort(l), ssl: l.SSL})
			}
			continue
		}
		var fd int
		var err error
		if old, ok := inherit[l.Addr]; ok {
			fd, err = unix.FcntlInt(uintptr(old), unix.F_DUPFD_CLOEXEC, 0)
			if err != nil {
				err = os.NewSyscallError("dup inherited listener "+l.Addr, err)
			}
		} else {
			fd, err = listenSocket(l.Addr, false)
		}
		if err != nil {
			set.closeAll()
			return nil, err
		}
		set.shared = append(set.shared, &listener{fd: fd, addr: l.Addr, port: declaredPort(l), exclusive: true, ssl: l.SSL})
	}
	if len(set.shared) == 0 && len(set.own[0]) == 0 {
		return nil, fmt.Errorf("no listen address in any server block")
	}
	return set, nil
}

// declaredPort is the port a listen's server reports ($server_port,
// ngx.ssl.server_port, absolute redirects): the one nginx.conf declared,
// also where the lab serves the address on another port (a sandbox).
func declaredPort(l conf.Listen) string {
	if l.Declared != "" {
		return portOf(l.Declared)
	}
	return portOf(l.Addr)
}

func portOf(addr string) string {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	return p
}

// listenSocket creates a non-blocking listening socket in the way nginx
// reports failures: bind() to ADDR failed (98: Address already in use).
func listenSocket(addr string, reusePort bool) (int, error) {
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return -1, fmt.Errorf("invalid listen address %q: %w", addr, err)
	}
	var sa unix.Sockaddr
	family := unix.AF_INET
	if ip4 := ta.IP.To4(); ip4 != nil || ta.IP == nil {
		s := &unix.SockaddrInet4{Port: ta.Port}
		if ip4 != nil {
			copy(s.Addr[:], ip4)
		}
		sa = s
	} else {
		family = unix.AF_INET6
		s := &unix.SockaddrInet6{Port: ta.Port}
		copy(s.Addr[:], ta.IP.To16())
		sa = s
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("setsockopt SO_REUSEADDR", err)
	}
	if reusePort {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			unix.Close(fd)
			return -1, os.NewSyscallError("setsockopt SO_REUSEPORT", err)
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("bind() to %s failed (%d: %s)", addr, int(err.(unix.Errno)), errnoText(err))
	}
	if err := unix.Listen(fd, 511); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("listen() to %s failed: %w", addr, err)
	}
	return fd, nil
}

func errnoText(err error) string {
	if en, ok := err.(unix.Errno); ok {
		s := en.Error()
		if s != "" {
			return strings.ToUpper(s[:1]) + s[1:] // "Address already in use", as nginx prints it
		}
	}
	return err.Error()
}
