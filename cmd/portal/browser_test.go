package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portal/internal/testsvc"
)

// browser starts a headless Chromium for one test, with the flags this sandbox needs (no
// background networking: outside connections are refused here).
func browser(t *testing.T) context.Context {
	t.Helper()
	path := testsvc.ChromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "zh-CN"), // the users' phones: dates in the form 2026/12/02
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844), // a phone
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// TestBrowserRegisterAndLogin registers an enterprise through the pages, logs out and logs in
// again, in a real Chromium against the real server.
func TestBrowserRegisterAndLogin(t *testing.T) {
	env := testEnv(t, "")
	for _, args := range [][]string{{"migrate"}, {"seed"}} {
		if out, err := command(t, env, "", args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	p := start(t, env)
	ctx := browser(t)

	err := chromedp.Do(ctx,
		chromedp.Navigate(p.base+"/"),
		chromedp.Click(`a[href="/register"]`),
		chromedp.WaitVisible(`form[action="/register"]`),
		chromedp.Click(`input[name="role"][value="enterprise"]`),
		chromedp.SendKeys(chromedp.ID("name"), "赵厂长"),
		chromedp.SendKeys(chromedp.ID("phone"), "13200000001"),
		chromedp.SendKeys(chromedp.ID("password"), "flange-2022"),
		chromedp.Submit(`form[action="/register"]`),
		chromedp.WaitVisible(`form[action="/console/enterprise/profile"]`),
	)
	if err != nil {
		t.Fatalf("register through the page: %v", err)
	}
	heading, header := text(t, ctx, `h1`), text(t, ctx, `header nav`)
	if heading != "企业工作台" || !strings.Contains(header, "赵厂长") || !strings.Contains(header, "退出") {
		t.Fatalf("after registering: heading %q, header %q", heading, header)
	}

	err = chromedp.Do(ctx,
		chromedp.Click(`form[action="/logout"] button`),
		chromedp.WaitVisible(`a[href="/login"]`),
		chromedp.Click(`a[href="/login"]`),
		chromedp.WaitVisible(`form[action="/login"]`),
		chromedp.SendKeys(chromedp.ID("phone"), "13200000001"),
		chromedp.SendKeys(chromedp.ID("password"), "wrong-password"),
		chromedp.Submit(`form[action="/login"]`),
		chromedp.WaitVisible(`[role="alert"]`),
	)
	if err != nil {
		t.Fatalf("log out and try a wrong password: %v", err)
	}
	if alert := text(t, ctx, `[role="alert"]`); !strings.Contains(alert, "手机号或密码不正确") {
		t.Fatalf("wrong password shows %q", alert)
	}

	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("password"), "flange-2022"),
		chromedp.Submit(`form[action="/login"]`),
		chromedp.WaitVisible(`form[action="/console/enterprise/profile"]`),
	)
	if err != nil {
		t.Fatalf("log in through the page: %v", err)
	}
	if heading := text(t, ctx, `h1`); heading != "企业工作台" {
		t.Fatalf("after login: %q", heading)
	}
}

