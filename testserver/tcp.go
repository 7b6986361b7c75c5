package testserver

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// MaxLineLength is the longest line the TCP servers read, "\n" included; a
// longer line closes the connection.
const MaxLineLength = 4096

// maxAcceptBackoff bounds the wait after a temporary accept error (such as
// running out of file descriptors), as net/http does.
const maxAcceptBackoff = time.Second

// temporaryAcceptError reports whether Accept may succeed if retried later.
func temporaryAcceptError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() ||
		errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ECONNABORTED)
}

// lineServer is one line-based TCP server: an accept loop plus one goroutine
// per connection, at most cfg.MaxConns at once.
type lineServer struct {
	name   string
	ln     net.Listener
	cfg    Config
	handle func(*lineServer, *lineConn)

	done chan struct{} // closed by close: interrupts delays
	wg   sync.WaitGroup

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
}

func startLineServer(name string, ln net.Listener, cfg Config, handle func(*lineServer, *lineConn)) *lineServer {
	s := &lineServer{
		name:   name,
		ln:     ln,
		cfg:    cfg,
		handle: handle,
		done:   make(chan struct{}),
		conns:  make(map[net.Conn]struct{}),
	}
	s.wg.Add(1)
	go s.acceptLoop()
	return s
}

func (s *lineServer) logf(format string, args ...any) {
	if s.cfg.Log != nil {
		s.cfg.Log.Printf(s.name+": "+format, args...)
	}
}

func (s *lineServer) acceptLoop() {
	defer s.wg.Done()
	var backoff time.Duration
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if s.isClosed() {
				return
			}
			if temporaryAcceptError(err) {
				backoff = min(max(2*backoff, 5*time.Millisecond), maxAcceptBackoff)
				s.logf("accept: %v; retrying in %v", err, backoff)
				select {
				case <-time.After(backoff):
					continue
				case <-s.done:
					return
				}
			}
			s.logf("accept: %v", err)
			return
		}
		backoff = 0
		if !s.track(c) {
			s.logf("%s: refused, %d connections already", c.RemoteAddr(), s.cfg.MaxConns)
			c.Close()
			continue
		}
		go func() {
			defer s.wg.Done()
			defer s.untrack(c)
			s.logf("%s: connected", c.RemoteAddr())
			s.handle(s, &lineConn{Conn: c, r: bufio.NewReaderSize(c, MaxLineLength), idle: s.cfg.IdleTimeout})
			s.logf("%s: closed", c.RemoteAddr())
		}()
	}
}

func (s *lineServer) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// track registers c and counts its goroutine; false when the server is closed
// or full.
func (s *lineServer) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || len(s.conns) >= s.cfg.MaxConns {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *lineServer) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

// close stops accepting, closes every connection, and waits for the server's
// goroutines.
func (s *lineServer) close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	err := s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	if err != nil {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	return nil
}

// sleep waits d or until the server closes; false when it closed.
func (s *lineServer) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.done:
		return false
	}
}

// lineConn is a client connection read line by line, each read bounded by
// the idle timeout.
type lineConn struct {
	net.Conn
	r    *bufio.Reader
	idle time.Duration
}

// errLineTooLong ends a connection whose line exceeds MaxLineLength.
var errLineTooLong = fmt.Errorf("line longer than %d bytes", MaxLineLength)

// readLine returns the next line without its "\n" or "\r\n". A last line
// without "\n" is returned with a nil error; the next call returns io.EOF.
func (c *lineConn) readLine() ([]byte, error) {
	if err := c.SetReadDeadline(time.Now().Add(c.idle)); err != nil {
		return nil, err
	}
	line, err := c.r.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return nil, errLineTooLong
	case errors.Is(err, io.EOF) && len(line) > 0:
		err = nil
	case err != nil:
		return nil, err
	default:
		line = line[:len(line)-1]
	}
	return bytes.TrimSuffix(line, []byte("\r")), nil
}

// write sends p, bounded by the idle timeout so that a client that never
// reads cannot hold the goroutine.
func (c *lineConn) write(p []byte) error {
	if err := c.SetWriteDeadline(time.Now().Add(c.idle)); err != nil {
		return err
	}
	_, err := c.Write(p)
	return err
}

// endOfClient logs why a connection ended unless it was the client's EOF or
// the server closing.
func (s *lineServer) endOfClient(c *lineConn, err error) {
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF), s.isClosed():
	case errors.As(err, &ne) && ne.Timeout():
		s.logf("%s: idle for %v, closing", c.RemoteAddr(), c.idle)
	default:
		s.logf("%s: %v", c.RemoteAddr(), err)
	}
}

// serveEcho answers every line with itself.
func serveEcho(s *lineServer, c *lineConn) {
	for {
		line, err := c.readLine()
		if err == nil {
			err = c.write(withNewline(line))
		}
		if err != nil {
			s.endOfClient(c, err)
			return
		}
	}
}

// serveSlow answers every line with itself after slowDelay(line).
func serveSlow(s *lineServer, c *lineConn) {
	for {
		line, err := c.readLine()
		if err != nil {
			s.endOfClient(c, err)
			return
		}
		if !s.sleep(slowDelay(line, s.cfg.SlowDelay)) {
			return
		}
		if err := c.write(withNewline(line)); err != nil {
			s.endOfClient(c, err)
			return
		}
	}
}

// slowDelay is the delay slow.lab applies to line: its first word as
// milliseconds (at most MaxDelay), else def.
func slowDelay(line []byte, def time.Duration) time.Duration {
	word, _, _ := bytes.Cut(bytes.TrimSpace(line), []byte(" "))
	ms, err := strconv.ParseInt(string(word), 10, 64)
	if err != nil || ms < 0 {
		return def
	}
	return min(time.Duration(ms)*time.Millisecond, MaxDelay)
}

// serveCloser reads one line, writes the first half of its echo and closes.
func serveCloser(s *lineServer, c *lineConn) {
	line, err := c.readLine()
	if err != nil {
		s.endOfClient(c, err)
		return
	}
	reply := withNewline(line)
	if err := c.write(reply[:len(reply)/2]); err != nil {
		s.endOfClient(c, err)
	}
}

// withNewline returns a copy of line with "\n" appended (line may point into
// the connection's read buffer).
func withNewline(line []byte) []byte {
	out := make([]byte, len(line)+1)
	copy(out, line)
	out[len(line)] = '\n'
	return out
}
