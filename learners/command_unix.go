//go:build unix

package learners

import (
	"os"
	"os/exec"
	"syscall"
)

// newProcessGroup makes the model the leader of a new process group, so that
// killing it also kills the processes it started (worker pools, say).
func newProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killProcessGroup sends SIGKILL to the group led by p, and to p itself
// should the group be gone.
func killProcessGroup(p *os.Process) {
	if syscall.Kill(-p.Pid, syscall.SIGKILL) != nil {
		p.Kill()
	}
}
