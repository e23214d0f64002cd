package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// peakRSS is the most memory this process has held since resetPeakRSS, in bytes (Linux).
func peakRSS(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// resetPeakRSS starts the peak over from the memory held now.
func resetPeakRSS(t *testing.T) {
	t.Helper()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Skipf("cannot reset the peak RSS: %v", err)
	}
}

// TestDecompressionBombKeepsMemoryBounded sends the real program a 1 GiB gzip bomb (about
// 1 MB on the wire) on the public login route: it is refused with 413 and the process never
// holds more than 200 MB, where inflating it whole took 5 GB.
func TestDecompressionBombKeepsMemoryBounded(t *testing.T) {
	env := testEnv(t, "")
	for _, args := range [][]string{{"migrate"}, {"seed"}} {
		if out, err := command(t, env, "", args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	p := start(t, env)
	p.call("POST", "/api/v1/auth/register", "", map[string]any{"role": "seeker", "phone": "13100000071", "password": "bomb-proof-1", "name": "求职者"}).must(t, 201)

	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 1024 {
		_, _ = zw.Write(zeros)
	}
	_ = zw.Close()
	zeros = nil

	resetPeakRSS(t)
	before := peakRSS(t)
	req, _ := http.NewRequest("POST", p.base+"/api/v1/auth/login", bytes.NewReader(bomb.Bytes()))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	peak := peakRSS(t)
	t.Logf("bomb of %d bytes (1 GiB inflated): status %d, peak RSS %d MB (before %d MB)", bomb.Len(), resp.StatusCode, peak>>20, before>>20)
	if resp.StatusCode != 413 {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
	if peak > 200<<20 {
		t.Fatalf("peak RSS %d MB while refusing the bomb, want under 200 MB", peak>>20)
	}
	t.Run("and the account is still there", func(t *testing.T) {
		p.call("POST", "/api/v1/auth/login", "", map[string]any{"phone": "13100000071", "password": "bomb-proof-1"}).must(t, 200)
	})
}
