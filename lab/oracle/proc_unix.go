//go:build unix

package oracle

import (
	"os/exec"
	"syscall"
)

const sigQuit = syscall.SIGQUIT

// setProcessGroup puts nginx in a process group of its own, so that
// killGroup reaches its worker as well as its master.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup sends SIGKILL to nginx's process group.
func killGroup(cmd *exec.Cmd) {
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
