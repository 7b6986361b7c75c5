// Command child is `restylab sandbox` for the sandbox package's tests,
// built without -race (the race detector's shadow memory does not fit under
// RLIMIT_AS). It runs the same ChildMain as cmd/restylab.
package main

import (
	"os"

	"github.com/restylab/restylab/sandbox"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "sandbox" {
		args = args[1:]
	}
	os.Exit(sandbox.ChildMain(args, os.Stdin, os.Stdout, os.Stderr))
}
