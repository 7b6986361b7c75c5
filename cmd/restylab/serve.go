package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/restylab/restylab/sandbox"
	"github.com/restylab/restylab/testserver"
	"github.com/restylab/restylab/testserver/labca"
	"github.com/restylab/restylab/web"
)

// serveCmd is `restylab serve`: the browser lab until SIGINT or SIGTERM.
func serveCmd(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return runServe(ctx, args, stdout, stderr)
}

// runServe parses args, starts the lab and serves until ctx is done.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", ":8080", "`address` to listen on")
	var cfg web.Config
	fs.StringVar(&cfg.DataDir, "data", "restylab-data", "`folder` of the lab's store (workspaces, shared snippets)")
	fs.IntVar(&cfg.Sandbox.MaxInstances, "max-instances", sandbox.DefaultMaxInstances, "most learner instances running at once")
	fs.DurationVar(&cfg.Sandbox.IdleTimeout, "idle-timeout", sandbox.DefaultIdleTimeout, "stop an instance unused this long")
	fs.Int64Var(&cfg.Sandbox.MemoryLimit, "memory-limit", sandbox.DefaultMemoryLimit, "Go heap `bytes` of one instance")
	fs.IntVar(&cfg.Sandbox.OpenFiles, "open-files", sandbox.DefaultOpenFiles, "open files of one instance")
	fs.DurationVar(&cfg.Sandbox.CPUBudget, "cpu-budget", sandbox.DefaultCPUBudget, "CPU budget of one Lua resume")
	fs.IntVar(&cfg.Sandbox.MaxWorkers, "max-workers", sandbox.DefaultMaxWorkers, "largest worker_processes of one instance")
	fs.IntVar(&cfg.MaxBurst, "max-burst", web.DefaultMaxBurst, "most requests of one burst")
	fs.BoolVar(&cfg.TrustProxy, "trust-proxy", false, "the lab is behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto (then the session cookie is __Host- and Secure)")
	fs.IntVar(&cfg.Sandbox.Nice, "nice", sandbox.DefaultNice, "nice value of the instances' threads (1..19; below the lab's)")
	withTS := fs.Bool("testserver", true, "run the lab's upstream services (httpbin.lab, echo.lab, slow.lab, closer.lab, redis.lab) for the instances' cosockets")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	logger := log.New(stderr, "", log.LstdFlags)
	cfg.Logf = logger.Printf
	// the lab's CA and lesson certificates, in memory: in every workspace
	// (certs/) and in redis.lab (cert:NAME, key:NAME)
	ca, err := labca.Shared()
	if err != nil {
		fmt.Fprintf(stderr, "restylab serve: %v\n", err)
		return 1
	}
	cfg.CA = ca
	if *withTS {
		svc, err := testserver.Start(ctx, testserver.Config{CA: ca})
		if err != nil {
			fmt.Fprintf(stderr, "restylab serve: testserver: %v\n", err)
			return 1
		}
		defer svc.Close()
		cfg.Sandbox.Hosts = svc.HostMap()
	}
	srv, err := web.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "restylab serve: %v\n", err)
		return 1
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "restylab serve: %v\n", err)
		return 1
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: logger}
	fmt.Fprintf(stdout, "restylab: the lab is on http://%s/ (data in %s)\n", displayAddr(ln.Addr()), cfg.DataDir)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "restylab serve: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(shut)
	return 0
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
