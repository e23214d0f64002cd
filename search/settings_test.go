package search

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"portal/internal/testsvc"
)

// newTestClient returns a client on the shared test server with an index prefix of its
// own; every index under the prefix is deleted when the test ends.
func newTestClient(t *testing.T) *Client {
	t.Helper()
	url, key := testsvc.Meili(t)
	c := New(url, key, testsvc.UniqueName(t, "s")+"_")
	t.Cleanup(func() {
		ctx := context.Background()
		admin, _, err := c.clients(ctx)
		if err != nil {
			return
		}
		for _, uid := range indexesOf(t, c) {
			if err := c.dropIndex(ctx, admin, uid); err != nil {
				t.Logf("cleanup: %v", err)
			}
		}
	})
	return c
}

// indexesOf lists the uids of the indexes under the client's prefix.
func indexesOf(t *testing.T, c *Client) []string {
	t.Helper()
	ctx := context.Background()
	admin, _, err := c.clients(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := admin.ListIndexes(ctx, &meilisearch.IndexesQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var uids []string
	for _, idx := range res.Results {
		if strings.HasPrefix(idx.UID, c.prefix) {
			uids = append(uids, idx.UID)
		}
	}
	slices.Sort(uids)
	return uids
}

// jobSettings reads back the settings of the live jobs index.
func jobSettings(t *testing.T, c *Client) *meilisearch.Settings {
	t.Helper()
	ctx := context.Background()
	admin, _, err := c.clients(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s, err := admin.Index(c.IndexUID(JobsIndex)).GetSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEnsureIndexesAppliesTheJobSettings(t *testing.T) {
	t.Parallel()
	c := newTestClient(t)
	ctx := context.Background()
	if err := c.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}

	t.Run("searchable attributes keep their deliberate order", func(t *testing.T) {
		got := jobSettings(t, c).SearchableAttributes
		want := []string{"title", "occupation", "enterprise_name", "town_name", "county", "industry", "description"}
		if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
			t.Fatalf("searchable attributes %v, want %v first", got, want)
		}
	})
	t.Run("occupational synonyms are mutual", func(t *testing.T) {
		syn := jobSettings(t, c).Synonyms
		if !slices.Contains(syn["电焊工"], "焊工") || !slices.Contains(syn["焊工"], "电焊工") {
			t.Fatalf("电焊工 → %v, 焊工 → %v", syn["电焊工"], syn["焊工"])
		}
		if !slices.Contains(syn["氩弧焊工"], "气焊工") {
			t.Fatalf("氩弧焊工 → %v, want every word of its group", syn["氩弧焊工"])
		}
	})
	t.Run("text attributes are segmented as Chinese", func(t *testing.T) {
		loc := jobSettings(t, c).LocalizedAttributes
		if len(loc) != 1 || !slices.Equal(loc[0].Locales, []string{"cmn"}) {
			t.Fatalf("localized attributes %+v", loc)
		}
		for _, attr := range []string{"title", "description", "occupation", "enterprise_name", "town_name", "county", "industry"} {
			if !slices.Contains(loc[0].AttributePatterns, attr) {
				t.Errorf("%s is not localized: %v", attr, loc[0].AttributePatterns)
			}
		}
	})
	t.Run("filters, sorts, facets, paging and typos are set", func(t *testing.T) {
		s := jobSettings(t, c)
		for _, attr := range []string{"town_id", "industry", "education", "employment_type", "salary_max", "expires_on", "zone", "enterprise_id"} {
			if !slices.Contains(s.FilterableAttributes, attr) {
				t.Errorf("%s is not filterable: %v", attr, s.FilterableAttributes)
			}
		}
		// No _geo: Meilisearch would rewrite its whole R-tree on every write (geo.go).
		if slices.Contains(s.FilterableAttributes, "_geo") {
			t.Errorf("_geo is filterable: %v", s.FilterableAttributes)
		}
		if !sameSet(s.SortableAttributes, []string{"posted_at", "salary_max"}) {
			t.Errorf("sortable %v", s.SortableAttributes)
		}
		if s.Faceting.MaxValuesPerFacet != 100 || s.Pagination.MaxTotalHits != 10000 || !s.TypoTolerance.Enabled {
			t.Errorf("faceting %+v, pagination %+v, typo tolerance %+v", s.Faceting, s.Pagination, s.TypoTolerance)
		}
	})
	t.Run("a second start-up changes nothing and is quick", func(t *testing.T) {
		start := time.Now()
		if err := c.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("EnsureIndexes on an up-to-date index took %s", took)
		}
		admin, _, _ := c.clients(ctx)
		n, err := c.applyJobSettings(ctx, admin, c.IndexUID(JobsIndex))
		if err != nil || n != 0 {
			t.Fatalf("an up-to-date index got %d setting updates (%v), want 0", n, err)
		}
	})
	t.Run("a setting changed by hand is put back", func(t *testing.T) {
		admin, _, _ := c.clients(ctx)
		info, err := admin.Index(c.IndexUID(JobsIndex)).UpdateSearchableAttributes(ctx, &[]string{"description"})
		if err := c.waitTask(ctx, admin, info, err); err != nil {
			t.Fatal(err)
		}
		if err := c.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		if got := jobSettings(t, c).SearchableAttributes; !slices.Equal(got, jobSearchable) {
			t.Fatalf("searchable attributes %v after EnsureIndexes", got)
		}
	})
}

func TestMutualSynonyms(t *testing.T) {
	syn := mutualSynonyms([]byte(`[["焊工","电焊工","电焊"],["电焊","电焊条工"]]`))
	t.Run("every word maps to the others of its group", func(t *testing.T) {
		if got := syn["焊工"]; !slices.Equal(got, []string{"电焊", "电焊工"}) {
			t.Fatalf("焊工 → %v", got)
		}
	})
	t.Run("a word of two groups maps to both", func(t *testing.T) {
		if got := syn["电焊"]; !sameSet(got, []string{"焊工", "电焊工", "电焊条工"}) {
			t.Fatalf("电焊 → %v", got)
		}
	})
	t.Run("the embedded file parses", func(t *testing.T) {
		if len(jobSynonyms) < 100 || len(jobSynonyms["焊工"]) == 0 {
			t.Fatalf("%d synonym entries", len(jobSynonyms))
		}
	})
}

func TestHanBigrams(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"a word inside a longer word gets its pair", "老陈醋", "老陈 陈醋"},
		{"latin text is left to the normal tokenizer", "CNC操作工 QC", "操作 作工"},
		{"a lone character stands for itself", "醋 A 醋", "醋"},
		{"nothing for no Chinese", "welder", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := hanBigrams(tc.in); got != tc.want {
				t.Fatalf("hanBigrams(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
