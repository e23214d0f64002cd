package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/meilisearch/meilisearch-go"
)

// stopTimeout is how long a child gets between SIGTERM and SIGKILL.
const stopTimeout = 15 * time.Second

// supervisor starts the benchmark's child processes and stops exactly those, by their PID.
type supervisor struct {
	spawn chan spawnRequest
	mu    sync.Mutex
	procs []*process
	after []func()
}

type spawnRequest struct {
	cmd *exec.Cmd
	err chan<- error
}

// newSupervisor starts the goroutine that forks every child. It stays locked to one OS
// thread for the life of the program: the kernel's parent-death signal (see sysProcAttr)
// fires when the forking thread ends, and the Go runtime does end threads.
func newSupervisor() *supervisor {
	s := &supervisor{spawn: make(chan spawnRequest)}
	go func() {
		runtime.LockOSThread()
		for r := range s.spawn {
			r.err <- r.cmd.Start()
		}
	}()
	return s
}

// process is a child the supervisor started; its output goes to a log file.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed when the process has exited
	err     error         // how it exited, once done is closed
}

// start runs bin with exactly the environment env, its output written to logPath.
func (s *supervisor) start(name, logPath string, env []string, dir, bin string, args ...string) (*process, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env, cmd.Dir, cmd.Stdout, cmd.Stderr = env, dir, logFile, logFile
	cmd.SysProcAttr = sysProcAttr()
	errc := make(chan error, 1)
	s.spawn <- spawnRequest{cmd: cmd, err: errc}
	if err := <-errc; err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	s.mu.Lock()
	s.procs = append(s.procs, p)
	s.mu.Unlock()
	return p, nil
}

// run starts a command, waits for it and returns it with its output; an interrupt stops it.
func (s *supervisor) run(ctx context.Context, name, logPath string, env []string, bin string, args ...string) (*process, string, error) {
	p, err := s.start(name, logPath, env, "", bin, args...)
	if err != nil {
		return nil, "", err
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		p.stop()
		return p, "", ctx.Err()
	}
	out, _ := os.ReadFile(logPath)
	if p.err != nil {
		return p, string(out), fmt.Errorf("%s: %w\n%s", name, p.err, tail(string(out), 20))
	}
	return p, string(out), nil
}

// stopAll stops every child still running, the last started first.
func (s *supervisor) stopAll() {
	s.mu.Lock()
	procs := s.procs
	s.procs = nil
	s.mu.Unlock()
	for i := len(procs) - 1; i >= 0; i-- {
		procs[i].stop()
	}
	s.mu.Lock()
	after := s.after
	s.after = nil
	s.mu.Unlock()
	for _, fn := range after {
		fn()
	}
}

// onStop runs fn after stopAll has stopped every child (e.g. dropping the bench database).
func (s *supervisor) onStop(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.after = append(s.after, fn)
}

// stop sends SIGTERM to the process's PID, and SIGKILL if it has not exited in time.
func (p *process) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// pid is the process id of the child.
func (p *process) pid() int { return p.cmd.Process.Pid }

// cpu is the CPU time the child has used (all of it, once it has exited).
func (p *process) cpu() time.Duration {
	if p.exited() {
		return p.cmd.ProcessState.UserTime() + p.cmd.ProcessState.SystemTime()
	}
	return cpuTime(p.pid())
}

// exited reports whether the child has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// childEnv is the environment of a child: PATH, HOME and the temporary folder of this
// process, plus vars; nothing else leaks in (a REDIS_URL of the shell, say).
func childEnv(vars map[string]string) []string {
	env := []string{}
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "LANG"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// freeAddr returns a 127.0.0.1 address with a port nobody listens on right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// buildPortal compiles ./cmd/portal into dir and returns the binary's path.
func buildPortal(ctx context.Context, root, dir string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = "/usr/local/go/bin/go"
	}
	out := filepath.Join(dir, "portal")
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", out, "./cmd/portal")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/portal: %w\n%s", err, b)
	}
	return out, nil
}

// meiliServer is the Meilisearch the benchmark started, with its default API keys.
type meiliServer struct {
	url, masterKey, adminKey, searchKey string
	version                             string
	proc                                *process
	args                                []string // how it was started, for restart
	bin, dir                            string
}

