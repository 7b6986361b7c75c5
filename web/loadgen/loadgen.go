// Package loadgen fires a burst of HTTP/1.1 requests at one address from a
// single event loop, as wrk does: every connection is a non-blocking socket
// on one epoll instance (lab/event's Loop, the one the engine's workers
// run), with no goroutine, reader or channel per connection. A burst of
// 1000 at concurrency 1000 is 1000 sockets and one thread.
//
// It is the lab's client for a learner's plain-HTTP bursts (web's
// /api/burst): the request's bytes are written as given, each of the
// burst's C connections carries requests one after another while the
// server keeps it alive, and each response is read to its end (its status
// and the start of its body kept).
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"

	"github.com/restylab/restylab/lab/event"
)

// Bounds of a response's body: the first KeepBody bytes are kept in the
// Result; at most DrainBody more are read so that the connection can carry
// the next request. A longer body is not read further: the request counts,
// and its connection is closed.
const (
	KeepBody  = 4096
	DrainBody = 1 << 20
)

// maxHead bounds a response's head (status line and header lines), as
// nginx's proxy_buffer_size bounds an upstream's (4-8 KiB there): a head
// that spans reads is kept per connection, so a learner's server answering
// 1000 connections with endless headers holds at most 16 MiB of the lab.
const maxHead = 16 << 10

// Plan is one burst.
type Plan struct {
	// Addr is the server's address (an IPv4 or IPv6 address and port).
	Addr netip.AddrPort
	// Request is the whole request (head and body) as written on the wire,
	// the same bytes for every request of the burst.
	Request []byte
	// Head tells that Request is a HEAD request: its responses have no
	// body whatever their headers say.
	Head bool
	// N requests are sent, at most C at a time (C connections).
	N, C int
}

// Result is one request's outcome.
type Result struct {
	// Latency runs from the moment the request got its connection (its
	// dial included, for a new one) to the end of its response.
	Latency time.Duration
	// Status is the final response's status code (interim 1xx responses
	// are skipped); 0 with Err.
	Status int
	// Body holds the first KeepBody bytes of the response's body.
	Body string
	// Err says why the request got no complete response.
	Err error
}

// ErrNoResponse is the error of a request whose connection closed before
// any byte of a response came.
var ErrNoResponse = errors.New("the connection closed before a response")

// Run sends the plan's requests and returns one Result per request, in
// the order they were numbered. It returns an error only when it cannot
// run at all (no epoll instance); each request's own failure is in its
// Result. When ctx ends first, the requests still running or not yet sent
// fail with ctx's error.
func Run(ctx context.Context, p Plan) ([]Result, error) {
	if p.N < 1 {
		return nil, nil
	}
	if p.C < 1 || p.C > p.N {
		p.C = min(max(p.C, 1), p.N)
	}
	if !p.Addr.IsValid() {
		return nil, fmt.Errorf("loadgen: no address to send to")
	}
	loop, err := event.New(nil)
	if err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	defer loop.Close()
	g := &gen{
		loop:    loop,
		plan:    p,
		results: make([]Result, p.N),
		buf:     make([]byte, 64<<10),
		conns:   make(map[*conn]struct{}, p.C),
	}
	g.sa = sockaddr(p.Addr)
	stop := context.AfterFunc(ctx, func() {
		loop.Submit(func() { g.abort(ctx.Err()) })
	})
	defer stop()
	if ctx.Err() != nil {
		g.abort(ctx.Err())
		return g.results, nil
	}
	for range p.C {
		c := &conn{g: g, fd: -1}
		g.conns[c] = struct{}{}
		c.take()
	}
	if g.left() > 0 {
		if err := loop.Run(); err != nil {
			g.abort(err)
		}
	}
	return g.results, nil
}

// gen is one running burst; every method runs on its loop.
type gen struct {
	loop    *event.Loop
	plan    Plan
	sa      unix.Sockaddr
	results []Result

	next int // the next request to hand out
	done int // requests with a result
	// buf receives every read: one buffer for all connections, as the
	// loop runs one handler at a time.
	buf      []byte
	conns    map[*conn]struct{}
	lastBody string // the last body kept (conn.complete reuses its string)
}

func (g *gen) left() int { return g.plan.N - g.done }

// finish records request i's result; the last one stops the loop.
func (g *gen) finish(i int, r Result) {
	g.results[i] = r
	g.done++
	if g.done == g.plan.N {
		g.loop.Stop()
	}
}

// abort fails every request still running or not yet handed out with err
// and closes the connections.
func (g *gen) abort(err error) {
	for c := range g.conns {
		if c.req >= 0 {
			g.finish(c.req, Result{Latency: time.Since(c.t0), Err: err})
			c.req = -1
		}
		c.close()
		delete(g.conns, c)
	}
	for g.next < g.plan.N {
		g.finish(g.next, Result{Err: err})
		g.next++
	}
	g.loop.Stop()
}
