package handlers

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"portal/internal/testsvc"
	"portal/models"
)

// trainedProgram files and approves a 2025 spring program over the API and records its
// completers, the first `employed` of them placed in work.
func (h *harness) trainedProgram(prov, rev models.Login, name, town string, completers, employed int, serial *int) string {
	h.t.Helper()
	r := h.do(req{method: "POST", path: "/api/v1/programs", token: prov.Token, body: map[string]any{"name": name, "occupation": "焊工",
		"mode": "project", "town_id": h.townID(town), "start_on": "2025-03-03", "end_on": "2025-04-11", "planned_days": 30, "capacity": 20}})
	if r.status != 201 {
		h.t.Fatalf("program: %d %s", r.status, r.body)
	}
	id := itoa(int64(r.json(h.t)["id"].(float64)))
	if r := h.do(req{method: "POST", path: "/api/v1/programs/" + id + "/approve", token: rev.Token}); r.status != 200 {
		h.t.Fatalf("approve: %d %s", r.status, r.body)
	}
	for i := range completers {
		*serial++
		r := h.do(req{method: "POST", path: "/api/v1/programs/" + id + "/enrolments", token: prov.Token, body: map[string]any{"name": fmt.Sprint("学员", *serial), "id_number": idNumber(*serial)}})
		if r.status != 201 {
			h.t.Fatalf("enrol: %d %s", r.status, r.body)
		}
		eid := itoa(int64(r.json(h.t)["id"].(float64)))
		if r := h.do(req{method: "POST", path: "/api/v1/enrolments/" + eid + "/complete", token: prov.Token, body: map[string]any{"passed": true}}); r.status != 200 {
			h.t.Fatalf("complete: %d %s", r.status, r.body)
		}
		if i < employed {
			r := h.do(req{method: "POST", path: "/api/v1/enrolments/" + eid + "/employment", token: prov.Token, body: map[string]any{
				"employer_name": "定襄宏达法兰锻造有限公司", "evidence_type": "agreement", "evidence_no": fmt.Sprint("HT-", *serial), "start_on": "2025-04-20"}})
			if r.status != 201 {
				h.t.Fatalf("employment: %d %s", r.status, r.body)
			}
		}
	}
	return id
}

