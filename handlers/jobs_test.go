package handlers

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"portal/internal/testsvc"
	"portal/models"
)

// verifiedEnterprise makes an enterprise account with a verified profile in the named town.
func (h *harness) verifiedEnterprise(phone, body8, town string) models.Login {
	h.t.Helper()
	ctx := context.Background()
	l := h.account(models.RoleEnterprise, phone)
	var townID *int64
	towns, _ := h.store.Towns(ctx)
	for _, t := range towns {
		if t.Name == town {
			id := t.ID
			townID = &id
		}
	}
	e, err := h.store.CreateEnterprise(ctx, l.User, models.EnterpriseInput{Name: "企业" + body8, USCC: validUSCC(body8), TownID: townID, Industry: "法兰锻造"})
	if err != nil {
		h.t.Fatal(err)
	}
	rev, err := h.store.CreateReviewer(ctx, "1580000"+phone[7:], "审核员", "reviewer-pass")
	if err != nil {
		h.t.Fatal(err)
	}
	yes := true
	if _, err := h.store.VerifyEnterprise(ctx, rev, e.ID, models.VerifyInput{LeadingIndustry: &yes}); err != nil {
		h.t.Fatal(err)
	}
	return l
}

func (h *harness) townID(name string) int64 {
	towns, _ := h.store.Towns(context.Background())
	for _, t := range towns {
		if t.Name == name {
			return t.ID
		}
	}
	h.t.Fatalf("no town %s", name)
	return 0
}

func (h *harness) posting(title, description, occupation string, townID int64, expires string) map[string]any {
	return map[string]any{"title": title, "description": description, "occupation": occupation, "town_id": townID,
		"salary_min": 6000, "salary_max": 9000, "headcount": 3, "education": "不限", "employment_type": "full_time", "expires_on": expires}
}

