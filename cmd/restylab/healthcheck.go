package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// healthcheckCmd is `restylab healthcheck`: GET the running lab's /healthz
// (or /readyz with --ready) and exit 0 on 200, 1 otherwise. The image's
// HEALTHCHECK runs it: the slim image has no curl. The lab's address and
// base path come from the same RESTYLAB_ADDR and RESTYLAB_BASE_PATH as
// serve's, so one environment configures both.
func healthcheckCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := getenv(envName("addr"))
	if addr == "" {
		addr = ":8080"
	}
	url := fs.String("url", "", "`URL` to GET (default: /healthz of the lab at $RESTYLAB_ADDR, or :8080, under $RESTYLAB_BASE_PATH)")
	ready := fs.Bool("ready", false, "GET /readyz (ready to take sessions) instead of /healthz (alive)")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	target := *url
	if target == "" {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			fmt.Fprintf(stderr, "restylab healthcheck: RESTYLAB_ADDR=%q: %v\n", addr, err)
			return 2
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		path := "/healthz"
		if *ready {
			path = "/readyz"
		}
		target = "http://" + net.JoinHostPort(host, port) + strings.TrimSuffix(getenv(envName("base-path")), "/") + path
	}
	c := &http.Client{Timeout: *timeout}
	resp, err := c.Get(target)
	if err != nil {
		fmt.Fprintf(stderr, "restylab healthcheck: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	line := strings.TrimSpace(string(body))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "restylab healthcheck: %s: %s %s\n", target, resp.Status, line)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %s\n", target, line)
	return 0
}
