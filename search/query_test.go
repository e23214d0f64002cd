package search

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"portal/models"
)

const today = 20260601

// taiyuan is the point of the geo tests; a degree of latitude is about 111.2 km.
var taiyuan = Geo{Lat: 37.87, Lng: 112.55}

func kmNorth(p Geo, km float64) Geo { return Geo{Lat: p.Lat + km/111.2, Lng: p.Lng} }

// fixtureTowns places the towns of searchFixture: a posting is at its town's point.
var fixtureTowns = func() []models.Town {
	at := func(id int64, g Geo) models.Town { return models.Town{ID: id, Lat: g.Lat, Lng: g.Lng} }
	return []models.Town{at(1, kmNorth(taiyuan, 10)), at(2, kmNorth(taiyuan, 100)), at(3, kmNorth(taiyuan, -400)),
		at(4, Geo{Lat: 22.57, Lng: 113.26})}
}()

// near is a radius query around p, resolved to the fixture's towns as ParseJobQuery does.
func near(p Geo, km int) JobQuery {
	return JobQuery{Near: &p, RadiusKm: km, NearTowns: TownsWithin(fixtureTowns, p, km)}
}

// searchFixture is seven postings; 4 has expired, 5 expires today, 6 and 7 have
// industries that look like filter injections.
func searchFixture() []JobDoc {
	pt := []string{ZoneProfessionalTown}
	return []JobDoc{
		{ID: 1, Title: "招聘电焊工 月薪八千 包吃住", Description: "负责法兰锻造件的焊接，要求持证上岗",
			EnterpriseName: "Dingxiang Flange 定襄法兰有限公司", TownID: 1, TownName: "定襄法兰镇", Industry: "法兰锻造",
			Education: "中专", EmploymentType: "full_time", SalaryMin: 6000, SalaryMax: 8000,
			PostedAt: 1000, ExpiresOn: 20261231, Zone: pt},
		{ID: 2, Title: "老陈醋酿造工", Description: "山西老陈醋传统工艺，熏醅淋醋", EnterpriseName: "清徐醋业",
			TownID: 2, TownName: "清徐孟封镇", Industry: "食醋酿造", Education: "不限", EmploymentType: "seasonal",
			SalaryMin: 4000, SalaryMax: 5000, PostedAt: 2000, ExpiresOn: 20261231},
		{ID: 3, Title: "<script>alert(1)</script>焊工", Description: "<b>粗体</b> 焊工 & 学徒 \uE000伪造\uE001",
			EnterpriseName: "定襄锻造厂", TownID: 1, TownName: "定襄法兰镇", Industry: "法兰锻造", Education: "高中",
			EmploymentType: "part_time", SalaryMin: 3000, SalaryMax: 8000, PostedAt: 3000, ExpiresOn: 20261231, Zone: pt},
		{ID: 4, Title: "数控车工", Description: "操作数控车床", EnterpriseName: "定襄锻造厂", TownID: 1, TownName: "定襄法兰镇",
			Industry: "法兰锻造", Education: "中专", EmploymentType: "full_time", SalaryMin: 9000, SalaryMax: 12000,
			PostedAt: 4000, ExpiresOn: today - 1, Zone: pt},
		{ID: 5, Title: "质检员", Description: "玻璃器皿质量检验", EnterpriseName: "祁县玻璃", TownID: 3, TownName: "祁县",
			Industry: "玻璃器皿", Education: "本科", EmploymentType: "internship", SalaryMin: 2000, SalaryMax: 3000,
			PostedAt: 500, ExpiresOn: today},
		{ID: 6, Title: "仓库管理员", Description: "管理成品库", EnterpriseName: "中山小榄五金", TownID: 4, TownName: "小榄",
			Industry: `小榄" OR town_id != "0`, Education: "大专", EmploymentType: "full_time", SalaryMin: 5000,
			SalaryMax: 7000, PostedAt: 600, ExpiresOn: 20261231},
		{ID: 7, Title: "包装工", Description: "纸箱包装", EnterpriseName: "中山小榄五金", TownID: 4, TownName: "小榄",
			Industry: `a\" OR 1=1`, Education: "初中", EmploymentType: "full_time", SalaryMin: 3500, SalaryMax: 4500,
			PostedAt: 700, ExpiresOn: 20261231},
	}
}

// indexedClient returns a client whose jobs index holds docs.
func indexedClient(t *testing.T, docs []JobDoc) *Client {
	t.Helper()
	c := newTestClient(t)
	ctx := context.Background()
	if err := c.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.UpsertJobs(ctx, docs); err != nil {
		t.Fatal(err)
	}
	return c
}

