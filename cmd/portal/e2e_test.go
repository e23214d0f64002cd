package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/internal/testsvc"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testsvc.StopAll()
	os.Exit(code)
}

// syncBuffer is a stdout the test can read while the program writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// program is the real portal started through run, as `portal serve` would be.
type program struct {
	t      *testing.T
	env    map[string]string
	base   string
	out    *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

func testEnv(t *testing.T, databaseURL string) map[string]string {
	meiliURL, key := testsvc.Meili(t)
	dir := t.TempDir()
	if databaseURL == "" {
		databaseURL = "sqlite://" + filepath.Join(dir, "portal.db")
	}
	return map[string]string{
		"PORTAL_ADDR": "127.0.0.1:0", "DATABASE_URL": databaseURL, "MEILI_URL": meiliURL, "MEILI_MASTER_KEY": key,
		"PORTAL_SECRET": "e2e-secret-e2e-secret-e2e-secret-0123", "PORTAL_VAR": dir, "FILES_DIR": filepath.Join(dir, "files"),
	}
}

// command runs one administrative command to completion and returns what it printed.
func command(t *testing.T, env map[string]string, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out)
	return out.String(), err
}

func start(t *testing.T, env map[string]string) *program {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &program{t: t, env: env, out: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() {
		p.done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), p.out)
	}()
	addr := regexp.MustCompile(`Portal is running at (http://[0-9.:]+)/`)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := addr.FindStringSubmatch(p.out.String()); m != nil {
			p.base = m[1]
			t.Cleanup(p.stop)
			return p
		}
		select {
		case err := <-p.done:
			t.Fatalf("serve ended at start: %v\n%s", err, p.out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not print its address:\n%s", p.out.String())
	return nil
}

// stop sends what SIGTERM sends (the context ends) and waits for a clean exit.
func (p *program) stop() {
	if p.cancel == nil {
		return
	}
	p.cancel()
	p.cancel = nil
	select {
	case err := <-p.done:
		if err != nil {
			p.t.Errorf("serve returned %v", err)
		}
	case <-time.After(15 * time.Second):
		p.t.Error("serve did not stop within 15 s of SIGTERM")
	}
}

type answer struct {
	status int
	body   map[string]any
	raw    []byte
}

func (p *program) call(method, path, token string, body any) answer {
	p.t.Helper()
	var rd io.Reader
	if body != nil {
		if b, ok := body.([]byte); ok {
			rd = bytes.NewReader(b)
		} else {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
	}
	req, _ := http.NewRequest(method, p.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: raw}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

func (a answer) must(t *testing.T, status int) map[string]any {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.raw)
	}
	return a.body
}

// TestUserStory walks the foundation's story through the real program over HTTP:
// register → login → enterprise profile → reviewer verification → logout.
func TestUserStory(t *testing.T) {
	for _, db := range testsvc.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			env := testEnv(t, db.Resolve(t))
			t.Run("serve refuses a database that was never migrated", func(t *testing.T) {
				_, err := command(t, env, "", "serve")
				if err == nil || !strings.Contains(err.Error(), "portal migrate") {
					t.Fatalf("got %v", err)
				}
			})
			for _, args := range [][]string{{"migrate"}, {"seed"}} {
				if out, err := command(t, env, "", args...); err != nil {
					t.Fatalf("%v: %v\n%s", args, err, out)
				}
			}
			if out, err := command(t, env, "reviewer-secret-1\n", "user", "create", "--role", "reviewer", "--phone", "13100000009", "--name", "人社局审核员", "--password-stdin"); err != nil {
				t.Fatalf("user create: %v\n%s", err, out)
			}
			p := start(t, env)

			towns := p.call("GET", "/api/v1/towns", "", nil).must(t, 200)["towns"].([]any)
			dingxiang := townID(t, towns, "定襄法兰专业镇")
			policies := p.call("GET", "/api/v1/policies", "", nil).must(t, 200)["policies"].([]any)
			if pol := policies[0].(map[string]any); pol["code"] != "晋政办发〔2022〕81号" || pol["cap_per_person_yuan"] != 4000.0 {
				t.Fatalf("policy %v", pol)
			}

			p.call("POST", "/api/v1/auth/register", "", map[string]any{"role": "enterprise", "phone": "13100000001", "password": "flange-2022", "name": "赵厂长"}).must(t, 201)
			token := p.call("POST", "/api/v1/auth/login", "", map[string]any{"phone": "13100000001", "password": "flange-2022"}).must(t, 200)["token"].(string)
			ent := p.call("POST", "/api/v1/enterprises", token, map[string]any{
				"name": "定襄宏达法兰锻造有限公司", "uscc": "91350100M000100Y43", "town_id": dingxiang, "industry": "法兰锻造"}).must(t, 201)
			if ent["verified"] != false {
				t.Fatalf("a new profile is unverified: %v", ent)
			}
			id := int(ent["id"].(float64))

			rev := p.call("POST", "/api/v1/auth/login", "", map[string]any{"phone": "13100000009", "password": "reviewer-secret-1"}).must(t, 200)["token"].(string)
			p.call("POST", "/api/v1/enterprises/"+itoa(id)+"/verify", token, map[string]any{"leading_industry": true}).must(t, 403)
			v := p.call("POST", "/api/v1/enterprises/"+itoa(id)+"/verify", rev, map[string]any{"leading_industry": true}).must(t, 200)
			if v["verified"] != true || v["leading_industry"] != true {
				t.Fatalf("verified %v", v)
			}
			if mine := p.call("GET", "/api/v1/me/enterprise", token, nil).must(t, 200); mine["leading_industry"] != true {
				t.Fatalf("the enterprise does not see its verification: %v", mine)
			}

			p.call("POST", "/api/v1/auth/logout", token, nil).must(t, 200)
			p.call("GET", "/api/v1/me", token, nil).must(t, 401)

			t.Run("a 12 MB body is refused with 413 problem details", func(t *testing.T) {
				// The server answers as soon as it has the declared length and a little more
				// than the 8 KiB fasthttp reads with the headers (a byte more for a length over
				// its BodyLimit), so a client that waits for the answer is never made to upload
				// 12 MB.
				conn, err := net.Dial("tcp", strings.TrimPrefix(p.base, "http://"))
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				fmt.Fprintf(conn, "POST /api/v1/auth/register HTTP/1.1\r\nHost: portal\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", 12<<20, strings.Repeat(" ", 8<<10+1))
				resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
				if err != nil {
					t.Fatal(err)
				}
				raw, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != 413 || !bytes.Contains(raw, []byte(`"code":"too_large"`)) || resp.Header.Get("Content-Type") != "application/problem+json" {
					t.Fatalf("%d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
				}
			})
			t.Run("ready, with metrics, and the OpenAPI document served", func(t *testing.T) {
				p.call("GET", "/readyz", "", nil).must(t, 200)
				if a := p.call("GET", "/metrics", "", nil); a.status != 200 || !bytes.Contains(a.raw, []byte("portal_http_requests_total")) {
					t.Fatalf("metrics %d", a.status)
				}
				if a := p.call("GET", "/api/openapi.yaml", "", nil); a.status != 200 || !bytes.Contains(a.raw, []byte("/enterprises/{id}/verify")) {
					t.Fatalf("openapi %d", a.status)
				}
			})
			t.Run("SIGTERM drains and stops cleanly", func(t *testing.T) {
				p.stop()
				if !strings.Contains(p.out.String(), `"msg":"stopped"`) {
					t.Fatalf("no clean stop in the log:\n%s", p.out.String())
				}
			})
		})
	}
}

