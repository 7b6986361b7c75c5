//go:build !unix

package oracle

import (
	"os"
	"os/exec"
)

// Without Unix signals the graceful stop is a kill.
var sigQuit = os.Kill

func setProcessGroup(*exec.Cmd) {}

func killGroup(cmd *exec.Cmd) { _ = cmd.Process.Kill() }
