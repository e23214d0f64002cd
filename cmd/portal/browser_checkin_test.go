package main

import (
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserTraineeChecksIn: the provider's class-code screen shows today's code; the demo
// trainee types it on a 390-px phone (its own browser) and the page says it has checked in.
func TestBrowserTraineeChecksIn(t *testing.T) {
	env := testEnv(t, "")
	for _, args := range [][]string{{"migrate"}, {"seed", "--demo"}} {
		if out, err := command(t, env, "", args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	p := start(t, env)
	if err := os.MkdirAll(shotsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	prov := p.call("POST", "/api/v1/auth/login", "", map[string]any{"phone": "13900000020", "password": "demo-pass-2022"}).must(t, 200)["token"].(string)
	running := ""
	for _, x := range p.call("GET", "/api/v1/me/programs", prov, nil).must(t, 200)["programs"].([]any) {
		if m := x.(map[string]any); strings.Contains(m["name"].(string), "进行中") {
			running = itoa(int(m["id"].(float64)))
		}
	}
	if running == "" {
		t.Fatal("the demo has no program running today")
	}

	screen := browser(t) // the classroom's screen
	login(t, screen, p.base, "13900000020", "demo-pass-2022")
	if err := chromedp.Do(screen, chromedp.Navigate(p.base+"/console/programs/"+running+"/code")); err != nil {
		t.Fatalf("open the class-code screen: %v", err)
	}
	code := strings.Join(strings.Fields(text(t, screen, ".class-code")), "")
	if len(code) != 6 {
		t.Fatalf("the screen shows %q, not 6 digits", code)
	}

	phone := browser(t) // the trainee's phone
	login(t, phone, p.base, "13900000010", "demo-pass-2022")
	if err := chromedp.Do(phone, chromedp.EmulateViewport(390, 844), chromedp.Navigate(p.base+"/programs/"+running+"/checkin")); err != nil {
		t.Fatalf("open the check-in page: %v", err)
	}
	waitText(t, phone, "main", "签到码(培训现场屏幕上的 6 位数字)") // the form, not a notice: says which if not
	err := chromedp.Do(phone,
		chromedp.SendKeys(`#code`, code),
		chromedp.Submit(`form[action="/programs/`+running+`/checkin"]`),
	)
	if err != nil {
		t.Fatalf("check in: %v", err)
	}
	// "今天已签到", not "已签到": the page before the post already says "已签到 0 天", and reading it
	// while the post navigates away hangs the next call until the browser's deadline
	waitText(t, phone, "main", "今天已签到")
	// the page after the check-in, at a phone's width: no sideways scrolling, Chinese only
	checkShown(t, phone, "/programs/"+running+"/checkin", 390, "seeker-checked-in-390.png")
	mine := p.call("POST", "/api/v1/auth/login", "", map[string]any{"phone": "13900000010", "password": "demo-pass-2022"}).must(t, 200)["token"].(string)
	for _, x := range p.call("GET", "/api/v1/me/enrolments", mine, nil).must(t, 200)["enrolments"].([]any) {
		if m := x.(map[string]any); itoa(int(m["program_id"].(float64))) == running && m["checked_in_today"] != true {
			t.Fatalf("the enrolment does not count today's check-in: %v", m)
		}
	}
}