// startMeili starts Meilisearch (MEILI_BIN or .tools/meilisearch) on a free port with a
// fresh database under dir and a random master key, and waits until it answers.
func startMeili(ctx context.Context, sup *supervisor, root, dir, indexingMemory string) (meiliServer, error) {
	bin := os.Getenv("MEILI_BIN")
	if bin == "" {
		bin = filepath.Join(root, ".tools", "meilisearch")
	}
	if _, err := os.Stat(bin); err != nil {
		return meiliServer{}, fmt.Errorf("meilisearch binary: %w (run scripts/install-meilisearch.sh or set MEILI_BIN)", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return meiliServer{}, err
	}
	addr, err := freeAddr()
	if err != nil {
		return meiliServer{}, err
	}
	m := meiliServer{url: "http://" + addr, masterKey: randomHex(24), bin: bin, dir: dir}
	m.args = []string{"--http-addr", addr, "--db-path", filepath.Join(dir, "data.ms"), "--master-key", m.masterKey,
		"--no-analytics", "--env", "development",
		"--dump-dir", filepath.Join(dir, "dumps"), "--snapshot-dir", filepath.Join(dir, "snapshots")}
	if indexingMemory != "" {
		m.args = append(m.args, "--max-indexing-memory", indexingMemory)
	}
	m.proc, err = sup.start("meilisearch", filepath.Join(dir, "meilisearch.log"), childEnv(nil), dir, bin, m.args...)
	if err != nil {
		return m, err
	}
	if err := waitOK(ctx, m.url+"/health", m.proc, 30*time.Second); err != nil {
		return m, err
	}
	hc := plainHTTPClient(2)
	master := meilisearch.New(m.url, meilisearch.WithAPIKey(m.masterKey), meilisearch.WithCustomClient(hc))
	kctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	keys, err := master.GetKeys(kctx, &meilisearch.KeysQuery{Limit: 100})
	if err != nil {
		return m, fmt.Errorf("meilisearch keys: %w", err)
	}
	for _, k := range keys.Results {
		switch k.Name {
		case "Default Admin API Key":
			m.adminKey = k.Key
		case "Default Search API Key":
			m.searchKey = k.Key
		}
	}
	if m.adminKey == "" || m.searchKey == "" {
		return m, errors.New("meilisearch has no default admin and search API keys")
	}
	if v, err := master.Version(kctx); err == nil {
		m.version = v.PkgVersion
	}
	return m, nil
}

// restart stops Meilisearch (SIGTERM) and starts it again on its data, as an operator's
// restart of a node would, and waits until it answers.
func (m *meiliServer) restart(ctx context.Context, sup *supervisor) error {
	m.proc.stop()
	var err error
	m.proc, err = sup.start("meilisearch", filepath.Join(m.dir, "meilisearch-restart.log"), childEnv(nil), m.dir, m.bin, m.args...)
	if err != nil {
		return err
	}
	return waitOK(ctx, m.url+"/health", m.proc, 60*time.Second)
}

// waitOK polls url until it answers 200, the process exits or the timeout passes.
func waitOK(ctx context.Context, url string, p *process, timeout time.Duration) error {
	hc := plainHTTPClient(1)
	deadline := time.Now().Add(timeout)
	last := "no answer"
	for time.Now().Before(deadline) {
		if p.exited() {
			out, _ := os.ReadFile(p.logPath)
			return fmt.Errorf("%s exited while starting (%v):\n%s", p.name, p.err, tail(string(out), 20))
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s: %s did not answer 200 within %s (last: %s)", p.name, url, timeout, last)
}

// plainHTTPClient keeps connections alive and never asks for gzip (STYLE.md: with it each
// search on a reused connection stalls about 44 ms).
func plainHTTPClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DisableCompression:  true,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	}}
}

// memory is a process's resident set now and at its peak, in kB.
type memory struct {
	RSSKB, PeakKB int64
}

// readMemory reads VmRSS and VmHWM from /proc/<pid>/status.
func readMemory(pid int) (memory, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		n, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			m.RSSKB = n
		case "VmHWM:":
			m.PeakKB = n
		}
	}
	return m, sc.Err()
}
