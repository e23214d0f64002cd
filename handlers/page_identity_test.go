package handlers

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"portal/models"
)

// TestAReviewerCorrectsAnIdentityOnItsPage: a seeker stated a wrong name; the reviewer finds
// it by phone, sees its identity masked, is refused in Chinese beside each field (values
// kept) without a reason or with another account's number, and then corrects it: the flash
// says so, the seeker's own page shows the new name, and the audit log has the reason.
func TestAReviewerCorrectsAnIdentityOnItsPage(t *testing.T) {
	h := newHarness(t, harnessOpts{clock: newClock(time.Date(2025, 5, 1, 10, 0, 0, 0, models.China))})
	html := map[string]string{"Accept": "text/html"}
	rev := h.account(models.RoleReviewer, "13800003909")
	me := h.account(models.RoleSeeker, "13800003901")
	other := h.account(models.RoleSeeker, "13800003902")
	h.must(201, req{method: "PUT", path: "/api/v1/me/identity", token: me.Token, body: map[string]any{"name": "王晓名", "id_number": idNumber(71)}})
	h.must(201, req{method: "PUT", path: "/api/v1/me/identity", token: other.Token, body: map[string]any{"name": "李四", "id_number": idNumber(72)}})

	ent := h.account(models.RoleEnterprise, "13800003903")
	h.must(201, req{method: "POST", path: "/api/v1/enterprises", token: ent.Token, body: map[string]any{"name": "待认证法兰厂", "uscc": validUSCC("MA0H3903"),
		"town_id": h.townID("定襄法兰专业镇"), "industry": "法兰锻造"}})
	console := string(h.do(req{method: "GET", path: "/console", cookie: rev.Token, headers: html}).body)
	if !strings.Contains(console, `href="/console/review/identity"`) {
		t.Fatalf("the reviewer's console does not link the page:\n%s", visibleText(console))
	}
	page := string(h.do(req{method: "GET", path: "/console/review/identity?phone=13800003901", cookie: rev.Token, headers: html}).body)
	if !strings.Contains(page, "王晓名") || !strings.Contains(page, "140105") || strings.Contains(page, idNumber(71)) {
		t.Fatalf("the seeker's identity is not shown masked:\n%s", visibleText(page))
	}
	if !regexp.MustCompile(`企业与机构认证\s+1\s`).MatchString(visibleText(page)) {
		t.Errorf("the task bar does not count the enterprise awaiting verification:\n%s", visibleText(page))
	}
	if page := string(h.do(req{method: "GET", path: "/console/review/identity?phone=13800003999", cookie: rev.Token, headers: html}).body); !strings.Contains(page, "没有使用这个手机号注册的求职者账号") {
		t.Fatalf("an unknown phone:\n%s", visibleText(page))
	}

	bad := h.pageForm(rev, "/console/review/identity", map[string]string{"phone": "13800003901", "name": "王小明", "id_number": idNumber(72), "reason": ""})
	text := visibleText(string(bad.body))
	if bad.status != 422 || !strings.Contains(text, "请写明原因") || !strings.Contains(string(bad.body), `value="王小明"`) {
		t.Fatalf("no reason: %d\n%s", bad.status, text)
	}
	taken := h.pageForm(rev, "/console/review/identity", map[string]string{"phone": "13800003901", "name": "王小明", "id_number": idNumber(72), "reason": "本人持身份证到窗口更正"})
	if text := visibleText(string(taken.body)); taken.status != 409 || !strings.Contains(text, "已是其他账号的实名信息") {
		t.Fatalf("another account's number: %d\n%s", taken.status, text)
	}

	ok := h.follow(rev, h.pageForm(rev, "/console/review/identity", map[string]string{"phone": "13800003901", "name": "王小明", "id_number": idNumber(71), "reason": "本人持身份证到窗口更正,原填写错字"}))
	if !strings.Contains(ok, "实名信息已更正") || !strings.Contains(ok, "王小明") {
		t.Fatalf("after the correction:\n%s", visibleText(ok))
	}
	mine := h.must(200, req{method: "GET", path: "/api/v1/me/identity", token: me.Token})
	if mine["name"] != "王小明" {
		t.Fatalf("the seeker's identity is %v", mine)
	}
	var reasons int64
	if err := h.store.DB(t.Context()).Raw("SELECT COUNT(*) FROM audit_log WHERE action = 'identity.change' AND after LIKE ?", "%原填写错字%").Scan(&reasons).Error; err != nil || reasons != 1 {
		t.Fatalf("%d audit entries with the reason (%v)", reasons, err)
	}

	t.Run("a number stated by someone who is not its person is cleared, with a reason", func(t *testing.T) {
		page := visibleText(string(h.do(req{method: "GET", path: "/console/review/identity?phone=13800003902", cookie: rev.Token, headers: html}).body))
		if !strings.Contains(page, "清除实名信息") {
			t.Fatalf("no way to clear:\n%s", page)
		}
		bad := h.pageForm(rev, "/console/review/identity/clear", map[string]string{"phone": "13800003902", "clear_reason": ""})
		if text := visibleText(string(bad.body)); bad.status != 422 || !strings.Contains(text, "请写明原因") {
			t.Fatalf("no reason: %d\n%s", bad.status, text)
		}
		done := h.follow(rev, h.pageForm(rev, "/console/review/identity/clear", map[string]string{"phone": "13800003902", "clear_reason": "李四本人到窗口说明号码被冒用"}))
		if !strings.Contains(done, "实名信息已清除") || !strings.Contains(done, "还没有填写实名信息") {
			t.Fatalf("after clearing:\n%s", visibleText(done))
		}
		h.must(404, req{method: "GET", path: "/api/v1/me/identity", token: other.Token})
	})
}
