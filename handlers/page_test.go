package handlers

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"portal/models"
)

func form(values map[string]string) []byte {
	v := url.Values{}
	for k, val := range values {
		v.Set(k, val)
	}
	return []byte(v.Encode())
}

// sessionFrom reads the session token out of a Set-Cookie header.
func sessionFrom(t *testing.T, r response) string {
	t.Helper()
	m := regexp.MustCompile(sessionCookie + `=([^;]+)`).FindStringSubmatch(r.header.Get("Set-Cookie"))
	if m == nil {
		t.Fatalf("no session cookie in %v", r.header)
	}
	return m[1]
}

func csrfIn(t testing.TB, page []byte) string {
	t.Helper()
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF field in the page")
	}
	return string(m[1])
}

func TestPagesWithoutJavaScript(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	html := map[string]string{"Accept": "text/html"}
	t.Run("the home page is Chinese, with a search box and the towns", func(t *testing.T) {
		r := h.do(req{method: "GET", path: "/", headers: html})
		body := string(r.body)
		for _, want := range []string{`<html lang="zh-CN">`, `<label for="q">`, "定襄法兰专业镇", "/static/vendor/pico/pico.min.css", "登录"} {
			if !strings.Contains(body, want) {
				t.Errorf("home lacks %q", want)
			}
		}
	})
	var cookie string
	t.Run("registering through the form logs in and lands on the console", func(t *testing.T) {
		v := h.visitorCSRF("/register")
		r := h.do(req{method: "POST", path: "/register", contentType: "application/x-www-form-urlencoded", headers: html, visitor: v,
			raw: form(map[string]string{"role": "enterprise", "name": "赵厂长", "phone": "13400000001", "password": "flange2022", "_csrf": v})})
		if r.status != 303 || r.header.Get("Location") != "/console" {
			t.Fatalf("%d %s", r.status, r.header.Get("Location"))
		}
		cookie = sessionFrom(t, r)
		if page := h.follow(models.Login{Token: cookie}, r); !strings.Contains(page, "注册成功") {
			t.Errorf("no word that the registration worked:\n%s", visibleText(page))
		}
		if sc := r.header.Get("Set-Cookie"); !strings.Contains(sc, "HttpOnly") || !strings.Contains(strings.ToLower(sc), "samesite=lax") {
			t.Fatalf("cookie flags: %s", sc)
		}
	})
	t.Run("a bad form comes back with the errors beside the fields, in Chinese layout", func(t *testing.T) {
		v := h.visitorCSRF("/register")
		r := h.do(req{method: "POST", path: "/register", contentType: "application/x-www-form-urlencoded", headers: html, visitor: v,
			raw: form(map[string]string{"role": "seeker", "name": "x", "phone": "123", "password": "1", "_csrf": v})})
		if r.status != 422 || !strings.Contains(string(r.body), `id="phone-error"`) || !strings.Contains(string(r.body), `value="123"`) {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	var csrf string
	t.Run("the enterprise console shows the profile form", func(t *testing.T) {
		r := h.do(req{method: "GET", path: "/console", cookie: cookie, headers: html})
		if r.status != 200 || !strings.Contains(string(r.body), "企业资料") {
			t.Fatalf("%d %s", r.status, r.body)
		}
		csrf = csrfIn(t, r.body)
	})
	towns, _ := h.store.Towns(t.Context())
	profile := map[string]string{"name": "定襄锻造厂", "uscc": validUSCC("MA0D0001"), "town_id": itoa(towns[0].ID), "industry": "法兰"}
	t.Run("a form without the CSRF token is refused", func(t *testing.T) {
		r := h.do(req{method: "POST", path: "/console/enterprise/profile", cookie: cookie, contentType: "application/x-www-form-urlencoded", headers: html, raw: form(profile)})
		if r.status != 403 || !strings.Contains(string(r.body), "没有权限") {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("with it the profile is saved and awaits verification", func(t *testing.T) {
		profile["_csrf"] = csrf
		r := h.do(req{method: "POST", path: "/console/enterprise/profile", cookie: cookie, contentType: "application/x-www-form-urlencoded", headers: html, raw: form(profile)})
		if r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		page := string(h.do(req{method: "GET", path: "/console", cookie: cookie, headers: html}).body)
		if !strings.Contains(page, "定襄锻造厂") || !strings.Contains(page, "待审核") {
			t.Fatalf("console: %s", page)
		}
	})
	t.Run("a reviewer verifies it from the queue page", func(t *testing.T) {
		rev := h.account(models.RoleReviewer, "13400000009")
		page := h.do(req{method: "GET", path: "/console", cookie: rev.Token, headers: html})
		if !strings.Contains(string(page.body), "定襄锻造厂") {
			t.Fatalf("queue: %s", page.body)
		}
		e, _ := h.store.Enterprises(t.Context(), models.EnterpriseFilter{})
		r := h.do(req{method: "POST", path: "/console/reviewer/enterprises/" + itoa(e[0].ID) + "/verify", cookie: rev.Token, contentType: "application/x-www-form-urlencoded", headers: html,
			raw: form(map[string]string{"_csrf": csrfIn(t, page.body), "leading_industry": "true"})})
		if r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		mine := string(h.do(req{method: "GET", path: "/console", cookie: cookie, headers: html}).body)
		if !strings.Contains(mine, "已认证") || !strings.Contains(mine, "主导产业企业") {
			t.Fatalf("console after verification: %s", mine)
		}
	})
	t.Run("a wrong password on the login page says so in Chinese", func(t *testing.T) {
		v := h.visitorCSRF("/login")
		r := h.do(req{method: "POST", path: "/login", contentType: "application/x-www-form-urlencoded", headers: html, visitor: v,
			raw: form(map[string]string{"phone": "13400000001", "password": "nope-nope", "_csrf": v})})
		if r.status != 401 || !strings.Contains(string(r.body), "手机号或密码不正确") {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("the console sends an anonymous visitor to the login page", func(t *testing.T) {
		r := h.do(req{method: "GET", path: "/console", headers: html})
		if r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/login") {
			t.Fatalf("%d %s", r.status, r.header.Get("Location"))
		}
	})
	t.Run("login never redirects off the site", func(t *testing.T) {
		for _, next := range []string{"//evil.example/", "https://evil.example/", `/\evil`} {
			if got := safeNext(next); got != "/console" {
				t.Errorf("%q → %q", next, got)
			}
		}
	})
	t.Run("logout through the header form ends the session", func(t *testing.T) {
		page := h.do(req{method: "GET", path: "/console", cookie: cookie, headers: html})
		r := h.do(req{method: "POST", path: "/logout", cookie: cookie, contentType: "application/x-www-form-urlencoded", headers: html, raw: form(map[string]string{"_csrf": csrfIn(t, page.body)})})
		if r.status != 303 {
			t.Fatalf("%d", r.status)
		}
		if r := h.do(req{method: "GET", path: "/console", cookie: cookie, headers: html}); r.status != 303 {
			t.Fatalf("still logged in: %d", r.status)
		}
	})
	t.Run("an unknown page is a Chinese 404 page", func(t *testing.T) {
		r := h.do(req{method: "GET", path: "/no/such/page", headers: html})
		if r.status != 404 || !strings.Contains(string(r.body), "页面不存在") {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
}
