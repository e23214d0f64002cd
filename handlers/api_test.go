package handlers

import (
	"bytes"
	"strings"
	"testing"

	"portal/models"
	"portal/personal"
)

func validUSCC(body8 string) string {
	return personal.MakeUSCC("91140000" + body8 + string(personal.MakeOrgCodeCheck(body8)))
}

func TestBadInputGetsProblemDetails(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	ent := h.account(models.RoleEnterprise, "13700000001")
	cases := []struct {
		name   string
		r      req
		status int
		code   string
		field  string
	}{
		{"malformed JSON is 400", req{method: "POST", path: "/api/v1/auth/register", raw: []byte(`{"role":`), contentType: "application/json"}, 400, "malformed", ""},
		{"an empty body is 400", req{method: "POST", path: "/api/v1/auth/login", raw: []byte{}, contentType: "application/json"}, 400, "malformed", ""},
		{"an unknown field is 400 naming it", req{method: "POST", path: "/api/v1/auth/login", body: map[string]any{"phone": "13700000001", "password": "x", "admin": true}}, 400, "malformed", "admin"},
		{"a wrong JSON type is 400 naming the field", req{method: "POST", path: "/api/v1/enterprises", token: ent.Token, body: map[string]any{"name": "厂", "uscc": "x", "town_id": "one", "industry": "x"}}, 400, "malformed", "town_id"},
		{"trailing data is 400", req{method: "POST", path: "/api/v1/auth/login", raw: []byte(`{"phone":"1","password":"2"} {}`), contentType: "application/json"}, 400, "malformed", ""},
		{"a form body on a JSON route is 400", req{method: "POST", path: "/api/v1/auth/login", raw: []byte("phone=1"), contentType: "application/x-www-form-urlencoded"}, 400, "malformed", ""},
		{"a 6 MB body is 413", req{method: "POST", path: "/api/v1/auth/register", raw: append([]byte(`{"name":"`), append(bytes.Repeat([]byte("a"), 6<<20), []byte(`"}`)...)...), contentType: "application/json"}, 413, "too_large", ""},
		{"invalid values are 422 naming each field", req{method: "POST", path: "/api/v1/auth/register", body: map[string]any{"role": "admin", "phone": "12345", "password": "1234", "name": ""}}, 422, "invalid", "phone"},
		{"a bad credit code is 422 naming uscc", req{method: "POST", path: "/api/v1/enterprises", token: ent.Token, body: map[string]any{"name": "厂", "uscc": "91140000MA0K12340X", "town_id": 1, "industry": "x"}}, 422, "invalid", "uscc"},
		{"an unknown API route is 404", req{method: "GET", path: "/api/v1/nothing-here"}, 404, "not_found", ""},
		{"a non-numeric id is 404", req{method: "GET", path: "/api/v1/enterprises/abc"}, 404, "not_found", ""},
		{"a forged token is 401", req{method: "GET", path: "/api/v1/me", token: "forged-token"}, 401, "unauthorized", ""},
		{"a malformed Authorization header is 401", req{method: "GET", path: "/api/v1/towns", headers: map[string]string{"Authorization": "Basic abc"}}, 401, "unauthorized", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := h.do(c.r).problem(t, c.status, c.code)
			if c.field != "" {
				errs, _ := p["errors"].(map[string]any)
				if errs[c.field] == nil {
					t.Fatalf("field %s not named: %v", c.field, p)
				}
			}
		})
	}
	t.Run("nothing was stored by the refused requests", func(t *testing.T) {
		if _, err := h.store.EnterpriseOf(t.Context(), ent.User.ID); models.ErrorCode(err) != models.ErrNotFound {
			t.Fatalf("a profile exists: %v", err)
		}
	})
	t.Run("the request id is in the problem and the header", func(t *testing.T) {
		r := h.do(req{method: "GET", path: "/api/v1/enterprises/999999"})
		p := r.problem(t, 404, "not_found")
		if p["request_id"] == "" || p["request_id"] != r.header.Get("X-Request-Id") {
			t.Fatalf("request id %v vs header %q", p["request_id"], r.header.Get("X-Request-Id"))
		}
	})
}

