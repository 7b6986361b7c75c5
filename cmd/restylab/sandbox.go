package main

import (
	"io"

	"github.com/restylab/restylab/sandbox"
)

// sandboxCmd is `restylab sandbox` (hidden): the child mode of the lab's
// sandbox. sandbox.Manager starts it with its limits as flags and talks to
// it in proto frames on stdin and stdout (docs/sandbox.md); it is not meant
// to be run by hand.
func sandboxCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return sandbox.ChildMain(args, stdin, stdout, stderr)
}
