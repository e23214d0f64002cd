package handlers

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"portal/models"
)

// closedProgramAPI runs a 2025 program through the API to a closed, claimable state: three
// completers, all employed, attending 12, 35 and 5 days, 30 days approved.
func (h *harness) closedProgramAPI(prov, rev models.Login, clock *testClock) string {
	t := h.t
	t.Helper()
	clock.set(time.Date(2025, 4, 20, 9, 0, 0, 0, models.China))
	r := h.do(req{method: "POST", path: "/api/v1/programs", token: prov.Token, body: map[string]any{"name": "法兰焊工项目班", "occupation": "焊工",
		"mode": "project", "town_id": h.townID("定襄法兰专业镇"), "start_on": "2025-03-03", "end_on": "2025-04-11", "planned_days": 30, "capacity": 20}})
	prog := itoa(int64(r.json(t)["id"].(float64)))
	h.do(req{method: "POST", path: "/api/v1/programs/" + prog + "/approve", token: rev.Token, body: map[string]any{"approved_days": 30}})
	var ids []int64
	for i := range 3 {
		e := h.do(req{method: "POST", path: "/api/v1/programs/" + prog + "/enrolments", token: prov.Token, body: map[string]any{"name": "学员" + itoa(int64(i)), "id_number": idNumber(20 + i)}})
		ids = append(ids, int64(e.json(t)["id"].(float64)))
	}
	attend := []int{12, 35, 5}
	start := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	for d := range 40 {
		var present []int64
		for i, n := range attend {
			if d < n {
				present = append(present, ids[i])
			}
		}
		day := start.AddDate(0, 0, d).Format(models.DateLayout)
		if r := h.do(req{method: "PUT", path: "/api/v1/programs/" + prog + "/attendance/" + day, token: prov.Token, body: map[string]any{"present": present}}); r.status != 200 {
			t.Fatalf("%s: %d %s", day, r.status, r.body)
		}
	}
	for _, id := range ids {
		h.do(req{method: "POST", path: "/api/v1/enrolments/" + itoa(id) + "/complete", token: prov.Token, body: map[string]any{"passed": true}})
		h.do(req{method: "POST", path: "/api/v1/enrolments/" + itoa(id) + "/employment", token: prov.Token, body: map[string]any{
			"employer_name": "定襄法兰厂", "evidence_type": "agreement", "evidence_no": "HT-" + itoa(id), "start_on": "2025-04-15"}})
	}
	if r := h.do(req{method: "POST", path: "/api/v1/programs/" + prog + "/close", token: prov.Token}); r.status != 200 {
		t.Fatalf("close: %d %s", r.status, r.body)
	}
	return prog
}

