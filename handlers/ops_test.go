package handlers

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"portal/internal/testsvc"
	"portal/models"
)

func TestLoginIsRateLimited(t *testing.T) {
	limits := RateLimit{PerPhone: 3, PerIP: 5, Window: time.Minute}
	attempt := func(h *harness, phone string) response {
		return h.do(req{method: "POST", path: "/api/v1/auth/login", body: map[string]any{"phone": phone, "password": "wrong-pass"}})
	}
	t.Run("in process: the fourth try on one phone is 429 with Retry-After", func(t *testing.T) {
		h := newHarness(t, harnessOpts{login: limits})
		for i := range 3 {
			attempt(h, "13900000001").problem(t, 401, "unauthorized")
			_ = i
		}
		r := attempt(h, "13900000001")
		r.problem(t, 429, "rate_limited")
		if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
			t.Fatalf("Retry-After %q", ra)
		}
		t.Run("even the right password waits", func(t *testing.T) {
			h.account(models.RoleSeeker, "13900000002")
			for range 3 {
				attempt(h, "13900000002")
			}
			h.do(req{method: "POST", path: "/api/v1/auth/login", body: map[string]any{"phone": "13900000002", "password": "password1"}}).problem(t, 429, "rate_limited")
		})
	})
	t.Run("in process: spreading over phones hits the per-IP limit", func(t *testing.T) {
		h := newHarness(t, harnessOpts{login: limits})
		for i := range 5 {
			attempt(h, fmt.Sprintf("1390000010%d", i)).problem(t, 401, "unauthorized")
		}
		attempt(h, "13900000199").problem(t, 429, "rate_limited")
	})
	t.Run("in Redis: two portal processes share the count", func(t *testing.T) {
		url := testsvc.RedisURL(t)
		shared := testsvc.UniqueName(t, "rl") + ":"
		a := newHarness(t, harnessOpts{login: limits, redisURL: url, redisPrefix: shared})
		b := newHarness(t, harnessOpts{login: limits, redisURL: url, redisPrefix: shared})
		phone := fmt.Sprintf("135%08d", time.Now().UnixNano()%100000000) // a fresh key in the shared Redis
		attempt(a, phone).problem(t, 401, "unauthorized")
		attempt(b, phone).problem(t, 401, "unauthorized")
		attempt(a, phone).problem(t, 401, "unauthorized")
		attempt(b, phone).problem(t, 429, "rate_limited")
	})
	t.Run("with Redis unreachable, counting falls back to the process", func(t *testing.T) {
		h := newHarness(t, harnessOpts{login: limits, redisURL: "redis://" + closedAddr(t) + "/0"})
		for range 3 {
			attempt(h, "13900000301").problem(t, 401, "unauthorized")
		}
		attempt(h, "13900000301").problem(t, 429, "rate_limited")
	})
}

