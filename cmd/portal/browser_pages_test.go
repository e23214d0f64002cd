package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// shotsDir is where the page check leaves its screenshots for a person to look at (git-ignored).
var shotsDir = filepath.Join("..", "..", "var", "shots")

// englishAllowed are the Latin words a page may show: names of formats and filings a county
// user meets as they are.
var englishAllowed = map[string]bool{"ICP": true, "Excel": true, "Atom": true, "CSV": true, "RSS": true, "PDF": true, "JPG": true, "PNG": true, "MB": true}

var latinWord = regexp.MustCompile(`\b[A-Za-z]{2,}\b`) // whole words: a request id such as 3f9a0be1 is none

// rolePages is the pages one role walks through.
type rolePages struct {
	role, phone string
	paths       []string
}

// TestBrowserEveryPageAtPhoneAndDesktop walks every role's pages of the demo at 390 px and
// 1366 px in Chromium: no page may scroll sideways or show an English word, and each leaves
// a screenshot in var/shots/ for a reviewer of the change to look at.
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
	prov := token("13900000020")
	programs := ids("/api/v1/me/programs", prov, "programs")
	claims := ids("/api/v1/claims", token("13900000009"), "claims")
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
	public := []string{"/", "/jobs", "/jobs?q=" + url.QueryEscape("焊工"), "/jobs?q=" + url.QueryEscape("焊工") + "&page=40", "/jobs/" + jobs[0], "/zone",
		"/towns/" + towns[0], "/fairs", "/programs", "/programs/" + programs[0], "/public/claims", "/public/providers", "/public/providers/" + providers[0],
		"/login", "/register", "/no/such/page"}
	walks := []rolePages{
		{"public", "", public},
		{"seeker", "13900000010", []string{"/console", "/programs/" + programs[0], "/programs/" + running + "/checkin", "/jobs/" + jobs[0]}},
		{"enterprise", "13900000001", []string{"/console", "/console/jobs/new", "/console/jobs/" + myJobs[0] + "/edit", "/console/jobs/" + myJobs[0] + "/applicants",
			"/console/onjob-claims/new", "/fairs"}},
		{"provider", "13900000020", append([]string{"/console", "/console/programs/new", "/console/claims/" + claims[0], "/console/programs/" + running + "/code"},
			prefixed("/console/programs/", programs)...)},
		{"reviewer", "13900000009", []string{"/console", "/console/review/claims", "/console/review/verify", "/console/review/programs", "/console/review/reports",
			"/console/review/fairs", "/console/review/policies", "/console/claims/" + claims[0], "/dashboard",
			"/console/review/social-insurance", "/console/review/inspections", "/console/review/identity?phone=13900000010"}},
	}
	for _, w := range walks {
		t.Run(w.role, func(t *testing.T) {
			ctx := browser(t)
			if w.phone != "" {
				login(t, ctx, p.base, w.phone, "demo-pass-2022")
			}
			for _, width := range []int{390, 1366} {
				for i, path := range w.paths {
					checkPage(t, ctx, p.base, path, width, fmt.Sprintf("%s-%02d-%d.png", w.role, i, width))
				}
				if w.role == "enterprise" { // the confirmation step a paid booth asks for (POST only)
					err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), 844), chromedp.Navigate(p.base+"/fairs"),
						chromedp.Click(`//article[contains(., "忻州市")]//form[contains(@action, "/book")]//button`), chromedp.WaitVisible(`article.confirm`))
					if err != nil {
						t.Fatalf("the booking's confirmation: %v", err)
					}
					checkShown(t, ctx, "/fairs/:id/book (确认)", width, fmt.Sprintf("%s-confirm-%d.png", w.role, width))
				}
			}
		})
	}
}

func prefixed(prefix string, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = prefix + id
	}
	return out
}

// checkPage opens one page at one width, fails on sideways scrolling or English words in
// the visible text, and saves its screenshot.
func checkPage(t *testing.T, ctx context.Context, base, path string, width int, shot string) {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), 844), chromedp.Navigate(base+path), chromedp.WaitReady("footer"))
	if err != nil {
		t.Fatalf("%s at %d px: %v", path, width, err)
	}
	checkShown(t, ctx, path, width, shot)
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
