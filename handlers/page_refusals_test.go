package handlers

import (
	"strings"
	"testing"
	"time"

	"portal/models"
)

// alertOf is the refusal a page shows on top (the role="alert" notice), or "".
func alertOf(page string) string {
	_, rest, ok := strings.Cut(page, `<p class="notice error" role="alert">`)
	if !ok {
		return ""
	}
	text, _, _ := strings.Cut(rest, "</p>")
	return text
}

func TestPageRefusalsSayWhy(t *testing.T) {
	h := newHarness(t, harnessOpts{indexing: true})
	ent := h.verifiedEnterprise("13600000301", "MA0P0301", "定襄法兰专业镇")
	seeker := h.account(models.RoleSeeker, "13600000302")
	rev := h.account(models.RoleReviewer, "13600000309")
	h.must(200, req{method: "PUT", path: "/api/v1/me/profile", token: seeker.Token, body: map[string]any{"desired_occupations": []string{"焊工"}, "education": "高中"}})
	job := h.postJob(ent.Token, "法兰焊工", "焊工", "定襄法兰专业镇", 8000)

	t.Run("applying to a closed posting returns to it saying it is closed", func(t *testing.T) {
		h.must(200, req{method: "POST", path: "/api/v1/jobs/" + job + "/close", token: ent.Token})
		r := h.pageForm(seeker, "/jobs/"+job+"/apply", nil)
		if r.status != 303 || r.header.Get("Location") != "/jobs/"+job {
			t.Fatalf("%d %s", r.status, r.header.Get("Location"))
		}
		if got := alertOf(h.follow(seeker, r)); got != string(refusals["job_closed"]) {
			t.Fatalf("the posting's page says %q", got)
		}
	})
	t.Run("a step on a finished application returns to the applicants with the reason", func(t *testing.T) {
		open := h.postJob(ent.Token, "法兰车工", "车工", "定襄法兰专业镇", 8000)
		app := h.must(201, req{method: "POST", path: "/api/v1/jobs/" + open + "/applications", token: seeker.Token})
		appID := itoa(int64(app["id"].(float64)))
		h.follow(seeker, h.pageForm(seeker, "/console/applications/"+appID+"/withdraw", nil))
		r := h.pageForm(ent, "/console/applications/"+appID+"/move", map[string]string{"status": "interview", "job_id": open})
		if r.status != 303 || r.header.Get("Location") != "/console/jobs/"+open+"/applicants" {
			t.Fatalf("%d %s", r.status, r.header.Get("Location"))
		}
		if got := alertOf(h.follow(ent, r)); got != string(refusals["application_final"]) && got != string(refusals["invalid_transition"]) {
			t.Fatalf("the applicants page says %q", got)
		}
	})
	t.Run("a reviewer's refused approval keeps the typed days with their error beside them", func(t *testing.T) {
		prov := h.verifiedProvider("13600000303", "MA0P0303")
		p := h.must(201, req{method: "POST", path: "/api/v1/programs", token: prov.Token, body: map[string]any{"name": "法兰焊工班", "occupation": "焊工",
			"mode": "project", "town_id": h.townID("定襄法兰专业镇"), "start_on": models.Today(time.Now().AddDate(0, 0, 3)),
			"end_on": models.Today(time.Now().AddDate(0, 0, 30)), "planned_days": 20, "capacity": 20}})
		prog := itoa(int64(p["id"].(float64)))
		r := h.pageForm(rev, "/console/reviewer/programs/"+prog+"/approve", map[string]string{"approved_days": "999"})
		body := string(r.body)
		if r.status != 422 || !strings.Contains(body, `value="999"`) || !strings.Contains(body, `id="approved_days-error">不能大于`) {
			t.Fatalf("%d %s", r.status, visibleText(body))
		}
		if got := alertOf(body); got != string(refusals[models.ErrInvalid]) {
			t.Fatalf("the queue says %q", got)
		}
		h.follow(rev, h.pageForm(rev, "/console/reviewer/programs/"+prog+"/approve", map[string]string{"approved_days": "20"}))
		again := h.pageForm(rev, "/console/reviewer/programs/"+prog+"/approve", map[string]string{"approved_days": "20"})
		if again.status != 409 || alertOf(string(again.body)) != string(refusals["program_decided"]) {
			t.Fatalf("approving twice: %d %q", again.status, alertOf(string(again.body)))
		}
	})
	t.Run("the twenty-first saved search returns to the results saying why", func(t *testing.T) {
		for i := range 20 {
			h.must(201, req{method: "POST", path: "/api/v1/me/saved-searches", token: seeker.Token, body: map[string]any{"query": "q=焊工" + itoa(int64(i))}})
		}
		r := h.pageForm(seeker, "/console/saved-searches", map[string]string{"query": "q=车工"})
		if r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/jobs?") {
			t.Fatalf("%d %s", r.status, r.header.Get("Location"))
		}
		if got := alertOf(h.follow(seeker, r)); got != string(refusals["too_many_saved_searches"]) {
			t.Fatalf("the results say %q", got)
		}
	})
	t.Run("a made-up refusal cookie shows nothing", func(t *testing.T) {
		forged := "s.eyJwIjoi5L2g5aW9In0.bm90LWEtc2lnbmF0dXJl"
		page := h.do(req{method: "GET", path: "/console", headers: map[string]string{"Accept": "text/html", "Cookie": sessionCookie + "=" + seeker.Token + "; " + flashCookie + "=" + forged}})
		if got := alertOf(string(page.body)); got != "" {
			t.Fatalf("a forged flash shows %q", got)
		}
	})
	t.Run("the error page of a refusal says the refusal's own sentence", func(t *testing.T) {
		for _, p := range []Problem{{Status: 409, Code: "program_decided"}, {Status: 422, Code: "job_closed"}, {Status: 422, Code: "some_new_rule"}} {
			text := pageProblemFrom(p, "").Text()
			want := string(refusals[p.Code])
			if p.Code == "some_new_rule" {
				want = string(refusals[models.ErrRule])
			}
			if text != want {
				t.Errorf("%s: %q", p.Code, text)
			}
		}
	})
}

