package handlers

import (
	"bytes"
	"image/png"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"portal/internal/testsvc"
	"portal/models"
)

func TestCheckinPages(t *testing.T) {
	for _, db := range testsvc.Databases(t) {
		t.Run(db.Name, func(t *testing.T) { checkinPages(t, db.Resolve(t)) })
	}
}

func checkinPages(t *testing.T, databaseURL string) {
	clock := newClock(time.Date(2026, 11, 26, 9, 0, 0, 0, models.China))
	h := newHarness(t, harnessOpts{databaseURL: databaseURL, clock: clock, redisURL: testsvc.RedisURL(t)})
	html := map[string]string{"Accept": "text/html"}
	prov := h.verifiedProvider("13800001901", "MA0M1901")
	rev := h.account(models.RoleReviewer, "13800001909")
	p := h.must(201, req{method: "POST", path: "/api/v1/programs", token: prov.Token, body: map[string]any{"name": "签到页焊工班", "occupation": "焊工",
		"mode": "project", "town_id": h.townID("定襄法兰专业镇"), "start_on": "2026-11-20", "end_on": "2026-12-31", "planned_days": 30, "capacity": 20}})
	prog := itoa(int64(p["id"].(float64)))
	t.Run("before approval the provider's page shows no class code", func(t *testing.T) {
		page := string(h.do(req{method: "GET", path: "/console/programs/" + prog, cookie: prov.Token, headers: html}).body)
		if strings.Contains(page, "今日签到码") {
			t.Fatal("a class code before approval")
		}
	})
	h.must(200, req{method: "POST", path: "/api/v1/programs/" + prog + "/approve", token: rev.Token})
	me := h.account(models.RoleSeeker, "13800001902")
	t.Run("the seeker states its identity on the console, once, refusals in Chinese", func(t *testing.T) {
		page := string(h.do(req{method: "GET", path: "/console", cookie: me.Token, headers: html}).body)
		if !strings.Contains(page, "实名信息") || !strings.Contains(page, `action="/console/identity"`) {
			t.Fatalf("no identity form: %s", page)
		}
		bad := h.pageForm(me, "/console/identity", map[string]string{"name": "学员甲", "id_number": "140105199001010000"})
		if bad.status != 422 || !strings.Contains(string(bad.body), "身份证号") || !strings.Contains(string(bad.body), `value="学员甲"`) {
			t.Fatalf("%d %s", bad.status, bad.body)
		}
		ok := h.follow(me, h.pageForm(me, "/console/identity", map[string]string{"name": "学员甲", "id_number": idNumber(61)}))
		if !strings.Contains(ok, "实名信息已保存") || !strings.Contains(ok, "学员甲") || strings.Contains(ok, idNumber(61)) {
			t.Fatalf("%s", ok)
		}
		again := h.pageForm(me, "/console/identity", map[string]string{"name": "学员乙", "id_number": idNumber(62)})
		if again.status != 409 || !strings.Contains(string(again.body), "不能自行修改") {
			t.Fatalf("%d %s", again.status, again.body)
		}
	})
	t.Run("not on the roster: the check-in is refused in Chinese", func(t *testing.T) {
		r := h.pageForm(me, "/programs/"+prog+"/checkin", map[string]string{"code": "123456"})
		if r.status != 403 || !strings.Contains(string(r.body), "不在这个培训项目的学员名单中") {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	h.must(201, req{method: "POST", path: "/api/v1/programs/" + prog + "/enrolments", token: prov.Token, body: map[string]any{"name": "学员甲", "id_number": idNumber(61)}})
	var code string
	t.Run("the provider's page shows the code large, its QR image and when it changes", func(t *testing.T) {
		page := string(h.do(req{method: "GET", path: "/console/programs/" + prog, cookie: prov.Token, headers: html}).body)
		c := h.must(200, req{method: "GET", path: "/api/v1/programs/" + prog + "/checkin-code", token: prov.Token})
		code = c["code"].(string)
		for _, want := range []string{"今日签到码", `class="class-code"`, code, "/api/v1/programs/" + prog + "/checkin-code.png", "09:00:30 更换", "刷新"} {
			if !strings.Contains(page, want) {
				t.Errorf("program page lacks %q", want)
			}
		}
		screen := string(h.do(req{method: "GET", path: "/console/programs/" + prog + "/code", cookie: prov.Token, headers: html}).body)
		if !strings.Contains(screen, `<meta http-equiv="refresh" content="31">`) || !strings.Contains(screen, code) {
			t.Fatalf("screen: %s", screen)
		}
		img := h.do(req{method: "GET", path: "/api/v1/programs/" + prog + "/checkin-code.png", cookie: prov.Token})
		if img.status != 200 || img.header.Get("Content-Type") != "image/png" {
			t.Fatalf("the QR image does not load with the page's cookie: %d", img.status)
		}
	})
	t.Run("the screen's QR opens the check-in page with the code filled in, checking in nobody", func(t *testing.T) {
		r := h.do(req{method: "GET", path: "/api/v1/programs/" + prog + "/checkin-code.png", cookie: prov.Token})
		img, err := png.Decode(bytes.NewReader(r.body))
		if r.status != 200 || err != nil {
			t.Fatalf("%d %v", r.status, err)
		}
		bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
		read, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
		if err != nil {
			t.Fatal(err)
		}
		link, err := url.Parse(read.GetText())
		if err != nil || link.Path != "/programs/"+prog+"/checkin" || link.Query().Get("code") != code || link.Host == "" {
			t.Fatalf("the QR holds %q, not the check-in page with today's code %s", read.GetText(), code)
		}
		page := string(h.do(req{method: "GET", path: link.RequestURI(), cookie: me.Token, headers: html}).body)
		if !strings.Contains(page, `value="`+code+`"`) || strings.Contains(page, "今天已签到") {
			t.Fatalf("the scanned page: %s", page)
		}
		if odd := string(h.do(req{method: "GET", path: "/programs/" + prog + "/checkin?code=12%22x56", cookie: me.Token, headers: html}).body); strings.Contains(odd, `value="12`) {
			t.Fatalf("a code that is no 6 digits is filled in: %s", odd)
		}
	})
	t.Run("the check-in page has one big numeric input; the right code says 已签到", func(t *testing.T) {
		console := string(h.do(req{method: "GET", path: "/console", cookie: me.Token, headers: html}).body)
		if !strings.Contains(console, `href="/programs/`+prog+`/checkin"`) {
			t.Fatalf("no check-in link in 我的培训: %s", console)
		}
		page := string(h.do(req{method: "GET", path: "/programs/" + prog + "/checkin", cookie: me.Token, headers: html}).body)
		for _, want := range []string{`inputmode="numeric"`, `autocomplete="one-time-code"`, `name="_csrf"`, `method="post"`} {
			if !strings.Contains(page, want) {
				t.Errorf("check-in page lacks %q", want)
			}
		}
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		r := h.pageForm(me, "/programs/"+prog+"/checkin", map[string]string{"code": wrong})
		if r.status != 422 || !strings.Contains(string(r.body), "签到码不对或已过期") {
			t.Fatalf("%d %s", r.status, r.body)
		}
		done := h.follow(me, h.pageForm(me, "/programs/"+prog+"/checkin", map[string]string{"code": code}))
		if !strings.Contains(done, "已签到") || !strings.Contains(done, "今天已签到") {
			t.Fatalf("%s", done)
		}
	})
	t.Run("five wrong codes: 稍后再试", func(t *testing.T) {
		var r response
		for range 6 {
			r = h.pageForm(me, "/programs/"+prog+"/checkin", map[string]string{"code": "999999"})
		}
		if r.status != 429 || !strings.Contains(string(r.body), "稍后再试") {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("two trainees checking in from one phone are both flagged, the page having said so", func(t *testing.T) {
		clock.set(time.Date(2026, 11, 27, 9, 0, 0, 0, models.China))
		mate := h.account(models.RoleSeeker, "13800001904")
		h.must(201, req{method: "PUT", path: "/api/v1/me/identity", token: mate.Token, body: map[string]any{"name": "学员丙", "id_number": idNumber(63)}})
		h.must(201, req{method: "POST", path: "/api/v1/programs/" + prog + "/enrolments", token: prov.Token, body: map[string]any{"name": "学员丙", "id_number": idNumber(63)}})
		first := h.do(req{method: "GET", path: "/programs/" + prog + "/checkin", cookie: me.Token, headers: html})
		device := regexp.MustCompile(deviceCookie + `=([0-9a-f]{32})`).FindStringSubmatch(strings.Join(first.header.Values("Set-Cookie"), "\n"))
		if device == nil || !strings.Contains(visibleText(string(first.body)), "用自己的手机签到") {
			t.Fatalf("the check-in page gives no device cookie or does not say why: %v", first.header.Values("Set-Cookie"))
		}
		code := h.must(200, req{method: "GET", path: "/api/v1/programs/" + prog + "/checkin-code", token: prov.Token})["code"].(string)
		for _, who := range []models.Login{me, mate} {
			page := h.do(req{method: "GET", path: "/console", cookie: who.Token, headers: html})
			form := url.Values{"_csrf": {csrfIn(t, page.body)}, "code": {code}}
			r := h.do(req{method: "POST", path: "/programs/" + prog + "/checkin", contentType: "application/x-www-form-urlencoded", raw: []byte(form.Encode()),
				headers: map[string]string{"Accept": "text/html", "Cookie": sessionCookie + "=" + who.Token + "; " + deviceCookie + "=" + device[1]}})
			if r.status != 303 {
				t.Fatalf("check-in: %d %s", r.status, r.body)
			}
		}
		o := h.must(200, req{method: "GET", path: "/api/v1/programs/" + prog + "/outcome", token: prov.Token})
		flagged := 0
		for _, x := range o["lines"].([]any) {
			for _, f := range x.(map[string]any)["flags"].([]any) {
				if f == "shared_checkin_device" {
					flagged++
				}
			}
		}
		if flagged != 2 {
			t.Fatalf("%d lines flagged shared_checkin_device, want 2: %v", flagged, o["lines"])
		}
	})
	t.Run("after the last day the check-in is closed", func(t *testing.T) {
		clock.set(time.Date(2027, 1, 2, 9, 0, 0, 0, models.China))
		other := h.account(models.RoleSeeker, "13800001903")
		_ = other
		page := string(h.do(req{method: "GET", path: "/console/programs/" + prog, cookie: prov.Token, headers: html}).body)
		if strings.Contains(page, "今日签到码") {
			t.Fatal("a class code after the program ended")
		}
	})
}
