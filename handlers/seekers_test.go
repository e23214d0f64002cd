package handlers

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/internal/testsvc"
	"portal/models"
	"portal/search"
)

func (h *harness) postJob(token, title, occupation, town string, salaryMax int) string {
	h.t.Helper()
	body := h.posting(title, "负责"+title+"相关工作,包吃住,长期稳定。", occupation, h.townID(town), models.Today(time.Now().AddDate(0, 0, 30)))
	body["salary_min"], body["salary_max"] = salaryMax/2, salaryMax
	r := h.do(req{method: "POST", path: "/api/v1/jobs", token: token, body: body})
	if r.status != 201 {
		h.t.Fatalf("post %s: %d %s", title, r.status, r.body)
	}
	return itoa(int64(r.json(h.t)["id"].(float64)))
}

func TestApplicationsPipeline(t *testing.T) {
	for _, db := range testsvc.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			h := newHarness(t, harnessOpts{databaseURL: db.Resolve(t), indexing: true})
			ent := h.verifiedEnterprise("13700000101", "MA0A0101", "定襄法兰专业镇")
			rival := h.verifiedEnterprise("13700000102", "MA0A0102", "定襄法兰专业镇")
			seeker := h.account(models.RoleSeeker, "13700000103")
			job := h.postJob(ent.Token, "锻造工", "锻造工", "定襄法兰专业镇", 9000)

			t.Run("ten concurrent tries create one application", func(t *testing.T) {
				var wg sync.WaitGroup
				statuses := make(chan int, 10)
				for range 10 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						statuses <- h.do(req{method: "POST", path: "/api/v1/jobs/" + job + "/applications", token: seeker.Token}).status
					}()
				}
				wg.Wait()
				close(statuses)
				created, conflicts := 0, 0
				for s := range statuses {
					switch s {
					case 201:
						created++
					case 409:
						conflicts++
					default:
						t.Errorf("status %d", s)
					}
				}
				if created != 1 || conflicts != 9 {
					t.Fatalf("created %d, conflicts %d", created, conflicts)
				}
			})
			mine := h.do(req{method: "GET", path: "/api/v1/me/applications", token: seeker.Token}).json(t)["applications"].([]any)
			app := itoa(int64(mine[0].(map[string]any)["id"].(float64)))

			t.Run("the enterprise sees its applicant with the phone; a rival sees nothing", func(t *testing.T) {
				list := h.do(req{method: "GET", path: "/api/v1/jobs/" + job + "/applications", token: ent.Token}).json(t)["applications"].([]any)
				applicant := list[0].(map[string]any)["applicant"].(map[string]any)
				if len(list) != 1 || applicant["phone"] != "13700000103" {
					t.Fatalf("%v", list)
				}
				h.do(req{method: "GET", path: "/api/v1/jobs/" + job + "/applications", token: rival.Token}).problem(t, 403, "forbidden")
				h.do(req{method: "PATCH", path: "/api/v1/applications/" + app, token: rival.Token, body: map[string]any{"status": "interview"}}).problem(t, 403, "forbidden")
			})
			t.Run("the pipeline moves forward only, and the seeker sees every step with its time", func(t *testing.T) {
				h.do(req{method: "PATCH", path: "/api/v1/applications/" + app, token: ent.Token, body: map[string]any{"status": "hired"}}).problem(t, 422, "invalid_transition")
				for _, st := range []string{"viewed", "interview"} {
					if r := h.do(req{method: "PATCH", path: "/api/v1/applications/" + app, token: ent.Token, body: map[string]any{"status": st}}); r.status != 200 {
						t.Fatalf("%s: %d %s", st, r.status, r.body)
					}
				}
				h.do(req{method: "PATCH", path: "/api/v1/applications/" + app, token: seeker.Token, body: map[string]any{"status": "hired"}}).problem(t, 422, "invalid")
				mine := h.do(req{method: "GET", path: "/api/v1/me/applications", token: seeker.Token}).json(t)["applications"].([]any)[0].(map[string]any)
				events := mine["events"].([]any)
				var steps []string
				for _, e := range events {
					steps = append(steps, e.(map[string]any)["status"].(string))
					if e.(map[string]any)["at"] == "" {
						t.Fatal("a step without its time")
					}
				}
				if mine["status"] != "interview" || strings.Join(steps, ",") != "submitted,viewed,interview" {
					t.Fatalf("status %v steps %v", mine["status"], steps)
				}
			})
			t.Run("the seeker withdraws; a withdrawn application stays withdrawn", func(t *testing.T) {
				if r := h.do(req{method: "PATCH", path: "/api/v1/applications/" + app, token: seeker.Token, body: map[string]any{"status": "withdrawn"}}); r.status != 200 {
					t.Fatalf("%d %s", r.status, r.body)
				}
				h.do(req{method: "PATCH", path: "/api/v1/applications/" + app, token: ent.Token, body: map[string]any{"status": "offered"}}).problem(t, 422, "invalid_transition")
			})
			t.Run("the posting's figures: views and applications", func(t *testing.T) {
				h.do(req{method: "GET", path: "/api/v1/jobs/" + job})
				h.do(req{method: "GET", path: "/api/v1/jobs/" + job, token: ent.Token}) // its own views do not count
				st := h.do(req{method: "GET", path: "/api/v1/jobs/" + job + "/stats", token: ent.Token}).json(t)
				if st["views"] != 1.0 || st["applications"] != 1.0 {
					t.Fatalf("%v", st)
				}
			})
			t.Run("a closed posting takes no applications", func(t *testing.T) {
				h.do(req{method: "POST", path: "/api/v1/jobs/" + job + "/close", token: ent.Token})
				other := h.account(models.RoleSeeker, "13700000104")
				h.do(req{method: "POST", path: "/api/v1/jobs/" + job + "/applications", token: other.Token}).problem(t, 422, "job_closed")
			})
		})
	}
}