// eventually polls until cond holds; the deadline only bounds a broken run, it asserts no speed.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// hits runs a search and returns the titles found (and the whole answer).
func (h *harness) hits(query string) ([]string, map[string]any) {
	h.t.Helper()
	r := h.do(req{method: "GET", path: "/api/v1/jobs?" + query})
	if r.status != 200 {
		h.t.Fatalf("search %s: %d %s", query, r.status, r.body)
	}
	ans := r.json(h.t)
	var titles []string
	for _, x := range ans["hits"].([]any) {
		titles = append(titles, x.(map[string]any)["title"].(string))
	}
	return titles, ans
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestPostingsAreFoundAndLeaveSearch(t *testing.T) {
	clock := newClock(time.Date(2026, 11, 26, 9, 0, 0, 0, models.China))
	h := newHarness(t, harnessOpts{indexing: true, clock: clock})
	ent := h.verifiedEnterprise("13600000101", "MA0P0001", "定襄法兰专业镇")
	dingxiang, qingxu := h.townID("定襄法兰专业镇"), h.townID("清徐老陈醋专业镇")

	r := h.do(req{method: "POST", path: "/api/v1/jobs", token: ent.Token,
		body: h.posting("招聘电焊工 月薪八千", "负责法兰焊接,包吃住,持证优先。", "电焊工", dingxiang, "2026-12-26")})
	if r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	posted := r.json(t)
	if posted["posting_fee_yuan"] != 0.0 {
		t.Fatalf("fee %v", posted["posting_fee_yuan"])
	}
	id := itoa(int64(posted["id"].(float64)))
	h.do(req{method: "POST", path: "/api/v1/jobs", token: ent.Token,
		body: h.posting("老陈醋酿造工", "负责老陈醋发酵与陈酿,熟悉传统工艺。", "食醋酿造工", qingxu, "2026-12-26")})

	t.Run("a seeker typing 焊工 finds the 电焊工 posting, highlighted", func(t *testing.T) {
		eventually(t, "the posting is searchable", func() bool { titles, _ := h.hits("q=" + url.QueryEscape("焊工")); return len(titles) == 1 })
		_, ans := h.hits("q=" + url.QueryEscape("焊工"))
		hit := ans["hits"].([]any)[0].(map[string]any)
		if hit["title"] != "招聘电焊工 月薪八千" || hit["town_name"] != "定襄法兰专业镇" || hit["enterprise_name"] != "企业MA0P0001" {
			t.Fatalf("hit %v", hit)
		}
		if hl := hit["highlight"].(map[string]any)["title"].(string); !strings.Contains(hl, "<mark>") {
			t.Fatalf("highlight %q", hl)
		}
	})
	t.Run("filters and facets", func(t *testing.T) {
		eventually(t, "both postings indexed", func() bool { titles, _ := h.hits(""); return len(titles) == 2 })
		titles, ans := h.hits("town_id=" + itoa(qingxu))
		if len(titles) != 1 || titles[0] != "老陈醋酿造工" {
			t.Fatalf("town filter %v", titles)
		}
		_, all := h.hits("")
		towns := all["facets"].(map[string]any)["town"].([]any)
		if len(towns) != 2 || towns[0].(map[string]any)["label"] == "" {
			t.Fatalf("town facet %v", towns)
		}
		_ = ans
		if titles, _ := h.hits("zone=professional_town&near_town_id=" + itoa(dingxiang) + "&radius_km=10"); len(titles) != 1 || titles[0] != "招聘电焊工 月薪八千" {
			t.Fatalf("near 定襄 %v", titles)
		}
	})
	t.Run("an edit reaches search", func(t *testing.T) {
		r := h.do(req{method: "PATCH", path: "/api/v1/jobs/" + id, token: ent.Token, body: map[string]any{"title": "招聘氩弧焊工"}})
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		eventually(t, "the new title is found", func() bool {
			titles, _ := h.hits("q=" + url.QueryEscape("氩弧"))
			return contains(titles, "招聘氩弧焊工")
		})
	})
	t.Run("another enterprise cannot close it", func(t *testing.T) {
		rival := h.verifiedEnterprise("13600000102", "MA0P0002", "清徐老陈醋专业镇")
		h.do(req{method: "POST", path: "/api/v1/jobs/" + id + "/close", token: rival.Token}).problem(t, 403, "forbidden")
		h.do(req{method: "PATCH", path: "/api/v1/jobs/" + id, token: rival.Token, body: map[string]any{"title": "被篡改"}}).problem(t, 403, "forbidden")
	})
	t.Run("closing takes it out of search and its page shows it closed", func(t *testing.T) {
		if r := h.do(req{method: "POST", path: "/api/v1/jobs/" + id + "/close", token: ent.Token}); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		eventually(t, "the closed posting leaves search", func() bool { titles, _ := h.hits("q=" + url.QueryEscape("焊工")); return len(titles) == 0 })
		if got := h.do(req{method: "GET", path: "/api/v1/jobs/" + id}).json(t); got["closed"] != true || got["status"] != "closed" {
			t.Fatalf("%v", got)
		}
		page := string(h.do(req{method: "GET", path: "/jobs/" + id, headers: map[string]string{"Accept": "text/html"}}).body)
		if !strings.Contains(page, "已关闭或已过期") {
			t.Fatal("the page does not say closed")
		}
	})
	t.Run("expiry takes a posting out of search on the next day, without any write", func(t *testing.T) {
		if titles, _ := h.hits("q=" + url.QueryEscape("陈醋")); len(titles) != 1 {
			t.Fatalf("before expiry %v", titles)
		}
		clock.set(time.Date(2026, 12, 26, 23, 59, 0, 0, models.China))
		if titles, _ := h.hits("q=" + url.QueryEscape("陈醋")); len(titles) != 1 {
			t.Fatalf("on its last day %v", titles)
		}
		clock.set(time.Date(2026, 12, 27, 0, 1, 0, 0, models.China))
		if titles, _ := h.hits("q=" + url.QueryEscape("陈醋")); len(titles) != 0 {
			t.Fatalf("after expiry %v", titles)
		}
	})
}

func TestReportAndTakeDown(t *testing.T) {
	h := newHarness(t, harnessOpts{indexing: true})
	ent := h.verifiedEnterprise("13600000201", "MA0P0201", "定襄法兰专业镇")
	expires := models.Today(time.Now().AddDate(0, 0, 30))
	r := h.do(req{method: "POST", path: "/api/v1/jobs", token: ent.Token, body: h.posting("高薪普工", "日结工资,先交培训费五百元。", "普工", h.townID("定襄法兰专业镇"), expires)})
	id := itoa(int64(r.json(t)["id"].(float64)))
	eventually(t, "indexed", func() bool { titles, _ := h.hits("q=" + url.QueryEscape("普工")); return len(titles) == 1 })

	rep := h.do(req{method: "POST", path: "/api/v1/jobs/" + id + "/reports", body: map[string]any{"reason": "收取培训费,涉嫌虚假招聘"}})
	if rep.status != 201 {
		t.Fatalf("%d %s", rep.status, rep.body)
	}
	rev := h.account(models.RoleReviewer, "13600000209")
	queue := h.do(req{method: "GET", path: "/api/v1/reports", token: rev.Token}).json(t)["reports"].([]any)
	if len(queue) != 1 {
		t.Fatalf("queue %v", queue)
	}
	repID := itoa(int64(queue[0].(map[string]any)["id"].(float64)))
	h.do(req{method: "POST", path: "/api/v1/reports/" + repID + "/resolve", token: ent.Token, body: map[string]any{"take_down": true}}).problem(t, 403, "forbidden")
	if r := h.do(req{method: "POST", path: "/api/v1/reports/" + repID + "/resolve", token: rev.Token, body: map[string]any{"take_down": true}}); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	eventually(t, "the taken-down posting leaves search", func() bool { titles, _ := h.hits("q=" + url.QueryEscape("普工")); return len(titles) == 0 })
	if got := h.do(req{method: "GET", path: "/api/v1/jobs/" + id}).json(t); got["status"] != "taken_down" {
		t.Fatalf("%v", got)
	}
}

func TestSearchParametersAreChecked(t *testing.T) {
	h := newHarness(t, harnessOpts{indexing: true})
	for _, c := range []struct{ query, field string }{
		{"per_page=500", "per_page"}, {"page=-1", "page"}, {"sort=price", "sort"}, {"town_id=abc", "town_id"},
		{"education=小学", "education"}, {"employment_type=gig", "employment_type"}, {"zone=all", "zone"},
		{"salary_min=lots", "salary_min"}, {"near_town_id=99999", "near_town_id"}, {"radius_km=10", "radius_km"},
		{"q=" + strings.Repeat("焊", 101), "q"},
	} {
		t.Run(c.query[:min(len(c.query), 20)], func(t *testing.T) {
			p := h.do(req{method: "GET", path: "/api/v1/jobs?" + c.query}).problem(t, 400, "malformed")
			if errs, _ := p["errors"].(map[string]any); errs[c.field] == nil {
				t.Fatalf("%s not named: %v", c.field, p)
			}
		})
	}
	t.Run("a filter injection finds nothing instead of everything", func(t *testing.T) {
		ent := h.verifiedEnterprise("13600000301", "MA0P0301", "定襄法兰专业镇")
		if r := h.do(req{method: "POST", path: "/api/v1/jobs", token: ent.Token, body: h.posting("锻造工", "负责法兰锻造,两班倒,包住宿。", "锻造工", h.townID("定襄法兰专业镇"), models.Today(time.Now().AddDate(0, 0, 10)))}); r.status != 201 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		eventually(t, "indexed", func() bool { titles, _ := h.hits(""); return len(titles) == 1 })
		for _, bad := range []string{`小榄" OR town_id != "0`, `a\" OR 1=1`, `法兰锻造" OR "1"="1`} {
			if titles, _ := h.hits("industry=" + url.QueryEscape(bad)); len(titles) != 0 {
				t.Errorf("%q found %v", bad, titles)
			}
		}
		if titles, _ := h.hits("industry=" + url.QueryEscape("法兰锻造")); len(titles) != 1 {
			t.Fatalf("the honest filter %v", titles)
		}
	})
}

// TestMeilisearchOutage stops a real Meilisearch: postings are still accepted, search answers
// 503, readiness says so, and once Meilisearch is back the index converges with nothing lost.
func TestMeilisearchOutage(t *testing.T) {
	meili := testsvc.RestartableMeili(t)
	h := newHarness(t, harnessOpts{indexing: true, meiliURL: meili.URL(), meiliKey: meili.MasterKey()})
	ent := h.verifiedEnterprise("13600000401", "MA0P0401", "定襄法兰专业镇")
	town := h.townID("定襄法兰专业镇")
	expires := models.Today(time.Now().AddDate(0, 0, 30))
	h.do(req{method: "POST", path: "/api/v1/jobs", token: ent.Token, body: h.posting("铸造工 甲", "负责铸件浇注与清理,包吃住。", "铸造工", town, expires)})
	eventually(t, "indexed before the outage", func() bool { titles, _ := h.hits("q=" + url.QueryEscape("铸造")); return len(titles) == 1 })

	meili.Stop()
	for _, title := range []string{"铸造工 乙", "铸造工 丙"} {
		if r := h.do(req{method: "POST", path: "/api/v1/jobs", token: ent.Token, body: h.posting(title, "负责铸件浇注与清理,包吃住。", "铸造工", town, expires)}); r.status != 201 {
			t.Fatalf("posting during the outage: %d %s", r.status, r.body)
		}
	}
	h.do(req{method: "GET", path: "/api/v1/jobs?q=" + url.QueryEscape("铸造")}).problem(t, 503, "unavailable")
	h.do(req{method: "GET", path: "/readyz"}).problem(t, 503, "unavailable")
	page := h.do(req{method: "GET", path: "/jobs?q=" + url.QueryEscape("铸造"), headers: map[string]string{"Accept": "text/html"}})
	if page.status != 503 || !strings.Contains(string(page.body), "搜索服务暂时不可用") {
		t.Fatalf("results page during the outage: %d", page.status)
	}

	meili.Start()
	eventually(t, "the index converges after Meilisearch returns", func() bool {
		r := h.do(req{method: "GET", path: "/api/v1/jobs?q=" + url.QueryEscape("铸造")})
		return r.status == 200 && len(r.json(t)["hits"].([]any)) == 3
	})
	eventually(t, "the outbox is drained", func() bool { n, _ := h.store.OutboxPending(context.Background()); return n == 0 })
}

// TestWakeUpsCrossProcesses: one portal process takes the posting, another (which never polls)
// indexes it because the first one's wake-up reaches it through Redis.
func TestWakeUpsCrossProcesses(t *testing.T) {
	redisURL := testsvc.RedisURL(t)
	meiliURL, key := testsvc.Meili(t)
	dbURL := testsvc.Databases(t)[0].URL
	prefix := testsvc.UniqueName(t, "x") + "_"
	front := newHarness(t, harnessOpts{databaseURL: dbURL, redisURL: redisURL, meiliURL: meiliURL, meiliKey: key, indexPrefix: prefix})
	subscribers := func() int64 {
		n, _ := front.app.redis.PubSubNumSub(context.Background(), "portal:outbox").Result()
		return n["portal:outbox"]
	}
	before := subscribers()
	back := newHarness(t, harnessOpts{databaseURL: dbURL, redisURL: redisURL, meiliURL: meiliURL, meiliKey: key, indexPrefix: prefix, indexing: true, poll: time.Hour})
	eventually(t, "the back process listens", func() bool { return subscribers() > before })
	ent := front.verifiedEnterprise("13600000501", "MA0P0501", "定襄法兰专业镇")
	r := front.do(req{method: "POST", path: "/api/v1/jobs", token: ent.Token, body: front.posting("模具钳工", "负责模具装配与维修。", "钳工", front.townID("定襄法兰专业镇"), models.Today(time.Now().AddDate(0, 0, 30)))})
	if r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	eventually(t, "the other process indexed it", func() bool { titles, _ := back.hits("q=" + url.QueryEscape("钳工")); return len(titles) == 1 })
}

func TestSearchPages(t *testing.T) {
	h := newHarness(t, harnessOpts{indexing: true})
	ent := h.verifiedEnterprise("13600000601", "MA0P0601", "定襄法兰专业镇")
	expires := models.Today(time.Now().AddDate(0, 0, 30))
	town := h.townID("定襄法兰专业镇")
	for i, title := range []string{"<script>alert(1)</script>电焊工", "氩弧焊工", "二保焊工"} {
		body := h.posting(title, "负责法兰焊接工作,第"+itoa(int64(i))+"号岗位,包吃住。", "电焊工", town, expires)
		if r := h.do(req{method: "POST", path: "/api/v1/jobs", token: ent.Token, body: body}); r.status != 201 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	}
	eventually(t, "indexed", func() bool { titles, _ := h.hits(""); return len(titles) == 3 })
	html := map[string]string{"Accept": "text/html"}
	page := string(h.do(req{method: "GET", path: "/jobs?q=" + url.QueryEscape("焊工") + "&per_page=2&education=" + url.QueryEscape("不限"), headers: html}).body)
	t.Run("document text is escaped and only <mark> is markup", func(t *testing.T) {
		if strings.Contains(page, "<script>alert(1)</script>") || !strings.Contains(page, "&lt;script&gt;") {
			t.Fatal("the posting's markup reached the page")
		}
		if !strings.Contains(page, "<mark>") {
			t.Fatal("no highlight")
		}
	})
	t.Run("results say how many, and page on keeping every filter", func(t *testing.T) {
		if !strings.Contains(page, "共 3 个岗位") {
			t.Fatalf("count missing")
		}
		next := regexpFind(page, `href="([^"]*page=2[^"]*)" rel="next"`)
		if next == "" || !strings.Contains(next, "education=") || !strings.Contains(next, "per_page=2") || !strings.Contains(next, "q=") {
			t.Fatalf("next link %q", next)
		}
		second := string(h.do(req{method: "GET", path: strings.ReplaceAll(next, "&amp;", "&"), headers: html}).body)
		if !strings.Contains(second, "第 2 / 2 页") || strings.Count(second, `<article class="job">`) != 1 {
			t.Fatal("second page wrong")
		}
	})
	t.Run("facet links narrow the search and keep the query", func(t *testing.T) {
		link := regexpFind(page, `href="(/jobs\?[^"]*town_id=`+itoa(town)+`[^"]*)"`)
		if link == "" || !strings.Contains(link, "q=") {
			t.Fatalf("town facet link %q", link)
		}
	})
	t.Run("the zone and town pages list the postings", func(t *testing.T) {
		for _, path := range []string{"/zone", "/towns/" + itoa(town), "/"} {
			body := string(h.do(req{method: "GET", path: path, headers: html}).body)
			if !strings.Contains(body, "氩弧焊工") {
				t.Errorf("%s lacks the posting", path)
			}
		}
	})
	t.Run("a bad parameter on the page is a 400 page, not a 500", func(t *testing.T) {
		r := h.do(req{method: "GET", path: "/jobs?per_page=999", headers: html})
		if r.status != 400 || !strings.Contains(string(r.body), "每页条数") {
			t.Fatalf("%d", r.status)
		}
	})
}

func regexpFind(s, pattern string) string {
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}

// TestNothingLostBetweenCommitAndIndex: a posting committed by a process that died before
// writing to the index (here: one whose indexer never ran) is indexed by the next process.
func TestNothingLostBetweenCommitAndIndex(t *testing.T) {
	meiliURL, key := testsvc.Meili(t)
	prefix := testsvc.UniqueName(t, "c") + "_"
	dbURL := testsvc.Databases(t)[0].URL
	dead := newHarness(t, harnessOpts{databaseURL: dbURL, meiliURL: meiliURL, meiliKey: key, indexPrefix: prefix})
	ent := dead.verifiedEnterprise("13600000701", "MA0P0701", "定襄法兰专业镇")
	r := dead.do(req{method: "POST", path: "/api/v1/jobs", token: ent.Token, body: dead.posting("热处理工", "负责锻件热处理,倒班,包吃住。", "热处理工", dead.townID("定襄法兰专业镇"), models.Today(time.Now().AddDate(0, 0, 30)))})
	if r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if n, _ := dead.store.OutboxPending(context.Background()); n == 0 {
		t.Fatal("the change left no outbox row")
	}
	next := newHarness(t, harnessOpts{databaseURL: dbURL, meiliURL: meiliURL, meiliKey: key, indexPrefix: prefix, indexing: true})
	eventually(t, "the next process indexed it", func() bool { titles, _ := next.hits("q=" + url.QueryEscape("热处理")); return len(titles) == 1 })
}
