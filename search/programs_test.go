package search

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/meilisearch/meilisearch-go"

	"portal/models"
)

// programFixture is five programs; 4 ended yesterday and 5 ends today.
func programFixture() []ProgramDoc {
	return []ProgramDoc{
		{ID: 1, Name: "焊工技能提升培训班", Occupation: "焊工", Mode: "order", ProviderID: 11, ProviderName: "忻州职业技术学院",
			TownID: 1, TownName: "定襄法兰镇", PartnerName: "定襄法兰有限公司", StartOn: 20260610, EndOn: 20260710,
			PlannedDays: 20, ApprovedDays: 18, Capacity: 40, Geo: &Geo{Lat: 38.47, Lng: 112.96}},
		{ID: 2, Name: "老陈醋酿造工艺培训", Occupation: "酿造工", Mode: "project", ProviderID: 12, ProviderName: "清徐技工学校",
			TownID: 2, TownName: "清徐孟封镇", StartOn: 20260701, EndOn: 20261231, PlannedDays: 30, Capacity: 50},
		{ID: 3, Name: "<b>焊工</b> & 学徒班 \uE000伪造\uE001", Occupation: "焊工", Mode: "directed", ProviderID: 13,
			ProviderName: "定襄技校", TownID: 1, TownName: "定襄法兰镇", PartnerName: "定襄锻造厂",
			StartOn: 20260520, EndOn: 20261231, PlannedDays: 12, Capacity: 20},
		{ID: 4, Name: "数控车工培训班", Occupation: "数控车工", Mode: "order", ProviderID: 11, ProviderName: "忻州职业技术学院",
			TownID: 1, TownName: "定襄法兰镇", StartOn: 20260501, EndOn: today - 1, PlannedDays: 15, Capacity: 30},
		{ID: 5, Name: "低压电工取证班", Occupation: "电工", Mode: "project", ProviderID: 14, ProviderName: "祁县职业中学",
			TownID: 3, TownName: "祁县", StartOn: 20260515, EndOn: today, PlannedDays: 10, Capacity: 25,
			Geo: &Geo{Lat: 1000, Lng: 0}}, // off the globe: dropped, not a failed batch
	}
}