func TestClaimsOverTheAPI(t *testing.T) {
	clock := newClock(time.Date(2025, 4, 20, 9, 0, 0, 0, models.China))
	h := newHarness(t, harnessOpts{clock: clock})
	prov := h.verifiedProvider("13800000901", "MA0L0901")
	rev := h.account(models.RoleReviewer, "13800000909")
	prog := h.closedProgramAPI(prov, rev, clock)

	r := h.do(req{method: "POST", path: "/api/v1/programs/" + prog + "/claims", token: prov.Token})
	if r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	claim := r.json(t)
	id := itoa(int64(claim["id"].(float64)))
	if claim["total_yuan"] != 1700.0+3500+750 || claim["status"] != "submitted" {
		t.Fatalf("%v", claim)
	}
	h.do(req{method: "POST", path: "/api/v1/programs/" + prog + "/claims", token: prov.Token}).problem(t, 409, "claim_exists")

	t.Run("the workbook holds a line per person and the right total", func(t *testing.T) {
		x := h.do(req{method: "GET", path: "/api/v1/claims/" + id + "/export.xlsx", token: rev.Token})
		if x.status != 200 {
			t.Fatalf("%d %s", x.status, x.body)
		}
		f, err := excelize.OpenReader(bytes.NewReader(x.body))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("补贴申请")
		if len(rows) != 1+1+3+1 || rows[3][1] != "学员1" || rows[3][4] != "30" || rows[3][11] != "3500" || strings.Contains(rows[3][2], idNumber(21)) {
			t.Fatalf("rows %v", rows)
		}
		total, err := f.CalcCellValue("补贴申请", "L6")
		if err != nil || total != "5950" {
			t.Fatalf("the SUM formula gives %q (%v)", total, err)
		}
	})
	t.Run("full ID numbers only for a reviewer who asks, audited", func(t *testing.T) {
		x := h.do(req{method: "GET", path: "/api/v1/claims/" + id + "/export.csv?full_ids=true", token: rev.Token})
		records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(x.body, []byte("\ufeff")))).ReadAll()
		if err != nil || records[2][2] != idNumber(21) {
			t.Fatalf("%v %v", records, err)
		}
		h.do(req{method: "GET", path: "/api/v1/claims/" + id + "/export.csv?full_ids=true", token: prov.Token}).problem(t, 403, "forbidden")
		trail, _ := h.store.AuditTrail(context.Background(), "claim", int64(claim["id"].(float64)))
		if trail[len(trail)-1].Action != "claim.export_full_ids" {
			t.Fatal("not audited")
		}
	})
	t.Run("another provider cannot see the claim", func(t *testing.T) {
		other := h.verifiedProvider("13800000902", "MA0L0902")
		h.do(req{method: "GET", path: "/api/v1/claims/" + id, token: other.Token}).problem(t, 404, "not_found")
		if list := h.do(req{method: "GET", path: "/api/v1/claims", token: other.Token}).json(t)["claims"].([]any); len(list) != 0 {
			t.Fatalf("%v", list)
		}
	})
	t.Run("approve, announce, object, resolve, pay", func(t *testing.T) {
		clock.set(time.Date(2025, 5, 6, 9, 0, 0, 0, models.China))
		a := h.do(req{method: "POST", path: "/api/v1/claims/" + id + "/approve", token: rev.Token}).json(t)
		if a["announced_until"] != "2025-05-10" {
			t.Fatalf("%v", a)
		}
		pub := h.do(req{method: "GET", path: "/api/v1/public/claims"})
		if strings.Contains(string(pub.body), "学员") || strings.Contains(string(pub.body), "140105") || !strings.Contains(string(pub.body), `"total_yuan":5950`) {
			t.Fatalf("the announcement: %s", pub.body)
		}
		o := h.do(req{method: "POST", path: "/api/v1/public/claims/" + id + "/objections", body: map[string]any{"text": "学员1实际未参加培训", "contact": "匿名"}})
		if o.status != 201 {
			t.Fatalf("%d %s", o.status, o.body)
		}
		clock.set(time.Date(2025, 5, 12, 9, 0, 0, 0, models.China))
		h.do(req{method: "POST", path: "/api/v1/claims/" + id + "/pay", token: rev.Token, body: map[string]any{"payment_ref": "BANK-1"}}).problem(t, 422, "objection_open")
		h.do(req{method: "POST", path: "/api/v1/objections/" + itoa(int64(o.json(t)["id"].(float64))) + "/resolve", token: rev.Token,
			body: map[string]any{"upheld": false, "note": "签到表与监控记录一致"}})
		paid := h.do(req{method: "POST", path: "/api/v1/claims/" + id + "/pay", token: rev.Token, body: map[string]any{"payment_ref": "BANK-2025-05-001"}}).json(t)
		if paid["status"] != "paid" {
			t.Fatalf("%v", paid)
		}
		fin := h.do(req{method: "GET", path: "/api/v1/claims/export.xlsx?status=paid", token: rev.Token})
		f, err := excelize.OpenReader(bytes.NewReader(fin.body))
		if err != nil {
			t.Fatal(err)
		}
		if total, _ := f.CalcCellValue("补贴申请汇总", "G3"); total != "5950" {
			t.Fatalf("finance total %q", total)
		}
	})
}

func TestReviewerAddsASuccessorPolicyOnThePage(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	rev := h.account(models.RoleReviewer, "13800000999")
	html := map[string]string{"Accept": "text/html"}
	page := h.do(req{method: "GET", path: "/console/review/policies", cookie: rev.Token, headers: html})
	if !strings.Contains(string(page.body), "晋政办发〔2022〕81号") {
		t.Fatal("the console does not list the policy versions")
	}
	values := map[string]string{"_csrf": csrfIn(t, page.body), "code": "晋政办发〔2025〕续", "title": "延续执行", "effective_from": "2025-09-26",
		"effective_to": "2028-09-25", "first_days": "10", "first_day_rate_yuan": "150", "later_day_rate_yuan": "100", "cap_per_person_yuan": "4000",
		"employment_target_percent": "80", "employment_window_days": "180", "onjob_rate_yuan": "300", "announcement_days": "5", "subsidize": "completed"}
	if r := h.do(req{method: "POST", path: "/console/policies", cookie: rev.Token, contentType: "application/x-www-form-urlencoded", headers: html, raw: formBody(values)}); r.status != 303 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	values["code"], values["effective_from"] = "重叠", "2028-01-01"
	r := h.do(req{method: "POST", path: "/console/policies", cookie: rev.Token, contentType: "application/x-www-form-urlencoded", headers: html, raw: formBody(values)})
	if r.status != 409 || !strings.Contains(string(r.body), "有效期不能重叠") || !strings.Contains(string(r.body), `value="重叠"`) {
		t.Fatalf("an overlapping window: %d", r.status)
	}
}
