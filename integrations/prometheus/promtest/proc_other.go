//go:build !unix

package promtest

import "os/exec"

// ownGroup does nothing: without Unix process groups only Prometheus
// itself is stopped.
func ownGroup(*exec.Cmd) {}

// stopGroup kills the process: there is no portable SIGTERM.
func stopGroup(cmd *exec.Cmd, _ bool) {
	_ = cmd.Process.Kill()
}
