package handlers

import (
	"bytes"
	"mime/multipart"
	"portal/internal/testsvc"
	"regexp"
	"strings"
	"testing"
	"time"

	"portal/models"
)

// sharedPhoneProgram is a closed program whose three trainees share one phone: its claim
// carries the shared_phone risk flag.
func (h *harness) sharedPhoneProgram(prov, rev models.Login, clock *testClock) string {
	t := h.t
	t.Helper()
	clock.set(time.Date(2025, 4, 20, 9, 0, 0, 0, models.China))
	r := h.do(req{method: "POST", path: "/api/v1/programs", token: prov.Token, body: map[string]any{"name": "同号焊工班", "occupation": "焊工",
		"mode": "project", "town_id": h.townID("定襄法兰专业镇"), "start_on": "2025-03-03", "end_on": "2025-04-11", "planned_days": 30, "capacity": 20}})
	prog := itoa(int64(r.json(t)["id"].(float64)))
	h.do(req{method: "POST", path: "/api/v1/programs/" + prog + "/approve", token: rev.Token, body: map[string]any{"approved_days": 30}})
	var ids []int64
	for i := range 3 {
		e := h.do(req{method: "POST", path: "/api/v1/programs/" + prog + "/enrolments", token: prov.Token, body: map[string]any{"name": "学员" + itoa(int64(i)), "id_number": idNumber(70 + i), "phone": "13912345678"}})
		ids = append(ids, int64(e.json(t)["id"].(float64)))
	}
	start := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	for d := range 30 {
		day := start.AddDate(0, 0, d).Format(models.DateLayout)
		h.do(req{method: "PUT", path: "/api/v1/programs/" + prog + "/attendance/" + day, token: prov.Token, body: map[string]any{"present": ids}})
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

func TestRiskFlagsAndPublicOutcomePages(t *testing.T) {
	for _, db := range testsvc.Databases(t) {
		t.Run(db.Name, func(t *testing.T) { riskFlagsAndPublicOutcomePages(t, db.Resolve(t)) })
	}
}

func riskFlagsAndPublicOutcomePages(t *testing.T, databaseURL string) {
	clock := newClock(time.Date(2025, 4, 20, 9, 0, 0, 0, models.China))
	h := newHarness(t, harnessOpts{databaseURL: databaseURL, clock: clock})
	html := map[string]string{"Accept": "text/html"}
	prov := h.verifiedProvider("13800002901", "MA0M2901")
	rev := h.account(models.RoleReviewer, "13800002909")
	prog := h.sharedPhoneProgram(prov, rev, clock)
	sharedPhone := "同一手机号登记在本申请的多名学员名下"
	t.Run("the provider's program page shows each line's flag in Chinese", func(t *testing.T) {
		page := string(h.do(req{method: "GET", path: "/console/programs/" + prog, cookie: prov.Token, headers: html}).body)
		if !strings.Contains(page, sharedPhone) || !strings.Contains(page, "风险提示") {
			t.Fatalf("%s", visibleText(page))
		}
	})
	claim := h.must(201, req{method: "POST", path: "/api/v1/programs/" + prog + "/claims", token: prov.Token})
	cid := itoa(int64(claim["id"].(float64)))
	t.Run("the reviewer's claim page shows the flags and asks for a note", func(t *testing.T) {
		page := string(h.do(req{method: "GET", path: "/console/claims/" + cid, cookie: rev.Token, headers: html}).body)
		if strings.Count(page, sharedPhone) != 3 || !strings.Contains(page, `name="note"`) || !strings.Contains(page, "审核意见") {
			t.Fatalf("%s", visibleText(page))
		}
	})
	t.Run("approving without a note is refused in Chinese, beside the note", func(t *testing.T) {
		r := h.pageForm(rev, "/console/claims/"+cid+"/approve", map[string]string{"note": " "})
		body := string(r.body)
		if r.status != 422 || !strings.Contains(body, "批准时必须填写审核意见") || !strings.Contains(body, `id="note-error"`) {
			t.Fatalf("%d %s", r.status, visibleText(body))
		}
		r = h.pageForm(rev, "/console/claims/"+cid+"/approve", map[string]string{"note": "已电话核实,三人为一家人", "confirm": "yes"})
		if !strings.Contains(h.follow(rev, r), "已批准并进入公示") {
			t.Fatal("not approved")
		}
	})
	clock.set(time.Date(2025, 5, 10, 9, 0, 0, 0, models.China))
	h.must(200, req{method: "POST", path: "/api/v1/claims/" + cid + "/pay", token: rev.Token, body: map[string]any{"payment_ref": "ZF-9"}})
	t.Run("the public providers page: figures per year, <5 for small groups, no names", func(t *testing.T) {
		r := h.do(req{method: "GET", path: "/public/providers", headers: html})
		page := string(r.body)
		if r.status != 200 || !strings.Contains(page, "培训学校MA0M2901") || !strings.Contains(page, "2025 年") || !strings.Contains(page, "&lt;5 人") ||
			strings.Contains(page, "学员0") || !strings.Contains(page, "不公开") {
			t.Fatalf("%d %s", r.status, visibleText(page))
		}
		if m := englishWord.FindString(visibleText(page)); m != "" {
			t.Errorf("English on the page: %q", m)
		}
		p := h.must(200, req{method: "GET", path: "/api/v1/public/providers"})["providers"].([]any)[0].(map[string]any)
		one := h.do(req{method: "GET", path: "/public/providers/" + itoa(int64(p["provider_id"].(float64))), headers: html})
		if one.status != 200 || !strings.Contains(string(one.body), "培训成效") || !strings.Contains(string(one.body), "元") {
			t.Fatalf("%d %s", one.status, visibleText(string(one.body)))
		}
		home := string(h.do(req{method: "GET", path: "/programs/" + prog, headers: html}).body)
		if !strings.Contains(home, `href="/public/providers"`) || !strings.Contains(home, "历年培训成效") {
			t.Fatal("no link to the public outcomes from a program page")
		}
	})
}

func TestImportPages(t *testing.T) {
	for _, db := range testsvc.Databases(t) {
		t.Run(db.Name, func(t *testing.T) { importPages(t, db.Resolve(t)) })
	}
}

func importPages(t *testing.T, databaseURL string) {
	clock := newClock(time.Date(2025, 3, 10, 9, 0, 0, 0, models.China))
	h := newHarness(t, harnessOpts{databaseURL: databaseURL, clock: clock})
	html := map[string]string{"Accept": "text/html"}
	prov := h.verifiedProvider("13800003901", "MA0M3901")
	rev := h.account(models.RoleReviewer, "13800003909")
	p := h.must(201, req{method: "POST", path: "/api/v1/programs", token: prov.Token, body: map[string]any{"name": "导入焊工班", "occupation": "焊工",
		"mode": "project", "town_id": h.townID("定襄法兰专业镇"), "start_on": "2025-03-03", "end_on": "2025-04-11", "planned_days": 30, "capacity": 20}})
	prog := itoa(int64(p["id"].(float64)))
	h.must(200, req{method: "POST", path: "/api/v1/programs/" + prog + "/approve", token: rev.Token})
	h.must(201, req{method: "POST", path: "/api/v1/programs/" + prog + "/enrolments", token: prov.Token, body: map[string]any{"name": "学员甲", "id_number": idNumber(81)}})
	upload := func(l models.Login, path, page, name, content string) response {
		csrf := csrfIn(t, h.do(req{method: "GET", path: page, cookie: l.Token, headers: html}).body)
		raw, ct := sheetUploadWith(t, csrf, name, []byte(content))
		return h.do(req{method: "POST", path: path, cookie: l.Token, contentType: ct, headers: html, raw: raw})
	}
	t.Run("the provider uploads a roll and sees the bad rows by line, in Chinese", func(t *testing.T) {
		sheet := "日期,身份证号,出勤\n2025-03-03," + idNumber(81) + ",1\n2025-03-04," + idNumber(82) + ",1\n2025-13-01," + idNumber(81) + ",1\n2025-03-05," + idNumber(81) + ",也许\n2025-03-03," + idNumber(81) + ",0\n"
		r := upload(prov, "/console/programs/"+prog+"/roll/import", "/console/programs/"+prog, "roll.csv", sheet)
		if r.status != 303 {
			t.Fatalf("the upload answered %d, not a redirect: a refresh would upload again", r.status)
		}
		page := h.follow(prov, r)
		if again := string(h.do(req{method: "GET", path: "/console/programs/" + prog, cookie: prov.Token, headers: html}).body); strings.Contains(again, "行有误") {
			t.Error("the report shows again on the next visit")
		}
		for _, want := range []string{"点名表已导入", "4 行有误", "第 3 行:身份证号:本项目花名册上没有这个身份证号", "第 4 行:日期:", "第 5 行:出勤:请填写 1 或 0",
			"第 6 行:出勤:与第 2 行矛盾"} {
			if !strings.Contains(page, want) {
				t.Errorf("lacks %q", want)
			}
		}
		for _, m := range englishWord.FindAllString(visibleText(page), -1) {
			if m != "Excel" && m != "CSV" {
				t.Errorf("English on the page: %q", m)
			}
		}
	})
	t.Run("a long list of bad rows is cut to the first twenty", func(t *testing.T) {
		sheet := "日期,身份证号,出勤\n"
		for range 30 {
			sheet += "2025-03-06," + idNumber(82) + ",1\n"
		}
		page := h.follow(prov, upload(prov, "/console/programs/"+prog+"/roll/import", "/console/programs/"+prog, "roll.csv", sheet))
		if !strings.Contains(page, "30 行有误,下面列出前 20 行") || strings.Count(page, "本项目花名册上没有这个身份证号") != 20 {
			t.Fatalf("%s", visibleText(page))
		}
	})
	t.Run("the reviewer imports social insurance and sees 导入 N 行,M 行有误", func(t *testing.T) {
		page := string(h.do(req{method: "GET", path: "/console/review/social-insurance", cookie: rev.Token, headers: html}).body)
		if !strings.Contains(page, `enctype="multipart/form-data"`) || !strings.Contains(page, "还没有导入过") {
			t.Fatalf("%s", visibleText(page))
		}
		sheet := "姓名,身份证号,统一社会信用代码,起始年月,终止年月\n学员甲," + idNumber(81) + "," + validUSCC("MA0E3901") + ",2025-04,2025-06\n学员乙,123," + validUSCC("MA0E3901") + ",2025-04,2025-06\n学员丙," + idNumber(83) + "," + validUSCC("MA0E3901") + ",2025-07,2025-06\n"
		r := upload(rev, "/console/review/social-insurance", "/console/review/social-insurance", "si.csv", sheet)
		list := h.follow(rev, r)
		for _, want := range []string{"社保数据已导入", "si(CSV 表格)", "导入 1 行,2 行有误", "第 3 行:身份证号:", "第 4 行:终止年月:截止月份不能早于起始月份"} {
			if !strings.Contains(list, want) {
				t.Errorf("lacks %q", want)
			}
		}
		for _, m := range englishWord.FindAllString(visibleText(list), -1) {
			if m != "Excel" && m != "CSV" {
				t.Errorf("English on the page: %q", m)
			}
		}
		bad := upload(rev, "/console/review/social-insurance", "/console/review/social-insurance", "x.csv", "a,b\n1,2\n")
		if bad.status != 422 || !strings.Contains(string(bad.body), "表头缺少必需的列") {
			t.Fatalf("%d %s", bad.status, visibleText(string(bad.body)))
		}
	})
}

// sheetUploadWith is a page's multipart upload: the CSRF token and one file in the field file.
func sheetUploadWith(t *testing.T, csrf, name string, data []byte) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("_csrf", csrf)
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func TestInspectionPages(t *testing.T) {
	for _, db := range testsvc.Databases(t) {
		t.Run(db.Name, func(t *testing.T) { inspectionPages(t, db.Resolve(t)) })
	}
}

func inspectionPages(t *testing.T, databaseURL string) {
	clock := newClock(time.Date(2025, 4, 20, 9, 0, 0, 0, models.China))
	h := newHarness(t, harnessOpts{databaseURL: databaseURL, clock: clock})
	html := map[string]string{"Accept": "text/html"}
	prov := h.verifiedProvider("13800004901", "MA0M4901")
	rev := h.account(models.RoleReviewer, "13800004909")
	prog := h.closedProgramAPI(prov, rev, clock)
	claim := h.must(201, req{method: "POST", path: "/api/v1/programs/" + prog + "/claims", token: prov.Token})
	cid := itoa(int64(claim["id"].(float64)))
	t.Run("a bad draw is refused beside its fields, in Chinese", func(t *testing.T) {
		r := h.pageForm(rev, "/console/review/inspections", map[string]string{"submitted_from": "2025-04-30", "submitted_to": "2025-04-01", "percent": "百"})
		if r.status != 422 || !strings.Contains(string(r.body), `id="percent-error">请填写整数`) {
			t.Fatalf("%d %s", r.status, visibleText(string(r.body)))
		}
		r = h.pageForm(rev, "/console/review/inspections", map[string]string{"submitted_from": "2024-01-01", "submitted_to": "2024-01-31", "percent": "10"})
		if r.status != 422 || !strings.Contains(string(r.body), "2024-01-01 至 2024-01-31 之间没有") {
			t.Fatalf("%d %s", r.status, visibleText(string(r.body)))
		}
	})
	var page string
	t.Run("a draw shows its seed and the drawn claim", func(t *testing.T) {
		r := h.pageForm(rev, "/console/review/inspections", map[string]string{"submitted_from": "2025-04-01", "submitted_to": "2025-04-30", "percent": "10"})
		page = h.follow(rev, r)
		insp := h.must(200, req{method: "GET", path: "/api/v1/inspections", token: rev.Token})["inspections"].([]any)[0].(map[string]any)
		for _, want := range []string{"已抽取", "随机种子", insp["seed"].(string), `href="/console/claims/` + cid + `"`, "抽查合格", "抽查不合格"} {
			if !strings.Contains(page, want) {
				t.Errorf("lacks %q", want)
			}
		}
		list := string(h.do(req{method: "GET", path: "/console/review/inspections", cookie: rev.Token, headers: html}).body)
		if !strings.Contains(list, "共 1 份中抽中 1 份") {
			t.Fatalf("%s", visibleText(list))
		}
	})
	t.Run("a drawn claim shows why it can be neither approved nor paid", func(t *testing.T) {
		claimPage := string(h.do(req{method: "GET", path: "/console/claims/" + cid, cookie: rev.Token, headers: html}).body)
		if !strings.Contains(claimPage, "抽查中") || !strings.Contains(claimPage, string(refusals["under_inspection"])) {
			t.Fatalf("%s", visibleText(claimPage))
		}
		if strings.Contains(claimPage, "/approve") || strings.Contains(claimPage, "/pay") {
			t.Fatal("the approve or pay form shows on a claim under inspection")
		}
	})
	t.Run("failing needs a note, then a confirmation, then rejects the claim", func(t *testing.T) {
		path := regexp.MustCompile(`action="(/console/review/inspections/\d+/results)"`).FindStringSubmatch(page)[1]
		r := h.pageForm(rev, path, map[string]string{"claim_id": cid, "result": "failed", "note": " "})
		if r.status != 422 || !strings.Contains(string(r.body), `aria-describedby="note-error"> </textarea>`+"\n"+`<small class="field-error" id="note-error">请写明抽查发现的问题`) {
			t.Fatalf("%d %s", r.status, r.body)
		}
		r = h.pageForm(rev, path, map[string]string{"claim_id": cid, "result": "也许", "note": "现场核查无培训记录"})
		if r.status != 422 || !strings.Contains(string(r.body), `aria-describedby="note-error">现场核查无培训记录</textarea>`) || !strings.Contains(string(r.body), `id="result-error">`) {
			t.Fatalf("the typed note is lost: %d %s", r.status, visibleText(string(r.body)))
		}
		r = h.pageForm(rev, path, map[string]string{"claim_id": cid, "result": "failed", "note": "现场核查无培训记录"})
		if r.status != 200 || !strings.Contains(string(r.body), "确认不合格并驳回") {
			t.Fatalf("%d %s", r.status, visibleText(string(r.body)))
		}
		done := h.follow(rev, h.pageForm(rev, path, map[string]string{"claim_id": cid, "result": "failed", "note": "现场核查无培训记录", "confirm": "yes"}))
		if !strings.Contains(done, "抽查结果已登记") || !strings.Contains(done, "抽查不合格,已驳回") || !strings.Contains(done, "现场核查无培训记录") {
			t.Fatalf("%s", visibleText(done))
		}
	})
}
