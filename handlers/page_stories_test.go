package handlers

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"portal/models"
	"portal/search"
)

// pageForm posts a page form as a browser does, with the session's CSRF token.
func (h *harness) pageForm(l models.Login, path string, values map[string]string) response {
	h.t.Helper()
	page := h.do(req{method: "GET", path: "/console", cookie: l.Token, headers: map[string]string{"Accept": "text/html"}})
	v := url.Values{"_csrf": {csrfIn(h.t, page.body)}}
	for k, val := range values {
		v.Set(k, val)
	}
	return h.do(req{method: "POST", path: path, cookie: l.Token, contentType: "application/x-www-form-urlencoded",
		headers: map[string]string{"Accept": "text/html"}, raw: []byte(v.Encode())})
}

// follow opens the page a 303 points to, carrying the flash cookie it set, as a browser does.
func (h *harness) follow(l models.Login, r response) string {
	h.t.Helper()
	if r.status != 303 {
		h.t.Fatalf("want a redirect, got %d %s", r.status, r.body)
	}
	headers := map[string]string{"Accept": "text/html"}
	if m := regexp.MustCompile(flashCookie + `=([^;]+)`).FindStringSubmatch(strings.Join(r.header.Values("Set-Cookie"), "\n")); m != nil {
		headers["Cookie"] = sessionCookie + "=" + l.Token + "; " + flashCookie + "=" + m[1]
	}
	next := h.do(req{method: "GET", path: r.header.Get("Location"), cookie: l.Token, headers: headers})
	if next.status != 200 {
		h.t.Fatalf("GET %s: %d", r.header.Get("Location"), next.status)
	}
	return string(next.body)
}

// visibleText is a page's text without tags, scripts or attribute values.
func visibleText(page string) string {
	page = regexp.MustCompile(`(?s)<head>.*?</head>`).ReplaceAllString(page, "")
	return regexp.MustCompile(`<[^>]*>`).ReplaceAllString(page, " ")
}

var englishWord = regexp.MustCompile(`\b[A-Za-z]{3,}\b`)