func TestBadConfigurationStopsWithOneLine(t *testing.T) {
	env := map[string]string{"PORTAL_SECRET": strings.Repeat("k", 40), "MEILI_URL": "not a url"}
	_, err := command(t, env, "", "serve")
	if err == nil || !strings.HasPrefix(err.Error(), "MEILI_URL:") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("got %v", err)
	}
}

// TestStopDrainsWithoutWaitingForSilentConnections: SIGTERM while clients hold connections on
// which they have sent nothing (a browser's speculative ones, an HTTP client's spares) stops
// the portal cleanly; it drains requests in flight, and a connection that never spoke has none.
// Before, such a connection held the stop until the 30 s read timeout, past the 10 s drain,
// and serve returned "context deadline exceeded".
func TestStopDrainsWithoutWaitingForSilentConnections(t *testing.T) {
	env := testEnv(t, "")
	if out, err := command(t, env, "", "migrate"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	p := start(t, env)
	p.call("GET", "/api/v1/towns", "", nil).must(t, 200) // and one keep-alive connection, idle
	for range 3 {
		conn, err := net.Dial("tcp", strings.TrimPrefix(p.base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
	}
	time.Sleep(100 * time.Millisecond) // the portal has accepted them
	p.stop()
}

func townID(t *testing.T, towns []any, name string) float64 {
	t.Helper()
	for _, x := range towns {
		if m := x.(map[string]any); m["name"] == name {
			return m["id"].(float64)
		}
	}
	t.Fatalf("no town %s", name)
	return 0
}

func itoa(n int) string { return strconv.Itoa(n) }
