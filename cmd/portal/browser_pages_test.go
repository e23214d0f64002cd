package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portal/models"
	"portal/personal"
)

// shotsDir is where the page check leaves its screenshots for a person to look at (git-ignored).
var shotsDir = filepath.Join("..", "..", "var", "shots")

// englishAllowed are the Latin words a page may show: names of formats and filings a county
// user meets as they are.
var englishAllowed = map[string]bool{"ICP": true, "Excel": true, "Atom": true, "CSV": true, "RSS": true, "PDF": true, "JPG": true, "PNG": true, "MB": true}

var latinWord = regexp.MustCompile(`\b[A-Za-z]{2,}\b`) // whole words: a request id such as 3f9a0be1 is none

// visit is one page of a walk: the status it must answer with and what shows it is that
// page (text in its main part, or an element), so a 404 or 403 page in its place fails.
type visit struct {
	path   string
	status int
	text   string   // in main's visible text
	more   []string // further texts in main: what the demo puts on the page
	sel    string   // an element the page has
}

func page(path, text string, more ...string) visit {
	return visit{path: path, status: 200, text: text, more: more}
}
func pageWith(path, sel string) visit { return visit{path: path, status: 200, sel: sel} }
func prefixed(prefix string, ids []string, sel string) []visit {
	out := make([]visit, len(ids))
	for i, id := range ids {
		out[i] = pageWith(prefix+id, sel)
	}
	return out
}

// rolePages is the pages one role walks through.
type rolePages struct {
	role, phone string
	visits      []visit
	steps       func(t *testing.T, ctx context.Context, width int) // the forms it posts: confirmations, refusals
}

