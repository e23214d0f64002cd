package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"portal/internal/testsvc"
	"portal/models"
	"portal/personal"
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

// gzipBomb is a gzip body (about 1 KB per MB inflated) that inflates to head, size bytes of
// zeros, then tail.
func gzipBomb(t *testing.T, head string, size int, tail string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write([]byte(head))
	zeros := make([]byte, 1<<20)
	for range size >> 20 {
		_, _ = zw.Write(zeros)
	}
	_, _ = zw.Write([]byte(tail))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDecompressionBombsAtOnceKeepMemoryBounded sends the real program 32 gzip bombs of 1 GiB
// on the public login route at the same moment, with 8 gzip multipart bombs to the
// social-insurance import (anonymous, with a forged session cookie, and from a logged-in
// seeker): each is refused (413, 401, or 503 while the portal's inflation budget is taken),
// the process never holds more than 200 MB, and the portal answers afterwards. Before the
// budget and the per-route limits, 16 such bombs took 316 MB and 32 multipart ones 1.7 GB.
func TestDecompressionBombsAtOnceKeepMemoryBounded(t *testing.T) {
	env := testEnv(t, "")
	for _, args := range [][]string{{"migrate"}, {"seed"}} {
		if out, err := command(t, env, "", args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	p := start(t, env)
	seeker := p.call("POST", "/api/v1/auth/register", "", map[string]any{"role": "seeker", "phone": "13100000072", "password": "bomb-proof-2", "name": "求职者"}).must(t, 201)["token"].(string)

	jsonBomb := gzipBomb(t, "", 1<<30, "")
	const boundary = "bombbombbomb"
	formBomb := gzipBomb(t, "--"+boundary+"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"社保.csv\"\r\nContent-Type: text/csv\r\n\r\n",
		256<<20, "\r\n--"+boundary+"--\r\n")
	type shot struct {
		path, contentType string
		body              []byte
		header            map[string]string
	}
	var shots []shot
	for range 32 {
		shots = append(shots, shot{"/api/v1/auth/login", "application/json", jsonBomb, nil})
	}
	for _, h := range []map[string]string{{}, {}, {"Cookie": "portal_session=forged-session-token"}, {"Authorization": "Bearer " + seeker}} {
		for range 2 {
			shots = append(shots, shot{"/api/v1/social-insurance/imports", "multipart/form-data; boundary=" + boundary, formBomb, h})
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: len(shots)}}
	resetPeakRSS(t)
	before := peakRSS(t)
	statuses := make([]int, len(shots))
	var wg sync.WaitGroup
	start := time.Now()
	for i, s := range shots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", p.base+s.path, bytes.NewReader(s.body))
			req.Header.Set("Content-Type", s.contentType)
			req.Header.Set("Content-Encoding", "gzip")
			for k, v := range s.header {
				req.Header.Set(k, v)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Errorf("bomb %d: %v", i, err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	peak := peakRSS(t)
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	t.Logf("%d bombs (%d and %d bytes on the wire) in %s: statuses %v, peak RSS %d MB (before %d MB)",
		len(shots), len(jsonBomb), len(formBomb), time.Since(start).Round(time.Millisecond), count, peak>>20, before>>20)
	for i, s := range statuses {
		if s != 413 && s != 401 && s != 503 {
			t.Errorf("bomb %d to %s: status %d, want 413, 401 or 503", i, shots[i].path, s)
		}
	}
	if peak > 200<<20 {
		t.Fatalf("peak RSS %d MB while refusing the bombs, want under 200 MB", peak>>20)
	}
	t.Run("and the portal still answers", func(t *testing.T) {
		p.call("POST", "/api/v1/auth/login", "", map[string]any{"phone": "13100000072", "password": "bomb-proof-2"}).must(t, 200)
	})
}

// TestHAProxyHidesMetricsAndFeedTokens runs deploy/haproxy.cfg in front of a stand-in portal:
// /metrics (in any case, with a trailing slash) never reaches a portal from outside, a body
// over 1 MiB reaches one only on an upload route, and the log line of a private feed names the
// route but not its token, and the portal hears of the client's real address only (SPEC §7).
func TestHAProxyHidesMetricsAndFeedTokens(t *testing.T) {
	haproxy := needHAProxy(t)
	var reached, forwardedFor sync.Map
	portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Store(r.URL.Path, true)
		forwardedFor.Store(r.URL.Path, r.Header.Values("X-Forwarded-For"))
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "ok")
	}))
	defer portal.Close()
	addr := strings.TrimPrefix(portal.URL, "http://")
	front, state := freePort(t), t.TempDir()
	lb := exec.Command(haproxy, "-db", "-f", filepath.Join("..", "..", "deploy", "haproxy.cfg"))
	lb.Env = append(os.Environ(), "PORTAL_FRONT="+front, "PORTAL_1="+addr, "PORTAL_2="+addr, "HAPROXY_STATE="+state)
	var log syncBuffer
	lb.Stdout, lb.Stderr = &log, &log
	if err := lb.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lb.Process.Signal(syscall.SIGTERM); _ = lb.Wait() })
	get := func(path string) int {
		resp, err := http.Get("http://" + front + path)
		if err != nil {
			return 0
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	waitUntil(t, "HAProxy answers", 10*time.Second, func() bool { return get("/readyz") == 200 })
	for _, path := range []string{"/metrics", "/METRICS", "/metrics/", "//metrics"} {
		if status := get(path); status != 404 {
			t.Errorf("GET %s from outside: %d, want 404", path, status)
		}
	}
	reached.Range(func(k, _ any) bool {
		if strings.Contains(strings.ToLower(k.(string)), "metrics") {
			t.Errorf("%s reached the portal", k)
		}
		return true
	})
	post := func(path string, size int) int {
		resp, err := http.Post("http://"+front+path, "application/octet-stream", bytes.NewReader(make([]byte, size)))
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	// HAProxy decides on the declared length; the body is not sent, so the client is not
	// still writing when HAProxy answers and closes.
	declared := func(path string, size int) int {
		conn, err := net.Dial("tcp", front)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: portal\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, size)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if status := declared("/api/v1/auth/login", 2<<20); status != 413 {
		t.Errorf("a 2 MiB body to the login: %d, want 413 from HAProxy", status)
	}
	if _, ok := reached.Load("/api/v1/auth/login"); ok {
		t.Error("the 2 MiB login body reached the portal")
	}
	for _, path := range []string{"/api/v1/social-insurance/imports", "/console/programs/7/roll/import"} {
		if status := post(path, 2<<20); status != 200 {
			t.Errorf("a 2 MiB upload to %s: %d, want it passed on", path, status)
		}
	}
	t.Run("the portal hears of one client address, the real one, whatever the client forwards", func(t *testing.T) {
		req, _ := http.NewRequest("GET", "http://"+front+"/api/v1/towns", nil)
		req.Header.Add("X-Forwarded-For", "198.51.100.7")
		req.Header.Add("X-Forwarded-For", "198.51.100.8, 198.51.100.9")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got, _ := forwardedFor.Load("/api/v1/towns")
		if lines, _ := got.([]string); len(lines) != 1 || lines[0] != "127.0.0.1" {
			t.Fatalf("the portal received X-Forwarded-For %q, want only HAProxy's [127.0.0.1]", got)
		}
	})
	if status := get("/feeds/saved/secret-feed-token-0123456789.atom?x=1"); status != 200 {
		t.Fatalf("the feed through HAProxy: %d", status)
	}
	waitUntil(t, "the feed request logged", 5*time.Second, func() bool { return strings.Contains(log.String(), "/feeds/saved/[token]?x=1") })
	if strings.Contains(log.String(), "secret-feed-token") {
		t.Fatalf("the feed token is in HAProxy's log:\n%s", log.String())
	}
}

// rawBudgetShots is how many 11 MiB bodies the portal's 48 MiB raw-body budget holds at once.
const rawBudgetShots = 4

// TestStalledBodiesKeepMemoryBounded opens 80 connections to the real program at once, each
// declaring a large body: 64 send 1 MiB of it and then stall (32 multipart uploads of 11 MiB
// from a logged-in seeker, 16 anonymous ones, 16 logins of 1 MiB and a byte), 8 send it
// whole and 8 uploads send nothing. Each is answered 413 (over its route's limit, the rest
// unread), 401 (an anonymous upload, unread), 503 (no room in the raw-body budget) or 403 (a
// seeker may not import), or still waits: for its body, at most as many as the budget holds,
// or, sending nothing, in fasthttp for its first 8 KiB. The process never holds more than
// 200 MB and /healthz answers during and after. Before raw bodies were streamed, fasthttp
// allocated each declared Content-Length up front and this took about 1 GB.
func TestStalledBodiesKeepMemoryBounded(t *testing.T) {
	env := testEnv(t, "")
	for _, args := range [][]string{{"migrate"}, {"seed"}} {
		if out, err := command(t, env, "", args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	p := start(t, env)
	seeker := p.call("POST", "/api/v1/auth/register", "", map[string]any{"role": "seeker", "phone": "13100000073", "password": "stall-proof-3", "name": "求职者"}).must(t, 201)["token"].(string)
	addr := strings.TrimPrefix(p.base, "http://")

	const boundary = "stallstallstall"
	const upload, login = 11 << 20, 1<<20 + 1
	chunk := bytes.Repeat([]byte("x"), 1<<20)
	tail := "\r\n--" + boundary + "--\r\n"
	copy(chunk, "--"+boundary+"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"社保.csv\"\r\nContent-Type: text/csv\r\n\r\n")
	type shot struct {
		path, header string
		declared     int
		whole        bool
		silent       bool // sends the headers only
	}
	var shots []shot
	add := func(n int, s shot) {
		for range n {
			shots = append(shots, s)
		}
	}
	multipart := "Content-Type: multipart/form-data; boundary=" + boundary + "\r\n"
	add(32, shot{"/api/v1/social-insurance/imports", multipart + "Authorization: Bearer " + seeker + "\r\n", upload, false, false})
	add(16, shot{"/api/v1/social-insurance/imports", multipart, upload, false, false})
	add(16, shot{"/api/v1/auth/login", "Content-Type: application/json\r\n", login, false, false})
	add(4, shot{"/api/v1/social-insurance/imports", multipart + "Authorization: Bearer " + seeker + "\r\n", upload, true, false})
	add(4, shot{"/api/v1/auth/login", "Content-Type: application/json\r\n", login, true, false})
	add(8, shot{"/api/v1/social-insurance/imports", multipart + "Authorization: Bearer " + seeker + "\r\n", upload, false, true})

	healthz := func() int {
		client := &http.Client{Timeout: 5 * time.Second}
		resp, err := client.Get(p.base + "/healthz")
		if err != nil {
			return 0
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	resetPeakRSS(t)
	before := peakRSS(t)
	var mu sync.Mutex
	statuses := make([]int, len(shots))
	conns := make([]net.Conn, len(shots))
	var wg sync.WaitGroup
	for i, s := range shots {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = conn
		wg.Add(1)
		go func() { // writes what the shot sends, ignoring a connection closed by the portal
			defer wg.Done()
			_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if _, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: portal\r\n%sContent-Length: %d\r\n\r\n", s.path, s.header, s.declared); err != nil || s.silent {
				return
			}
			for sent := 0; sent < s.declared; sent += len(chunk) {
				part := chunk[:min(len(chunk), s.declared-sent)]
				if sent+len(part) == s.declared && s.whole && s.declared == upload { // the whole form ends as a form does
					part = append(bytes.Clone(part[:len(part)-len(tail)]), tail...)
				}
				if _, err := conn.Write(part); err != nil || !s.whole {
					return
				}
			}
		}()
		go func() {
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				return
			}
			resp.Body.Close()
			mu.Lock()
			statuses[i] = resp.StatusCode
			mu.Unlock()
		}()
	}
	wg.Wait()
	time.Sleep(3 * time.Second) // past the 1 s a request waits for the budget
	during := healthz()
	peak := peakRSS(t)
	mu.Lock()
	count, waiting := map[int]int{}, 0
	for i, s := range statuses {
		count[s]++
		if s == 0 && !shots[i].silent {
			waiting++
		}
		switch s {
		case 413, 401, 503, 403:
		case 0: // still reading its body, in the budget, or (silent) waiting in fasthttp for its first 8 KiB
		default:
			t.Errorf("shot %d to %s (declared %d, whole %v): status %d, want 413, 401, 503 or 403", i, shots[i].path, shots[i].declared, shots[i].whole, s)
		}
	}
	mu.Unlock()
	t.Logf("%d connections declaring %d or %d bytes: statuses %v (0: still waiting for its body), peak RSS %d MB (before %d MB), /healthz %d",
		len(shots), upload, login, count, peak>>20, before>>20, during)
	for _, conn := range conns {
		conn.Close()
	}
	if during != 200 {
		t.Errorf("/healthz during the stalled bodies: %d, want 200", during)
	}
	if waiting > rawBudgetShots {
		t.Errorf("%d connections still wait for their bodies, want at most the %d the budget holds", waiting, rawBudgetShots)
	}
	if peak > 200<<20 {
		t.Fatalf("peak RSS %d MB while bodies stall, want under 200 MB", peak>>20)
	}
	t.Run("and the portal still answers", func(t *testing.T) {
		if status := healthz(); status != 200 {
			t.Fatalf("/healthz after: %d", status)
		}
		p.call("POST", "/api/v1/auth/login", "", map[string]any{"phone": "13100000073", "password": "stall-proof-3"}).must(t, 200)
	})
}

// TestAHungRedisHoldsNoRequestOfTheProgram freezes (SIGSTOP) the Redis the real program counts
// logins in: logins, a new posting and /readyz are still answered, each well within the
// client's 2 s (they took 5 s each before every Redis call had its deadline), and the
// in-process count goes on from what Redis had counted, so the eleventh wrong password is
// still the one refused.
func TestAHungRedisHoldsNoRequestOfTheProgram(t *testing.T) {
	rp := testsvc.StartRedis(t)
	env := testEnv(t, "")
	env["REDIS_URL"] = rp.URL
	for _, args := range [][]string{{"migrate"}, {"seed", "--demo"}} {
		if out, err := command(t, env, "", args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	p := start(t, env)
	client := &http.Client{Timeout: 2 * time.Second}
	send := func(what, method, path, token string, body any) (int, map[string]any) {
		t.Helper()
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, p.base+path, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		began := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		defer resp.Body.Close()
		var got map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&got)
		t.Logf("%s: %d in %s", what, resp.StatusCode, time.Since(began).Round(time.Millisecond))
		return resp.StatusCode, got
	}
	wrong := map[string]any{"phone": "13900000010", "password": "wrong-password"}
	for i := range 6 {
		if status, _ := send(fmt.Sprintf("wrong password %d", i+1), "POST", "/api/v1/auth/login", "", wrong); status != 401 {
			t.Fatalf("wrong password %d: %d", i+1, status)
		}
	}
	rp.Freeze(t)
	defer rp.Thaw(t)
	for i := 6; i < 10; i++ {
		if status, _ := send(fmt.Sprintf("wrong password %d, Redis frozen", i+1), "POST", "/api/v1/auth/login", "", wrong); status != 401 {
			t.Fatalf("wrong password %d: %d", i+1, status)
		}
	}
	if status, body := send("wrong password 11, Redis frozen", "POST", "/api/v1/auth/login", "", wrong); status != 429 {
		t.Fatalf("the eleventh wrong password: %d %v, want 429 (the count started again from zero)", status, body)
	}
	status, body := send("an enterprise logs in, Redis frozen", "POST", "/api/v1/auth/login", "", map[string]any{"phone": "13900000002", "password": models.DemoPassword})
	if status != 200 {
		t.Fatalf("login: %d %v", status, body)
	}
	token := body["token"].(string)
	_, me := send("its profile", "GET", "/api/v1/me/enterprise", token, nil)
	if status, body := send("a new posting, Redis frozen", "POST", "/api/v1/jobs", token, map[string]any{
		"title": "法兰锻造工", "description": "负责法兰锻造,熟练工优先。", "occupation": "锻造工", "town_id": me["town_id"],
		"salary_min": 6000, "salary_max": 9000, "headcount": 3, "education": "不限", "employment_type": "full_time",
		"expires_on": models.Today(time.Now().AddDate(0, 1, 0))}); status != 201 {
		t.Fatalf("posting: %d %v", status, body)
	}
	if status, _ := send("/readyz, Redis frozen", "GET", "/readyz", "", nil); status != 200 && status != 503 {
		t.Fatalf("/readyz: %d", status)
	}
}

// TestWideSpreadsheetsKeepMemoryBounded uploads, as the reviewer, a 6,000-row workbook whose
// rows each hold one cell in column XFD (16,384) and a CSV with a line of ten million commas,
// both small on the wire: each is refused with 422 naming file, the process never holds more
// than 200 MB, and a plain extract is still imported. Before rows were bounded in width,
// excelize padded each row to its last cell and the workbook took 3 GB, the CSV 1.2 GB.
func TestWideSpreadsheetsKeepMemoryBounded(t *testing.T) {
	env := testEnv(t, "")
	for _, args := range [][]string{{"migrate"}, {"seed", "--demo"}} {
		if out, err := command(t, env, "", args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	p := start(t, env)
	rev := p.call("POST", "/api/v1/auth/login", "", map[string]any{"phone": "13900000009", "password": models.DemoPassword}).must(t, 200)["token"].(string)

	header := "姓名,身份证号,统一社会信用代码,单位名称,起始年月,终止年月"
	workbook := wideWorkbook(t, strings.Split(header, ","), 6000)
	commas := []byte(header + "\n" + strings.Repeat(",", 10<<20) + "\n")
	upload := func(name string, content []byte) answer {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, _ := w.CreateFormFile("file", name)
		_, _ = fw.Write(content)
		_ = w.Close()
		req, _ := http.NewRequest("POST", p.base+"/api/v1/social-insurance/imports", &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+rev)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		a := answer{status: resp.StatusCode, raw: raw}
		_ = json.Unmarshal(raw, &a.body)
		return a
	}
	resetPeakRSS(t)
	before := peakRSS(t)
	for _, shot := range []struct {
		name    string
		content []byte
	}{{"社保.xlsx", workbook}, {"社保.csv", commas}} {
		a := upload(shot.name, shot.content)
		errs, _ := a.body["errors"].(map[string]any)
		if a.status != 422 || errs["file"] == nil {
			t.Errorf("%s (%d bytes): %d %s, want 422 naming file", shot.name, len(shot.content), a.status, a.raw)
		}
	}
	peak := peakRSS(t)
	t.Logf("a %d-byte workbook with cells in column XFD and a %d-byte CSV of commas: peak RSS %d MB (before %d MB)",
		len(workbook), len(commas), peak>>20, before>>20)
	if peak > 200<<20 {
		t.Fatalf("peak RSS %d MB while refusing wide sheets, want under 200 MB", peak>>20)
	}
	t.Run("and a plain extract is imported", func(t *testing.T) {
		id := personal.MakeIDNumber("14010519900101123")
		a := upload("社保.csv", []byte(header+"\n张三,"+id+","+shapeUSCC("MA0H0300")+",定襄法兰厂,2025-04,2025-09\n"))
		if a.status != 201 || a.body["imported"] != 1.0 {
			t.Fatalf("%d %s", a.status, a.raw)
		}
	})
}

// wideWorkbook is an xlsx workbook written by hand (excelize itself would pad every row in
// memory): the header in row 1, then rows of one cell in column XFD, the last of 16,384.
func wideWorkbook(t *testing.T, header []string, rows int) []byte {
	t.Helper()
	var sheet strings.Builder
	sheet.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">`)
	for i, h := range header {
		fmt.Fprintf(&sheet, `<c r="%c1" t="inlineStr"><is><t>%s</t></is></c>`, 'A'+i, h)
	}
	sheet.WriteString(`</row>`)
	for r := 2; r <= rows+1; r++ {
		fmt.Fprintf(&sheet, `<row r="%d"><c r="XFD%d"><v>1</v></c></row>`, r, r)
	}
	sheet.WriteString(`</sheetData></worksheet>`)
	parts := map[string]string{
		"[Content_Types].xml":        `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
		"_rels/.rels":                `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml":            `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml":   sheet.String(),
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range parts {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(w, content)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
