package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"portal/internal/testsvc"
	"portal/personal"
)

// shape is the production shape of SPEC §4 started for one test: a fresh PostgreSQL database,
// the test Redis, two Meilisearch nodes, two portal processes built from this package, and
// HAProxy with deploy/haproxy.cfg in front.
type shape struct {
	t       *testing.T
	bin     string
	env     []string
	meili   [2]*testsvc.MeiliProcess
	key     string
	portals [2]*exec.Cmd
	addrs   [2]string
	front   string
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func needHAProxy(t *testing.T) string {
	path, err := exec.LookPath("haproxy")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("haproxy is not installed and CI is set, so this is a failure: apt-get install -y haproxy")
		}
		t.Skip("haproxy is not installed (apt-get install -y haproxy); skipping the production shape")
	}
	return path
}

func startShape(t *testing.T) *shape {
	t.Helper()
	haproxy := needHAProxy(t)
	dbURL, redisURL := testsvc.PostgresURL(t), testsvc.RedisURL(t)
	s := &shape{t: t, key: "shape-test-master-key-0123456789", bin: filepath.Join(t.TempDir(), "portal")}
	if out, err := exec.Command("go", "build", "-o", s.bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for i := range s.meili {
		s.meili[i] = testsvc.RestartableMeiliWithKey(t, s.key)
	}
	dir := t.TempDir()
	s.env = append(os.Environ(), "DATABASE_URL="+dbURL, "REDIS_URL="+redisURL, "MEILI_MASTER_KEY="+s.key,
		"MEILI_URL="+s.meili[0].URL()+","+s.meili[1].URL(), "PORTAL_SECRET=shape-secret-shape-secret-shape-secret-01",
		"PORTAL_VAR="+dir, "PORTAL_TRUSTED_PROXIES=127.0.0.1")
	for _, args := range [][]string{{"migrate"}, {"seed"}} {
		if out, err := s.command("", args...); err != nil {
			t.Fatalf("portal %v: %v\n%s", args, err, out)
		}
	}
	for i := range s.portals {
		s.addrs[i] = freePort(t)
		s.startPortal(i)
	}
	s.front = freePort(t)
	state := t.TempDir()
	lb := exec.Command(haproxy, "-db", "-f", filepath.Join("..", "..", "deploy", "haproxy.cfg"))
	lb.Env = append(os.Environ(), "PORTAL_FRONT="+s.front, "PORTAL_1="+s.addrs[0], "PORTAL_2="+s.addrs[1], "HAPROXY_STATE="+state)
	lbLog, _ := os.Create(filepath.Join(state, "haproxy.log"))
	lb.Stdout, lb.Stderr = lbLog, lbLog
	if err := lb.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lb.Process.Signal(syscall.SIGTERM); _ = lb.Wait() })
	waitUntil(t, "HAProxy sees both portals ready", 30*time.Second, func() bool {
		return s.get("http://"+s.addrs[0]+"/readyz") == 200 && s.get("http://"+s.addrs[1]+"/readyz") == 200 && s.get("http://"+s.front+"/readyz") == 200
	})
	return s
}

func (s *shape) command(stdin string, args ...string) ([]byte, error) {
	cmd := exec.Command(s.bin, args...)
	cmd.Env = s.env
	cmd.Stdin = bytes.NewBufferString(stdin)
	return cmd.CombinedOutput()
}

// startPortal starts portal i on its address, with a files folder of its own.
func (s *shape) startPortal(i int) {
	s.t.Helper()
	cmd := exec.Command(s.bin, "serve")
	cmd.Env = append(s.env, "PORTAL_ADDR="+s.addrs[i], "FILES_DIR="+s.t.TempDir())
	logf, _ := os.Create(filepath.Join(s.t.TempDir(), "portal.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.portals[i] = cmd
	s.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		}
	})
	waitUntil(s.t, "portal answers", 30*time.Second, func() bool { return s.get("http://"+s.addrs[i]+"/healthz") == 200 })
}

func (s *shape) killPortal(i int) {
	_ = s.portals[i].Process.Kill()
	_ = s.portals[i].Wait()
}