func TestAccountsOverTheAPI(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	reg := h.do(req{method: "POST", path: "/api/v1/auth/register", body: map[string]any{"role": "seeker", "phone": "13800000001", "password": "welder2022", "name": "李四"}})
	if reg.status != 201 {
		t.Fatalf("register %d %s", reg.status, reg.body)
	}
	if strings.Contains(string(reg.body), "password") {
		t.Fatal("the answer mentions the password hash")
	}
	token := reg.json(t)["token"].(string)
	t.Run("the token works as Bearer", func(t *testing.T) {
		me := h.do(req{method: "GET", path: "/api/v1/me", token: token})
		if me.status != 200 || me.json(t)["user"].(map[string]any)["phone"] != "13800000001" {
			t.Fatalf("%d %s", me.status, me.body)
		}
	})
	t.Run("registering the phone again is 409", func(t *testing.T) {
		h.do(req{method: "POST", path: "/api/v1/auth/register", body: map[string]any{"role": "seeker", "phone": "13800000001", "password": "welder2022", "name": "李四"}}).
			problem(t, 409, "phone_taken")
	})
	t.Run("registering as a reviewer is refused", func(t *testing.T) {
		h.do(req{method: "POST", path: "/api/v1/auth/register", body: map[string]any{"role": "reviewer", "phone": "13800000002", "password": "welder2022", "name": "x"}}).
			problem(t, 422, "invalid")
	})
	t.Run("login with a wrong password is 401", func(t *testing.T) {
		h.do(req{method: "POST", path: "/api/v1/auth/login", body: map[string]any{"phone": "13800000001", "password": "wrong-one"}}).problem(t, 401, "unauthorized")
	})
	login := h.do(req{method: "POST", path: "/api/v1/auth/login", body: map[string]any{"phone": "13800000001", "password": "welder2022"}})
	if login.status != 200 {
		t.Fatalf("login %d %s", login.status, login.body)
	}
	second := login.json(t)["token"].(string)
	t.Run("logout kills the token", func(t *testing.T) {
		if r := h.do(req{method: "POST", path: "/api/v1/auth/logout", token: second}); r.status != 200 {
			t.Fatalf("logout %d %s", r.status, r.body)
		}
		h.do(req{method: "GET", path: "/api/v1/me", token: second}).problem(t, 401, "unauthorized")
		if r := h.do(req{method: "GET", path: "/api/v1/me", token: token}); r.status != 200 {
			t.Fatal("the first session died with the second")
		}
	})
}

func TestCookieRequestsNeedTheCSRFToken(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	l := h.account(models.RoleEnterprise, "13800000011")
	towns, _ := h.store.Towns(t.Context())
	body := map[string]any{"name": "祁县玻璃厂", "uscc": validUSCC("MA0G0001"), "town_id": towns[0].ID, "industry": "玻璃器皿"}
	t.Run("without the token the cookie is not enough", func(t *testing.T) {
		h.do(req{method: "POST", path: "/api/v1/enterprises", cookie: l.Token, body: body}).problem(t, 403, "csrf")
	})
	t.Run("with a wrong token neither", func(t *testing.T) {
		h.do(req{method: "POST", path: "/api/v1/enterprises", cookie: l.Token, body: body, headers: map[string]string{"X-CSRF-Token": "guess"}}).problem(t, 403, "csrf")
	})
	t.Run("with the session's token it works", func(t *testing.T) {
		r := h.do(req{method: "POST", path: "/api/v1/enterprises", cookie: l.Token, body: body, headers: map[string]string{"X-CSRF-Token": l.CSRFToken}})
		if r.status != 201 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("reads need no token", func(t *testing.T) {
		if r := h.do(req{method: "GET", path: "/api/v1/me/enterprise", cookie: l.Token}); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
}

func TestEnterpriseVerificationOverTheAPI(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	ent := h.account(models.RoleEnterprise, "13800000021")
	rival := h.account(models.RoleEnterprise, "13800000022")
	rev := h.account(models.RoleReviewer, "13800000029")
	towns, _ := h.store.Towns(t.Context())
	created := h.do(req{method: "POST", path: "/api/v1/enterprises", token: ent.Token,
		body: map[string]any{"name": "太谷玛钢厂", "uscc": validUSCC("MA0T0001"), "town_id": towns[0].ID, "industry": "玛钢"}})
	if created.status != 201 {
		t.Fatalf("%d %s", created.status, created.body)
	}
	id := int64(created.json(t)["id"].(float64))
	path := "/api/v1/enterprises/" + itoa(id)
	t.Run("an unverified profile is hidden from the public and rivals", func(t *testing.T) {
		h.do(req{method: "GET", path: path}).problem(t, 404, "not_found")
		h.do(req{method: "GET", path: path, token: rival.Token}).problem(t, 404, "not_found")
		if r := h.do(req{method: "GET", path: path, token: ent.Token}); r.status != 200 {
			t.Fatalf("owner %d", r.status)
		}
	})
	t.Run("a rival cannot edit it", func(t *testing.T) {
		h.do(req{method: "PUT", path: path, token: rival.Token,
			body: map[string]any{"name": "抢注", "uscc": validUSCC("MA0T0002"), "town_id": towns[0].ID, "industry": "x"}}).problem(t, 403, "forbidden")
	})
	t.Run("it is in the reviewer's queue", func(t *testing.T) {
		q := h.do(req{method: "GET", path: "/api/v1/enterprises?verified=false", token: rev.Token}).json(t)
		if len(q["enterprises"].([]any)) != 1 {
			t.Fatalf("queue %v", q)
		}
	})
	t.Run("the reviewer verifies it as leading-industry", func(t *testing.T) {
		r := h.do(req{method: "POST", path: path + "/verify", token: rev.Token, body: map[string]any{"leading_industry": true}})
		e := r.json(t)
		if r.status != 200 || e["verified"] != true || e["leading_industry"] != true {
			t.Fatalf("%d %v", r.status, e)
		}
		if r := h.do(req{method: "GET", path: path}); r.status != 200 {
			t.Fatalf("a verified profile is public, got %d", r.status)
		}
	})
	t.Run("verify needs leading_industry stated", func(t *testing.T) {
		h.do(req{method: "POST", path: path + "/verify", token: rev.Token, body: map[string]any{}}).problem(t, 422, "invalid")
	})
}
