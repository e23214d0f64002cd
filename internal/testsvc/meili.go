package testsvc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	meiliHealthTimeout = 20 * time.Second
	meiliStopTimeout   = 10 * time.Second
	meiliHint          = "run `make test` (or scripts/install-meilisearch.sh) to install it under .tools/, or set MEILI_BIN or TEST_MEILI_URL"
)

var (
	sharedOnce sync.Once
	sharedURL  string
	sharedKey  string
	sharedErr  error

	// running holds every Meilisearch process this package started and has
	// not stopped for good, so StopAll can end them all.
	runningMu sync.Mutex
	running   = map[*MeiliProcess]struct{}{}
)

// Meili returns the URL and master key of a Meilisearch server shared by all
// tests of the test binary. The first call starts it (from MEILI_BIN or
// <repo root>/.tools/meilisearch) on a free 127.0.0.1 port with a fresh
// database; when TEST_MEILI_URL is set, that server is used instead. Tests keep
// out of each other's way by using an index named with [UniqueName].
//
// A package that calls Meili must call [StopAll] from TestMain.
func Meili(t testing.TB) (url, masterKey string) {
	t.Helper()
	if u := os.Getenv("TEST_MEILI_URL"); u != "" {
		sharedOnce.Do(func() {
			sharedURL = strings.TrimRight(u, "/")
			sharedKey = os.Getenv("TEST_MEILI_MASTER_KEY")
			if err := waitHealthy(sharedURL, meiliHealthTimeout, nil); err != nil {
				sharedErr = fmt.Errorf("TEST_MEILI_URL=%s: %w", u, err)
			}
		})
	} else {
		bin, err := meiliBinary()
		if err != nil {
			missing(t, "Meilisearch", err.Error()+"; "+meiliHint)
			return "", ""
		}
		sharedOnce.Do(func() {
			var p *MeiliProcess
			p, sharedErr = newMeiliProcess(bin, randomHex(16))
			if sharedErr == nil {
				sharedURL, sharedKey = p.URL(), p.MasterKey()
			}
		})
	}
	if sharedErr != nil {
		t.Fatalf("testsvc: start Meilisearch: %v", sharedErr)
	}
	return sharedURL, sharedKey
}

// StopAll stops every Meilisearch process this package started (by the PID
// of the process it started) and removes their temporary directories. Call it
// from TestMain after m.Run:
//
//	func TestMain(m *testing.M) { code := m.Run(); testsvc.StopAll(); os.Exit(code) }
//
// On Linux a started process is also killed if the test binary dies without
// calling StopAll, but its temporary directory is then left behind.
func StopAll() {
	runningMu.Lock()
	procs := make([]*MeiliProcess, 0, len(running))
	for p := range running {
		procs = append(procs, p)
	}
	runningMu.Unlock()
	for _, p := range procs {
		p.destroy()
	}
}

// RestartableMeili starts a Meilisearch process for this test alone, with its
// own port and database directory, for tests that stop and restart the server.
// It is stopped and its directory removed when the test ends.
func RestartableMeili(t testing.TB) *MeiliProcess {
	t.Helper()
	return RestartableMeiliWithKey(t, randomHex(16))
}

// RestartableMeiliWithKey is RestartableMeili with a given master key, so several servers
// can form the nodes of one portal (they share MEILI_MASTER_KEY).
func RestartableMeiliWithKey(t testing.TB, key string) *MeiliProcess {
	t.Helper()
	bin, err := meiliBinary()
	if err != nil {
		missing(t, "Meilisearch", err.Error()+"; "+meiliHint)
		return nil
	}
	p, err := newMeiliProcess(bin, key)
	if err != nil {
		t.Fatalf("testsvc: start Meilisearch: %v", err)
	}
	p.t = t
	t.Cleanup(p.destroy)
	return p
}

// MeiliProcess is a Meilisearch server started by this package.
type MeiliProcess struct {
	bin  string
	dir  string // temporary directory: database, dumps, snapshots, log
	addr string // 127.0.0.1:port
	key  string
	t    testing.TB // the test that owns a RestartableMeili; nil for the shared one

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// URL is the server's base URL, such as http://127.0.0.1:41234.
func (p *MeiliProcess) URL() string { return "http://" + p.addr }

// MasterKey is the server's master key.
func (p *MeiliProcess) MasterKey() string { return p.key }

// LogPath is the file the server writes its output to.
func (p *MeiliProcess) LogPath() string { return filepath.Join(p.dir, "meilisearch.log") }

// Stop ends the server with SIGTERM and waits for it to exit (SIGKILL after
// 10 s). The database directory is kept for Start. Stopping a stopped server
// does nothing.
func (p *MeiliProcess) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopLocked()
}

// Kill ends the server with SIGKILL, as a crash would, and waits for it to exit. The
// database directory is kept for Start.
func (p *MeiliProcess) Kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
	p.cmd, p.done = nil, nil
}