func TestPageFormsSpeakChinese(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	ent := h.verifiedEnterprise("13600000101", "MA0P0101", "定襄法兰专业镇")
	town := itoa(h.townID("定襄法兰专业镇"))
	job := map[string]string{"title": "法兰焊工", "occupation": "焊工", "description": "负责法兰焊接,包吃住,长期稳定。", "town_id": town,
		"salary_min": "5000", "salary_max": "8000", "headcount": "3", "education": "不限", "employment_type": "full_time",
		"expires_on": models.Today(time.Now().AddDate(0, 0, 20))}
	t.Run("every error of a form at once, beside its field, in Chinese, with the values kept", func(t *testing.T) {
		bad := map[string]string{}
		for k, v := range job {
			bad[k] = v
		}
		bad["title"], bad["salary_min"], bad["headcount"] = "", "五千", ""
		r := h.pageForm(ent, "/console/jobs", bad)
		body := string(r.body)
		if r.status != 422 {
			t.Fatalf("%d %s", r.status, body)
		}
		for _, want := range []string{`id="title-error">必填`, `id="salary_min-error">请填写整数`, `id="headcount-error">必填`, "有几项填写不符合要求"} {
			if !strings.Contains(body, want) {
				t.Errorf("the form lacks %q", want)
			}
		}
		if !strings.Contains(body, `value="五千"`) || !strings.Contains(body, "负责法兰焊接") {
			t.Error("the entered values are lost")
		}
		if w := englishWord.FindAllString(visibleText(body), -1); len(w) > 0 {
			t.Errorf("English on the page: %v", w)
		}
	})
	t.Run("a discriminatory term is refused naming it", func(t *testing.T) {
		bad := map[string]string{}
		for k, v := range job {
			bad[k] = v
		}
		bad["description"] = "负责法兰焊接,限男性,包吃住。"
		r := h.pageForm(ent, "/console/jobs", bad)
		if r.status != 422 || !strings.Contains(string(r.body), "岗位信息含有歧视性用语“限男性”") || !strings.Contains(string(r.body), `id="description-error">含有歧视性用语“限男性”`) {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	var jobID string
	t.Run("a posted job redirects to its page, which says 已发布 once", func(t *testing.T) {
		r := h.pageForm(ent, "/console/jobs", job)
		page := h.follow(ent, r)
		if !strings.Contains(page, "已发布") {
			t.Fatalf("no flash: %s", page)
		}
		jobID = strings.TrimPrefix(r.header.Get("Location"), "/jobs/")
		again := h.do(req{method: "GET", path: r.header.Get("Location"), cookie: ent.Token, headers: map[string]string{"Accept": "text/html"}})
		if strings.Contains(string(again.body), "已发布,") {
			t.Fatal("the flash shows twice")
		}
	})
	t.Run("one submit of the review's bad posting shows all its errors beside their fields, new or edited", func(t *testing.T) {
		bad := map[string]string{}
		for k, v := range job {
			bad[k] = v
		}
		bad["title"], bad["description"] = "法兰焊工限男性", "负责法兰焊接,要求已婚已育,限本地户籍,包吃住。"
		bad["headcount"], bad["salary_min"], bad["salary_max"], bad["expires_on"] = "0", "9000", "6000", "2020-01-01"
		for _, path := range []string{"/console/jobs", "/console/jobs/" + jobID} {
			r := h.pageForm(ent, path, bad)
			body := string(r.body)
			if r.status != 422 {
				t.Fatalf("%s: %d %s", path, r.status, body)
			}
			for _, want := range []string{"有几项填写不符合要求", `id="title-error">含有歧视性用语“限男性”`,
				`id="description-error">含有歧视性用语“已婚已育”、“限本地户籍”`, `id="headcount-error">不能小于 1`,
				`id="salary_max-error">最高月薪不能低于最低月薪`, `id="expires_on-error">不能早于今天`} {
				if !strings.Contains(body, want) {
					t.Errorf("%s: the form lacks %q", path, want)
				}
			}
			for _, kept := range []string{`value="法兰焊工限男性"`, ">负责法兰焊接,要求已婚已育,限本地户籍,包吃住。</textarea>", `value="0"`,
				`value="9000"`, `value="6000"`, `value="2020-01-01"`} {
				if !strings.Contains(body, kept) {
					t.Errorf("%s: the typed value %q is lost", path, kept)
				}
			}
			if w := englishWord.FindAllString(visibleText(body), -1); len(w) > 0 {
				t.Errorf("%s: English on the page: %v", path, w)
			}
		}
		bad["salary_min"] = "五千"
		body := string(h.pageForm(ent, "/console/jobs", bad).body)
		for _, want := range []string{`id="salary_min-error">请填写整数`, `id="title-error">含有歧视性用语“限男性”`, `id="expires_on-error">不能早于今天`} {
			if !strings.Contains(body, want) {
				t.Errorf("with a number that is not one: the form lacks %q", want)
			}
		}
	})
	t.Run("an anonymous report redirects, so a refresh never reports again", func(t *testing.T) {
		v := h.visitorCSRF("/jobs/" + jobID)
		r := h.do(req{method: "POST", path: "/jobs/" + jobID + "/report", contentType: "application/x-www-form-urlencoded", visitor: v,
			headers: map[string]string{"Accept": "text/html"}, raw: form(map[string]string{"_csrf": v, "reason": "工资写得不实"})})
		if r.status != 303 || r.header.Get("Location") != "/jobs/"+jobID || !strings.Contains(r.header.Get("Set-Cookie"), "portal_flash=reported") {
			t.Fatalf("%d %v", r.status, r.header)
		}
		short := h.do(req{method: "POST", path: "/jobs/" + jobID + "/report", contentType: "application/x-www-form-urlencoded", visitor: v,
			headers: map[string]string{"Accept": "text/html"}, raw: form(map[string]string{"_csrf": v, "reason": "x"})})
		if short.status != 422 || !strings.Contains(string(short.body), `id="reason-error">至少 2 个字`) {
			t.Fatalf("%d %s", short.status, short.body)
		}
	})
	t.Run("closing a posting asks first, then closes it", func(t *testing.T) {
		r := h.pageForm(ent, "/console/jobs/"+jobID+"/close", nil)
		if r.status != 200 || !strings.Contains(string(r.body), "确认关闭岗位“法兰焊工”?") || !strings.Contains(string(r.body), `name="confirm" value="yes"`) {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if j, _ := h.store.Job(context.Background(), mustID(t, jobID)); j.Status != models.JobOpen {
			t.Fatalf("closed without confirmation: %s", j.Status)
		}
		page := h.follow(ent, h.pageForm(ent, "/console/jobs/"+jobID+"/close", map[string]string{"confirm": "yes"}))
		if !strings.Contains(page, "岗位已关闭") || !strings.Contains(page, "已关闭") {
			t.Fatalf("%s", page)
		}
	})
	t.Run("error pages are Chinese", func(t *testing.T) {
		for path, want := range map[string]string{"/jobs/999999": "页面不存在", "/console/review/claims": "没有权限"} {
			r := h.do(req{method: "GET", path: path, cookie: ent.Token, headers: map[string]string{"Accept": "text/html"}})
			if !strings.Contains(string(r.body), want) || englishWord.MatchString(visibleText(string(r.body))) {
				t.Errorf("%s: %d %s", path, r.status, visibleText(string(r.body)))
			}
		}
	})
	t.Run("the footer says plainly that the operator is not configured", func(t *testing.T) {
		page := string(h.do(req{method: "GET", path: "/", headers: map[string]string{"Accept": "text/html"}}).body)
		if !strings.Contains(page, "主办单位:未配置") || !strings.Contains(page, "备案号:未配置") {
			t.Fatal("footer")
		}
	})
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestPolicyInForceOnPages(t *testing.T) {
	clock := newClock(time.Date(2026, 12, 1, 9, 0, 0, 0, models.China))
	h := newHarness(t, harnessOpts{clock: clock})
	rev := h.account(models.RoleReviewer, "13600000209")
	ent := h.verifiedEnterprise("13600000201", "MA0P0201", "定襄法兰专业镇")
	html := map[string]string{"Accept": "text/html"}
	t.Run("with no version in force today the reviewer is warned and the on-the-job form says why", func(t *testing.T) {
		if page := string(h.do(req{method: "GET", path: "/console", cookie: rev.Token, headers: html}).body); !strings.Contains(page, "今天没有有效的政策版本") {
			t.Fatal("no warning on the reviewer's console")
		}
		if page := string(h.do(req{method: "GET", path: "/console/onjob-claims/new", cookie: ent.Token, headers: html}).body); !strings.Contains(page, "2026-12-01 没有有效的政策版本") {
			t.Fatalf("the on-the-job form: %s", page)
		}
	})
	t.Run("a successor version added on the page applies, and the form names it", func(t *testing.T) {
		page := h.do(req{method: "GET", path: "/console/review/policies", cookie: rev.Token, headers: html})
		values := map[string]string{"_csrf": csrfIn(t, page.body), "code": "晋政办发〔2025〕续", "title": "延续执行", "effective_from": "2025-09-26",
			"effective_to": "2028-09-25", "first_days": "10", "first_day_rate_yuan": "150", "later_day_rate_yuan": "100", "cap_per_person_yuan": "4000",
			"employment_target_percent": "80", "employment_window_days": "180", "onjob_rate_yuan": "300", "announcement_days": "5", "subsidize": "completed"}
		r := h.do(req{method: "POST", path: "/console/policies", cookie: rev.Token, contentType: "application/x-www-form-urlencoded", headers: html, raw: formBody(values)})
		if !strings.Contains(h.follow(rev, r), "政策版本已新增") {
			t.Fatal("no flash")
		}
		onjob := string(h.do(req{method: "GET", path: "/console/onjob-claims/new", cookie: ent.Token, headers: html}).body)
		if !strings.Contains(onjob, "适用 <strong>晋政办发〔2025〕续</strong>") || !strings.Contains(onjob, "300 元") {
			t.Fatalf("%s", onjob)
		}
	})
	t.Run("a free booth is booked at once; its basis is on the fairs page", func(t *testing.T) {
		if _, err := h.store.CreateFair(context.Background(), rev.User, models.FairInput{Name: "省直专场", OrganizerLevel: "provincial", HeldOn: "2026-12-20",
			Venue: "太原", StandardBoothFeeYuan: ptrInt(800), BoothCapacity: ptrInt(5)}); err != nil {
			t.Fatal(err)
		}
		fairs, _ := h.store.Fairs(context.Background())
		page := h.follow(ent, h.pageForm(ent, "/fairs/"+itoa(fairs[0].ID)+"/book", nil))
		if !strings.Contains(page, "展位已预订") || !strings.Contains(page, "免收展位费") || !strings.Contains(page, "晋政办发〔2025〕续 第二条") {
			t.Fatalf("%s", visibleText(page))
		}
	})
}

func ptrInt(n int) *int { return &n }

func TestSeekerTrainingPages(t *testing.T) {
	clock := newClock(time.Date(2025, 6, 20, 9, 0, 0, 0, models.China))
	h := newHarness(t, harnessOpts{clock: clock})
	prov := h.verifiedProvider("13600000301", "MA0P0301")
	rev := h.account(models.RoleReviewer, "13600000309")
	seeker := h.account(models.RoleSeeker, "13600000310")
	html := map[string]string{"Accept": "text/html"}
	program := func(name, start, end string) string {
		r := h.do(req{method: "POST", path: "/api/v1/programs", token: prov.Token, body: map[string]any{"name": name, "occupation": "焊工",
			"mode": "project", "town_id": h.townID("定襄法兰专业镇"), "start_on": start, "end_on": end, "planned_days": 10, "capacity": 20}})
		id := itoa(int64(r.json(t)["id"].(float64)))
		h.do(req{method: "POST", path: "/api/v1/programs/" + id + "/approve", token: rev.Token, body: map[string]any{}})
		return id
	}
	ended, running := program("已结束的焊工班", "2025-06-01", "2025-06-15"), program("在训的焊工班", "2025-06-16", "2025-07-30")
	t.Run("an ended program offers no joining, and says why", func(t *testing.T) {
		page := string(h.do(req{method: "GET", path: "/programs/" + ended, cookie: seeker.Token, headers: html}).body)
		if strings.Contains(page, `action="/programs/`+ended+`/join"`) || !strings.Contains(page, "已于 2025-06-15 结束,不再接受报名") {
			t.Fatalf("%s", visibleText(page))
		}
		r := h.pageForm(seeker, "/programs/"+ended+"/join", map[string]string{"name": "王小明", "id_number": idNumber(301)})
		if r.status != 422 || !strings.Contains(string(r.body), "培训已于 2025-06-15 结束,不能再报名") {
			t.Fatalf("%d", r.status)
		}
	})
	t.Run("a joined program shows in 我的培训 with its state", func(t *testing.T) {
		h.follow(seeker, h.pageForm(seeker, "/console/identity", map[string]string{"name": "王小明", "id_number": idNumber(302)}))
		page := h.follow(seeker, h.pageForm(seeker, "/programs/"+running+"/join", nil))
		if !strings.Contains(page, "已报名") {
			t.Fatalf("%s", visibleText(page))
		}
		console := string(h.do(req{method: "GET", path: "/console", cookie: seeker.Token, headers: html}).body)
		if !strings.Contains(console, "我的培训") || !strings.Contains(console, "在训的焊工班") || !strings.Contains(console, "报名待确认") {
			t.Fatalf("%s", visibleText(console))
		}
	})
	t.Run("without an identity the join is refused in Chinese, and a bad ID number beside its field", func(t *testing.T) {
		other := h.account(models.RoleSeeker, "13600000311")
		if r := h.pageForm(other, "/programs/"+running+"/join", nil); r.status != 422 || !strings.Contains(string(r.body), "请先在工作台填写实名信息") {
			t.Fatalf("%d %s", r.status, visibleText(string(r.body)))
		}
		r := h.pageForm(other, "/console/identity", map[string]string{"name": "李四", "id_number": "140105199001010012"})
		if r.status != 422 || !strings.Contains(string(r.body), `id="id_number-error">身份证号最后一位校验码不对`) {
			t.Fatalf("%d %s", r.status, visibleText(string(r.body)))
		}
	})
}

func TestAlertsOnlyForNewerPostings(t *testing.T) {
	h := newHarness(t, harnessOpts{indexing: true})
	ent := h.verifiedEnterprise("13600000401", "MA0P0401", "定襄法兰专业镇")
	seeker := h.account(models.RoleSeeker, "13600000403")
	h.postJob(ent.Token, "电焊工(早先发布)", "电焊工", "定襄法兰专业镇", 9000)
	eventually(t, "indexed", func() bool { titles, _ := h.hits(""); return len(titles) == 1 })
	time.Sleep(1100 * time.Millisecond) // the posting is a second older than the search
	if r := h.do(req{method: "POST", path: "/api/v1/me/saved-searches", token: seeker.Token, body: map[string]any{"query": "q=" + url.QueryEscape("焊工")}}); r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	alerter := search.NewAlerter(h.store, h.app.search, h.app.log, time.Now)
	if n, err := alerter.Check(context.Background()); err != nil || n != 0 {
		t.Fatalf("a posting older than the search alerted: %d %v", n, err)
	}
	time.Sleep(1100 * time.Millisecond)
	h.postJob(ent.Token, "电焊工(新发布)", "电焊工", "定襄法兰专业镇", 9000)
	eventually(t, "indexed", func() bool { titles, _ := h.hits(""); return len(titles) == 2 })
	if n, err := alerter.Check(context.Background()); err != nil || n != 1 {
		t.Fatalf("the new posting: %d %v", n, err)
	}
}