// search runs q (Today defaults to today) and fails the test on an error.
func search(t *testing.T, c *Client, q JobQuery) JobResult {
	t.Helper()
	if q.Today == 0 {
		q.Today = today
	}
	res, err := c.SearchJobs(context.Background(), q)
	if err != nil {
		t.Fatalf("SearchJobs(%+v): %v", q, err)
	}
	return res
}

func ids(res JobResult) []int64 {
	out := make([]int64, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = h.ID
	}
	return out
}

// sortedIDs are the ids of the hits in ascending order, for tests where order is not the point.
func sortedIDs(res JobResult) []int64 { return slices.Sorted(slices.Values(ids(res))) }

func TestSearchJobs(t *testing.T) {
	t.Parallel()
	c := indexedClient(t, searchFixture())

	t.Run("Chinese words are found inside Chinese text", func(t *testing.T) {
		for _, tc := range []struct {
			q         string
			has, lack []int64
		}{
			{"焊工", []int64{1, 3}, []int64{2}}, // 1 says 电焊工: a synonym
			{"电焊", []int64{1}, []int64{2}},
			{"法兰", []int64{1}, []int64{2}}, // in the description
			{"陈醋", []int64{2}, []int64{1}}, // inside the segmented word 老陈醋
			{"老陈醋", []int64{2}, []int64{1}},
			{"氩弧焊工", []int64{1, 3}, []int64{2}}, // same synonym group
		} {
			got := ids(search(t, c, JobQuery{Q: tc.q}))
			for _, id := range tc.has {
				if !slices.Contains(got, id) {
					t.Errorf("q=%s: hits %v, want %d among them", tc.q, got, id)
				}
			}
			for _, id := range tc.lack {
				if slices.Contains(got, id) {
					t.Errorf("q=%s: hits %v, want no %d", tc.q, got, id)
				}
			}
		}
	})
	t.Run("a typo in a latin word is tolerated", func(t *testing.T) {
		if got := ids(search(t, c, JobQuery{Q: "Flamge"})); !slices.Equal(got, []int64{1}) {
			t.Fatalf("q=Flamge: hits %v, want [1]", got)
		}
	})
	t.Run("filters narrow the hits", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			q    JobQuery
			want []int64
		}{
			{"no filter finds every open posting", JobQuery{}, []int64{1, 2, 3, 5, 6, 7}},
			{"town", JobQuery{TownID: 1}, []int64{1, 3}},
			{"industry", JobQuery{Industry: "法兰锻造"}, []int64{1, 3}},
			{"education", JobQuery{Education: "中专"}, []int64{1}},
			{"employment type", JobQuery{EmploymentType: "seasonal"}, []int64{2}},
			{"salary_max equal to salary_min passes", JobQuery{SalaryMin: 8000}, []int64{1, 3}},
			{"salary one above passes nothing open", JobQuery{SalaryMin: 8001}, []int64{}},
			{"professional-town zone", JobQuery{Zone: ZoneProfessionalTown}, []int64{1, 3}},
			{"within 50 km: the postings of town 1", near(taiyuan, 50), []int64{1, 3}},
			{"within 150 km: towns 1 and 2", near(taiyuan, 150), []int64{1, 2, 3}},
			{"no town within 5 km", near(taiyuan, 5), []int64{}},
			{"filters combine", JobQuery{TownID: 1, EmploymentType: "part_time", Q: "焊工"}, []int64{3}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := sortedIDs(search(t, c, tc.q)); !slices.Equal(got, tc.want) {
					t.Fatalf("hits %v, want %v", got, tc.want)
				}
			})
		}
	})
	t.Run("a posting expired yesterday is never found, one expiring today is", func(t *testing.T) {
		if got := ids(search(t, c, JobQuery{Q: "数控车工"})); len(got) != 0 {
			t.Errorf("q=数控车工 found the expired posting: %v", got)
		}
		if got := ids(search(t, c, JobQuery{Q: "质检员"})); !slices.Equal(got, []int64{5}) {
			t.Errorf("q=质检员 on its last day: %v, want [5]", got)
		}
		if got := ids(search(t, c, JobQuery{Q: "质检员", Today: today + 1})); len(got) != 0 {
			t.Errorf("q=质检员 the day after: %v, want none", got)
		}
	})
	t.Run("sorts", func(t *testing.T) {
		if got := ids(search(t, c, JobQuery{Sort: "newest"})); !slices.Equal(got, []int64{3, 2, 1, 7, 6, 5}) {
			t.Errorf("newest: %v", got)
		}
		if got := ids(search(t, c, JobQuery{Sort: "salary_desc"})); !slices.Equal(got, []int64{3, 1, 6, 2, 7, 5}) {
			t.Errorf("salary_desc: %v", got)
		}
		if got := ids(search(t, c, JobQuery{Q: "焊工", Sort: "newest"})); !slices.Equal(got, []int64{3, 1}) {
			t.Errorf("q=焊工 newest: %v", got)
		}
	})
	t.Run("pages carry the total", func(t *testing.T) {
		res := search(t, c, JobQuery{Sort: "newest", Page: 2, PerPage: 2})
		if res.Total != 6 || res.Page != 2 || res.PerPage != 2 || !slices.Equal(ids(res), []int64{1, 7}) {
			t.Errorf("page 2: total %d page %d per_page %d hits %v", res.Total, res.Page, res.PerPage, ids(res))
		}
		if res := search(t, c, JobQuery{Page: 4, PerPage: 2}); res.Total != 6 || len(res.Hits) != 0 {
			t.Errorf("page 4: total %d hits %v", res.Total, ids(res))
		}
		if res := search(t, c, JobQuery{}); res.Page != 1 || res.PerPage != 20 {
			t.Errorf("defaults: page %d per_page %d", res.Page, res.PerPage)
		}
	})
	t.Run("facets count the hits", func(t *testing.T) {
		f := search(t, c, JobQuery{}).Facets
		if f["town"]["1"] != 2 || f["town"]["4"] != 2 || f["town"]["2"] != 1 {
			t.Errorf("town facet %v", f["town"])
		}
		if f["industry"]["法兰锻造"] != 2 || f["education"]["中专"] != 1 || f["employment_type"]["full_time"] != 3 {
			t.Errorf("facets %v", f)
		}
		if len(f) != 4 {
			t.Errorf("facet keys %v", f)
		}
	})
	t.Run("hits carry what the page shows", func(t *testing.T) {
		res := search(t, c, JobQuery{Q: "老陈醋"})
		if len(res.Hits) != 1 {
			t.Fatalf("hits %v", ids(res))
		}
		h := res.Hits[0]
		if h.Title != "老陈醋酿造工" || h.EnterpriseName != "清徐醋业" || h.TownID != 2 || h.TownName != "清徐孟封镇" ||
			h.SalaryMin != 4000 || h.SalaryMax != 5000 || h.Education != "不限" || h.EmploymentType != "seasonal" ||
			h.Industry != "食醋酿造" || h.PostedAt != "1970-01-01T00:33:20Z" {
			t.Errorf("hit %+v", h)
		}
		if h.Highlight.Title != "<mark>老陈醋</mark>酿造工" {
			t.Errorf("highlight.title %q", h.Highlight.Title)
		}
	})
	t.Run("highlights escape the document and only mark is markup", func(t *testing.T) {
		res := search(t, c, JobQuery{Q: "焊工", TownID: 1, EmploymentType: "part_time"})
		if len(res.Hits) != 1 {
			t.Fatalf("hits %v", ids(res))
		}
		hl := res.Hits[0].Highlight
		if hl.Title != "&lt;script&gt;alert(1)&lt;/script&gt;<mark>焊工</mark>" {
			t.Errorf("highlight.title %q", hl.Title)
		}
		if !strings.Contains(hl.Description, "&lt;b&gt;粗体&lt;/b&gt;") || !strings.Contains(hl.Description, "<mark>焊工</mark> &amp; 学徒") {
			t.Errorf("highlight.description %q", hl.Description)
		}
		for _, s := range []string{hl.Title, hl.Description} {
			bare := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s)
			if strings.ContainsAny(bare, "<>\uE000\uE001") {
				t.Errorf("markup other than <mark> in %q", s)
			}
		}
		if strings.Count(hl.Description, "<mark>") != 1 {
			t.Errorf("the posting forged a highlight: %q", hl.Description)
		}
	})
	t.Run("the description is cropped", func(t *testing.T) {
		long := JobDoc{ID: 100, Title: "长描述", Description: strings.Repeat("负责设备的日常维护保养工作。", 40),
			TownID: 9, ExpiresOn: 20261231}
		if err := c.UpsertJobs(context.Background(), []JobDoc{long}); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = c.DeleteJobs(context.Background(), []int64{100}) }()
		res := search(t, c, JobQuery{TownID: 9})
		if len(res.Hits) != 1 || len([]rune(res.Hits[0].Highlight.Description)) > 200 {
			t.Fatalf("description of %d runes, want it cropped", len([]rune(res.Hits[0].Highlight.Description)))
		}
	})
}

