package handlers

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
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

// xlsxOf is a workbook whose first sheet holds the rows.
func xlsxOf(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestImportsHaveALongerDeadline: the spreadsheet imports (API and pages) get 120 s for their
// calls, every other request 15 s.
func TestImportsHaveALongerDeadline(t *testing.T) {
	a := &App{}
	app := fiber.New()
	app.Use(a.requestContext)
	app.All("/*", func(c *fiber.Ctx) error {
		d, ok := c.UserContext().Deadline()
		if !ok {
			return c.SendString("none")
		}
		return c.SendString(time.Until(d).Round(time.Second).String())
	})
	for _, tt := range []struct{ method, path, want string }{
		{"POST", "/api/v1/social-insurance/imports", "2m0s"},
		{"POST", "/api/v1/programs/12/attendance/import", "2m0s"},
		{"POST", "/console/review/social-insurance", "2m0s"},
		{"POST", "/console/programs/12/roll/import", "2m0s"},
		{"GET", "/api/v1/social-insurance/imports", "15s"},
		{"POST", "/api/v1/programs/12/attendance/2026-11-26", "15s"},
		{"POST", "/api/v1/programs/12/attendance/import/x", "15s"},
		{"POST", "/api/v1/programs", "15s"},
	} {
		resp, err := app.Test(httptest.NewRequest(tt.method, tt.path, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		if string(got) != tt.want {
			t.Errorf("%s %s: deadline in %s, want %s", tt.method, tt.path, got, tt.want)
		}
	}
}

// TestCheckinsOverTheAPI walks check-in, rolls from spreadsheets and social-insurance imports
// over HTTP, on SQLite and on PostgreSQL.
func TestCheckinsOverTheAPI(t *testing.T) {
	for _, db := range testsvc.Databases(t) {
		t.Run(db.Name, func(t *testing.T) { checkinsOverTheAPI(t, db.Resolve(t)) })
	}
}

func checkinsOverTheAPI(t *testing.T, databaseURL string) {
	clock := newClock(time.Date(2026, 11, 26, 9, 0, 0, 0, models.China))
	h := newHarness(t, harnessOpts{databaseURL: databaseURL, clock: clock, redisURL: testsvc.RedisURL(t)})
	prov := h.verifiedProvider("13800000901", "MA0M0901")
	rev := h.account(models.RoleReviewer, "13800000909")
	program := func(name string) string {
		p := h.must(201, req{method: "POST", path: "/api/v1/programs", token: prov.Token, body: map[string]any{"name": name, "occupation": "焊工",
			"mode": "project", "town_id": h.townID("定襄法兰专业镇"), "start_on": "2026-11-20", "end_on": "2026-12-31", "planned_days": 30, "capacity": 20}})
		return itoa(int64(p["id"].(float64)))
	}
	prog, other, pending := program("签到焊工班"), program("另一个班"), program("待批准班")
	t.Run("no class code before approval", func(t *testing.T) {
		h.do(req{method: "GET", path: "/api/v1/programs/" + prog + "/checkin-code", token: prov.Token}).problem(t, 422, "checkin_closed")
	})
	h.must(200, req{method: "POST", path: "/api/v1/programs/" + prog + "/approve", token: rev.Token})
	h.must(200, req{method: "POST", path: "/api/v1/programs/" + other + "/approve", token: rev.Token})
	enrol := func(program, name string, serial int) string {
		e := h.must(201, req{method: "POST", path: "/api/v1/programs/" + program + "/enrolments", token: prov.Token, body: map[string]any{"name": name, "id_number": idNumber(serial)}})
		return itoa(int64(e["id"].(float64)))
	}
	identity := func(phone, name string, serial int) models.Login {
		l := h.account(models.RoleSeeker, phone)
		h.must(201, req{method: "PUT", path: "/api/v1/me/identity", token: l.Token, body: map[string]any{"name": name, "id_number": idNumber(serial)}})
		return l
	}
	trainee := func(phone string, serial int, program string) models.Login {
		l := identity(phone, "学员"+phone[7:], serial)
		enrol(program, "学员"+phone[7:], serial)
		return l
	}
	me, stranger := trainee("13800000902", 41, prog), trainee("13800000903", 42, other)
	enrol(pending, "学员0902", 41)
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
	enrolments := func(l models.Login) []any {
		return h.must(200, req{method: "GET", path: "/api/v1/me/enrolments", token: l.Token})["enrolments"].([]any)
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
	t.Run("before approval check-in is closed", func(t *testing.T) {
		checkin(me, pending, "000000").problem(t, 422, "checkin_closed")
	})
	t.Run("someone else's number under another name finds no enrolment", func(t *testing.T) {
		enrol(prog, "张三", 44)
		liSi := identity("13800000904", "李四", 44)
		if es := enrolments(liSi); len(es) != 0 {
			t.Fatalf("the stranger sees %v", es)
		}
		now := h.must(200, req{method: "GET", path: "/api/v1/programs/" + prog + "/checkin-code", token: prov.Token})
		checkin(liSi, prog, now["code"].(string)).problem(t, 403, "forbidden")
	})
	t.Run("a completed, failed or withdrawn trainee no longer checks in", func(t *testing.T) {
		for i, step := range []struct {
			action string
			body   map[string]any
		}{{"complete", map[string]any{"passed": true}}, {"complete", map[string]any{"passed": false}}, {"withdraw", nil}} {
			phone := "1380000091" + itoa(int64(i))
			l := identity(phone, "学员"+phone[7:], 45+i)
			eid := enrol(prog, "学员"+phone[7:], 45+i)
			h.must(200, req{method: "POST", path: "/api/v1/enrolments/" + eid + "/" + step.action, token: prov.Token, body: step.body})
			now := h.must(200, req{method: "GET", path: "/api/v1/programs/" + prog + "/checkin-code", token: prov.Token})
			checkin(l, prog, now["code"].(string)).problem(t, 422, "checkin_closed")
			if es := enrolments(l); len(es) != 1 || es[0].(map[string]any)["checkin_open"] != false {
				t.Fatalf("%s: the page must say check-in is closed too: %v", step.action, es)
			}
		}
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
	t.Run("wrong codes sent at once still stop at five", func(t *testing.T) {
		quick := trainee("13800000931", 61, prog)
		statuses := make(chan int, 20)
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() { statuses <- checkin(quick, prog, "000000").status })
		}
		wg.Wait()
		close(statuses)
		count := map[int]int{}
		for s := range statuses {
			count[s]++
		}
		if count[422] > 5 || count[422]+count[429] != 20 {
			t.Fatalf("20 wrong codes at once: %v (at most 5 may be checked)", count)
		}
		fresh := h.must(200, req{method: "GET", path: "/api/v1/programs/" + prog + "/checkin-code", token: prov.Token})
		if count[422] == 5 {
			checkin(quick, prog, fresh["code"].(string)).problem(t, 429, "rate_limited")
		}
	})
	t.Run("the seeker sees its check-ins", func(t *testing.T) {
		var mine map[string]any
		for _, e := range enrolments(me) {
			if e.(map[string]any)["program_name"] == "签到焊工班" {
				mine = e.(map[string]any)
			}
		}
		if mine == nil || mine["checked_in_today"] != true || mine["checkin_open"] != true {
			t.Fatalf("%v", mine)
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
	t.Run("rolls from an xlsx workbook, by enrolment id and by ID number", func(t *testing.T) {
		o := h.must(200, req{method: "GET", path: "/api/v1/programs/" + prog + "/outcome", token: prov.Token})
		first := o["lines"].([]any)[0].(map[string]any)
		eid := int64(first["enrolment_id"].(float64))
		book := xlsxOf(t, [][]any{{"日期", "学员编号", "身份证号", "出勤"},
			{"2026-11-23", eid, "", "是"}, {"2026-11-24", "", idNumber(41), "√"}, {"2026-11-24", 999999, "", "1"}})
		body, ct := sheetUpload(t, "点名册.xlsx", book)
		got := h.must(200, req{method: "POST", path: "/api/v1/programs/" + prog + "/attendance/import", token: prov.Token, raw: body, contentType: ct})
		if got["days"] != 2.0 || got["marks"] != 2.0 || len(got["bad_rows"].([]any)) != 1 || got["bad_rows"].([]any)[0].(map[string]any)["line"] != 4.0 {
			t.Fatalf("%v", got)
		}
		o = h.must(200, req{method: "GET", path: "/api/v1/programs/" + prog + "/outcome", token: prov.Token})
		if line := o["lines"].([]any)[0].(map[string]any); line["roll_days"] != 3.0 {
			t.Fatalf("the workbook's two days join the csv's one: %v", line)
		}
	})
	t.Run("a social-insurance workbook with English headers", func(t *testing.T) {
		book := xlsxOf(t, [][]any{{"name", "id_number", "employer_uscc", "employer_name", "from_month", "to_month"},
			{"学员", idNumber(41), validUSCC("MA0M0999"), "某厂", "2026-12", "2027-06"}, {"坏", "x", "y", "z", "2026-12", "2027-06"}})
		body, ct := sheetUpload(t, "社保.xlsx", book)
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
	t.Run("after end_on check-in is closed", func(t *testing.T) {
		clock.set(time.Date(2027, 1, 1, 9, 0, 0, 0, models.China))
		h.do(req{method: "GET", path: "/api/v1/programs/" + prog + "/checkin-code", token: prov.Token}).problem(t, 422, "checkin_closed")
		checkin(me, prog, "000000").problem(t, 422, "checkin_closed")
	})
	t.Run("before start_on check-in is closed", func(t *testing.T) {
		clock.set(time.Date(2026, 11, 19, 9, 0, 0, 0, models.China))
		checkin(me, prog, "000000").problem(t, 422, "checkin_closed")
	})
}