// TestBrowserEveryPageAtPhoneAndDesktop walks every role's pages of the demo at 390 px and
// 1366 px in Chromium, and the pages a form leads to (each confirmation step, a refused form,
// the 404 page): each must answer with its status and show its own content, no page may
// scroll sideways or show an English word, and each leaves a screenshot in var/shots/ for a
// reviewer of the change to look at.
func TestBrowserEveryPageAtPhoneAndDesktop(t *testing.T) {
	env := testEnv(t, "")
	env["PORTAL_OPERATOR"], env["PORTAL_HOTLINE"], env["PORTAL_ICP"] = "【演示】专业镇人才服务平台(演示环境)", "演示环境未开通", "演示环境未备案"
	for _, args := range [][]string{{"migrate"}, {"seed", "--demo"}} {
		if out, err := command(t, env, "", args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	p := start(t, env)
	if err := os.MkdirAll(shotsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the demo postings are searchable", func() bool {
		a := p.call("GET", "/api/v1/jobs?q="+url.QueryEscape("锻造"), "", nil)
		return a.status == 200 && len(a.body["hits"].([]any)) > 0
	})
	token := func(phone string) string {
		return p.call("POST", "/api/v1/auth/login", "", map[string]any{"phone": phone, "password": "demo-pass-2022"}).must(t, 200)["token"].(string)
	}
	ids := func(path, tok, key string) []string {
		var out []string
		for _, x := range p.call("GET", path, tok, nil).must(t, 200)[key].([]any) {
			out = append(out, itoa(int(x.(map[string]any)["id"].(float64))))
		}
		return out
	}
	jobs := ids("/api/v1/jobs?q="+url.QueryEscape("锻造"), "", "hits")
	towns := ids("/api/v1/towns", "", "towns")
	ent := token("13900000001")
	myJobs := ids("/api/v1/me/jobs", ent, "jobs")
	welding := "" // the posting the demo seeker applied to and was invited to interview for
	for _, x := range p.call("GET", "/api/v1/me/jobs", ent, nil).must(t, 200)["jobs"].([]any) {
		if m := x.(map[string]any); m["title"] == "【演示】招聘电焊工" {
			welding = itoa(int(m["id"].(float64)))
		}
	}
	prov := token("13900000020")
	programs := ids("/api/v1/me/programs", prov, "programs")
	rev := token("13900000009")
	// an on-the-job claim of the demo enterprise, for its page
	onjob := itoa(int(p.call("POST", "/api/v1/onjob-claims", ent, map[string]any{"title": "法兰车间岗位练兵", "trained_on": time.Now().In(models.China).Format("2006-01-02"),
		"trainees": []map[string]any{{"name": "车间甲", "id_number": personal.MakeIDNumber("14220219880101001")}, {"name": "车间乙", "id_number": personal.MakeIDNumber("14220219880101002")}}}).
		must(t, 201)["id"].(float64)))
	// the provider's own claims: the demo's announced claim
	claims := ids("/api/v1/claims", prov, "claims")
	running := programs[0] // the demo program running today: its check-in and class code
	for _, x := range p.call("GET", "/api/v1/me/programs", prov, nil).must(t, 200)["programs"].([]any) {
		if m := x.(map[string]any); strings.Contains(m["name"].(string), "进行中") {
			running = itoa(int(m["id"].(float64)))
		}
	}
	var providers []string
	for _, x := range p.call("GET", "/api/v1/public/providers", "", nil).must(t, 200)["providers"].([]any) {
		providers = append(providers, itoa(int(x.(map[string]any)["provider_id"].(float64))))
	}
	public := []visit{page("/", "专业镇人才服务平台"), page("/jobs", "搜索岗位"), page("/jobs?q="+url.QueryEscape("焊工"), "搜索岗位"),
		page("/jobs?q="+url.QueryEscape("焊工")+"&page=40", "第 40 页没有岗位"), pageWith("/jobs/"+jobs[0], `form[action$="/report"]`), page("/zone", "专业镇专区"),
		page("/towns/"+towns[0], "在招岗位"), page("/fairs", "现场招聘会"), page("/programs", "技能培训项目"), page("/programs/"+programs[0], "培训机构"),
		page("/public/claims", "补贴公示"), page("/public/providers", "培训机构成效公开"), page("/public/providers/"+providers[0], "培训成效"),
		pageWith("/login", `form[action="/login"]`), page("/register", "注册"), {path: "/no/such/page", status: 404, text: "页面不存在"}}
	walks := []rolePages{
		{role: "public", visits: public},
		{role: "seeker", phone: "13900000010", visits: []visit{page("/console", "求职者工作台", "【演示】招聘电焊工 来自订阅的搜索“定襄的焊工岗位”", "邀请面试", "【演示】数控车工"),
			page("/programs/"+programs[0], "培训机构"),
			pageWith("/programs/"+running+"/checkin", `form[action$="/checkin"]`), pageWith("/jobs/"+jobs[0], `form[action$="/apply"]`)}},
		{role: "enterprise", phone: "13900000001", visits: []visit{page("/console", "企业工作台"), page("/console/jobs/new", "发布岗位"),
			page("/console/jobs/"+myJobs[0]+"/edit", "修改岗位"), page("/console/jobs/"+myJobs[0]+"/applicants", "应聘者"),
			page("/console/jobs/"+welding+"/applicants", "应聘者 · 【演示】招聘电焊工", "【演示】求职者", "邀请面试"),
			page("/console/onjob-claims/new", "在岗职工技能提升培训补贴申请"), page("/console/claims/"+onjob, "补贴申请 "+onjob), page("/fairs", "现场招聘会")},
			steps: func(t *testing.T, ctx context.Context, width int) {
				// a paid booth asks first
				clickTo(t, ctx, p.base+"/fairs", `//article[contains(., "忻州市")]//form[contains(@action, "/book")]//button`,
					visit{path: "/fairs/:id/book (确认)", status: 200, sel: "article.confirm"}, width, "enterprise-confirm-book")
				// closing a posting asks first
				clickTo(t, ctx, p.base+"/console", `form[action$="/close"] button`,
					visit{path: "/console/jobs/:id/close (确认)", status: 200, text: "确认关闭岗位"}, width, "enterprise-confirm-close-job")
				// a posting refused with every error beside its field
				clickTo(t, ctx, p.base+"/console/jobs/new", `form[action="/console/jobs"] button[type="submit"]`,
					visit{path: "/console/jobs (被拒)", status: 422, sel: "#title-error"}, width, "enterprise-refused-job")
			}},
		{role: "provider", phone: "13900000020", visits: append([]visit{page("/console", "培训机构工作台"), page("/console/programs/new", "申报培训项目"),
			page("/console/claims/"+claims[0], "逐人核算"), page("/console/programs/"+running+"/code", "签到码")},
			prefixed("/console/programs/", programs, "#roster-h")...),
			steps: func(t *testing.T, ctx context.Context, width int) {
				postTo(t, ctx, p.base+"/console/programs/"+running, "/console/programs/"+running+"/close", nil,
					visit{path: "/console/programs/:id/close (确认)", status: 200, text: "确认培训结束并关闭项目"}, width, "provider-confirm-close-program")
			}},
		{role: "reviewer", phone: "13900000009", visits: []visit{page("/console", "审核员工作台"), page("/console/review/claims", "补贴审核"),
			page("/console/review/verify", "企业与机构认证", "【演示】定襄鑫源法兰制品有限公司"),
			page("/console/review/programs", "培训项目审批", "【演示】法兰锻造工培训班(待审批)"),
			page("/console/review/reports", "岗位举报", "【演示】叉车司机", "举报原因:【演示】"),
			page("/console/review/fairs", "发布招聘会"), page("/console/review/policies", "政策版本"), page("/console/claims/"+claims[0], "逐人核算"),
			page("/console/claims/"+onjob, "补贴申请 "+onjob), page("/dashboard", "数据看板", "求职投递\n2", "其中 2 个就业率达到 80%,3 个尚无结业学员", "进行中,尚无结业学员"),
			page("/console/review/social-insurance", "社保数据导入"),
			page("/console/review/inspections", "补贴抽查"), page("/console/review/identity?phone=13900000010", "实名信息更正")},
			steps: func(t *testing.T, ctx context.Context, width int) {
				claim := "/console/claims/" + onjob
				postTo(t, ctx, p.base+claim, claim+"/approve", map[string]string{"note": "已核实培训记录"},
					visit{path: claim + "/approve (确认)", status: 200, text: "确认批准补贴申请"}, width, "reviewer-confirm-approve")
				postTo(t, ctx, p.base+claim, claim+"/pay", map[string]string{"payment_ref": "2026120200017"},
					visit{path: claim + "/pay (确认)", status: 200, text: "确认登记支付"}, width, "reviewer-confirm-pay")
			}},
	}
	for _, w := range walks {
		t.Run(w.role, func(t *testing.T) {
			ctx := browser(t)
			if w.phone != "" {
				login(t, ctx, p.base, w.phone, "demo-pass-2022")
			}
			for _, width := range []int{390, 1366} {
				for i, v := range w.visits {
					checkPage(t, ctx, p.base, v, width, fmt.Sprintf("%s-%02d-%d.png", w.role, i, width))
				}
				if w.steps != nil {
					w.steps(t, ctx, width)
				}
			}
			if w.role != "reviewer" {
				return
			}
			// a draw of every claim submitted this year puts the on-the-job claim under inspection
			today := time.Now().In(models.China)
			insp := itoa(int(p.call("POST", "/api/v1/inspections", rev, map[string]any{"submitted_from": today.AddDate(0, 0, -365).Format("2006-01-02"),
				"submitted_to": today.Format("2006-01-02"), "percent": 100}).must(t, 201)["id"].(float64)))
			for _, width := range []int{390, 1366} {
				checkPage(t, ctx, p.base, page("/console/review/inspections/"+insp, "抽中的申请"), width, fmt.Sprintf("reviewer-inspection-%d.png", width))
				checkPage(t, ctx, p.base, page("/console/claims/"+onjob, "抽查中"), width, fmt.Sprintf("reviewer-inspected-claim-%d.png", width))
			}
		})
	}
}

// clickTo opens from, clicks the button sel and checks the page it leads to.
func clickTo(t *testing.T, ctx context.Context, from, sel string, v visit, width int, shot string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), 844), chromedp.Navigate(from), chromedp.WaitReady("footer")); err != nil {
		t.Fatalf("%s at %d px: %v", from, width, err)
	}
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(sel))
	if err != nil {
		t.Fatalf("%s at %d px: %v", v.path, width, err)
	}
	checkLoaded(t, ctx, v, int(resp.Status), width, fmt.Sprintf("%s-%d.png", shot, width))
}