// programClient returns a client whose programs index holds docs.
func programClient(t *testing.T, docs []ProgramDoc) *Client {
	t.Helper()
	c := newTestClient(t)
	ctx := context.Background()
	admin, _, err := c.clients(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ensureProgramsIndex(ctx, admin); err != nil {
		t.Fatal(err)
	}
	if err := c.UpsertPrograms(ctx, docs); err != nil {
		t.Fatal(err)
	}
	return c
}

// findPrograms runs q (Today defaults to today) and returns the result and the hit ids in order.
func findPrograms(t *testing.T, c *Client, q ProgramQuery) (ProgramResult, []int64) {
	t.Helper()
	if q.Today == 0 {
		q.Today = today
	}
	res, err := c.SearchPrograms(context.Background(), q)
	if err != nil {
		t.Fatalf("SearchPrograms(%+v): %v", q, err)
	}
	got := make([]int64, len(res.Hits))
	for i, h := range res.Hits {
		got[i] = h.ID
	}
	return res, got
}

func sortedProgramIDs(t *testing.T, c *Client, q ProgramQuery) []int64 {
	t.Helper()
	_, got := findPrograms(t, c, q)
	return slices.Sorted(slices.Values(got))
}

func TestEnsureProgramsIndex(t *testing.T) {
	t.Parallel()
	c := programClient(t, nil)
	ctx := context.Background()
	admin, _, _ := c.clients(ctx)
	settings := func(t *testing.T) *meilisearch.Settings {
		s, err := admin.Index(c.IndexUID(ProgramsIndex)).GetSettings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	t.Run("searchable attributes keep their deliberate order", func(t *testing.T) {
		want := []string{"name", "occupation", "provider_name", "partner_name", "town_name"}
		if got := settings(t).SearchableAttributes; len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
			t.Fatalf("searchable attributes %v, want %v first", got, want)
		}
	})
	t.Run("filters, sorts, synonyms, Chinese and typos are set", func(t *testing.T) {
		s := settings(t)
		if !sameSet(s.FilterableAttributes, []string{"town_id", "mode", "occupation", "end_on", "provider_id"}) {
			t.Errorf("filterable %v", s.FilterableAttributes)
		}
		if !sameSet(s.SortableAttributes, []string{"start_on", "end_on"}) {
			t.Errorf("sortable %v", s.SortableAttributes)
		}
		if !slices.Contains(s.Synonyms["电焊工"], "焊工") {
			t.Errorf("电焊工 → %v", s.Synonyms["电焊工"])
		}
		if loc := s.LocalizedAttributes; len(loc) != 1 || !slices.Equal(loc[0].Locales, []string{"cmn"}) ||
			!slices.Contains(loc[0].AttributePatterns, "name") || !slices.Contains(loc[0].AttributePatterns, "partner_name") {
			t.Errorf("localized attributes %+v", loc)
		}
		if s.TypoTolerance == nil || !s.TypoTolerance.Enabled {
			t.Errorf("typo tolerance %+v", s.TypoTolerance)
		}
	})
	t.Run("a second run sends nothing", func(t *testing.T) {
		if err := c.ensureProgramsIndex(ctx, admin); err != nil {
			t.Fatal(err)
		}
		if n, err := c.applyProgramSettings(ctx, admin, c.IndexUID(ProgramsIndex)); err != nil || n != 0 {
			t.Fatalf("an up-to-date index got %d setting updates (%v), want 0", n, err)
		}
	})
	t.Run("a setting changed by hand is put back", func(t *testing.T) {
		info, err := admin.Index(c.IndexUID(ProgramsIndex)).UpdateSearchableAttributes(ctx, &[]string{"town_name"})
		if err := c.waitTask(ctx, admin, info, err); err != nil {
			t.Fatal(err)
		}
		if n, err := c.applyProgramSettings(ctx, admin, c.IndexUID(ProgramsIndex)); err != nil || n != 1 {
			t.Fatalf("%d updates (%v), want 1", n, err)
		}
		if got := settings(t).SearchableAttributes; !slices.Equal(got, programSearchable) {
			t.Fatalf("searchable attributes %v", got)
		}
	})
}

func TestSearchPrograms(t *testing.T) {
	t.Parallel()
	c := programClient(t, programFixture())

	t.Run("words, synonyms and pieces of words are found", func(t *testing.T) {
		for _, tc := range []struct {
			q    string
			want []int64
		}{
			{"焊工", []int64{1, 3}},
			{"电焊工", []int64{1, 3}}, // a synonym of the occupation 焊工
			{"陈醋", []int64{2}},     // inside the segmented word 老陈醋
			{"清徐技工学校", []int64{2}},
			{"法兰有限公司", []int64{1}}, // the partner enterprise
			{"电工", []int64{5}},
		} {
			if got := sortedProgramIDs(t, c, ProgramQuery{Q: tc.q}); !slices.Equal(got, tc.want) {
				t.Errorf("q=%s: hits %v, want %v", tc.q, got, tc.want)
			}
		}
	})
	t.Run("filters narrow the hits", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			q    ProgramQuery
			want []int64
		}{
			{"none lists every running program, soonest first", ProgramQuery{}, []int64{5, 3, 1, 2}},
			{"town", ProgramQuery{TownID: 1}, []int64{3, 1}},
			{"mode", ProgramQuery{Mode: "project"}, []int64{5, 2}},
			{"occupation", ProgramQuery{Occupation: "焊工"}, []int64{3, 1}},
			{"filters combine", ProgramQuery{Q: "焊工", TownID: 1, Mode: "order"}, []int64{1}},
			{"a town with nothing", ProgramQuery{TownID: 99}, []int64{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, got := findPrograms(t, c, tc.q); !slices.Equal(got, tc.want) {
					t.Fatalf("hits %v, want %v", got, tc.want)
				}
			})
		}
	})
	t.Run("a program that ended yesterday is not found, one ending today is", func(t *testing.T) {
		if got := sortedProgramIDs(t, c, ProgramQuery{Q: "数控车工"}); len(got) != 0 {
			t.Errorf("q=数控车工 found the ended program: %v", got)
		}
		if got := sortedProgramIDs(t, c, ProgramQuery{Q: "电工"}); !slices.Equal(got, []int64{5}) {
			t.Errorf("q=电工 on its last day: %v", got)
		}
		if got := sortedProgramIDs(t, c, ProgramQuery{Q: "电工", Today: today + 1}); len(got) != 0 {
			t.Errorf("q=电工 the day after: %v", got)
		}
	})
	t.Run("hits carry what the page shows", func(t *testing.T) {
		res, got := findPrograms(t, c, ProgramQuery{Q: "焊工技能提升"})
		if len(got) == 0 || got[0] != 1 {
			t.Fatalf("hits %v", got)
		}
		h := res.Hits[0]
		if h.Name != "焊工技能提升培训班" || h.Occupation != "焊工" || h.Mode != "order" || h.ProviderName != "忻州职业技术学院" ||
			h.TownID != 1 || h.TownName != "定襄法兰镇" || h.PartnerName != "定襄法兰有限公司" || h.StartOn != "2026-06-10" ||
			h.EndOn != "2026-07-10" || h.PlannedDays != 20 || h.ApprovedDays != 18 || h.Capacity != 40 {
			t.Errorf("hit %+v", h)
		}
		if !strings.Contains(h.Highlight.Name, "<mark>") {
			t.Errorf("highlight.name %q", h.Highlight.Name)
		}
	})
	t.Run("highlights escape the name and only mark is markup", func(t *testing.T) {
		res, got := findPrograms(t, c, ProgramQuery{Q: "焊工", Mode: "directed"})
		if !slices.Equal(got, []int64{3}) {
			t.Fatalf("hits %v", got)
		}
		hl := res.Hits[0].Highlight.Name
		if !strings.HasPrefix(hl, "&lt;b&gt;<mark>焊工</mark>&lt;/b&gt; &amp; 学徒班") {
			t.Errorf("highlight.name %q", hl)
		}
		if bare := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(hl); strings.ContainsAny(bare, "<>\uE000\uE001") {
			t.Errorf("markup other than <mark> in %q", hl)
		}
		if strings.Count(hl, "<mark>") != 1 {
			t.Errorf("the program forged a highlight: %q", hl)
		}
	})
	t.Run("pages carry the total", func(t *testing.T) {
		res, got := findPrograms(t, c, ProgramQuery{Page: 2, PerPage: 3})
		if res.Total != 4 || res.Page != 2 || res.PerPage != 3 || !slices.Equal(got, []int64{2}) {
			t.Errorf("page 2: total %d page %d per_page %d hits %v", res.Total, res.Page, res.PerPage, got)
		}
		if res, _ := findPrograms(t, c, ProgramQuery{}); res.Page != 1 || res.PerPage != 20 {
			t.Errorf("defaults: page %d per_page %d", res.Page, res.PerPage)
		}
	})
	t.Run("a deleted program is gone", func(t *testing.T) {
		extra := ProgramDoc{ID: 9, Name: "面点师培训", Occupation: "面点师", Mode: "project", TownID: 9, EndOn: 20261231}
		if err := c.UpsertPrograms(context.Background(), []ProgramDoc{extra}); err != nil {
			t.Fatal(err)
		}
		if got := sortedProgramIDs(t, c, ProgramQuery{TownID: 9}); !slices.Equal(got, []int64{9}) {
			t.Fatalf("after upsert: %v", got)
		}
		if err := c.DeletePrograms(context.Background(), []int64{9}); err != nil {
			t.Fatal(err)
		}
		if got := sortedProgramIDs(t, c, ProgramQuery{TownID: 9}); len(got) != 0 {
			t.Fatalf("after delete: %v", got)
		}
	})
	t.Run("user input cannot leave the occupation value", func(t *testing.T) {
		for _, occ := range []string{`焊工" OR mode != "x`, `焊工\" OR mode != \"x`, `\`, `"`, `x" OR end_on < "99999999`} {
			if got := sortedProgramIDs(t, c, ProgramQuery{Occupation: occ}); len(got) != 0 {
				t.Errorf("occupation %q: hits %v, want none", occ, got)
			}
		}
	})
}