func TestProgramPageKeepsARefusedForm(t *testing.T) {
	clock := newClock(time.Date(2025, 4, 20, 9, 0, 0, 0, models.China))
	h := newHarness(t, harnessOpts{clock: clock})
	prov := h.verifiedProvider("13600000401", "MA0P0401")
	rev := h.account(models.RoleReviewer, "13600000409")
	p := h.must(201, req{method: "POST", path: "/api/v1/programs", token: prov.Token, body: map[string]any{"name": "法兰焊工班", "occupation": "焊工",
		"mode": "project", "town_id": h.townID("定襄法兰专业镇"), "start_on": "2025-03-03", "end_on": "2025-04-30", "planned_days": 30, "capacity": 20}})
	prog := itoa(int64(p["id"].(float64)))
	h.must(200, req{method: "POST", path: "/api/v1/programs/" + prog + "/approve", token: rev.Token, body: map[string]any{"approved_days": 30}})
	var ids []string
	for i := range 2 {
		e := h.must(201, req{method: "POST", path: "/api/v1/programs/" + prog + "/enrolments", token: prov.Token, body: map[string]any{"name": "学员" + itoa(int64(i)), "id_number": idNumber(40 + i)}})
		ids = append(ids, itoa(int64(e["id"].(float64))))
		h.must(200, req{method: "POST", path: "/api/v1/enrolments/" + ids[i] + "/complete", token: prov.Token, body: map[string]any{"passed": true}})
	}
	t.Run("a refused employment keeps its values and errors in its own open form", func(t *testing.T) {
		r := h.pageForm(prov, "/console/enrolments/"+ids[1]+"/employment", map[string]string{"employer_name": "定襄法兰厂", "evidence_type": "certificate",
			"evidence_no": "", "start_on": "2025-01-01"})
		body := string(r.body)
		if r.status != 422 {
			t.Fatalf("%d %s", r.status, visibleText(body))
		}
		for _, want := range []string{`value="定襄法兰厂"`, `value="2025-01-01"`, `id="evidence_no-error">必填`, `value="certificate" selected`,
			`<details open><summary>登记就业</summary>` + "\n" + `<form method="post" action="/console/enrolments/` + ids[1] + `/employment"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if strings.Count(body, "<details open>") != 1 || strings.Count(body, `value="定襄法兰厂"`) != 1 {
			t.Error("another form opened or took the values")
		}
		if !strings.Contains(body, "<details ><summary>实名登记学员") {
			t.Error("the enrolment section opened on an employment refusal")
		}
	})
	t.Run("a roll is read from its form: the ticks are saved, a tick that is no id is refused beside the roll", func(t *testing.T) {
		page := h.pageForm(prov, "/console/programs/"+prog+"/roll", map[string]string{"day": "2025-04-18", "present": ids[0]})
		if !strings.Contains(h.follow(prov, page), "点名已保存") {
			t.Fatal("no flash")
		}
		if got, _ := h.store.Roll(t.Context(), mustID(t, prog), "2025-04-18"); len(got) != 1 || itoa(got[0]) != ids[0] {
			t.Fatalf("the roll saved %v", got)
		}
		r := h.pageForm(prov, "/console/programs/"+prog+"/roll", map[string]string{"day": "2025-04-18", "present": "甲"})
		if r.status != 422 || !strings.Contains(string(r.body), `id="present-error">请从列表中选择`) {
			t.Fatalf("%d %s", r.status, visibleText(string(r.body)))
		}
	})
	t.Run("a refused enrolment opens its own section", func(t *testing.T) {
		r := h.pageForm(prov, "/console/programs/"+prog+"/enrol", map[string]string{"name": "张三", "id_number": "123"})
		body := string(r.body)
		if r.status != 422 || !strings.Contains(body, "<details open><summary>实名登记学员") || strings.Contains(body, "<details open><summary>登记就业") {
			t.Fatalf("%d %s", r.status, visibleText(body))
		}
	})
}

func TestIrreversibleClaimStepsAskFirst(t *testing.T) {
	clock := newClock(time.Date(2025, 4, 20, 9, 0, 0, 0, models.China))
	h := newHarness(t, harnessOpts{clock: clock})
	prov := h.verifiedProvider("13600000501", "MA0P0501")
	rev := h.account(models.RoleReviewer, "13600000509")
	prog := h.closedProgramAPI(prov, rev, clock)
	cid := itoa(int64(h.must(201, req{method: "POST", path: "/api/v1/programs/" + prog + "/claims", token: prov.Token})["id"].(float64)))
	t.Run("rejecting a claim asks first, with the reason, then rejects", func(t *testing.T) {
		r := h.pageForm(rev, "/console/claims/"+cid+"/reject", map[string]string{"reason": "出勤记录与现场不符"})
		if r.status != 200 || !strings.Contains(string(r.body), "确认驳回补贴申请 "+cid+"?") || !strings.Contains(string(r.body), "驳回原因:出勤记录与现场不符") {
			t.Fatalf("%d %s", r.status, visibleText(string(r.body)))
		}
		if c, _ := h.store.Claim(t.Context(), rev.User, mustID(t, cid)); c.Status != models.ClaimSubmitted {
			t.Fatalf("rejected without confirmation: %s", c.Status)
		}
		page := h.follow(rev, h.pageForm(rev, "/console/claims/"+cid+"/reject", map[string]string{"reason": "出勤记录与现场不符", "confirm": "yes"}))
		if !strings.Contains(page, "申请已驳回") {
			t.Fatalf("%s", visibleText(page))
		}
	})
	t.Run("upholding an objection asks first; a refused note comes back beside its field", func(t *testing.T) {
		claim := h.must(201, req{method: "POST", path: "/api/v1/programs/" + prog + "/claims", token: prov.Token})
		id := itoa(int64(claim["id"].(float64)))
		h.must(200, req{method: "POST", path: "/api/v1/claims/" + id + "/approve", token: rev.Token})
		obj := h.must(201, req{method: "POST", path: "/api/v1/public/claims/" + id + "/objections", body: map[string]any{"text": "这些学员没有参加培训"}})
		oid := itoa(int64(obj["id"].(float64)))
		short := h.pageForm(rev, "/console/objections/"+oid+"/resolve", map[string]string{"upheld": "true", "note": "查", "claim_id": id})
		body := string(short.body)
		if short.status != 422 || !strings.Contains(body, `value="查"`) || !strings.Contains(body, `id="objection_note-error">至少 2 个字`) {
			t.Fatalf("%d %s", short.status, visibleText(body))
		}
		ask := h.pageForm(rev, "/console/objections/"+oid+"/resolve", map[string]string{"upheld": "true", "note": "经核实异议属实", "claim_id": id})
		if ask.status != 200 || !strings.Contains(string(ask.body), "确认异议成立并撤销批准?") {
			t.Fatalf("%d %s", ask.status, visibleText(string(ask.body)))
		}
		if c, _ := h.store.Claim(t.Context(), rev.User, mustID(t, id)); c.Status != models.ClaimApproved {
			t.Fatalf("revoked without confirmation: %s", c.Status)
		}
		done := h.follow(rev, h.pageForm(rev, "/console/objections/"+oid+"/resolve", map[string]string{"upheld": "true", "note": "经核实异议属实", "claim_id": id, "confirm": "yes"}))
		if !strings.Contains(done, "异议已处理") || !strings.Contains(done, "异议成立:经核实异议属实") {
			t.Fatalf("%s", visibleText(done))
		}
		twice := h.pageForm(rev, "/console/objections/"+oid+"/resolve", map[string]string{"upheld": "false", "note": "再次处理", "claim_id": id})
		if twice.status != 409 || alertOf(string(twice.body)) != string(refusals["objection_resolved"]) {
			t.Fatalf("%d %q", twice.status, alertOf(string(twice.body)))
		}
	})
}

func TestProgramCataloguePages(t *testing.T) {
	h := newHarness(t, harnessOpts{indexing: true})
	prov := h.verifiedProvider("13600000601", "MA0P0601")
	rev := h.account(models.RoleReviewer, "13600000609")
	for i := range 3 {
		p := h.must(201, req{method: "POST", path: "/api/v1/programs", token: prov.Token, body: map[string]any{"name": "法兰焊工班" + itoa(int64(i)), "occupation": "焊工",
			"mode": "project", "town_id": h.townID("定襄法兰专业镇"), "start_on": models.Today(time.Now().AddDate(0, 0, 3)),
			"end_on": models.Today(time.Now().AddDate(0, 0, 30)), "planned_days": 20, "capacity": 20}})
		h.must(200, req{method: "POST", path: "/api/v1/programs/" + itoa(int64(p["id"].(float64))) + "/approve", token: rev.Token})
	}
	html := map[string]string{"Accept": "text/html"}
	eventually(t, "indexed", func() bool {
		r := h.do(req{method: "GET", path: "/api/v1/programs"})
		return r.status == 200 && len(r.json(t)["hits"].([]any)) == 3
	})
	t.Run("the catalogue pages through every program", func(t *testing.T) {
		first := string(h.do(req{method: "GET", path: "/programs?per_page=2", headers: html}).body)
		if !strings.Contains(first, "第 1 / 2 页") || !strings.Contains(first, `href="/programs?page=2&amp;per_page=2"`) || strings.Count(first, `<article class="job">`) != 2 {
			t.Fatalf("%s", visibleText(first))
		}
		second := string(h.do(req{method: "GET", path: "/programs?per_page=2&page=2", headers: html}).body)
		if !strings.Contains(second, "第 2 / 2 页") || strings.Count(second, `<article class="job">`) != 1 {
			t.Fatalf("%s", visibleText(second))
		}
	})
	t.Run("a page past the last says so and leads back", func(t *testing.T) {
		r := h.do(req{method: "GET", path: "/programs?per_page=2&page=9", headers: html})
		if r.status != 200 || !strings.Contains(string(r.body), "第 9 页没有项目:结果只有 2 页") || !strings.Contains(string(r.body), "回到第 1 页") {
			t.Fatalf("%d %s", r.status, visibleText(string(r.body)))
		}
	})
	t.Run("an empty catalogue says that only programs not yet ended show", func(t *testing.T) {
		r := h.do(req{method: "GET", path: "/programs?q=" + "育婴员", headers: html})
		if r.status != 200 || !strings.Contains(string(r.body), "只显示尚未结束的项目") || !strings.Contains(string(r.body), "没有找到培训项目") {
			t.Fatalf("%d %s", r.status, visibleText(string(r.body)))
		}
	})
}

func TestSeekerStatesOwnEducationPlainly(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	seeker := h.account(models.RoleSeeker, "13600000701")
	page := string(h.do(req{method: "GET", path: "/console", cookie: seeker.Token, headers: map[string]string{"Accept": "text/html"}}).body)
	_, sel, ok := strings.Cut(page, `<select id="education" name="education">`)
	if !ok {
		t.Fatal("no education select on the seeker's console")
	}
	sel, _, _ = strings.Cut(sel, "</select>")
	if !strings.Contains(sel, `<option value="高中" >高中</option>`) || !strings.Contains(sel, ">不填写</option>") || strings.Contains(sel, "及以上") || strings.Contains(sel, "学历不限") {
		t.Fatalf("the select reads %s", sel)
	}
}