// postTo opens from and posts a form to action from it with the page's CSRF token, as a
// form of that page would (for a step whose button the demo's state does not show).
func postTo(t *testing.T, ctx context.Context, from, action string, fields map[string]string, v visit, width int, shot string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), 844), chromedp.Navigate(from), chromedp.WaitReady("footer")); err != nil {
		t.Fatalf("%s at %d px: %v", from, width, err)
	}
	act, _ := json.Marshal(action)
	fs, _ := json.Marshal(fields)
	js := `(() => { const f = document.createElement("form"); f.method = "post"; f.action = ` + string(act) + `;
		const add = (n, v) => { const i = document.createElement("input"); i.type = "hidden"; i.name = n; i.value = v; f.appendChild(i); };
		add("_csrf", document.querySelector('input[name="_csrf"]').value);
		for (const [n, v] of Object.entries(` + string(fs) + ` || {})) add(n, v);
		document.body.appendChild(f); f.submit(); return true; })()`
	resp, err := chromedp.RunResponse(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](js)(ctx, tg)
		return err
	}))
	if err != nil {
		t.Fatalf("%s at %d px: %v", v.path, width, err)
	}
	checkLoaded(t, ctx, v, int(resp.Status), width, fmt.Sprintf("%s-%d.png", shot, width))
}