func TestPhoneIsMaskedUntilTheSeekerApplies(t *testing.T) {
	h := newHarness(t, harnessOpts{indexing: true})
	ctx := context.Background()
	ent := h.verifiedEnterprise("13700000201", "MA0A0201", "定襄法兰专业镇")
	seeker := h.account(models.RoleSeeker, "13700000203")
	if r := h.do(req{method: "PUT", path: "/api/v1/me/profile", token: seeker.Token, body: map[string]any{
		"desired_occupations": []string{"焊工"}, "education": "高中", "expected_salary": 6000}}); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if own := h.do(req{method: "GET", path: "/api/v1/me/profile", token: seeker.Token}).json(t); own["phone"] != "13700000203" {
		t.Fatalf("the owner sees %v", own["phone"])
	}
	p, _ := h.store.Profile(ctx, ent.User, seeker.User.ID)
	if p.Phone != "137****0203" {
		t.Fatalf("an enterprise it has not applied to sees %q", p.Phone)
	}
	job := h.postJob(ent.Token, "电焊工", "电焊工", "定襄法兰专业镇", 8000)
	h.do(req{method: "POST", path: "/api/v1/jobs/" + job + "/applications", token: seeker.Token})
	p, _ = h.store.Profile(ctx, ent.User, seeker.User.ID)
	if p.Phone != "13700000203" {
		t.Fatalf("after applying the enterprise sees %q", p.Phone)
	}
}

