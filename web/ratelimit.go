package web

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// failLimiter refuses a client address that failed too often: after max
// failures within window, every attempt is refused until the oldest of
// them is older than window. Successes do not count. It guards the join
// code and the teacher password against guessing.
type failLimiter struct {
	max    int
	window time.Duration

	mu    sync.Mutex
	fails map[string][]time.Time // by client address, oldest first
}

// maxLimitedClients bounds the addresses a failLimiter remembers: past it,
// the ones whose failures are all older than the window are forgotten.
const maxLimitedClients = 10000

func newFailLimiter(max int, window time.Duration) *failLimiter {
	return &failLimiter{max: max, window: window, fails: map[string][]time.Time{}}
}

// blocked reports whether addr may not try now and, if so, how long until
// it may.
func (l *failLimiter) blocked(addr string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.recent(addr, now)
	if len(f) < l.max {
		return false, 0
	}
	return true, f[len(f)-l.max].Add(l.window).Sub(now)
}

// fail records a failed attempt of addr.
func (l *failLimiter) fail(addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.fails) >= maxLimitedClients {
		for a := range l.fails {
			if len(l.recent(a, now)) == 0 {
				delete(l.fails, a)
			}
		}
	}
	l.fails[addr] = append(l.recent(addr, now), now)
}

// recent drops addr's failures older than the window and returns the rest;
// the caller holds l.mu.
func (l *failLimiter) recent(addr string, now time.Time) []time.Time {
	f := l.fails[addr]
	i := 0
	for i < len(f) && now.Sub(f[i]) >= l.window {
		i++
	}
	f = f[i:]
	if len(f) == 0 {
		delete(l.fails, addr)
		return nil
	}
	l.fails[addr] = f
	return f
}

// clientAddr is the address a request comes from, for rate limits: the
// connection's peer IP, or, when Config.TrustProxy says a reverse proxy is
// in front, the last X-Forwarded-For entry (the one that proxy appended:
// earlier entries are whatever the client sent).
func (s *Server) clientAddr(r *http.Request) string {
	if s.cfg.TrustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if a := strings.TrimSpace(last); a != "" {
				return a
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
