package web

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
)

// burstClient sends one burst's requests over plain HTTP/1.1 keep-alive
// connections of its own, one per worker goroutine: the request's bytes
// are built once, each response is parsed by http.ReadResponse on the
// connection's reader, and nothing runs besides the worker (net/http's
// Transport starts two goroutines per connection and hands every request
// and response across channels: it was about half of the lab's CPU during
// a burst, docs/benchmarks.md "One trace pipe"). TLS bursts keep the
// Transport (runBurst).
//
// The request is the one Send writes (sendRequest.wire: no User-Agent, the
// learner's headers as typed) without Send's "Connection: close", so the
// burst's connections are reused as a browser's or wrk's are.
type burstClient struct {
	addr   string
	method string
	path   string
	req    []byte
}

// burstConn is one worker's connection; nil until the first request.
type burstConn struct {
	nc net.Conn
	br *bufio.Reader
}

// Bounds of a response's body: the first bodyKept bytes are kept for the
// burst's "bodies", at most bodyDrained more are read to reuse the
// connection (past them it is closed).
const (
	bodyKept    = 4096
	bodyDrained = 1 << 20
)

func newBurstClient(addr string, q sendRequest) *burstClient {
	return &burstClient{addr: addr, method: q.Method, path: q.Path, req: q.wire(false)}
}

// roundTrip sends the request on *cp (dialing when nil) and reads the
// response: its status and the start of its body. A connection the server
// closed while it was idle is dialed again once, as net/http does; a
// connection that cannot be reused is closed and *cp set to nil.
func (bc *burstClient) roundTrip(ctx context.Context, cp **burstConn) (int, string, error) {
	for attempt := 0; ; attempt++ {
		reused := *cp != nil
		if *cp == nil {
			var d net.Dialer
			nc, err := d.DialContext(ctx, "tcp", bc.addr)
			if err != nil {
				return 0, "", bc.fail(err)
			}
			*cp = &burstConn{nc: nc, br: bufio.NewReader(nc)}
		}
		c := *cp
		if dl, ok := ctx.Deadline(); ok {
			_ = c.nc.SetDeadline(dl)
		}
		status, body, keep, err := bc.exchange(c)
		if err != nil || !keep {
			c.nc.Close()
			*cp = nil
		}
		if err != nil {
			if reused && attempt == 0 && ctx.Err() == nil && closedWhileIdle(err) {
				continue
			}
			return 0, "", bc.fail(err)
		}
		return status, body, nil
	}
}

func (bc *burstClient) fail(err error) error {
	return fmt.Errorf("%s %s: %w", bc.method, bc.path, err)
}

// errNoResponse marks a failure before any byte of a response came.
var errNoResponse = errors.New("the connection closed before a response")

// closedWhileIdle tells whether err is what a reused connection that the
// server had closed gives: the write fails or no response byte comes.
func closedWhileIdle(err error) bool {
	return errors.Is(err, errNoResponse) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

// exchange writes the request and reads one final response (skipping 1xx
// interim ones). keep is whether the connection may carry the next one.
func (bc *burstClient) exchange(c *burstConn) (status int, body string, keep bool, err error) {
	if _, err := c.nc.Write(bc.req); err != nil {
		return 0, "", false, err
	}
	if _, err := c.br.Peek(1); err != nil {
		if errors.Is(err, io.EOF) {
			return 0, "", false, errNoResponse
		}
		return 0, "", false, err
	}
	stub := &http.Request{Method: bc.method}
	for {
		resp, err := http.ReadResponse(c.br, stub)
		if err != nil {
			return 0, "", false, err
		}
		if resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
			continue // 100 Continue, 103 Early Hints: the final response follows
		}
		var b strings.Builder
		_, err = io.Copy(&b, io.LimitReader(resp.Body, bodyKept))
		if err == nil {
			_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, bodyDrained))
		}
		if err != nil {
			return resp.StatusCode, b.String(), false, err
		}
		// all of the body read: the next read says EOF at once
		var one [1]byte
		n, rerr := resp.Body.Read(one[:])
		done := n == 0 && errors.Is(rerr, io.EOF)
		return resp.StatusCode, b.String(), done && !resp.Close && resp.StatusCode != http.StatusSwitchingProtocols, nil
	}
}
