package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"

	"github.com/restylab/restylab/testserver"
)

// testserverCmd is `restylab testserver`: the lab's upstream services in the
// foreground until SIGINT or SIGTERM (or, with --stop-on-eof, until standard
// input closes, for a parent process that wants its child gone with it).
func testserverCmd(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return runTestserver(ctx, args, os.Stdin, stdout, stderr)
}

// runTestserver parses args, starts the services, prints where they listen
// and serves until ctx is done (or stdin reaches EOF with --stop-on-eof).
// Tests call it with their own context instead of sending signals.
func runTestserver(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("testserver", flag.ContinueOnError)
	fs.Usage = func() {} // printed below, on stdout for --help
	fs.SetOutput(io.Discard)
	var cfg testserver.Config
	fs.StringVar(&cfg.Addr, "addr", testserver.DefaultAddr, "IP `address` to listen on")
	fs.IntVar(&cfg.HTTPPort, "http-port", 0, "httpbin.lab HTTP `port` (0: a free port)")
	fs.IntVar(&cfg.EchoPort, "tcp-echo-port", 0, "echo.lab TCP `port` (0: a free port)")
	fs.IntVar(&cfg.SlowPort, "tcp-slow-port", 0, "slow.lab TCP `port` (0: a free port)")
	fs.IntVar(&cfg.CloserPort, "tcp-closer-port", 0, "closer.lab TCP `port` (0: a free port)")
	fs.IntVar(&cfg.RedisPort, "redis-port", 0, "redis.lab `port` (0: a free port)")
	fs.IntVar(&cfg.MaxConns, "max-conns", testserver.DefaultMaxConns, "most connections served at once by each TCP server")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", testserver.DefaultIdleTimeout, "TCP servers close a connection idle this long")
	fs.DurationVar(&cfg.SlowDelay, "slow-delay", testserver.DefaultSlowDelay, "slow.lab's delay for a line that does not start with milliseconds")
	quiet := fs.Bool("quiet", false, "do not log requests and connections")
	stopOnEOF := fs.Bool("stop-on-eof", false, "also stop when standard input is closed")
	usage := func(w io.Writer) {
		fmt.Fprint(w, "usage: restylab testserver [flags]\n\n"+
			"Runs the lab's upstream services on loopback: httpbin.lab (HTTP), echo.lab, slow.lab,\n"+
			"closer.lab (TCP) and redis.lab, and prints where each listens. Stops on SIGINT or SIGTERM.\n"+
			"See docs/testserver.md.\n\nflags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
			return 0
		}
		fmt.Fprintf(stderr, "restylab testserver: %v\n", err)
		usage(stderr)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "restylab testserver: unexpected argument %q\n", fs.Arg(0))
		usage(stderr)
		return 2
	}
	if !*quiet {
		cfg.Log = log.New(stderr, "restylab testserver: ", log.LstdFlags|log.Lmicroseconds)
	}

	svc, err := testserver.Start(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "restylab testserver: %v\n", err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tLAB HOST\tADDRESS\tWHAT")
	for _, row := range svc.Describe() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", row.Name, row.Host, row.Addr, row.What)
	}
	tw.Flush()
	fmt.Fprintln(stdout, "ready; stop with Ctrl-C")

	if *stopOnEOF {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		// This goroutine ends when stdin does; a stdin that stays open
		// keeps it blocked in Read, which only matters to tests.
		go func() {
			io.Copy(io.Discard, stdin)
			cancel()
		}()
	}
	<-ctx.Done()
	fmt.Fprintln(stderr, "restylab testserver: stopping")
	if err := svc.Close(); err != nil {
		fmt.Fprintf(stderr, "restylab testserver: %v\n", err)
		return 1
	}
	return 0
}