// checkPage opens one page at one width, checks its status and its own content, fails on
// sideways scrolling or English words in the visible text, and saves its screenshot.
func checkPage(t *testing.T, ctx context.Context, base string, v visit, width int, shot string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), 844)); err != nil {
		t.Fatal(err)
	}
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(base+v.path))
	if err != nil {
		t.Fatalf("%s at %d px: %v", v.path, width, err)
	}
	checkLoaded(t, ctx, v, int(resp.Status), width, shot)
}

// checkLoaded checks the page just loaded: its status, its own content, then as checkShown.
func checkLoaded(t *testing.T, ctx context.Context, v visit, status, width int, shot string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.WaitReady("footer")); err != nil {
		t.Fatalf("%s at %d px: %v", v.path, width, err)
	}
	if status != v.status {
		t.Errorf("%s at %d px answered %d, want %d", v.path, width, status, v.status)
	}
	if v.text != "" {
		main, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range append([]string{v.text}, v.more...) {
			if !strings.Contains(main, want) {
				t.Errorf("%s at %d px does not show %q: %s", v.path, width, want, main)
			}
		}
	}
	if v.sel != "" {
		found, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector(`+strconv.Quote(v.sel)+`) !== null`))
		if err != nil {
			t.Fatal(err)
		}
		if !found {
			t.Errorf("%s at %d px has no %s", v.path, width, v.sel)
		}
	}
	checkShown(t, ctx, v.path, width, shot)
}

// checkShown checks the page the browser shows now.
func checkShown(t *testing.T, ctx context.Context, path string, width int, shot string) {
	t.Helper()
	scrollWidth, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.scrollingElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	innerWidth, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	visible, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shotsDir, shot), png, 0o644); err != nil {
		t.Fatal(err)
	}
	if scrollWidth > innerWidth {
		t.Errorf("%s at %d px scrolls sideways: %d px wide (%s)", path, width, scrollWidth, shot)
	}
	// On a desktop a table fits its page: one that scrolls inside its box hides its right-hand
	// columns (a claim's 说明 with its risk flags, a roster's buttons) with nothing to say so.
	if width >= 1000 {
		hidden, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('.table-box'))
			.filter(b => b.scrollWidth > b.clientWidth + 1).map(b => b.scrollWidth + ' px in ' + b.clientWidth)`))
		if err != nil {
			t.Fatal(err)
		}
		if len(hidden) > 0 {
			t.Errorf("%s at %d px has tables wider than their box: %v (%s)", path, width, hidden, shot)
		}
	}
	var english []string
	for _, w := range latinWord.FindAllString(visible, -1) {
		if !englishAllowed[w] {
			english = append(english, w)
		}
	}
	if len(english) > 0 {
		t.Errorf("%s at %d px shows English: %v", path, width, english)
	}
}
