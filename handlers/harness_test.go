package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"portal/internal/testsvc"
	"portal/models"
	"portal/search"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testsvc.StopAll()
	os.Exit(code)
}

// harness is the real application on a fresh SQLite database (or PostgreSQL), a real
// Meilisearch and, when asked, a real Redis.
type harness struct {
	t     testing.TB
	app   *App
	store *models.Store
	logs  *bytes.Buffer
}

type harnessOpts struct {
	databaseURL string
	redisURL    string
	meiliURL    string // overrides the shared test server (e.g. a dead address)
	meiliKey    string
	indexPrefix string // shares an index between harnesses
	redisPrefix string // shares rate-limit counters between harnesses
	login       RateLimit
	indexing    bool          // apply index settings and run the outbox indexer
	poll        time.Duration // the indexer's poll without wake-ups (default 1 s)
	clock       *testClock
	proxies     []string // PORTAL_TRUSTED_PROXIES
	secure      bool     // PORTAL_SECURE_COOKIES
}

// testClock is a clock a test can move.
type testClock struct{ t atomic.Int64 }

func newClock(t time.Time) *testClock { c := &testClock{}; c.set(t); return c }
func (c *testClock) set(t time.Time)  { c.t.Store(t.UnixNano()) }
func (c *testClock) now() time.Time   { return time.Unix(0, c.t.Load()) }

func newHarness(t testing.TB, opts harnessOpts) *harness {
	t.Helper()
	ctx := context.Background()
	if opts.databaseURL == "" {
		opts.databaseURL = "sqlite://" + filepath.Join(t.TempDir(), "portal.db")
	}
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	store, err := models.Open(ctx, opts.databaseURL, []byte("handlers-test-secret-0123456789abcdef"), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SeedReference(ctx); err != nil {
		t.Fatal(err)
	}
	meiliURL, key := opts.meiliURL, opts.meiliKey
	if meiliURL == "" {
		meiliURL, key = testsvc.Meili(t)
	}
	if opts.indexPrefix == "" {
		opts.indexPrefix = testsvc.UniqueName(t, "h") + "_"
	}
	meili := search.NewCluster(strings.Split(meiliURL, ","), key, opts.indexPrefix)
	var rdb *redis.Client
	if opts.redisURL != "" {
		var err error
		if rdb, err = NewRedisClient(opts.redisURL); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rdb.Close() })
	}
	now := time.Now
	if opts.clock != nil {
		now = opts.clock.now
	}
	indexer := search.NewIndexer(store, meili, rdb, log).WithClock(now)
	if opts.poll != 0 {
		indexer.WithPoll(opts.poll)
	}
	if opts.redisPrefix == "" {
		opts.redisPrefix = testsvc.UniqueName(t, "rl") + ":"
	}
	app, err := New(Deps{Store: store, Search: meili, Redis: rdb, RedisPrefix: opts.redisPrefix, Log: log, LoginLimit: opts.login, Indexer: indexer, Now: now,
		TrustedProxies: opts.proxies, SecureCookies: opts.secure})
	if err != nil {
		t.Fatal(err)
	}
	if opts.indexing {
		if err := meili.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		runCtx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { indexer.Run(runCtx); close(done) }()
		t.Cleanup(func() { stop(); <-done })
	}
	return &harness{t: t, app: app, store: store, logs: logs}
}

// response is what a test reads back.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not JSON (%d): %s", r.status, r.body)
	}
	return m
}

// problem checks that the response is problem+json with the status and code, and returns it.
func (r response) problem(t testing.TB, status int, code string) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("content type %q, want application/problem+json", ct)
	}
	p := r.json(t)
	if p["code"] != code || int(p["status"].(float64)) != status || p["title"] == "" || p["detail"] == "" {
		t.Fatalf("problem %v, want code %s", p, code)
	}
	return p
}

type req struct {
	method, path string
	body         any    // marshalled to JSON unless raw is set
	raw          []byte // sent as is
	contentType  string
	token        string
	cookie       string
	visitor      string        // the anonymous visitor's CSRF cookie (see visitorCSRF)
	timeout      time.Duration // fail the test when no answer comes within it (default: wait)
	headers      map[string]string
}

func (h *harness) do(r req) response {
	h.t.Helper()
	var body io.Reader
	ct := r.contentType
	switch {
	case r.raw != nil:
		body = bytes.NewReader(r.raw)
	case r.body != nil:
		b, err := json.Marshal(r.body)
		if err != nil {
			h.t.Fatal(err)
		}
		body = bytes.NewReader(b)
		if ct == "" {
			ct = "application/json"
		}
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if ct != "" {
		hr.Header.Set("Content-Type", ct)
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	if r.cookie != "" {
		hr.Header.Set("Cookie", sessionCookie+"="+r.cookie)
	}
	if r.visitor != "" {
		hr.Header.Add("Cookie", csrfCookie+"="+r.visitor)
	}
	for k, v := range r.headers {
		hr.Header.Del(k)
		for _, line := range strings.Split(v, "\n") { // a value with \n is sent as several lines
			hr.Header.Add(k, line)
		}
	}
	ms := -1
	if r.timeout > 0 {
		ms = int(r.timeout / time.Millisecond)
	}
	resp, err := h.app.Fiber.Test(hr, ms)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// on is the same harness reporting to t, for a fuzz target's or a subtest's own t.
func (h *harness) on(t testing.TB) *harness { c := *h; c.t = t; return &c }

// visitorCSRF opens a page as an anonymous browser would and returns the CSRF cookie it was
// given and the token in the page's form (the same value), for posting that form.
func (h *harness) visitorCSRF(page string) string {
	h.t.Helper()
	r := h.do(req{method: "GET", path: page, headers: map[string]string{"Accept": "text/html"}})
	m := regexp.MustCompile(csrfCookie + `=([0-9a-f]+)`).FindStringSubmatch(r.header.Get("Set-Cookie"))
	if r.status != 200 || m == nil {
		h.t.Fatalf("GET %s: %d, no %s cookie in %v", page, r.status, csrfCookie, r.header)
	}
	if field := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(string(r.body)); field == nil || field[1] != m[1] {
		h.t.Fatalf("GET %s: the form's CSRF field does not hold the cookie's token", page)
	}
	return m[1]
}

// account registers (or, for reviewers, creates) an account and returns its login.
func (h *harness) account(role, phone string) models.Login {
	h.t.Helper()
	ctx := context.Background()
	if role == models.RoleReviewer {
		if _, err := h.store.CreateReviewer(ctx, phone, "审核员", "reviewer-pass"); err != nil {
			h.t.Fatal(err)
		}
		l, err := h.store.Authenticate(ctx, models.LoginInput{Phone: phone, Password: "reviewer-pass"})
		if err != nil {
			h.t.Fatal(err)
		}
		return l
	}
	l, err := h.store.Register(ctx, models.RegisterInput{Role: role, Phone: phone, Password: "password1", Name: "测试"})
	if err != nil {
		h.t.Fatal(err)
	}
	return l
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// relogin opens another session for an account made by account().
func (h *harness) relogin(u models.User) models.Login {
	h.t.Helper()
	pw := "password1"
	if u.Role == models.RoleReviewer {
		pw = "reviewer-pass"
	}
	l, err := h.store.Authenticate(context.Background(), models.LoginInput{Phone: u.Phone, Password: pw})
	if err != nil {
		h.t.Fatal(err)
	}
	return l
}