// Start starts a stopped server again on the same port with the same database
// and waits until it answers /health; if it does not come up, the test that
// called RestartableMeili fails. Call it from that test's goroutine. Starting a
// running server does nothing.
func (p *MeiliProcess) Start() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return
	}
	if err := p.startLocked(); err != nil {
		p.t.Fatalf("testsvc: restart Meilisearch on %s: %v", p.addr, err)
	}
}

// meiliBinary finds the Meilisearch binary: MEILI_BIN, else
// <repo root>/.tools/meilisearch.
func meiliBinary() (string, error) {
	if b := os.Getenv("MEILI_BIN"); b != "" {
		if err := checkExecutable(b); err != nil {
			return "", fmt.Errorf("MEILI_BIN=%s: %w", b, err)
		}
		return b, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	b := filepath.Join(root, ".tools", "meilisearch")
	if err := checkExecutable(b); err != nil {
		return "", err
	}
	return b, nil
}

func checkExecutable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", path)
	}
	return nil
}

// newMeiliProcess starts a server with a fresh database directory and master
// key on a free port. The directory comes from os.MkdirTemp because the shared
// server outlives any one test.
func newMeiliProcess(bin, key string) (*MeiliProcess, error) {
	dir, err := os.MkdirTemp("", "testsvc-meili-")
	if err != nil {
		return nil, err
	}
	p := &MeiliProcess{bin: bin, dir: dir, key: key}
	runningMu.Lock()
	running[p] = struct{}{}
	runningMu.Unlock()
	if err := p.firstStart(); err != nil {
		p.destroy()
		return nil, err
	}
	return p, nil
}

// firstStart picks a free port and starts the process. The port can be taken
// between probing and binding, so it tries a few.
func (p *MeiliProcess) firstStart() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for attempt := 1; ; attempt++ {
		addr, err := freeAddr()
		if err != nil {
			return err
		}
		p.addr = addr
		err = p.startLocked()
		if err == nil || attempt == 3 || !strings.Contains(err.Error(), "in use") {
			return err
		}
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		return "", err
	}
	return addr, nil
}

// startLocked starts the process and waits for /health. p.mu must be held.
func (p *MeiliProcess) startLocked() error {
	logf, err := os.OpenFile(p.LogPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close() // the child has its own copy
	fmt.Fprintf(logf, "\n--- testsvc: starting meilisearch on %s at %s\n", p.addr, time.Now().Format(time.RFC3339Nano))

	cmd := exec.Command(p.bin,
		"--http-addr", p.addr,
		"--db-path", filepath.Join(p.dir, "data.ms"),
		"--dump-dir", filepath.Join(p.dir, "dumps"),
		"--snapshot-dir", filepath.Join(p.dir, "snapshots"),
		"--master-key", p.key,
		"--no-analytics",
		"--env", "development",
		"--max-indexing-memory", "512MiB", // see deploy/README.md: the default costs every small task ~1 s
	)
	cmd.Dir = p.dir
	cmd.Env = meiliEnv()
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = sysProcAttr()
	if err := startCmd(cmd); err != nil {
		return fmt.Errorf("start %s: %w", p.bin, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait() // the exit status shows in the log and in waitHealthy's error
		close(done)
	}()
	p.cmd, p.done = cmd, done

	if err := waitHealthy(p.URL(), meiliHealthTimeout, done); err != nil {
		p.stopLocked()
		return fmt.Errorf("%w\n%s", err, p.logTail())
	}
	return nil
}

// meiliEnv is the test binary's environment without MEILI_* variables, so a
// developer's own Meilisearch settings cannot leak into the test server.
func meiliEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MEILI_") {
			env = append(env, kv)
		}
	}
	return env
}

// stopLocked sends SIGTERM and waits for the exit, then SIGKILL. p.mu must be held.
func (p *MeiliProcess) stopLocked() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM) // fails only if it already exited
	select {
	case <-p.done:
	case <-time.After(meiliStopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	p.cmd, p.done = nil, nil
}

// destroy stops the process for good and removes its directory.
func (p *MeiliProcess) destroy() {
	p.mu.Lock()
	p.stopLocked()
	p.mu.Unlock()
	runningMu.Lock()
	delete(running, p)
	runningMu.Unlock()
	_ = os.RemoveAll(p.dir)
}

// logTail returns the end of the server's log, for error messages.
func (p *MeiliProcess) logTail() string {
	f, err := os.Open(p.LogPath())
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	const max = 4096
	if fi, err := f.Stat(); err == nil && fi.Size() > max {
		_, _ = f.Seek(-max, io.SeekEnd)
	}
	b, _ := io.ReadAll(f)
	return "meilisearch log (" + p.LogPath() + "), last lines:\n" + string(b)
}

// waitHealthy polls GET url/health until it answers 200, exited is closed
// (the process died), or timeout passes.
func waitHealthy(url string, timeout time.Duration, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/health", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET /health: %s", resp.Status)
		}
		last = err
		select {
		case <-exited:
			return errors.New("meilisearch exited before answering /health")
		case <-ctx.Done():
			return fmt.Errorf("no healthy answer from %s within %s: %v", url, timeout, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
