package main

import "syscall"

// sysProcAttr has the kernel kill a child when the benchmark dies without stopping it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
