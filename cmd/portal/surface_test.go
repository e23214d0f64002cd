package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"portal/internal/testsvc"
	"portal/models"
)

// surface talks to the real program over HTTP the way a browser or a client on the internet
// would: redirects are not followed, headers are set by hand.
type surface struct {
	p      *program
	client *http.Client
}

type reply struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (s *surface) send(t *testing.T, method, path string, header map[string]string, body []byte) reply {
	t.Helper()
	var resp *http.Response
	var err error
	// A request the portal refuses after its first 8 KB (431) may be reset while the client is
	// still writing; such a reset is the client's race, so it is tried again.
	for try := 0; try < 5; try++ {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, rerr := http.NewRequest(method, s.p.base+path, rd)
		if rerr != nil {
			t.Fatalf("%s %s: %v", method, path, rerr)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		if resp, err = s.client.Do(req); err == nil || !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
			break
		}
	}
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// api sends a JSON body (or none) with an optional bearer token and X-Forwarded-For.
func (s *surface) api(t *testing.T, method, path, token, from string, body any) reply {
	t.Helper()
	h := map[string]string{}
	var raw []byte
	if body != nil {
		if b, ok := body.([]byte); ok {
			raw = b
		} else {
			raw, _ = json.Marshal(body)
		}
		h["Content-Type"] = "application/json"
	}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	if from != "" {
		h["X-Forwarded-For"] = from
	}
	return s.send(t, method, path, h, raw)
}

func (r reply) want(t *testing.T, status int) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	return r.body
}

// problem checks a problem+json answer of that status and code.
func (r reply) problem(t *testing.T, status int, code string) map[string]any {
	t.Helper()
	r.want(t, status)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("content type %q, want application/problem+json: %s", ct, r.raw)
	}
	if r.body["code"] != code {
		t.Fatalf("code %v, want %s: %s", r.body["code"], code, r.raw)
	}
	return r.body
}

// fieldNamed checks a 400/422 problem whose errors name field.
func (r reply) fieldNamed(t *testing.T, field string, statuses ...int) {
	t.Helper()
	ok := false
	for _, s := range statuses {
		ok = ok || r.status == s
	}
	errs, _ := r.body["errors"].(map[string]any)
	if !ok || errs == nil {
		t.Fatalf("status %d, want one of %v with errors: %s", r.status, statuses, r.raw)
	}
	if _, named := errs[field]; !named {
		t.Fatalf("field %s not named: %s", field, r.raw)
	}
}

func (s *surface) login(t *testing.T, phone, password string) string {
	t.Helper()
	tok, _ := s.api(t, "POST", "/api/v1/auth/login", "", "", map[string]any{"phone": phone, "password": password}).want(t, 200)["token"].(string)
	if tok == "" {
		t.Fatalf("login of %s gave no token", phone)
	}
	return tok
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([0-9a-f]+)"`)

// visitor opens the login page as a new visitor and returns its portal_csrf token, which the
// page's hidden _csrf field must hold too.
func (s *surface) visitor(t *testing.T) string {
	t.Helper()
	r := s.send(t, "GET", "/login", map[string]string{"Accept": "text/html"}, nil)
	var cookie string
	for _, sc := range r.header.Values("Set-Cookie") {
		if v, ok := strings.CutPrefix(sc, "portal_csrf="); ok {
			cookie, _, _ = strings.Cut(v, ";")
		}
	}
	field := csrfField.FindSubmatch(r.raw)
	if r.status != 200 || cookie == "" || field == nil || string(field[1]) != cookie {
		t.Fatalf("GET /login: %d, cookie %q, field %q", r.status, cookie, field)
	}
	return cookie
}

// loginForm posts the login form as that visitor (its cookie and token) to /login plus query.
func (s *surface) loginForm(t *testing.T, query string, fields url.Values, visitor string, extra map[string]string) reply {
	t.Helper()
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}
	if visitor != "" {
		h["Cookie"] = "portal_csrf=" + visitor
		if !fields.Has("_csrf") {
			fields.Set("_csrf", visitor)
		}
	}
	for k, v := range extra {
		h[k] = v
	}
	return s.send(t, "POST", "/login"+query, h, []byte(fields.Encode()))
}

func demoSeekerForm() url.Values {
	return url.Values{"phone": {"13900000010"}, "password": {models.DemoPassword}}
}

