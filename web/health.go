package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/restylab/restylab/sandbox"
)

// readyProbeEvery is how long a started instance vouches for the next
// /readyz: past it, /readyz starts a probe instance of its own.
const readyProbeEvery = 30 * time.Second

// probeConf is the probe instance's workspace: the smallest that loads.
const probeConf = `events {}
http {
    server {
        listen 8080;
        location / {
            content_by_lua_block { ngx.say("ready") }
        }
    }
}
`

// readiness remembers the last instance that started, so that /readyz
// spawns a probe of its own only when no session did recently.
type readiness struct {
	mu        sync.Mutex // held through a probe: one at a time
	lastSpawn time.Time
}

// spawned records an instance that started.
func (rd *readiness) spawned() {
	rd.mu.Lock()
	rd.lastSpawn = time.Now()
	rd.mu.Unlock()
}

// healthz answers 200 while the process serves HTTP: liveness only.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintf(w, "ok %d instances\n", s.mgr.Live())
}

// readyz answers 200 when the lab can take sessions: it is not shutting
// down, its data folder takes a write, and an instance can be spawned
// (one started in the last readyProbeEvery, or a probe started now). A
// full lab (--max-instances) is ready: its sessions go on, and the body
// says so. Otherwise 503 with the reason.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	note, err := s.checkReady(r.Context())
	if err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "not ready: %v\n", err)
		return
	}
	fmt.Fprintf(w, "ready%s\n", note)
}

func (s *Server) checkReady(ctx context.Context) (string, error) {
	if s.draining.Load() {
		return "", errors.New("shutting down")
	}
	if err := probeWritable(s.cfg.DataDir); err != nil {
		return "", err
	}
	s.ready.mu.Lock()
	defer s.ready.mu.Unlock()
	if time.Since(s.ready.lastSpawn) < readyProbeEvery {
		return "", nil
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	in, err := s.mgr.Start(ctx, "restylab-readyz-probe", sandbox.Workspace{Conf: probeConf})
	if errors.Is(err, sandbox.ErrFull) {
		return fmt.Sprintf(" (full: %d instances)", s.mgr.Live()), nil
	}
	if err != nil {
		return "", fmt.Errorf("cannot start an instance: %w", err)
	}
	in.Stop()
	s.ready.lastSpawn = time.Now()
	return "", nil
}

// probeWritable writes, syncs and removes a file in dir.
func probeWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".readyz-*")
	if err != nil {
		return fmt.Errorf("data folder %s is not writable: %w", dir, err)
	}
	name := f.Name()
	_, werr := f.WriteString("ok")
	if werr == nil {
		werr = f.Sync()
	}
	f.Close()
	os.Remove(name)
	if werr != nil {
		return fmt.Errorf("data folder %s: write: %w", dir, werr)
	}
	return nil
}