func (s *shape) get(u string) int {
	resp, err := http.Get(u)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// call sends a JSON request to base (the balancer or one portal).
func (s *shape) call(base, method, path, token string, body any) answer {
	s.t.Helper()
	var rd io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case multipartBody:
		rd, ct = bytes.NewReader(b.data), b.contentType
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{status: 0, raw: []byte(err.Error())}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: raw}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

type multipartBody struct {
	data        []byte
	contentType string
}

// nodeHas reports whether a Meilisearch node holds posting id (straight from the node).
func (s *shape) nodeHas(node int, id float64) bool {
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/indexes/jobs/documents/%d", s.meili[node].URL(), int64(id)), nil)
	req.Header.Set("Authorization", "Bearer "+s.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 200
}

func waitUntil(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened within %v: %s", within, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func shapeUSCC(body8 string) string {
	return personal.MakeUSCC("91140000" + body8 + string(personal.MakeOrgCodeCheck(body8)))
}

// TestProductionShapeSurvivesKills kills (SIGKILL) one Meilisearch node and one portal under
// search load: postings made meanwhile are found through the other, the killed node catches
// up after its restart with nothing lost and nothing stale, a file uploaded through one
// portal downloads through the other, and each saved-search match is notified once.
func TestProductionShapeSurvivesKills(t *testing.T) {
	s := startShape(t)
	lb := "http://" + s.front
	if out, err := s.command("reviewer-pass-01\n", "user", "create", "--role", "reviewer", "--phone", "13900000909", "--name", "审核员", "--password-stdin"); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	rev := s.call(lb, "POST", "/api/v1/auth/login", "", map[string]any{"phone": "13900000909", "password": "reviewer-pass-01"}).must(t, 200)["token"].(string)
	register := func(role, phone string) string {
		return s.call(lb, "POST", "/api/v1/auth/register", "", map[string]any{"role": role, "phone": phone, "password": "password1", "name": "用户" + phone[7:]}).must(t, 201)["token"].(string)
	}
	towns := s.call(lb, "GET", "/api/v1/towns", "", nil).must(t, 200)
	town := towns["towns"].([]any)[0].(map[string]any)["id"]
	ent := register("enterprise", "13900000901")
	e := s.call(lb, "POST", "/api/v1/enterprises", ent, map[string]any{"name": "定襄法兰锻造厂", "uscc": shapeUSCC("MA0K0901"), "town_id": town, "industry": "法兰锻造"}).must(t, 201)
	s.call(lb, "POST", fmt.Sprintf("/api/v1/enterprises/%v/verify", e["id"]), rev, map[string]any{"leading_industry": true}).must(t, 200)
	seeker := register("seeker", "13900000902")
	s.call(lb, "POST", "/api/v1/me/saved-searches", seeker, map[string]any{"query": "q=" + url.QueryEscape("法兰焊工"), "name": "焊工"}).must(t, 201)

	expires := time.Now().AddDate(0, 0, 30).Format("2006-01-02")
	post := func(title string) float64 {
		t.Helper()
		r := s.call(lb, "POST", "/api/v1/jobs", ent, map[string]any{"title": title, "description": "负责法兰焊接,持证优先,包吃住。", "occupation": "电焊工",
			"town_id": town, "salary_min": 6000, "salary_max": 9000, "headcount": 2, "education": "不限", "employment_type": "full_time", "expires_on": expires})
		return r.must(t, 201)["id"].(float64)
	}
	found := func(q string) map[float64]bool {
		r := s.call(lb, "GET", "/api/v1/jobs?per_page=50&q="+url.QueryEscape(q), "", nil)
		ids := map[float64]bool{}
		if r.status == 200 {
			for _, h := range r.body["hits"].([]any) {
				ids[h.(map[string]any)["id"].(float64)] = true
			}
		}
		return ids
	}
	before := []float64{post("法兰焊工 甲"), post("法兰焊工 乙")}
	waitUntil(t, "the first postings are searchable", 20*time.Second, func() bool { f := found("法兰焊工"); return f[before[0]] && f[before[1]] })

	// Search load through the balancer for the whole outage.
	var searches, failed atomic.Int64
	stopLoad := make(chan struct{})
	var load sync.WaitGroup
	for range 4 {
		load.Add(1)
		go func() {
			defer load.Done()
			for {
				select {
				case <-stopLoad:
					return
				default:
				}
				if r := s.call(lb, "GET", "/api/v1/jobs?q="+url.QueryEscape("焊工"), "", nil); r.status != 200 {
					failed.Add(1)
				}
				searches.Add(1)
			}
		}()
	}

	s.meili[0].Kill()
	s.killPortal(0)
	var during []float64
	for i := range 5 {
		during = append(during, post(fmt.Sprintf("法兰焊工 停机%d", i)))
	}
	s.call(lb, "POST", fmt.Sprintf("/api/v1/jobs/%v/close", before[1]), ent, nil).must(t, 200)
	t.Run("postings made during the outage are searchable through the other portal and node", func(t *testing.T) {
		waitUntil(t, "every new posting found, the closed one gone", 20*time.Second, func() bool {
			f := found("法兰焊工")
			for _, id := range during {
				if !f[id] {
					return false
				}
			}
			return f[before[0]] && !f[before[1]]
		})
	})

	s.meili[0].Start()
	s.startPortal(0)
	t.Run("the killed node catches up: nothing lost, nothing stale", func(t *testing.T) {
		waitUntil(t, "node 1 holds every open posting and not the closed one", 30*time.Second, func() bool {
			for _, id := range append(during, before[0]) {
				if !s.nodeHas(0, id) || !s.nodeHas(1, id) {
					return false
				}
			}
			return !s.nodeHas(0, before[1]) && !s.nodeHas(1, before[1])
		})
	})
	close(stopLoad)
	load.Wait()
	t.Logf("%d searches under load, %d not answered 200", searches.Load(), failed.Load())
	if failed.Load() > 0 {
		t.Errorf("%d of %d searches through the balancer failed during the outage", failed.Load(), searches.Load())
	}

	t.Run("a file uploaded through one portal downloads through the other", func(t *testing.T) {
		prov := register("provider", "13900000903")
		p := s.call(lb, "POST", "/api/v1/providers", prov, map[string]any{"name": "定襄技工学校", "kind": "technical_school", "uscc": shapeUSCC("MA0K0903")}).must(t, 201)
		s.call(lb, "POST", fmt.Sprintf("/api/v1/providers/%v/verify", p["id"]), rev, nil).must(t, 200)
		start := time.Now().AddDate(0, 0, -20).Format("2006-01-02")
		end := time.Now().AddDate(0, 0, 10).Format("2006-01-02")
		prog := s.call(lb, "POST", "/api/v1/programs", prov, map[string]any{"name": "焊工培训班", "occupation": "焊工", "mode": "project",
			"town_id": town, "start_on": start, "end_on": end, "planned_days": 30, "capacity": 20}).must(t, 201)
		s.call(lb, "POST", fmt.Sprintf("/api/v1/programs/%v/approve", prog["id"]), rev, nil).must(t, 200)
		en := s.call(lb, "POST", fmt.Sprintf("/api/v1/programs/%v/enrolments", prog["id"]), prov,
			map[string]any{"name": "李四", "id_number": personal.MakeIDNumber("14010519900101123")}).must(t, 201)
		s.call(lb, "POST", fmt.Sprintf("/api/v1/enrolments/%v/complete", en["id"]), prov, map[string]any{"passed": true}).must(t, 200)
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for k, v := range map[string]string{"employer_name": "定襄法兰锻造厂", "evidence_type": "agreement", "evidence_no": "HT-1", "start_on": time.Now().Format("2006-01-02")} {
			_ = w.WriteField(k, v)
		}
		scan := []byte("%PDF-1.4\n% an employment agreement\n%%EOF\n")
		fw, _ := w.CreateFormFile("evidence_file", "协议.pdf")
		_, _ = fw.Write(scan)
		_ = w.Close()
		s.call("http://"+s.addrs[0], "POST", fmt.Sprintf("/api/v1/enrolments/%v/employment", en["id"]), prov,
			multipartBody{buf.Bytes(), w.FormDataContentType()}).must(t, 201)
		r := s.call("http://"+s.addrs[1], "GET", fmt.Sprintf("/api/v1/enrolments/%v/evidence", en["id"]), rev, nil)
		if r.status != 200 || !bytes.Equal(r.raw, scan) {
			t.Fatalf("download through the other portal: %d %q", r.status, r.raw)
		}
	})

	t.Run("one notification per saved-search match", func(t *testing.T) {
		want := append([]float64{before[0]}, during...)
		var ns []any
		waitUntil(t, "the alerts arrive", 90*time.Second, func() bool {
			ns = s.call(lb, "GET", "/api/v1/me/notifications", seeker, nil).must(t, 200)["notifications"].([]any)
			return len(ns) >= len(want)
		})
		time.Sleep(2 * time.Second) // a duplicate would arrive with the next check
		ns = s.call(lb, "GET", "/api/v1/me/notifications", seeker, nil).must(t, 200)["notifications"].([]any)
		seen := map[float64]int{}
		for _, n := range ns {
			seen[n.(map[string]any)["job_id"].(float64)]++
		}
		for _, id := range want {
			if seen[id] != 1 {
				t.Errorf("posting %v notified %d times, want once (%v)", id, seen[id], seen)
			}
		}
		if seen[before[1]] > 1 || len(seen) > len(want)+1 {
			t.Errorf("notifications %v", seen)
		}
	})
}