func TestRecommendationsForAWelderInDingxiang(t *testing.T) {
	h := newHarness(t, harnessOpts{indexing: true})
	ent := h.verifiedEnterprise("13700000301", "MA0A0301", "定襄法兰专业镇")
	far := h.verifiedEnterprise("13700000302", "MA0A0302", "太谷玛钢专业镇")
	h.postJob(far.Token, "招聘电焊工(太谷)", "电焊工", "太谷玛钢专业镇", 9000)
	h.postJob(ent.Token, "招聘电焊工(定襄)", "电焊工", "定襄法兰专业镇", 8000)
	h.postJob(ent.Token, "法兰焊工(定襄)", "焊工", "定襄法兰专业镇", 9500)
	h.postJob(ent.Token, "会计(定襄)", "会计", "定襄法兰专业镇", 9000)
	h.postJob(far.Token, "电焊工(薪低)", "电焊工", "太谷玛钢专业镇", 4000)
	eventually(t, "indexed", func() bool { titles, _ := h.hits(""); return len(titles) == 5 })

	seeker := h.account(models.RoleSeeker, "13700000303")
	h.do(req{method: "PUT", path: "/api/v1/me/profile", token: seeker.Token, body: map[string]any{
		"desired_occupations": []string{"焊工"}, "desired_town_ids": []int64{h.townID("定襄法兰专业镇")}, "expected_salary": 6000, "education": "高中"}})
	recs := h.do(req{method: "GET", path: "/api/v1/me/recommendations", token: seeker.Token}).json(t)["recommendations"].([]any)
	var titles []string
	for _, r := range recs {
		titles = append(titles, r.(map[string]any)["title"].(string))
	}
	if len(titles) != 3 || !strings.Contains(titles[0], "定襄") || !strings.Contains(titles[1], "定襄") || titles[2] != "招聘电焊工(太谷)" {
		t.Fatalf("recommendations %v", titles)
	}
	first := recs[0].(map[string]any)
	matched := fmt.Sprint(first["matched"])
	for _, m := range []string{"occupation", "town", "salary"} {
		if !strings.Contains(matched, m) {
			t.Errorf("first recommendation does not say %s matched: %v (%v)", m, first["matched"], first["reasons"])
		}
	}
	t.Run("without a profile the seeker is told to fill it in", func(t *testing.T) {
		other := h.account(models.RoleSeeker, "13700000304")
		h.do(req{method: "GET", path: "/api/v1/me/recommendations", token: other.Token}).problem(t, 422, "profile_missing")
	})
}

