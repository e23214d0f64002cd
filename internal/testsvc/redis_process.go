package testsvc

import (
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// RedisProcess is a Redis server of one test's own, which the test may freeze (SIGSTOP: the
// port still accepts connections but nothing answers, as with a hung server) and thaw.
type RedisProcess struct {
	URL string
	cmd *exec.Cmd
}

// StartRedis starts redis-server (from PATH) on a free 127.0.0.1 port, keeping nothing on
// disk, and stops it when the test ends. A missing redis-server skips the test, or fails
// it under CI.
func StartRedis(t testing.TB) *RedisProcess {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		missing(t, "redis-server", "install Debian's redis-server package")
		return nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testsvc: find a free port: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no",
		"--dir", t.TempDir(), "--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		t.Fatalf("testsvc: start redis-server: %v", err)
	}
	p := &RedisProcess{URL: fmt.Sprintf("redis://127.0.0.1:%d/0", port), cmd: cmd}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGCONT)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_ = c.Close()
			return p
		}
	}
	t.Fatalf("testsvc: redis-server on %s did not accept connections", addr)
	return nil
}

// Freeze stops the server with SIGSTOP: connections are accepted, nothing is answered.
func (p *RedisProcess) Freeze(t testing.TB) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatalf("testsvc: freeze redis: %v", err)
	}
}

// Thaw lets a frozen server go on.
func (p *RedisProcess) Thaw(t testing.TB) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatalf("testsvc: thaw redis: %v", err)
	}
}
