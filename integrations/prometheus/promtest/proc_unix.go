//go:build unix

package promtest

import (
	"os/exec"
	"syscall"
)

// ownGroup starts cmd in its own process group, so stopGroup reaches
// whatever it starts too.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// stopGroup sends SIGTERM (SIGKILL when kill) to cmd's process group.
func stopGroup(cmd *exec.Cmd, kill bool) {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
}