// TestPublicSurface checks each item of "Harden the public surface" (SPEC §7) against the real
// program started with `serve` on SQLite and PostgreSQL, over real HTTP from outside: what a
// client sends never reaches a header, bad text is refused naming the field, the login and
// registration limits, 431, the page headers and Secure cookies, what /readyz and /metrics
// tell, dates, hidden postings, feed tokens in the log, re-verification and fairs; then
// enrolling as oneself and refused uploads (peopleAndFilesChecks).
func TestPublicSurface(t *testing.T) {
	for _, db := range testsvc.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			began := time.Now()
			env := testEnv(t, db.Resolve(t))
			env["PORTAL_TRUSTED_PROXIES"] = "127.0.0.1"
			env["PORTAL_SECURE_COOKIES"] = "true"
			for _, args := range [][]string{{"migrate"}, {"seed", "--demo"}} {
				if out, err := command(t, env, "", args...); err != nil {
					t.Fatalf("%v: %v\n%s", args, err, out)
				}
			}
			s := &surface{p: start(t, env), client: &http.Client{
				Timeout:       20 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			}}
			surfaceChecks(t, s, env)
			peopleAndFilesChecks(t, s, env)
			t.Logf("%s: %s", db.Name, time.Since(began).Round(time.Millisecond))
		})
	}
}

