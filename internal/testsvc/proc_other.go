//go:build !linux

package testsvc

import (
	"os/exec"
	"syscall"
)

// sysProcAttr: outside Linux there is no parent-death signal; StopAll is the
// only thing that stops a started server.
func sysProcAttr() *syscall.SysProcAttr { return nil }

func startCmd(cmd *exec.Cmd) error { return cmd.Start() }