func TestProgramQueryValidate(t *testing.T) {
	for _, tc := range []struct {
		name, field string
		q           ProgramQuery
	}{
		{"unknown mode", "mode", ProgramQuery{Mode: "online"}},
		{"negative town", "town_id", ProgramQuery{TownID: -1}},
		{"overlong query", "q", ProgramQuery{Q: strings.Repeat("焊", 201)}},
		{"overlong occupation", "occupation", ProgramQuery{Occupation: strings.Repeat("a", 101)}},
		{"negative page", "page", ProgramQuery{Page: -1}},
		{"page size 51", "per_page", ProgramQuery{PerPage: 51}},
		{"beyond 10000 results", "page", ProgramQuery{Page: 201, PerPage: 50}},
	} {
		t.Run(tc.name+" is a 400 naming "+tc.field, func(t *testing.T) {
			var me *models.Error
			if err := tc.q.Validate(); !errors.As(err, &me) || me.Code != models.ErrMalformed || me.Fields[tc.field] == "" {
				t.Fatalf("Validate(%+v) = %v, want %s naming %s", tc.q, err, models.ErrMalformed, tc.field)
			}
		})
	}
	t.Run("good queries pass", func(t *testing.T) {
		for _, q := range []ProgramQuery{{}, {Q: "焊工", TownID: 3, Mode: "directed", Occupation: "焊工", Page: 200, PerPage: 50}} {
			if err := q.Validate(); err != nil {
				t.Errorf("Validate(%+v) = %v", q, err)
			}
		}
	})
	t.Run("a bad query is refused before asking Meilisearch", func(t *testing.T) {
		_, err := New("http://127.0.0.1:1", "", "").SearchPrograms(context.Background(), ProgramQuery{Mode: "x", Today: today})
		if models.ErrorCode(err) != models.ErrMalformed {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("a server that is down is unavailable, with the cause", func(t *testing.T) {
		_, err := New("http://127.0.0.1:1", "", "").SearchPrograms(context.Background(), ProgramQuery{Today: today})
		var me *meilisearch.Error
		if models.ErrorCode(err) != models.ErrUnavailable || !errors.As(err, &me) {
			t.Fatalf("err %v", err)
		}
	})
}

func TestParseProgramQuery(t *testing.T) {
	t.Run("every parameter is read", func(t *testing.T) {
		v := url.Values{"q": {" 焊工 "}, "town_id": {"3"}, "mode": {"order"}, "occupation": {"焊工"}, "page": {"2"}, "per_page": {"10"}}
		q, err := ParseProgramQuery(v, today)
		want := ProgramQuery{Q: "焊工", TownID: 3, Mode: "order", Occupation: "焊工", Today: today, Page: 2, PerPage: 10}
		if err != nil || q != want {
			t.Fatalf("ParseProgramQuery = %+v, %v; want %+v", q, err, want)
		}
	})
	for _, tc := range []struct{ param, value string }{
		{"town_id", "abc"}, {"town_id", "0"}, {"town_id", "-4"}, {"page", "two"}, {"per_page", "1.5"},
		{"per_page", "99"}, {"mode", "online"},
	} {
		t.Run(tc.param+"="+tc.value+" is a 400 naming it", func(t *testing.T) {
			_, err := ParseProgramQuery(url.Values{tc.param: {tc.value}}, today)
			var me *models.Error
			if !errors.As(err, &me) || me.Code != models.ErrMalformed || me.Fields[tc.param] == "" {
				t.Fatalf("err %v, want %s naming %s", err, models.ErrMalformed, tc.param)
			}
		})
	}
}
