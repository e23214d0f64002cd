package handlers

import (
	"bytes"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"portal/internal/testsvc"
	"portal/models"
)

// sheetUpload is a multipart body with one spreadsheet in the field file.
func sheetUpload(t *testing.T, name string, data []byte) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

// must fails unless the response has the status, and returns its JSON.
func (h *harness) must(status int, r req) map[string]any {
	h.t.Helper()
	res := h.do(r)
	if res.status != status {
		h.t.Fatalf("%s %s: %d, want %d: %s", r.method, r.path, res.status, status, res.body)
	}
	return res.json(h.t)
}

func TestCheckinsOverTheAPI(t *testing.T) {
	clock := newClock(time.Date(2026, 11, 26, 9, 0, 0, 0, models.China))
	h := newHarness(t, harnessOpts{clock: clock, redisURL: testsvc.RedisURL(t)})
	prov := h.verifiedProvider("13800000901", "MA0M0901")
	rev := h.account(models.RoleReviewer, "13800000909")
	program := func(name string) string {
		p := h.must(201, req{method: "POST", path: "/api/v1/programs", token: prov.Token, body: map[string]any{"name": name, "occupation": "焊工",
			"mode": "project", "town_id": h.townID("定襄法兰专业镇"), "start_on": "2026-11-20", "end_on": "2026-12-31", "planned_days": 30, "capacity": 20}})
		return itoa(int64(p["id"].(float64)))
	}
	prog, other := program("签到焊工班"), program("另一个班")
	t.Run("no class code before approval", func(t *testing.T) {
		h.do(req{method: "GET", path: "/api/v1/programs/" + prog + "/checkin-code", token: prov.Token}).problem(t, 422, "checkin_closed")
	})
	h.must(200, req{method: "POST", path: "/api/v1/programs/" + prog + "/approve", token: rev.Token})
	h.must(200, req{method: "POST", path: "/api/v1/programs/" + other + "/approve", token: rev.Token})
	trainee := func(phone string, serial int, program string) models.Login {
		l := h.account(models.RoleSeeker, phone)
		h.must(201, req{method: "PUT", path: "/api/v1/me/identity", token: l.Token, body: map[string]any{"name": "学员" + phone[7:], "id_number": idNumber(serial)}})
		h.must(201, req{method: "POST", path: "/api/v1/programs/" + program + "/enrolments", token: prov.Token, body: map[string]any{"name": "学员" + phone[7:], "id_number": idNumber(serial)}})
		return l
	}
	me, stranger := trainee("13800000902", 41, prog), trainee("13800000903", 42, other)
	code := h.must(200, req{method: "GET", path: "/api/v1/programs/" + prog + "/checkin-code", token: prov.Token})
	if c, _ := code["code"].(string); len(c) != 6 || code["date"] != "2026-11-26" {
		t.Fatalf("%v", code)
	}
	t.Run("the code as a QR image", func(t *testing.T) {
		r := h.do(req{method: "GET", path: "/api/v1/programs/" + prog + "/checkin-code.png", token: prov.Token})
		if r.status != 200 || r.header.Get("Content-Type") != "image/png" || !bytes.HasPrefix(r.body, []byte("\x89PNG")) {
			t.Fatalf("%d %v", r.status, r.header)
		}
	})
	checkin := func(l models.Login, program, c string) response {
		return h.do(req{method: "POST", path: "/api/v1/programs/" + program + "/checkins", token: l.Token, body: map[string]any{"code": c}})
	}
	t.Run("a trainee checks in: 201, then 200 the same day", func(t *testing.T) {
		first := h.must(201, req{method: "POST", path: "/api/v1/programs/" + prog + "/checkins", token: me.Token, body: map[string]any{"code": code["code"]}})
		if first["date"] != "2026-11-26" || first["enrolment_id"] == nil {
			t.Fatalf("%v", first)
		}
		clock.set(clock.now().Add(30 * time.Second)) // the previous window's code still counts
		if r := checkin(me, prog, code["code"].(string)); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("a trainee of another program is refused", func(t *testing.T) {
		checkin(stranger, prog, code["code"].(string)).problem(t, 403, "forbidden")
	})
	t.Run("a stale code, then wrong codes, then 429", func(t *testing.T) {
		clock.set(clock.now().Add(31 * time.Second))
		checkin(me, prog, code["code"].(string)).problem(t, 422, "checkin_code_invalid")
		for range 4 {
			checkin(me, prog, "12345x").problem(t, 422, "checkin_code_invalid")
		}
		fresh := h.must(200, req{method: "GET", path: "/api/v1/programs/" + prog + "/checkin-code", token: prov.Token})
		checkin(me, prog, fresh["code"].(string)).problem(t, 429, "rate_limited")
	})
	t.Run("the seeker sees its check-ins", func(t *testing.T) {
		es := h.must(200, req{method: "GET", path: "/api/v1/me/enrolments", token: me.Token})["enrolments"].([]any)
		e := es[0].(map[string]any)
		if len(es) != 1 || e["checked_in_today"] != true || e["program_name"] != "签到焊工班" {
			t.Fatalf("%v", es)
		}
	})
	t.Run("rolls from a spreadsheet, bad rows by line", func(t *testing.T) {
		csv := "日期,身份证号,出勤\n2026-11-25," + idNumber(41) + ",1\n2026-11-25,123,1\n2026-11-27," + idNumber(41) + ",1\n2026-11-24," + idNumber(41) + ",maybe\n"
		body, ct := sheetUpload(t, "roll.csv", []byte(csv))
		got := h.must(200, req{method: "POST", path: "/api/v1/programs/" + prog + "/attendance/import", token: prov.Token, raw: body, contentType: ct})
		bad := got["bad_rows"].([]any)
		if got["days"] != 1.0 || got["marks"] != 1.0 || len(bad) != 3 || bad[0].(map[string]any)["line"] != 3.0 ||
			!strings.HasPrefix(bad[1].(map[string]any)["error"].(string), "date") {
			t.Fatalf("%v", got)
		}
		o := h.must(200, req{method: "GET", path: "/api/v1/programs/" + prog + "/outcome", token: prov.Token})
		line := o["lines"].([]any)[0].(map[string]any)
		if line["roll_days"] != 1.0 || line["checkin_days"] != 1.0 {
			t.Fatalf("%v", line)
		}
		nofile, ct2 := sheetUpload(t, "x.csv", []byte("nothing,here\n"))
		h.do(req{method: "POST", path: "/api/v1/programs/" + prog + "/attendance/import", token: prov.Token, raw: nofile, contentType: ct2}).problem(t, 422, "invalid")
	})
	t.Run("a social-insurance workbook with English headers", func(t *testing.T) {
		f := excelize.NewFile()
		rows := [][]any{{"name", "id_number", "employer_uscc", "employer_name", "from_month", "to_month"},
			{"学员", idNumber(41), validUSCC("MA0M0999"), "某厂", "2026-12", "2027-06"}, {"坏", "x", "y", "z", "2026-12", "2027-06"}}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			_ = f.SetSheetRow("Sheet1", cell, &r)
		}
		var buf bytes.Buffer
		_ = f.Write(&buf)
		body, ct := sheetUpload(t, "社保.xlsx", buf.Bytes())
		got := h.must(201, req{method: "POST", path: "/api/v1/social-insurance/imports", token: rev.Token, raw: body, contentType: ct})
		if got["imported"] != 1.0 || len(got["bad_rows"].([]any)) != 1 {
			t.Fatalf("%v", got)
		}
		list := h.must(200, req{method: "GET", path: "/api/v1/social-insurance/imports", token: rev.Token})["imports"].([]any)
		if len(list) != 1 || strings.Contains(string(h.do(req{method: "GET", path: "/api/v1/social-insurance/imports", token: rev.Token}).body), idNumber(41)) {
			t.Fatalf("%v", list)
		}
	})
	t.Run("identity is set once over the API", func(t *testing.T) {
		h.do(req{method: "PUT", path: "/api/v1/me/identity", token: me.Token, body: map[string]any{"name": "别人", "id_number": idNumber(43)}}).problem(t, 409, "identity_locked")
		h.do(req{method: "PUT", path: "/api/v1/me/identity", token: me.Token, body: map[string]any{"name": "别人", "id_number": "12"}}).problem(t, 422, "invalid")
	})
}