// text reads the visible text of the first element matching a CSS selector.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// TestBrowserPostAndFind: a demo enterprise posts a vacancy through its console form, and a
// job seeker finds it from the home page's search box, highlighted.
func TestBrowserPostAndFind(t *testing.T) {
	env := testEnv(t, "")
	for _, args := range [][]string{{"migrate"}, {"seed", "--demo"}} {
		if out, err := command(t, env, "", args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	p := start(t, env)
	towns := p.call("GET", "/api/v1/towns", "", nil).must(t, 200)["towns"].([]any)
	dingxiang := itoa(int(townID(t, towns, "定襄法兰专业镇")))
	ctx := browser(t)

	err := chromedp.Do(ctx,
		chromedp.Navigate(p.base+"/login"),
		chromedp.SendKeys(chromedp.ID("phone"), "13900000001"),
		chromedp.SendKeys(chromedp.ID("password"), "demo-pass-2022"),
		chromedp.Submit(`form[action="/login"]`),
		chromedp.WaitVisible(`a[href="/console/jobs/new"]`),
		chromedp.Click(`a[href="/console/jobs/new"]`),
		chromedp.WaitVisible(`form[action="/console/jobs"]`),
		chromedp.SendKeys(chromedp.ID("title"), "招聘电焊工(法兰焊接)"),
		chromedp.SendKeys(chromedp.ID("occupation"), "电焊工"),
		chromedp.SendKeys(chromedp.ID("description"), "负责法兰盘焊接,持焊工证优先,包吃住,月休四天。"),
		chromedp.SetValue(chromedp.ID("town_id"), dingxiang),
		chromedp.SendKeys(chromedp.ID("salary_min"), "6500"),
		chromedp.SendKeys(chromedp.ID("salary_max"), "9500"),
		chromedp.SendKeys(chromedp.ID("headcount"), "4"),
		chromedp.Submit(`form[action="/console/jobs"]`),
		chromedp.WaitVisible(`dl.facts`),
	)
	if err != nil {
		t.Fatalf("post through the console form: %v", err)
	}
	if h1 := text(t, ctx, "h1"); h1 != "招聘电焊工(法兰焊接)" {
		t.Fatalf("posting page heading %q", h1)
	}
	if facts := text(t, ctx, "dl.facts"); !strings.Contains(facts, "免费") || !strings.Contains(facts, "定襄法兰专业镇") {
		t.Fatalf("posting page facts %q", facts)
	}

	// A seeker (another browser, not logged in) searches from the home page.
	seeker := browser(t)
	var found bool
	for tries := 0; tries < 50 && !found; tries++ {
		err = chromedp.Do(seeker,
			chromedp.Navigate(p.base+"/"),
			chromedp.SendKeys(chromedp.ID("q"), "焊工"),
			chromedp.Submit(`form[role="search"]`),
			chromedp.WaitVisible(`p[aria-live]`),
		)
		if err != nil {
			t.Fatalf("search from the home page: %v", err)
		}
		found = strings.Contains(text(t, seeker, "main"), "招聘电焊工(法兰焊接)")
		if !found {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !found {
		t.Fatalf("the seeker never found the posting; the page says %q", text(t, seeker, "main"))
	}
	marks, err := chromedp.Run(seeker, chromedp.Evaluate[int](`document.querySelectorAll("article.job mark").length`))
	if err != nil || marks == 0 {
		t.Fatalf("no highlighted match (%d, %v)", marks, err)
	}
	err = chromedp.Do(seeker, chromedp.Click(`article.job header a`), chromedp.WaitVisible(`dl.facts`))
	if err != nil {
		t.Fatalf("open the posting: %v", err)
	}
	if facts := text(t, seeker, "dl.facts"); !strings.Contains(facts, "【演示】定襄宏达法兰锻造有限公司") {
		t.Fatalf("posting page for the seeker %q", facts)
	}
}

// login signs a browser in through the login page.
func login(t *testing.T, ctx context.Context, base, phone, password string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.ID("phone"), phone),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Submit(`form[action="/login"]`),
		chromedp.WaitVisible(`form[action="/logout"]`),
	)
	if err != nil {
		t.Fatalf("log in %s: %v", phone, err)
	}
}

// TestBrowserApplyAndInterview: a demo seeker applies to a demo posting with one click, the
// enterprise invites it to an interview from its applicants page, and the seeker sees it.
func TestBrowserApplyAndInterview(t *testing.T) {
	env := testEnv(t, "")
	for _, args := range [][]string{{"migrate"}, {"seed", "--demo"}} {
		if out, err := command(t, env, "", args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	p := start(t, env)
	eventually(t, "the demo postings are searchable", func() bool {
		a := p.call("GET", "/api/v1/jobs?q=%E9%94%BB%E9%80%A0", "", nil) // 锻造
		return a.status == 200 && len(a.body["hits"].([]any)) > 0
	})

	seeker := browser(t)
	login(t, seeker, p.base, "13900000010", "demo-pass-2022")
	err := chromedp.Do(seeker,
		chromedp.Navigate(p.base+"/jobs?q=%E9%94%BB%E9%80%A0%E5%B7%A5"), // 锻造工
		chromedp.WaitVisible(`article.job header a`),
		chromedp.Click(`article.job header a`),
		chromedp.WaitVisible(`form[action$="/apply"] button`),
		chromedp.Click(`form[action$="/apply"] button`),
		chromedp.WaitVisible(`article footer .badge.ok`), // only after the application: the page also shows a 已认证 badge
	)
	if err != nil {
		t.Fatalf("apply with one click: %v", err)
	}
	if got := text(t, seeker, "article footer"); !strings.Contains(got, "已投递") {
		t.Fatalf("after applying the page says %q", got)
	}

	ent := browser(t)
	login(t, ent, p.base, "13900000001", "demo-pass-2022")
	err = chromedp.Do(ent,
		chromedp.Navigate(p.base+"/console"),
		chromedp.WaitVisible(`a[href$="/applicants"]`),
	)
	if err != nil {
		t.Fatalf("open the console: %v", err)
	}
	// The posting the seeker applied to is the 锻造工 one: open its applicants.
	href, err := chromedp.Run(ent, chromedp.Evaluate[string](`[...document.querySelectorAll("tr")].find(r => r.textContent.includes("锻造工")).querySelector("a[href$='/applicants']").getAttribute("href")`))
	if err != nil {
		t.Fatalf("find the applicants link: %v", err)
	}
	err = chromedp.Do(ent,
		chromedp.Navigate(p.base+href),
		chromedp.WaitReady(`input[name="status"][value="interview"]`),
	)
	if err != nil {
		t.Fatalf("open the applicants: %v", err)
	}
	// Press the 邀请面试 button of the applicant's row.
	if _, err := chromedp.Run(ent, chromedp.Evaluate[bool](`(() => { document.querySelector('input[name="status"][value="interview"]').form.querySelector("button").click(); return true })()`)); err != nil {
		t.Fatalf("press invite: %v", err)
	}
	err = chromedp.Do(ent, chromedp.WaitReady(`input[name="status"][value="offered"]`))
	if err != nil {
		t.Fatalf("invite to interview: %v", err)
	}
	if row := text(t, ent, "tbody tr"); !strings.Contains(row, "邀请面试") || !strings.Contains(row, "13900000010") {
		t.Fatalf("applicants row %q", row)
	}

	err = chromedp.Do(seeker, chromedp.Navigate(p.base+"/console"), chromedp.WaitVisible(`#apps-h`))
	if err != nil {
		t.Fatal(err)
	}
	if apps := text(t, seeker, `section[aria-labelledby="apps-h"]`); !strings.Contains(apps, "邀请面试") || !strings.Contains(apps, "已投递") {
		t.Fatalf("the seeker's applications say %q", apps)
	}
}

// TestBrowserRollAndPlacement: the demo provider takes a day's roll on its phone-sized page,
// marks a trainee completed and records the placement with a scan; the live rate moves.
func TestBrowserRollAndPlacement(t *testing.T) {
	env := testEnv(t, "")
	for _, args := range [][]string{{"migrate"}, {"seed", "--demo"}} {
		if out, err := command(t, env, "", args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	scan := filepath.Join(t.TempDir(), "agreement.pdf")
	if err := os.WriteFile(scan, []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, env)
	ctx := browser(t)
	login(t, ctx, p.base, "13900000020", "demo-pass-2022")
	err := chromedp.Do(ctx,
		chromedp.Navigate(p.base+"/console"),
		chromedp.Click(`//table//a[contains(., "法兰焊工订单班")]`),
		chromedp.WaitVisible(`#roll-h`),
		chromedp.SetValue(`input[type="date"][name="day"]`, "2025-06-09"),
		chromedp.Submit(`form[method="get"]`),
		chromedp.WaitVisible(`#roll-h`),
	)
	if err != nil {
		t.Fatalf("open the roll sheet: %v", err)
	}
	waitText(t, ctx, "#roll-h", "2025-06-09")
	// Tick the first two trainees and save the day's roll.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(() => { const b = [...document.querySelectorAll('.roll input[type=checkbox]')]; b[0].checked = true; b[1].checked = true; b[0].form.querySelector("button").click(); return b.length })()`)); err != nil {
		t.Fatalf("tick the roll: %v", err)
	}
	waitText(t, ctx, "tbody tr", "6 天") // the saved page: the first trainee now has six days
	checked, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.roll input[type=checkbox]:checked').length`))
	if err != nil || checked != 2 {
		t.Fatalf("after saving, %d ticked (%v)", checked, err)
	}

	// Completion, then the placement with its scan.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { document.querySelector('tbody tr button[name=passed][value=true]').click(); return true })()`)); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.WaitVisible(`tbody tr details summary`),
		chromedp.Click(`tbody tr details summary`),
		chromedp.SendKeys(`tbody tr details input[name="employer_name"]`, "【演示】定襄宏达法兰锻造有限公司"),
		chromedp.SendKeys(`tbody tr details input[name="evidence_no"]`, "HT-2025-0718"),
		chromedp.SetValue(`tbody tr details input[name="start_on"]`, "2025-07-18"),
		chromedp.SetUploadFiles(`tbody tr details input[type="file"]`, []string{scan}),
		chromedp.Submit(`tbody tr details form`),
		chromedp.WaitVisible(`#rate-h`),
	)
	if err != nil {
		t.Fatalf("record the placement: %v", err)
	}
	waitText(t, ctx, `section[aria-labelledby="rate-h"]`, "已达标")
	if rate := text(t, ctx, `section[aria-labelledby="rate-h"]`); !strings.Contains(rate, "100%") {
		t.Fatalf("the live rate says %q", rate)
	}
	if row := text(t, ctx, "tbody tr"); !strings.Contains(row, "已就业") {
		t.Fatalf("the trainee's row %q", row)
	}
}

// TestBrowserClaimAndApproval: the demo program is completed and placed over the API; then
// the provider submits the claim from its program page and a reviewer approves it from the
// review page, and the public announcement shows it without names.
func TestBrowserClaimAndApproval(t *testing.T) {
	env := testEnv(t, "")
	for _, args := range [][]string{{"migrate"}, {"seed", "--demo"}} {
		if out, err := command(t, env, "", args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	p := start(t, env)
	token := p.call("POST", "/api/v1/auth/login", "", map[string]any{"phone": "13900000020", "password": "demo-pass-2022"}).must(t, 200)["token"].(string)
	programs := p.call("GET", "/api/v1/me/programs", token, nil).must(t, 200)["programs"].([]any)
	prog := ""
	for _, p := range programs { // the back-filed 2025 class; the demo has others running and closed
		if m := p.(map[string]any); m["name"] == "【演示】法兰焊工订单班" {
			prog = itoa(int(m["id"].(float64)))
		}
	}
	roster := p.call("GET", "/api/v1/programs/"+prog+"/enrolments", token, nil).must(t, 200)["enrolments"].([]any)
	for i, e := range roster {
		id := itoa(int(e.(map[string]any)["id"].(float64)))
		p.call("POST", "/api/v1/enrolments/"+id+"/complete", token, map[string]any{"passed": true}).must(t, 200)
		if i < 4 { // four of five placed: exactly the 80% line
			p.call("POST", "/api/v1/enrolments/"+id+"/employment", token, map[string]any{"employer_name": "【演示】定襄宏达法兰锻造有限公司",
				"evidence_type": "agreement", "evidence_no": "DEMO-" + id, "start_on": "2025-07-20"}).must(t, 201)
		}
	}
	p.call("POST", "/api/v1/programs/"+prog+"/close", token, nil).must(t, 200)

	provider := browser(t)
	login(t, provider, p.base, "13900000020", "demo-pass-2022")
	err := chromedp.Do(provider,
		chromedp.Navigate(p.base+"/console/programs/"+prog),
		chromedp.WaitVisible(`#claim-h`),
		chromedp.Click(`form[action$="/claim"] button`),
		chromedp.WaitVisible(`table.lines`),
	)
	if err != nil {
		t.Fatalf("submit the claim: %v", err)
	}
	if head := text(t, provider, "main"); !strings.Contains(head, "合计 3750 元") || !strings.Contains(head, "待审核") {
		t.Fatalf("the claim page says %q", head)
	}

	reviewer := browser(t)
	login(t, reviewer, p.base, "13900000009", "demo-pass-2022")
	err = chromedp.Do(reviewer,
		chromedp.Navigate(p.base+"/console"),
		// The queue also holds the demo's flagged spring claim; this story reviews its own.
		chromedp.WaitVisible(`//a[starts-with(@href, "/console/claims/") and contains(., "法兰焊工订单班")]`),
		chromedp.Click(`//a[starts-with(@href, "/console/claims/") and contains(., "法兰焊工订单班")]`),
		chromedp.WaitVisible(`form[action$="/approve"] button`),
	)
	if err != nil {
		t.Fatalf("open the claim for review: %v", err)
	}
	if lines := text(t, reviewer, "table.lines"); !strings.Contains(lines, "150×5 = 750") {
		t.Fatalf("the computation is not shown line by line: %q", lines)
	}
	// Approving asks once more (no JavaScript), then says what happened; payment waits for
	// the announcement to close, so no pay form yet.
	err = chromedp.Do(reviewer, chromedp.Click(`form[action$="/approve"] button`), chromedp.WaitVisible(`article.confirm`))
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
	err = chromedp.Do(reviewer, chromedp.Click(`article.confirm button`), chromedp.WaitVisible(`.notice.ok`))
	if err != nil {
		t.Fatalf("confirm the approval: %v", err)
	}
	waitText(t, reviewer, ".notice.ok", "已批准并进入公示")
	if head := text(t, reviewer, "main"); !strings.Contains(head, "已批准(公示)") || !strings.Contains(head, "公示期") {
		t.Fatalf("after approval %q", head)
	}
	err = chromedp.Do(provider, chromedp.Navigate(p.base+"/public/claims"), chromedp.WaitVisible(`main article`))
	if err != nil {
		t.Fatal(err)
	}
	if pub := text(t, provider, "main"); !strings.Contains(pub, "3750 元") || strings.Contains(pub, "张伟") || strings.Contains(pub, "140921") {
		t.Fatalf("the announcement %q", pub)
	}
}

// waitText waits until the element's text contains want: after a form posts, the old page
// can still answer a query for a moment.
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err == nil && strings.Contains(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never said %q (last %q, %v)", sel, want, got, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
