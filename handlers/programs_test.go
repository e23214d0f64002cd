package handlers

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/url"
	"portal/personal"
	"strings"
	"testing"
	"time"

	"portal/models"
)

func (h *harness) verifiedProvider(phone, body8 string) models.Login {
	h.t.Helper()
	l := h.account(models.RoleProvider, phone)
	r := h.do(req{method: "POST", path: "/api/v1/providers", token: l.Token, body: map[string]any{"name": "培训学校" + body8, "kind": "technical_school", "uscc": validUSCC(body8)}})
	if r.status != 201 {
		h.t.Fatalf("%d %s", r.status, r.body)
	}
	rev, err := h.store.CreateReviewer(context.Background(), "1560000"+phone[7:], "审核员", "reviewer-pass")
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.store.VerifyProvider(context.Background(), rev, int64(r.json(h.t)["id"].(float64))); err != nil {
		h.t.Fatal(err)
	}
	return l
}

// idNumber makes a valid GB 11643 number for a serial.
func idNumber(serial int) string {
	return personal.MakeIDNumber(fmt.Sprintf("14010519900101%03d", serial%1000))
}

func multipartBody(t *testing.T, fields map[string]string, file []byte) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if file != nil {
		fw, err := w.CreateFormFile("evidence_file", "协议.pdf")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(file)
	}
	_ = w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func TestTrainingOverTheAPI(t *testing.T) {
	clock := newClock(time.Date(2026, 11, 26, 9, 0, 0, 0, models.China))
	h := newHarness(t, harnessOpts{indexing: true, clock: clock})
	h.app.filesDir = t.TempDir()
	prov := h.verifiedProvider("13800000401", "MA0E0401")
	rev := h.account(models.RoleReviewer, "13800000409")
	r := h.do(req{method: "POST", path: "/api/v1/programs", token: prov.Token, body: map[string]any{"name": "焊工技能提升培训班", "occupation": "焊工",
		"mode": "project", "town_id": h.townID("定襄法兰专业镇"), "start_on": "2026-11-20", "end_on": "2026-12-31", "planned_days": 30, "capacity": 20}})
	if r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	prog := itoa(int64(r.json(t)["id"].(float64)))
	t.Run("a pending program is not public", func(t *testing.T) {
		h.do(req{method: "GET", path: "/api/v1/programs/" + prog}).problem(t, 404, "not_found")
	})
	approved := h.do(req{method: "POST", path: "/api/v1/programs/" + prog + "/approve", token: rev.Token}).json(t)
	if approved["approved_days"] != 30.0 { // the catalogue's standard days for 焊工
		t.Fatalf("%v", approved)
	}
	t.Run("a seeker finds it by a synonym and applies to join", func(t *testing.T) {
		eventually(t, "indexed", func() bool {
			r := h.do(req{method: "GET", path: "/api/v1/programs?q=" + url.QueryEscape("电焊工")})
			return r.status == 200 && len(r.json(t)["hits"].([]any)) == 1
		})
		seeker := h.account(models.RoleSeeker, "13800000402")
		if r := h.do(req{method: "PUT", path: "/api/v1/me/identity", token: seeker.Token, body: map[string]any{"name": "王师傅", "id_number": idNumber(5)}}); r.status != 201 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		r := h.do(req{method: "POST", path: "/api/v1/programs/" + prog + "/enrolments", token: seeker.Token, body: map[string]any{"name": "王师傅", "id_number": idNumber(5)}})
		got := r.json(t)
		if r.status != 201 || got["status"] != "applied" || strings.Contains(string(r.body), idNumber(5)) {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if r := h.do(req{method: "POST", path: "/api/v1/enrolments/" + itoa(int64(got["id"].(float64))) + "/accept", token: prov.Token}); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	enrol := h.do(req{method: "POST", path: "/api/v1/programs/" + prog + "/enrolments", token: prov.Token, body: map[string]any{"name": "李四", "id_number": idNumber(6), "phone": "13912345678"}})
	if enrol.status != 201 {
		t.Fatalf("%d %s", enrol.status, enrol.body)
	}
	eid := int64(enrol.json(t)["id"].(float64))
	t.Run("a bad ID number is refused by field", func(t *testing.T) {
		bad := idNumber(7)[:17] + "0"
		if bad == idNumber(7) {
			bad = idNumber(7)[:17] + "1"
		}
		p := h.do(req{method: "POST", path: "/api/v1/programs/" + prog + "/enrolments", token: prov.Token, body: map[string]any{"name": "赵五", "id_number": bad}}).problem(t, 422, "invalid")
		if p["errors"].(map[string]any)["id_number"] == nil {
			t.Fatal(p)
		}
	})
	t.Run("a day's roll, idempotent, and another provider cannot touch it", func(t *testing.T) {
		for range 2 {
			r := h.do(req{method: "PUT", path: "/api/v1/programs/" + prog + "/attendance/2026-11-25", token: prov.Token, body: map[string]any{"present": []int64{eid}}})
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
		}
		h.do(req{method: "PUT", path: "/api/v1/programs/" + prog + "/attendance/2026-11-27", token: prov.Token, body: map[string]any{"present": []int64{eid}}}).problem(t, 422, "invalid")
		other := h.verifiedProvider("13800000403", "MA0E0403")
		h.do(req{method: "PUT", path: "/api/v1/programs/" + prog + "/attendance/2026-11-25", token: other.Token, body: map[string]any{"present": []int64{}}}).problem(t, 403, "forbidden")
		h.do(req{method: "GET", path: "/api/v1/programs/" + prog + "/outcome", token: other.Token}).problem(t, 403, "forbidden")
	})
	h.do(req{method: "POST", path: "/api/v1/enrolments/" + itoa(eid) + "/complete", token: prov.Token, body: map[string]any{"passed": true}})
	fields := map[string]string{"employer_name": "定襄宏达法兰锻造有限公司", "evidence_type": "agreement", "evidence_no": "HT-2026-001", "start_on": "2026-11-26"}
	t.Run("evidence: a text file pretending to be a PDF is refused by its bytes", func(t *testing.T) {
		body, ct := multipartBody(t, fields, []byte("just some text, not a scan"))
		h.do(req{method: "POST", path: "/api/v1/enrolments/" + itoa(eid) + "/employment", token: prov.Token, raw: body, contentType: ct}).problem(t, 422, "invalid")
	})
	t.Run("evidence: over 10 MB is 413", func(t *testing.T) {
		body, ct := multipartBody(t, fields, append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0"), 10<<20+10)...))
		h.do(req{method: "POST", path: "/api/v1/enrolments/" + itoa(eid) + "/employment", token: prov.Token, raw: body, contentType: ct}).problem(t, 413, "too_large")
	})
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
	body, ct := multipartBody(t, fields, pdf)
	if r := h.do(req{method: "POST", path: "/api/v1/enrolments/" + itoa(eid) + "/employment", token: prov.Token, raw: body, contentType: ct}); r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	t.Run("the scan is served to the provider and reviewers only", func(t *testing.T) {
		for _, tok := range []string{prov.Token, rev.Token} {
			r := h.do(req{method: "GET", path: "/api/v1/enrolments/" + itoa(eid) + "/evidence", token: tok})
			if r.status != 200 || !bytes.Equal(r.body, pdf) || r.header.Get("Content-Type") != "application/pdf" {
				t.Fatalf("%d %q", r.status, r.header.Get("Content-Type"))
			}
		}
		other := h.verifiedProvider("13800000404", "MA0E0404")
		h.do(req{method: "GET", path: "/api/v1/enrolments/" + itoa(eid) + "/evidence", token: other.Token}).problem(t, 404, "not_found")
		h.do(req{method: "GET", path: "/api/v1/enrolments/" + itoa(eid) + "/evidence"}).problem(t, 401, "unauthorized")
	})
	t.Run("outside every policy window nothing is payable", func(t *testing.T) {
		o := h.do(req{method: "GET", path: "/api/v1/programs/" + prog + "/outcome", token: prov.Token}).json(t)
		if o["policy_code"] != "" || o["projected_subsidy_yuan"] != 0.0 || o["lines"].([]any)[1].(map[string]any)["excluded_reason"] != "no_policy_in_force" {
			t.Fatalf("%v", o)
		}
	})
	successor := map[string]any{"code": "晋政办发〔2025〕（续）", "title": "继续执行", "effective_from": "2025-09-26", "effective_to": "2028-09-25",
		"first_days": 10, "first_day_rate_yuan": 150, "later_day_rate_yuan": 100, "cap_per_person_yuan": 4000, "employment_target_percent": 80,
		"employment_window_days": 180, "onjob_rate_yuan": 300, "subsidize": "completed", "announcement_days": 5}
	if r := h.do(req{method: "POST", path: "/api/v1/policies", token: rev.Token, body: successor}); r.status != 201 {
		t.Fatalf("successor policy: %d %s", r.status, r.body)
	}
	t.Run("the outcome over the API", func(t *testing.T) {
		o := h.do(req{method: "GET", path: "/api/v1/programs/" + prog + "/outcome", token: prov.Token}).json(t)
		line := o["lines"].([]any)[1].(map[string]any)
		if o["completed"] != 1.0 || o["employed"] != 1.0 || o["meets_target"] != true || line["attended_days"] != 1.0 || line["amount_yuan"] != 150.0 || line["id_number_masked"] == "" {
			t.Fatalf("%v", o)
		}
		for _, key := range []string{"enrolled", "completed", "employed", "employment_rate", "target_rate", "meets_target", "employed_needed", "projected_subsidy_yuan", "lines"} {
			if _, ok := o[key]; !ok {
				t.Errorf("outcome lacks %s", key)
			}
		}
	})
	t.Run("a reviewer reveals the full ID number only with a reason", func(t *testing.T) {
		h.do(req{method: "POST", path: "/api/v1/enrolments/" + itoa(eid) + "/reveal-id", token: rev.Token, body: map[string]any{"reason": ""}}).problem(t, 422, "invalid")
		r := h.do(req{method: "POST", path: "/api/v1/enrolments/" + itoa(eid) + "/reveal-id", token: rev.Token, body: map[string]any{"reason": "核对材料"}})
		if r.json(t)["id_number"] != idNumber(6) {
			t.Fatalf("%s", r.body)
		}
		h.do(req{method: "POST", path: "/api/v1/enrolments/" + itoa(eid) + "/reveal-id", token: prov.Token, body: map[string]any{"reason": "x"}}).problem(t, 403, "forbidden")
	})
}
