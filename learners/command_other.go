//go:build !unix

package learners

import (
	"os"
	"os/exec"
)

// newProcessGroup does nothing where process groups do not exist.
func newProcessGroup(*exec.Cmd) {}

// killProcessGroup kills p alone where process groups do not exist.
func killProcessGroup(p *os.Process) { p.Kill() }