func TestSearchJobsFilterInjection(t *testing.T) {
	t.Parallel()
	c := indexedClient(t, searchFixture())
	for _, tc := range []struct {
		name     string
		industry string
		want     []int64
	}{
		{"a quote cannot close the value", `小榄" OR town_id != "0`, []int64{6}},
		{"a backslash cannot escape the closing quote", `a\" OR 1=1`, []int64{7}},
		{"a quoted OR between real values", `法兰锻造" OR industry = "食醋酿造`, []int64{}},
		{"OR as words", "法兰锻造 OR 食醋酿造", []int64{}},
		{"NOT", "NOT", []int64{}},
		{"AND", `x" AND expires_on < "99999999`, []int64{}},
		{"a lone backslash", `\`, []int64{}},
		{"a lone quote", `"`, []int64{}},
		{"a geo function", `") OR _geoRadius(0, 0, 99999999) OR ("`, []int64{}},
		{"a plain value still matches", "法兰锻造", []int64{1, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sortedIDs(search(t, c, JobQuery{Industry: tc.industry})); !slices.Equal(got, tc.want) {
				t.Fatalf("industry %q: hits %v, want %v", tc.industry, got, tc.want)
			}
		})
	}
}

func TestJobQueryValidate(t *testing.T) {
	for _, tc := range []struct {
		name, field string
		q           JobQuery
	}{
		{"unknown education", "education", JobQuery{Education: "小学"}},
		{"unknown employment type", "employment_type", JobQuery{EmploymentType: "fulltime"}},
		{"negative salary", "salary_min", JobQuery{SalaryMin: -1}},
		{"unknown zone", "zone", JobQuery{Zone: "vip"}},
		{"no radius with a place", "radius_km", JobQuery{Near: &taiyuan}},
		{"radius beyond 500 km", "radius_km", JobQuery{Near: &taiyuan, RadiusKm: 501}},
		{"negative radius", "radius_km", JobQuery{Near: &taiyuan, RadiusKm: -5}},
		{"radius without a place", "near_town_id", JobQuery{RadiusKm: 10}},
		{"unknown sort", "sort", JobQuery{Sort: "oldest"}},
		{"negative page", "page", JobQuery{Page: -1}},
		{"page size 51", "per_page", JobQuery{PerPage: 51}},
		{"negative page size", "per_page", JobQuery{PerPage: -1}},
		{"beyond 10000 results", "page", JobQuery{Page: 201, PerPage: 50}},
		{"huge page", "page", JobQuery{Page: 1 << 62, PerPage: 50}},
		{"negative town", "town_id", JobQuery{TownID: -1}},
		{"overlong query", "q", JobQuery{Q: strings.Repeat("焊", 201)}},
		{"overlong industry", "industry", JobQuery{Industry: strings.Repeat("a", 101)}},
	} {
		t.Run(tc.name+" is a 400 naming "+tc.field, func(t *testing.T) {
			err := tc.q.Validate()
			var me *models.Error
			if !errors.As(err, &me) || me.Code != models.ErrMalformed || me.Fields[tc.field] == "" {
				t.Fatalf("Validate(%+v) = %v, want %s naming %s", tc.q, err, models.ErrMalformed, tc.field)
			}
		})
	}
	t.Run("good queries pass", func(t *testing.T) {
		for _, q := range []JobQuery{
			{},
			{Q: "焊工", TownID: 3, Industry: "法兰", Education: "不限", EmploymentType: "seasonal", SalaryMin: 0,
				Zone: ZoneProfessionalTown, Near: &taiyuan, RadiusKm: 500, Sort: "salary_desc", Page: 200, PerPage: 50},
			{Sort: "relevance", Page: 1, PerPage: 1},
		} {
			if err := q.Validate(); err != nil {
				t.Errorf("Validate(%+v) = %v", q, err)
			}
		}
	})
	t.Run("SearchJobs refuses before asking Meilisearch", func(t *testing.T) {
		_, err := New("http://127.0.0.1:1", "", "").SearchJobs(context.Background(), JobQuery{Sort: "x", Today: today})
		if models.ErrorCode(err) != models.ErrMalformed {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("a server that is down is unavailable, not a bug", func(t *testing.T) {
		_, err := New("http://127.0.0.1:1", "", "").SearchJobs(context.Background(), JobQuery{Today: today})
		if models.ErrorCode(err) != models.ErrUnavailable {
			t.Fatalf("err %v", err)
		}
	})
}
