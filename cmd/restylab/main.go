// Command restylab is RestyLab in one binary: `run` serves an nginx.conf
// with the engine alone, like nginx does; `serve` (the browser lab) and
// `testserver` come with the web and testserver packages.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// Main runs the subcommand in args and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "run":
		return runCmd(args[1:], stdout, stderr)
	case "serve":
		return serveCmd(args[1:], stdout, stderr)
	case "healthcheck":
		return healthcheckCmd(args[1:], os.Getenv, stdout, stderr)
	case "testserver":
		return testserverCmd(args[1:], stdout, stderr)
	case "sandbox": // hidden: a learner's instance, started by the lab
		return sandboxCmd(args[1:], os.Stdin, stdout, stderr)
	case "version", "-v", "--version":
		fmt.Fprintln(stdout, "restylab (emulates nginx/1.22.1 with ngx_lua 0.10.23)")
		return 0
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "restylab: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: restylab COMMAND [flags]

commands:
  serve [--addr :8080] [--data restylab-data] [--max-instances N] ...
        the browser lab: one sandboxed instance per learner session
        (every flag also from RESTYLAB_* variables: restylab serve --help)
  healthcheck [--ready] [--url URL]
        GET the running lab's /healthz (or /readyz): exit 0 when it answers 200
  run -c nginx.conf [-p prefix] [-t] [--trace FILE|-] [--cpu-budget 1s]
        serve an nginx.conf in the foreground, as nginx would (-t: test the file only)
  testserver [--addr 127.0.0.1] [--http-port N] ...
        run the upstream services lessons talk to (HTTP, TCP echo/slow/closer, Redis)
  version
        print the version
`)
}
