package testsvc

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { code := m.Run(); StopAll(); os.Exit(code) }

// meiliDo sends method base+path with the key as bearer token (none if key
// is empty) and returns the status code and body.
func meiliDo(t *testing.T, method, base, path, key, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestMeili(t *testing.T) {
	base, key := Meili(t)
	if len(key) != 32 && os.Getenv("TEST_MEILI_URL") == "" {
		t.Errorf("master key %q: want 32 hex characters", key)
	}

	t.Run("health answers 200", func(t *testing.T) {
		if code, body := meiliDo(t, http.MethodGet, base, "/health", "", ""); code != http.StatusOK {
			t.Fatalf("GET /health = %d %s", code, body)
		}
	})
	t.Run("keys answers 200 with the master key", func(t *testing.T) {
		if code, body := meiliDo(t, http.MethodGet, base, "/keys", key, ""); code != http.StatusOK {
			t.Fatalf("GET /keys = %d %s", code, body)
		}
	})
	t.Run("keys answers 401 without a key", func(t *testing.T) {
		if code, body := meiliDo(t, http.MethodGet, base, "/keys", "", ""); code != http.StatusUnauthorized {
			t.Fatalf("GET /keys = %d %s, want 401", code, body)
		}
	})
	t.Run("a second call hands out the same server", func(t *testing.T) {
		url2, key2 := Meili(t)
		if url2 != base || key2 != key {
			t.Fatalf("second call = %s %s, first = %s %s", url2, key2, base, key)
		}
	})
}

func TestUniqueName(t *testing.T) {
	re := regexp.MustCompile(`^jobs_[0-9a-f]{10}$`)
	a, b := UniqueName(t, "jobs"), UniqueName(t, "jobs")
	for _, n := range []string{a, b} {
		if !re.MatchString(n) {
			t.Errorf("UniqueName(jobs) = %q, want %s", n, re)
		}
	}
	if a == b {
		t.Errorf("two calls gave the same name %q", a)
	}
}

func TestPostgresURL(t *testing.T) {
	dbName := func(t *testing.T, dsn string) string {
		t.Helper()
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var one int
		if err := db.QueryRow("SELECT 1").Scan(&one); err != nil || one != 1 {
			t.Fatalf("SELECT 1 on %s = %d, %v", dsn, one, err)
		}
		var name string
		if err := db.QueryRow("SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
		return name
	}

	var first string
	t.Run("two calls give two fresh databases", func(t *testing.T) {
		a, b := PostgresURL(t), PostgresURL(t)
		first = dbName(t, a)
		second := dbName(t, b)
		if first == second {
			t.Fatalf("both URLs point at database %s", first)
		}
		for _, u := range []string{a, b} {
			if !strings.Contains(u, "sslmode=disable") && strings.Contains(os.Getenv("TEST_DATABASE_URL"), "sslmode=disable") {
				t.Errorf("URL %s lost the query parameters of TEST_DATABASE_URL", u)
			}
		}
	})
	if first == "" {
		return // the subtest was skipped or failed
	}

	t.Run("the database is dropped when the test ends", func(t *testing.T) {
		db, err := sql.Open("pgx", os.Getenv("TEST_DATABASE_URL"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		if err := db.QueryRow("SELECT count(*) FROM pg_database WHERE datname = $1", first).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("database %s still exists after its test ended", first)
		}
	})
}

func TestRedisURL(t *testing.T) {
	raw := RedisURL(t)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", u.Host, 2*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", u.Host, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(conn, "PING\r\n"); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	// +PONG, or -NOAUTH from a server with a password: either way it is Redis.
	if line != "+PONG\r\n" && !strings.HasPrefix(line, "-NOAUTH") {
		t.Fatalf("PING answered %q", line)
	}
}

func TestRestartableMeili(t *testing.T) {
	p := RestartableMeili(t)
	shared := ""
	if os.Getenv("TEST_MEILI_URL") == "" {
		shared, _ = Meili(t)
	}
	if p.URL() == shared {
		t.Fatalf("RestartableMeili shares the URL %s with Meili", shared)
	}

	healthy := func() error {
		return waitHealthy(p.URL(), 300*time.Millisecond, nil)
	}
	if err := healthy(); err != nil {
		t.Fatalf("fresh server: %v", err)
	}

	// An index created before the outage is still there after it: Start
	// reuses the database directory.
	index := UniqueName(t, "outage")
	code, body := meiliDo(t, http.MethodPost, p.URL(), "/indexes", p.MasterKey(), fmt.Sprintf(`{"uid":%q}`, index))
	if code != http.StatusAccepted {
		t.Fatalf("POST /indexes = %d %s", code, body)
	}
	var task struct {
		TaskUID int `json:"taskUid"`
	}
	if err := json.Unmarshal([]byte(body), &task); err != nil {
		t.Fatal(err)
	}
	waitTask(t, p, task.TaskUID)

	t.Run("stopped server fails its health check", func(t *testing.T) {
		p.Stop()
		if err := healthy(); err == nil {
			t.Fatal("GET /health succeeded after Stop")
		}
		p.Stop() // stopping twice is harmless
	})
	t.Run("restarted server is healthy and keeps its data", func(t *testing.T) {
		start := time.Now()
		p.Start()
		t.Logf("restart took %s", time.Since(start).Round(time.Millisecond))
		if err := healthy(); err != nil {
			t.Fatalf("after Start: %v", err)
		}
		if code, body := meiliDo(t, http.MethodGet, p.URL(), "/indexes/"+index, p.MasterKey(), ""); code != http.StatusOK {
			t.Fatalf("GET /indexes/%s after restart = %d %s", index, code, body)
		}
	})
}

func waitTask(t *testing.T, p *MeiliProcess, uid int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		_, body := meiliDo(t, http.MethodGet, p.URL(), fmt.Sprintf("/tasks/%d", uid), p.MasterKey(), "")
		var task struct {
			Status string `json:"status"`
		}
		if err := json.Unmarshal([]byte(body), &task); err != nil {
			t.Fatalf("task %d: %v in %s", uid, err, body)
		}
		switch task.Status {
		case "succeeded":
			return
		case "failed", "canceled":
			t.Fatalf("task %d %s: %s", uid, task.Status, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("task %d did not finish within 10 s", uid)
}

func TestChromiumPath(t *testing.T) {
	p := ChromiumPath(t)
	if err := checkExecutable(p); err != nil {
		t.Fatalf("ChromiumPath = %s: %v", p, err)
	}
}

// recorder is a testing.TB that records Skipf and Fatalf instead of ending
// the test, to check what missing does.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestMissing(t *testing.T) {
	t.Run("skips without CI", func(t *testing.T) {
		t.Setenv("CI", "")
		r := &recorder{TB: t}
		missing(r, "Redis", "set TEST_REDIS_URL")
		if r.failed != "" || !strings.Contains(r.skipped, "Redis") || !strings.Contains(r.skipped, "set TEST_REDIS_URL") {
			t.Fatalf("skipped %q, failed %q", r.skipped, r.failed)
		}
	})
	t.Run("fails under CI", func(t *testing.T) {
		t.Setenv("CI", "true")
		r := &recorder{TB: t}
		missing(r, "Redis", "set TEST_REDIS_URL")
		if r.skipped != "" || !strings.Contains(r.failed, "Redis") || !strings.Contains(r.failed, "CI") {
			t.Fatalf("skipped %q, failed %q", r.skipped, r.failed)
		}
	})
	t.Run("missing Meilisearch binary fails under CI", func(t *testing.T) {
		t.Setenv("CI", "true")
		t.Setenv("MEILI_BIN", "/nonexistent/meilisearch")
		r := &recorder{TB: t}
		RestartableMeili(r)
		if !strings.Contains(r.failed, "MEILI_BIN=/nonexistent/meilisearch") || !strings.Contains(r.failed, "install-meilisearch.sh") {
			t.Fatalf("failed %q", r.failed)
		}
	})
}