// closedAddr is a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestReadiness(t *testing.T) {
	t.Run("up when the database and Meilisearch answer", func(t *testing.T) {
		h := newHarness(t, harnessOpts{})
		r := h.do(req{method: "GET", path: "/readyz"})
		if r.status != 200 || strings.TrimSpace(string(r.body)) != `{"status":"up"}` {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if r := h.do(req{method: "GET", path: "/healthz"}); r.status != 200 {
			t.Fatalf("%d", r.status)
		}
	})
	t.Run("up while one of two Meilisearch nodes answers, and Redis is down", func(t *testing.T) {
		meiliURL, key := testsvc.Meili(t)
		h := newHarness(t, harnessOpts{meiliURL: "http://" + closedAddr(t) + "," + meiliURL, meiliKey: key, redisURL: "redis://" + closedAddr(t) + "/0"})
		if r := h.do(req{method: "GET", path: "/readyz"}); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("down says only down: no address, no error text", func(t *testing.T) {
		dead := closedAddr(t)
		h := newHarness(t, harnessOpts{meiliURL: "http://" + dead})
		r := h.do(req{method: "GET", path: "/readyz"})
		p := r.problem(t, 503, "unavailable")
		if p["detail"] != "down" || strings.Contains(string(r.body), dead) || strings.Contains(string(r.body), "refused") ||
			strings.Contains(string(r.body), "meilisearch") {
			t.Fatalf("public body %s", r.body)
		}
		if !strings.Contains(h.logs.String(), dead) {
			t.Fatalf("the log does not say which node is down: %s", h.logs.String())
		}
	})
}

func TestMetricsShowEachSearchNode(t *testing.T) {
	meiliURL, key := testsvc.Meili(t)
	dead := "http://" + closedAddr(t)
	h := newHarness(t, harnessOpts{meiliURL: meiliURL + "," + dead, meiliKey: key})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go h.app.search.Watch(ctx, h.store, h.app.log, 50*time.Millisecond)
	var body string
	eventually(t, "the dead node shown down", func() bool {
		body = string(h.do(req{method: "GET", path: "/metrics"}).body)
		return strings.Contains(body, `portal_search_node_up{node="2"} 0`)
	})
	// nodes are named by their place in MEILI_URL: the metrics show no internal address
	for _, want := range []string{
		`portal_search_node_up{node="2"} 0`,
		`portal_search_node_up{node="1"} 1`,
		`portal_search_node_lag_entries{node="1"}`,
		`portal_search_node_lag_seconds{node="2"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, addr := range []string{meiliURL, dead, "http://"} {
		if strings.Contains(body, addr) {
			t.Errorf("metrics show the address %s", addr)
		}
	}
	t.Run("a request forwarded by a load balancer, from the internet, gets no metrics", func(t *testing.T) {
		h.do(req{method: "GET", path: "/metrics", headers: map[string]string{"X-Forwarded-For": "203.0.113.7"}}).problem(t, 404, "not_found")
	})
}

func TestMetricsCountRequestsByRoute(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.do(req{method: "GET", path: "/api/v1/towns"})
	h.do(req{method: "GET", path: "/api/v1/enterprises/424242"})
	body := string(h.do(req{method: "GET", path: "/metrics"}).body)
	for _, want := range []string{
		`portal_http_requests_total{method="GET",route="/api/v1/towns",status="200"} 1`,
		`portal_http_requests_total{method="GET",route="/api/v1/enterprises/:id",status="404"} 1`,
		`portal_http_request_duration_seconds_bucket{method="GET",route="/api/v1/towns"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	t.Run("each request is logged as JSON with its request id", func(t *testing.T) {
		if !strings.Contains(h.logs.String(), `"route":"/api/v1/towns"`) || !strings.Contains(h.logs.String(), `"request_id":"`) {
			t.Fatalf("logs: %s", h.logs.String())
		}
	})
}

// TestOpenAPIDescribesEveryRoute fails when a route under /api is registered without being
// described in openapi.yaml (and when the file describes a route that does not exist).
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`:(\w+)`)
	registered := map[string]bool{}
	for _, r := range h.app.Fiber.GetRoutes(true) {
		path, ok := strings.CutPrefix(r.Path, "/api/v1")
		if !ok || r.Method == "HEAD" || r.Method == "USE" || path == "" || strings.HasSuffix(path, "*") {
			continue
		}
		path = param.ReplaceAllString(path, "{$1}")
		key := strings.ToLower(r.Method) + " " + path
		registered[key] = true
		if _, ok := doc.Paths[path][strings.ToLower(r.Method)]; !ok {
			t.Errorf("route %s %s is not in openapi.yaml", r.Method, path)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			if !registered[method+" "+path] {
				t.Errorf("openapi.yaml describes %s %s, which is not a route", method, path)
			}
		}
	}
	if r := h.do(req{method: "GET", path: "/api/openapi.yaml"}); r.status != 200 || !strings.Contains(string(r.body), "openapi: 3.1.0") {
		t.Fatalf("served %d", r.status)
	}
}
