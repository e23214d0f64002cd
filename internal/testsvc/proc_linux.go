package testsvc

import (
	"os/exec"
	"runtime"
	"sync"
	"syscall"
)

// sysProcAttr has the kernel kill a started server when the test binary dies
// without calling StopAll (a panic, a -timeout, a missing TestMain), so no
// server outlives the tests.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

var (
	spawnOnce sync.Once
	spawnReqs chan spawnReq
)

type spawnReq struct {
	cmd *exec.Cmd
	err chan<- error
}

// startCmd starts cmd from one OS thread that never exits. Pdeathsig fires
// when the thread that forked the child exits, not the process, and the Go
// runtime does end threads (a goroutine that exits while locked to its
// thread takes the thread with it), which would kill a server mid-test.
func startCmd(cmd *exec.Cmd) error {
	spawnOnce.Do(func() {
		spawnReqs = make(chan spawnReq)
		go func() {
			runtime.LockOSThread() // never unlocked: this goroutine lives as long as the process
			for r := range spawnReqs {
				r.err <- r.cmd.Start()
			}
		}()
	})
	errc := make(chan error, 1)
	spawnReqs <- spawnReq{cmd: cmd, err: errc}
	return <-errc
}