func TestDashboard(t *testing.T) {
	for _, db := range testsvc.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			clock := newClock(time.Date(2025, 5, 1, 10, 0, 0, 0, models.China))
			h := newHarness(t, harnessOpts{databaseURL: db.Resolve(t), clock: clock})
			rev := h.account(models.RoleReviewer, "13600000909")
			ent := h.verifiedEnterprise("13600000901", "MA0D0901", "定襄法兰专业镇")
			seeker := h.account(models.RoleSeeker, "13600000902")
			var jobs []string
			for _, town := range []string{"定襄法兰专业镇", "定襄法兰专业镇", "清徐老陈醋专业镇"} {
				r := h.do(req{method: "POST", path: "/api/v1/jobs", token: ent.Token, body: h.posting("招聘电焊工", "负责法兰焊接,持证优先,包吃住。", "电焊工", h.townID(town), "2025-06-30")})
				if r.status != 201 {
					t.Fatalf("%d %s", r.status, r.body)
				}
				jobs = append(jobs, itoa(int64(r.json(t)["id"].(float64))))
			}
			for _, j := range jobs[1:] {
				if r := h.do(req{method: "POST", path: "/api/v1/jobs/" + j + "/applications", token: seeker.Token}); r.status != 201 {
					t.Fatalf("%d %s", r.status, r.body)
				}
			}
			prov := h.verifiedProvider("13600000903", "MA0D0903")
			serial := 0
			h.trainedProgram(prov, rev, "焊工技能提升班", "定襄法兰专业镇", 5, 4, &serial)        // 80%: met
			h.trainedProgram(prov, rev, "<b>电焊工</b>速成班", "清徐老陈醋专业镇", 3, 1, &serial) // 33.33%, and a name to escape
			h.trainedProgram(prov, rev, "焊工订单班(待结业)", "定襄法兰专业镇", 0, 0, &serial)     // ended, not closed, nobody completed: no verdict
			// A claim approved on 2025-04-30 and paid on 2025-05-01 (China), written directly: the claims
			// API is not this test's concern.
			var policyID int64
			ctx := context.Background()
			if err := h.store.DB(ctx).Raw("SELECT id FROM policy_versions ORDER BY id LIMIT 1").Scan(&policyID).Error; err != nil {
				t.Fatal(err)
			}
			if err := h.store.DB(ctx).Exec(`INSERT INTO claims (kind, town_id, policy_version_id, title, subsidy_year, status, people, total_yuan,
				submitted_by, submitted_at, decided_by, decided_at, paid_at) VALUES ('onjob', ?, ?, '岗位培训', 2025, 'paid', 4, 12345, ?, ?, ?, ?, ?)`,
				h.townID("定襄法兰专业镇"), policyID, rev.User.ID, time.Date(2025, 4, 20, 0, 0, 0, 0, time.UTC), rev.User.ID,
				time.Date(2025, 4, 30, 3, 0, 0, 0, time.UTC), time.Date(2025, 4, 30, 16, 30, 0, 0, time.UTC)).Error; err != nil {
				t.Fatal(err)
			}

			t.Run("a reviewer gets the figures", func(t *testing.T) {
				r := h.do(req{method: "GET", path: "/api/v1/stats", token: rev.Token})
				if r.status != 200 {
					t.Fatalf("%d %s", r.status, r.body)
				}
				st := r.json(t)
				totals := st["totals"].(map[string]any)
				want := map[string]float64{"postings_open": 3, "applications": 2, "programs": 3, "programs_meeting_target": 1, "claims_approved_yuan": 12345, "claims_paid_yuan": 12345}
				for k, v := range want {
					if totals[k] != v {
						t.Errorf("totals.%s = %v, want %v", k, totals[k], v)
					}
				}
				programs := st["programs"].([]any)
				first, second, third := programs[0].(map[string]any), programs[1].(map[string]any), programs[2].(map[string]any)
				if first["name"] != "焊工技能提升班" || first["town"] != "定襄法兰专业镇" || first["employment_rate"] != 80.0 || first["target_rate"] != 80.0 || first["meets_target"] != true ||
					second["employment_rate"] != 33.33 || second["meets_target"] != false || second["completed"] != 3.0 || second["employed"] != 1.0 {
					t.Fatalf("%v", programs)
				}
				if first["awaiting_completion"] != false || second["awaiting_completion"] != false || third["awaiting_completion"] != true || third["completed"] != 0.0 || third["meets_target"] != false {
					t.Fatalf("only the program nobody completed awaits completion: %v", programs)
				}
				subsidies := fmt.Sprint(st["subsidies"])
				if subsidies != fmt.Sprintf("[map[approved_yuan:12345 month:2025-04 paid_yuan:0 town:定襄法兰专业镇 town_id:%d] map[approved_yuan:0 month:2025-05 paid_yuan:12345 town:定襄法兰专业镇 town_id:%[1]d]]", h.townID("定襄法兰专业镇")) {
					t.Fatal(subsidies)
				}
				postings := fmt.Sprint(st["postings"])
				if !regexp.MustCompile(`^\[map\[applications:1 postings_open:2 town:定襄法兰专业镇 town_id:\d+\] map\[applications:1 postings_open:1 town:清徐老陈醋专业镇 town_id:\d+\]\]$`).MatchString(postings) {
					t.Fatal(postings)
				}
			})
			t.Run("only reviewers: others are forbidden, strangers asked to log in", func(t *testing.T) {
				for _, tok := range []string{ent.Token, seeker.Token, prov.Token} {
					h.do(req{method: "GET", path: "/api/v1/stats", token: tok}).problem(t, 403, "forbidden")
				}
				h.do(req{method: "GET", path: "/api/v1/stats"}).problem(t, 401, "unauthorized")
				html := map[string]string{"Accept": "text/html"}
				if r := h.do(req{method: "GET", path: "/dashboard", cookie: seeker.Token, headers: html}); r.status != 403 {
					t.Fatalf("a seeker's dashboard: %d", r.status)
				}
				if r := h.do(req{method: "GET", path: "/dashboard", headers: html}); r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/login") {
					t.Fatalf("an anonymous dashboard: %d %s", r.status, r.header.Get("Location"))
				}
			})
			t.Run("the page draws the charts with their tables", func(t *testing.T) {
				r := h.do(req{method: "GET", path: "/dashboard", cookie: rev.Token, headers: map[string]string{"Accept": "text/html"}})
				page := string(r.body)
				if r.status != 200 {
					t.Fatalf("%d %s", r.status, page)
				}
				svgs := regexp.MustCompile(`(?s)<svg class="chart".*?</svg>`).FindAllString(page, -1)
				if len(svgs) != 3 {
					t.Fatalf("%d charts", len(svgs))
				}
				rates, subsidies, postings := svgs[0], svgs[1], svgs[2]
				for _, want := range []string{`role="img"`, `<title id="rate-chart-title">`, "焊工技能提升班 · 定襄法兰专业镇", `class="bar-met"`, "80% 达标",
					`class="bar-below"`, "33.33% 未达标", "目标 80%", `class="chart-target" x1="184"`, "&lt;b&gt;电焊工&lt;/b&gt;速成班"} {
					if !strings.Contains(rates, want) {
						t.Errorf("the rate chart lacks %s", want)
					}
				}
				if strings.Contains(page, "<b>电焊工</b>") {
					t.Error("a program name reached the page unescaped")
				}
				// The program nobody completed yet reads as in progress, never as failing.
				if !strings.Contains(rates, "焊工订单班(待结业) · 定襄法兰专业镇") || !strings.Contains(rates, "进行中 · 尚无结业学员") || strings.Contains(rates, "0% 未达标") {
					t.Errorf("the rate chart shows the program without completers as failing or not at all")
				}
				row := regexp.MustCompile(`(?s)<tr><th scope="row"><a href="/programs/\d+">` + regexp.QuoteMeta("焊工订单班(待结业)") + `</a></th>.*?</tr>`).FindString(page)
				if !strings.Contains(row, "<td>进行中,尚无结业学员</td>") || strings.Contains(row, "未达标") || strings.Contains(row, "<td>0%</td>") {
					t.Errorf("its table row: %s", row)
				}
				totals := regexp.MustCompile(`(?s)<dl class="totals">.*?</dl>`).FindString(page)
				if !strings.Contains(totals, "<dt>培训项目</dt><dd>3 个<small>其中 1 个就业率达到 80%,1 个尚无结业学员,1 个未达标</small></dd>") {
					t.Errorf("the programs' figure is not in words: %s", totals)
				}
				for _, want := range []string{"2025-04 · 定襄法兰专业镇", "批准 12,345 元", "2025-05 · 定襄法兰专业镇", "拨付 12,345 元"} {
					if !strings.Contains(subsidies, want) {
						t.Errorf("the subsidy chart lacks %s", want)
					}
				}
				for _, want := range []string{"定襄法兰专业镇", "清徐老陈醋专业镇", "在招岗位 2", "投递 1"} {
					if !strings.Contains(postings, want) {
						t.Errorf("the postings chart lacks %s", want)
					}
				}
				for _, want := range []string{"<caption>各培训项目就业率</caption>", "<td>33.33%</td>", "<caption>各专业镇每月补贴(元)</caption>", "<td>12,345</td>", "<caption>各专业镇在招岗位与投递</caption>"} {
					if !strings.Contains(page, want) {
						t.Errorf("the page lacks %s", want)
					}
				}
			})
		})
	}
}