func TestSavedSearchAlerts(t *testing.T) {
	h := newHarness(t, harnessOpts{indexing: true})
	ent := h.verifiedEnterprise("13700000401", "MA0A0401", "定襄法兰专业镇")
	seeker := h.account(models.RoleSeeker, "13700000403")
	dingxiang := h.townID("定襄法兰专业镇")
	r := h.do(req{method: "POST", path: "/api/v1/me/saved-searches", token: seeker.Token,
		body: map[string]any{"query": "q=" + url.QueryEscape("焊工") + "&town_id=" + itoa(dingxiang) + "&salary_min=7000&zone=professional_town&page=3"}})
	if r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	saved := r.json(t)
	if q := saved["query"].(string); !strings.Contains(q, "salary_min=7000") || !strings.Contains(q, "zone=professional_town") || strings.Contains(q, "page") {
		t.Fatalf("the saved query does not keep every filter: %s", q)
	}
	h.postJob(ent.Token, "电焊工(高薪)", "电焊工", "定襄法兰专业镇", 9000)
	h.postJob(ent.Token, "电焊工(低薪)", "电焊工", "定襄法兰专业镇", 5000)
	h.postJob(ent.Token, "会计", "会计", "定襄法兰专业镇", 9000)
	eventually(t, "indexed", func() bool { titles, _ := h.hits(""); return len(titles) == 3 })

	alerter := search.NewAlerter(h.store, h.app.search, h.app.log, time.Now)
	for range 2 { // a second run adds nothing
		if _, err := alerter.Check(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	ns := h.do(req{method: "GET", path: "/api/v1/me/notifications", token: seeker.Token}).json(t)
	list := ns["notifications"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["title"] != "电焊工(高薪)" || ns["unread"] != 1.0 {
		t.Fatalf("notifications %v", ns)
	}
	t.Run("marking read", func(t *testing.T) {
		after := h.do(req{method: "POST", path: "/api/v1/me/notifications/read", token: seeker.Token}).json(t)
		if after["unread"] != 0.0 {
			t.Fatalf("%v", after)
		}
	})
	t.Run("the private Atom feed lists the matches", func(t *testing.T) {
		feed := h.do(req{method: "GET", path: saved["feed_url"].(string)})
		body := string(feed.body)
		if feed.status != 200 || !strings.Contains(feed.header.Get("Content-Type"), "atom+xml") || !strings.Contains(body, "电焊工(高薪)") || strings.Contains(body, "低薪") {
			t.Fatalf("%d %s", feed.status, body)
		}
		h.do(req{method: "GET", path: "/feeds/saved/not-a-token.atom"}).problem(t, 404, "not_found")
	})
	t.Run("the feed's links name the site the reader asked, never a forwarded host or scheme", func(t *testing.T) {
		feed := string(h.do(req{method: "GET", path: saved["feed_url"].(string),
			headers: map[string]string{"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "javascript"}}).body)
		if strings.Contains(feed, "evil.example") || strings.Contains(feed, "javascript:") || !strings.Contains(feed, "http://") {
			t.Fatalf("%s", feed)
		}
	})
	t.Run("a bad saved query is refused naming the parameter", func(t *testing.T) {
		p := h.do(req{method: "POST", path: "/api/v1/me/saved-searches", token: seeker.Token, body: map[string]any{"query": "salary_min=lots"}}).problem(t, 400, "malformed")
		if p["errors"].(map[string]any)["salary_min"] == nil {
			t.Fatalf("%v", p)
		}
	})
}

func TestFairBoothFees(t *testing.T) {
	for _, db := range testsvc.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			h := newHarness(t, harnessOpts{databaseURL: db.Resolve(t), clock: newClock(time.Date(2025, 3, 1, 9, 0, 0, 0, models.China))})
			rev := h.account(models.RoleReviewer, "13700000509")
			fair := func(level string, capacity int, heldOn string) string {
				r := h.do(req{method: "POST", path: "/api/v1/fairs", token: rev.Token, body: map[string]any{"name": "山西省专业镇专场招聘会", "organizer_level": level,
					"held_on": heldOn, "venue": "太原", "standard_booth_fee_yuan": 800, "booth_capacity": capacity}})
				if r.status != 201 {
					t.Fatalf("%d %s", r.status, r.body)
				}
				return itoa(int64(r.json(t)["id"].(float64)))
			}
			provincial, municipal := fair("provincial", 3, "2025-04-10"), fair("municipal", 10, "2025-04-10")
			afterPolicy := fair("provincial", 10, "2025-10-10")
			leading := h.verifiedEnterprise("13700000501", "MA0B0501", "定襄法兰专业镇") // verified as leading industry
			book := func(token, fairID string) response {
				return h.do(req{method: "POST", path: "/api/v1/fairs/" + fairID + "/booths", token: token})
			}
			t.Run("a leading-industry enterprise of a town pays nothing at a provincial fair, with the basis", func(t *testing.T) {
				b := book(leading.Token, provincial)
				got := b.json(t)
				if b.status != 201 || got["fee_yuan"] != 0.0 || got["fee_waived"] != true || !strings.Contains(got["waiver_basis"].(string), "晋政办发〔2022〕81号 第二条") {
					t.Fatalf("%d %v", b.status, got)
				}
			})
			t.Run("a second booth is a conflict", func(t *testing.T) {
				book(leading.Token, provincial).problem(t, 409, "booth_booked")
			})
			t.Run("at a municipal fair, or after the policy's window, the standard fee", func(t *testing.T) {
				for _, f := range []string{municipal, afterPolicy} {
					got := book(leading.Token, f).json(t)
					if got["fee_yuan"] != 800.0 || got["fee_waived"] != false || got["waiver_basis"] == "" {
						t.Fatalf("%v", got)
					}
				}
			})
			t.Run("capacity holds under concurrent booking", func(t *testing.T) {
				var tokens []string
				for i := range 8 {
					tokens = append(tokens, h.verifiedEnterprise(fmt.Sprintf("1370000052%d", i), fmt.Sprintf("MA0B052%d", i), "清徐老陈醋专业镇").Token)
				}
				var wg sync.WaitGroup
				statuses := make(chan int, len(tokens))
				for _, tok := range tokens {
					wg.Add(1)
					go func() { defer wg.Done(); statuses <- book(tok, provincial).status }()
				}
				wg.Wait()
				close(statuses)
				created, full := 0, 0
				for s := range statuses {
					switch s {
					case 201:
						created++
					case 409:
						full++
					default:
						t.Errorf("status %d", s)
					}
				}
				if created != 2 || full != 6 { // one of the three booths was taken above
					t.Fatalf("created %d, refused %d", created, full)
				}
				ex := h.do(req{method: "GET", path: "/api/v1/fairs/" + provincial + "/booths"}).json(t)["exhibitors"].([]any)
				if len(ex) != 3 {
					t.Fatalf("exhibitors %v", ex)
				}
			})
		})
	}
}

func TestSeekerAndFairPages(t *testing.T) {
	h := newHarness(t, harnessOpts{indexing: true})
	html := map[string]string{"Accept": "text/html"}
	form := func(cookie, path string, values map[string]string) response {
		page := h.do(req{method: "GET", path: "/console", cookie: cookie, headers: html})
		values["_csrf"] = csrfIn(t, page.body)
		return h.do(req{method: "POST", path: path, cookie: cookie, contentType: "application/x-www-form-urlencoded", headers: html, raw: formBody(values)})
	}
	seeker := h.account(models.RoleSeeker, "13700000601")
	t.Run("the profile form saves lists written with Chinese commas", func(t *testing.T) {
		r := form(seeker.Token, "/console/profile", map[string]string{"desired_occupations": "焊工,钳工", "skills": "氩弧焊、二保焊", "education": "高中", "expected_salary": "6000"})
		if r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		p, _ := h.store.Profile(context.Background(), seeker.User, seeker.User.ID)
		if strings.Join(p.DesiredOccupations, "|") != "焊工|钳工" || strings.Join(p.Skills, "|") != "氩弧焊|二保焊" || p.ExpectedSalary != 6000 {
			t.Fatalf("%+v", p)
		}
	})
	t.Run("a bad salary comes back beside its field", func(t *testing.T) {
		r := form(seeker.Token, "/console/profile", map[string]string{"education": "高中", "expected_salary": "999999"})
		if r.status != 422 || !strings.Contains(string(r.body), `id="expected_salary-error"`) {
			t.Fatalf("%d", r.status)
		}
	})
	t.Run("an enterprise books a booth on the fairs page and sees the fee and basis", func(t *testing.T) {
		rev := h.account(models.RoleReviewer, "13700000609")
		if r := form(rev.Token, "/console/fairs", map[string]string{"name": "省人社厅专业镇专场", "organizer_level": "provincial",
			"held_on": models.Today(time.Now().AddDate(0, 1, 0)), "venue": "太原", "standard_booth_fee_yuan": "600", "booth_capacity": "20"}); r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		ent := h.verifiedEnterprise("13700000602", "MA0C0602", "定襄法兰专业镇")
		fairs, _ := h.store.Fairs(context.Background())
		// No policy version is in force today (the seeded one ended 2025-09-25): the standard
		// fee, asked for once more before it is booked, with the reason.
		r := form(ent.Token, "/fairs/"+itoa(fairs[0].ID)+"/book", map[string]string{})
		if r.status != 200 || !strings.Contains(string(r.body), "确认预订展位并缴纳 600 元展位费") || !strings.Contains(string(r.body), "招聘会举办日无有效政策") {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if r := form(ent.Token, "/fairs/"+itoa(fairs[0].ID)+"/book", map[string]string{"confirm": "yes"}); r.status != 303 || r.header.Get("Location") != "/fairs" {
			t.Fatalf("%d %s", r.status, r.body)
		}
		again := form(ent.Token, "/fairs/"+itoa(fairs[0].ID)+"/book", map[string]string{"confirm": "yes"})
		if again.status != 409 || !strings.Contains(string(again.body), "本企业已经预订了这场招聘会的展位") {
			t.Fatalf("%d", again.status)
		}
	})
}

func formBody(values map[string]string) []byte {
	v := url.Values{}
	for k, val := range values {
		v.Set(k, val)
	}
	return []byte(v.Encode())
}
