package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/restylab/restylab/testserver"
	"github.com/restylab/restylab/testserver/labca"
	"github.com/restylab/restylab/web"
)

// serveCmd is `restylab serve`: the browser lab until SIGINT or SIGTERM.
func serveCmd(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second signal during the shutdown ends the lab at once
	}()
	return runServe(ctx, args, os.Getenv, stdout, stderr)
}

// runServe reads the configuration (environment, then args), starts the
// lab and serves until ctx is done, then shuts down gracefully: /readyz
// turns 503, the listener closes, requests in flight finish (up to
// --shutdown-timeout), the instances stop, and the store closes. Every
// workspace and lesson's progress was written to the store as it changed.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	sc := newServeConfig(stderr, detectMachine())
	o, err := sc.parse(args, getenv)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(stderr, "restylab serve: %s\n", line)
		}
		return 2
	}
	level, _ := parseLevel(o.logLevel)
	hopts := &slog.HandlerOptions{Level: level}
	var handler slog.Handler = slog.NewTextHandler(stderr, hopts)
	if o.logFormat == "json" {
		handler = slog.NewJSONHandler(stderr, hopts)
	}
	logger := slog.New(handler)
	o.cfg.Logger = logger
	for _, k := range sc.unknownEnv(os.Environ()) {
		logger.Warn("unknown environment variable: no flag of serve reads it", "var", k)
	}
	if err := ensureDataDir(o.cfg.DataDir); err != nil {
		fmt.Fprintf(stderr, "restylab serve: %v\n", err)
		return 1
	}
	// the lab's CA and lesson certificates, in memory: in every workspace
	// (certs/) and in redis.lab (cert:NAME, key:NAME)
	ca, err := labca.Shared()
	if err != nil {
		fmt.Fprintf(stderr, "restylab serve: %v\n", err)
		return 1
	}
	o.cfg.CA = ca
	if o.testserver {
		svc, err := testserver.Start(ctx, testserver.Config{CA: ca})
		if err != nil {
			fmt.Fprintf(stderr, "restylab serve: testserver: %v\n", err)
			return 1
		}
		defer svc.Close()
		o.cfg.Sandbox.Hosts = svc.HostMap()
	}
	srv, err := web.New(o.cfg)
	if err != nil {
		fmt.Fprintf(stderr, "restylab serve: %v\n", err)
		return 1
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		fmt.Fprintf(stderr, "restylab serve: %v\n", err)
		return 1
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	url := fmt.Sprintf("http://%s%s/", displayAddr(ln.Addr()), o.cfg.BasePath)
	fmt.Fprintf(stdout, "restylab: the lab is on %s (data in %s)\n", url, o.cfg.DataDir)
	logger.Info("lab started", "url", url, "data", o.cfg.DataDir, "max_instances", o.cfg.Sandbox.MaxInstances,
		"memory", humanSize(o.machine.memory), "cpus", o.machine.cpus, "isolation", srv.Isolation())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "restylab serve: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	logger.Info("shutting down: no new connections, requests in flight finish, then the instances stop", "timeout", o.shutdownTimeout)
	srv.Drain()
	shut, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(shut); err != nil {
		logger.Warn("requests still in flight at the shutdown timeout", "err", err)
	}
	if err := srv.Close(); err != nil {
		logger.Error("close the store", "err", err)
		return 1
	}
	logger.Info("stopped: every workspace and lesson's progress is in the store", "data", o.cfg.DataDir)
	return 0
}

// ensureDataDir makes the data folder and checks that the lab may write
// in it: a bind mount owned by another user is the usual failure.
func ensureDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("data folder %s: %w (uid %d)", dir, err, os.Getuid())
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("data folder %s is not writable by the lab's user (uid %d, gid %d): %w; on the host, give the folder to that user (chown %d:%d DIR) or use a named volume (docs/operations.md)",
			dir, os.Getuid(), os.Getgid(), err, os.Getuid(), os.Getgid())
	}
	f.Close()
	return os.Remove(f.Name())
}

// parseLevel reads a --log-level.
func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	err := l.UnmarshalText([]byte(s))
	return l, err
}

// displayAddr turns a wildcard listen address into one a browser opens.
func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if tcp.IP.IsUnspecified() {
		return fmt.Sprintf("localhost:%d", tcp.Port)
	}
	return tcp.String()
}