func surfaceChecks(t *testing.T, s *surface, env map[string]string) {
	t.Run("a login next with CR LF adds no header and lands on the console", func(t *testing.T) {
		v := s.visitor(t)
		r := s.loginForm(t, "?next=%2F%0D%0ASet-Cookie:x=1%0D%0AX-Injected:%201", demoSeekerForm(), v, nil)
		if r.status != 303 || r.header.Get("Location") != "/console" || r.header.Get("X-Injected") != "" {
			t.Fatalf("%d %v", r.status, r.header)
		}
		for _, sc := range r.header.Values("Set-Cookie") {
			if strings.HasPrefix(sc, "x=") || strings.Contains(sc, "x=1") {
				t.Fatalf("injected cookie: %q", sc)
			}
		}
		if r.header.Get("Set-Cookie") == "" || !strings.Contains(strings.Join(r.header.Values("Set-Cookie"), "\n"), "portal_session=") {
			t.Fatalf("the login set no session: %v", r.header)
		}
	})
	t.Run("a login next of /\\t/evil.example lands on the console", func(t *testing.T) {
		r := s.loginForm(t, "?next=%2F%09%2Fevil.example", demoSeekerForm(), s.visitor(t), nil)
		if r.status != 303 || r.header.Get("Location") != "/console" {
			t.Fatalf("%d %q", r.status, r.header.Get("Location"))
		}
	})
	t.Run("the login form without the visitor's CSRF token is refused", func(t *testing.T) {
		r := s.loginForm(t, "", demoSeekerForm(), "", nil)
		if r.status != 403 || strings.Contains(strings.Join(r.header.Values("Set-Cookie"), "\n"), "portal_session=") {
			t.Fatalf("%d %v %s", r.status, r.header, r.raw)
		}
	})
	t.Run("the login form from another origin is refused even with the token", func(t *testing.T) {
		r := s.loginForm(t, "", demoSeekerForm(), s.visitor(t), map[string]string{"Origin": "https://evil.example"})
		if r.status != 403 || strings.Contains(strings.Join(r.header.Values("Set-Cookie"), "\n"), "portal_session=") {
			t.Fatalf("%d %v %s", r.status, r.header, r.raw)
		}
	})

	t.Run("a NUL in the API login phone is a 400 naming phone", func(t *testing.T) {
		s.api(t, "POST", "/api/v1/auth/login", "", "", []byte(`{"phone":"1390000\u00000000","password":"x"}`)).fieldNamed(t, "phone", 400)
	})
	t.Run("invalid UTF-8 in the login form is a 400 naming phone, not a 500", func(t *testing.T) {
		v := s.visitor(t)
		r := s.send(t, "POST", "/login", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Cookie": "portal_csrf=" + v},
			[]byte("phone=%ff%fe&password=x&_csrf="+v))
		r.fieldNamed(t, "phone", 400)
		// and as a page, too: a 400, never a 500
		page := s.send(t, "POST", "/login", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Cookie": "portal_csrf=" + v, "Accept": "text/html"},
			[]byte("phone=%ff%fe&password=x&_csrf="+v))
		if page.status != 400 {
			t.Fatalf("the page answer: %d %s", page.status, page.raw)
		}
	})
	t.Run("invalid UTF-8 in a job search is a 400 naming q", func(t *testing.T) {
		s.api(t, "GET", "/api/v1/jobs?q=%ff", "", "", nil).fieldNamed(t, "q", 400)
	})

	t.Run("ten wrong passwords from one address lock that address out, not the owner elsewhere", func(t *testing.T) {
		const phone, attacker, owner = "13900000010", "203.0.113.9", "198.51.100.7"
		for i := range 10 {
			if r := s.api(t, "POST", "/api/v1/auth/login", "", attacker, map[string]any{"phone": phone, "password": "wrong-password"}); r.status != 401 {
				t.Fatalf("wrong password %d: %d %s", i+1, r.status, r.raw)
			}
		}
		s.api(t, "POST", "/api/v1/auth/login", "", attacker, map[string]any{"phone": phone, "password": models.DemoPassword}).problem(t, 429, "rate_limited")
		s.api(t, "POST", "/api/v1/auth/login", "", owner, map[string]any{"phone": phone, "password": models.DemoPassword}).want(t, 200)
	})
	t.Run("twelve correct logins in a row are never limited", func(t *testing.T) {
		for i := range 12 {
			if r := s.api(t, "POST", "/api/v1/auth/login", "", "198.51.100.8", map[string]any{"phone": "13900000010", "password": models.DemoPassword}); r.status != 200 {
				t.Fatalf("login %d: %d %s", i+1, r.status, r.raw)
			}
		}
	})

	t.Run("the 31st registration from one address within the hour is 429, the 409 of a known phone counted", func(t *testing.T) {
		const from = "203.0.113.20"
		register := func(phone string) reply {
			return s.api(t, "POST", "/api/v1/auth/register", "", from, map[string]any{"role": "seeker", "phone": phone, "password": "password1", "name": "求职者"})
		}
		register("13900000010").want(t, 409)
		for i := range 29 {
			if r := register(fmt.Sprintf("1380000%04d", i)); r.status != 201 {
				t.Fatalf("registration %d: %d %s", i+2, r.status, r.raw)
			}
		}
		register("13800009999").problem(t, 429, "rate_limited")
		if r := s.api(t, "POST", "/api/v1/auth/register", "", "203.0.113.21",
			map[string]any{"role": "seeker", "phone": "13800009999", "password": "password1", "name": "求职者"}); r.status != 201 {
			t.Fatalf("another address: %d %s", r.status, r.raw)
		}
	})

	t.Run("oversized headers answer 431 and the portal answers afterwards", func(t *testing.T) {
		s.send(t, "GET", "/jobs?q="+strings.Repeat("a", 9000), map[string]string{"Accept": "text/html"}, nil).want(t, 431)
		s.send(t, "GET", "/", map[string]string{"Accept": "text/html", "Cookie": "x=" + strings.Repeat("a", 9000)}, nil).want(t, 431)
		s.send(t, "GET", "/healthz", nil, nil).want(t, 200)
	})

	t.Run("pages cannot be framed or sniffed, and the session cookie is Secure", func(t *testing.T) {
		r := s.send(t, "GET", "/", map[string]string{"Accept": "text/html"}, nil)
		r.want(t, 200)
		framed := r.header.Get("X-Frame-Options") == "DENY" || strings.Contains(r.header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
		if !framed || r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("headers %v", r.header)
		}
		lr := s.loginForm(t, "", demoSeekerForm(), s.visitor(t), nil)
		var session string
		for _, sc := range lr.header.Values("Set-Cookie") {
			if strings.HasPrefix(sc, "portal_session=") {
				session = sc
			}
		}
		if lr.status != 303 || !strings.Contains(strings.ToLower(session), "; secure") {
			t.Fatalf("session cookie: %d %q", lr.status, session)
		}
	})

	t.Run("readyz says only up and metrics name no Meilisearch address", func(t *testing.T) {
		meili, err := url.Parse(env["MEILI_URL"])
		if err != nil || meili.Host == "" {
			t.Fatalf("MEILI_URL %q", env["MEILI_URL"])
		}
		r := s.send(t, "GET", "/readyz", nil, nil)
		r.want(t, 200)
		if len(r.body) != 1 || r.body["status"] != "up" || bytes.Contains(r.raw, []byte(meili.Host)) || bytes.Contains(r.raw, []byte(meili.Port())) {
			t.Fatalf("readyz %s", r.raw)
		}
		m := s.send(t, "GET", "/metrics", nil, nil)
		m.want(t, 200)
		if bytes.Contains(m.raw, []byte(meili.Host)) || bytes.Contains(m.raw, []byte(env["MEILI_URL"])) {
			t.Fatalf("metrics name the Meilisearch node %s", meili.Host)
		}
		if !bytes.Contains(m.raw, []byte(`portal_search_node_up{node="1"}`)) {
			t.Fatalf("no node=\"1\" in the metrics:\n%s", m.raw)
		}
	})

	t.Run("a posting expiring outside 2000–2100 is refused naming expires_on and nothing is stored", func(t *testing.T) {
		ent := s.login(t, "13900000001", models.DemoPassword)
		me := s.api(t, "GET", "/api/v1/me/enterprise", ent, "", nil).want(t, 200)
		count := func() int {
			return len(s.api(t, "GET", "/api/v1/me/jobs", ent, "", nil).want(t, 200)["jobs"].([]any))
		}
		before := count()
		for _, d := range []string{"0000-01-01", "9999-12-31"} {
			r := s.api(t, "POST", "/api/v1/jobs", ent, "", map[string]any{"title": "法兰电焊工", "description": "负责法兰盘焊接,持焊工证优先。",
				"occupation": "电焊工", "town_id": me["town_id"], "salary_min": 6000, "salary_max": 9000, "headcount": 2,
				"education": "不限", "employment_type": "full_time", "expires_on": d})
			r.fieldNamed(t, "expires_on", 400, 422)
			if errs := r.body["errors"].(map[string]any); len(errs) != 1 {
				t.Fatalf("%s: more than the date refused: %s", d, r.raw)
			}
		}
		if after := count(); after != before {
			t.Fatalf("postings %d before, %d after", before, after)
		}
	})

	// A closed posting stays on its page, marked closed (SPEC §1), so it can still be reported;
	// a report answers like the posting's page does.
	t.Run("a closed posting shows as closed and can be reported like its page", func(t *testing.T) {
		ent := s.login(t, "13900000001", models.DemoPassword)
		id := openPosting(t, s, ent)
		s.api(t, "POST", "/api/v1/jobs/"+id+"/close", ent, "", nil).want(t, 200)
		if j := s.api(t, "GET", "/api/v1/jobs/"+id, "", "", nil).want(t, 200); j["closed"] != true {
			t.Fatalf("the closed posting's page: %v", j)
		}
		s.api(t, "POST", "/api/v1/jobs/"+id+"/reports", "", "", map[string]any{"reason": "虚假招聘信息,电话打不通"}).want(t, 201)
	})

	t.Run("a feed token never reaches the log", func(t *testing.T) {
		seeker := s.login(t, "13900000010", models.DemoPassword)
		var token string
		for _, x := range s.api(t, "GET", "/api/v1/me/saved-searches", seeker, "", nil).want(t, 200)["saved_searches"].([]any) {
			if tok, _ := x.(map[string]any)["feed_token"].(string); tok != "" {
				token = tok
			}
		}
		if token == "" {
			t.Fatal("the demo seeker has no saved search with a feed token")
		}
		s.send(t, "GET", "/feeds/saved/"+token+".atom", nil, nil).want(t, 200)
		s.send(t, "GET", "/feeds/saved/secret-feed-token-0123456789.atom", nil, nil)
		waitUntil(t, "the feed requests logged", 5*time.Second, func() bool {
			return strings.Count(s.p.out.String(), `"path":"/feeds/saved/[token]"`) >= 2
		})
		if out := s.p.out.String(); strings.Contains(out, token) || strings.Contains(out, "secret-feed-token") {
			t.Fatal("a feed token is in the program's log")
		}
	})

	t.Run("a new industry returns the enterprise to unverified and its next provincial booth is not waived", func(t *testing.T) {
		ent := s.login(t, "13900000001", models.DemoPassword)
		me := s.api(t, "GET", "/api/v1/me/enterprise", ent, "", nil).want(t, 200)
		if me["verified"] != true || me["leading_industry"] != true {
			t.Fatalf("the demo enterprise is not verified and leading to begin with: %v", me)
		}
		id := fmt.Sprint(int64(me["id"].(float64)))
		got := s.api(t, "PUT", "/api/v1/enterprises/"+id, ent, "", map[string]any{"name": me["name"], "uscc": me["uscc"],
			"town_id": me["town_id"], "industry": "法兰贸易"}).want(t, 200)
		if got["verified"] != false || got["leading_industry"] != false || got["industry"] != "法兰贸易" {
			t.Fatalf("after the change: %v", got)
		}
		var fairID string
		var fee float64
		for _, x := range s.api(t, "GET", "/api/v1/fairs", "", "", nil).want(t, 200)["fairs"].([]any) {
			if f := x.(map[string]any); f["organizer_level"] == "provincial" {
				fairID, fee = fmt.Sprint(int64(f["id"].(float64))), f["standard_booth_fee_yuan"].(float64)
				break
			}
		}
		if fairID == "" {
			t.Fatal("no demo provincial fair")
		}
		// the control: a verified leading-industry demo enterprise has its booth waived there
		other := s.login(t, "13900000002", models.DemoPassword)
		if c := s.api(t, "POST", "/api/v1/fairs/"+fairID+"/booths", other, "", nil).want(t, 201); c["fee_waived"] != true || c["fee_yuan"] != 0.0 {
			t.Fatalf("the control booth is not waived: %v", c)
		}
		b := s.api(t, "POST", "/api/v1/fairs/"+fairID+"/booths", ent, "", nil)
		switch b.status {
		case 201:
			if b.body["fee_waived"] != false || b.body["fee_yuan"] != fee {
				t.Fatalf("booth of the unverified enterprise: %s (standard fee %v)", b.raw, fee)
			}
		case 403, 422:
			if c, _ := b.body["code"].(string); c == "" {
				t.Fatalf("refusal without a code: %s", b.raw)
			}
			t.Logf("the unverified enterprise cannot book: %d %s", b.status, b.raw)
		default:
			t.Fatalf("booth: %d %s", b.status, b.raw)
		}
	})

	t.Run("a hidden posting (its enterprise unverified again) cannot be reported: 404 like GET", func(t *testing.T) {
		ent := s.login(t, "13900000001", models.DemoPassword)
		if me := s.api(t, "GET", "/api/v1/me/enterprise", ent, "", nil).want(t, 200); me["verified"] != false {
			t.Fatalf("the enterprise is still verified (the industry change above failed): %v", me)
		}
		id := openPosting(t, s, ent)
		s.api(t, "GET", "/api/v1/jobs/"+id, ent, "", nil).want(t, 200) // its owner still sees it
		s.api(t, "GET", "/api/v1/jobs/"+id, "", "", nil).problem(t, 404, "not_found")
		s.api(t, "POST", "/api/v1/jobs/"+id+"/reports", "", "", map[string]any{"reason": "虚假招聘信息,电话打不通"}).problem(t, 404, "not_found")
	})

	t.Run("a fair without booth_capacity is created", func(t *testing.T) {
		rev := s.login(t, "13900000009", models.DemoPassword)
		f := s.api(t, "POST", "/api/v1/fairs", rev, "", map[string]any{"name": "山西省专业镇专场招聘会", "organizer_level": "provincial",
			"held_on": models.Today(time.Now().AddDate(0, 1, 0)), "venue": "太原", "standard_booth_fee_yuan": 800}).want(t, 201)
		if c, ok := f["booth_capacity"]; !ok || c != nil {
			t.Fatalf("booth_capacity %v, want null: %v", c, f)
		}
	})
}

// openPosting returns the id of an open posting of the enterprise logged in with token.
func openPosting(t *testing.T, s *surface, token string) string {
	t.Helper()
	for _, x := range s.api(t, "GET", "/api/v1/me/jobs", token, "", nil).want(t, 200)["jobs"].([]any) {
		if j := x.(map[string]any); j["status"] == "open" {
			return fmt.Sprint(int64(j["id"].(float64)))
		}
	}
	t.Fatal("the enterprise has no open posting")
	return ""
}
