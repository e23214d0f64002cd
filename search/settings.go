package search

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/meilisearch/meilisearch-go"
)

// JobsIndex is the logical name of the postings index.
const JobsIndex = "jobs"

// bigramsAttribute holds the overlapping two-character pieces of a posting's Chinese text,
// so a word inside a longer segmented word (陈醋 in 老陈醋) is found; see hanBigrams.
const bigramsAttribute = "bigrams"

// chineseLocale makes Meilisearch segment the text attributes, and the query, as Chinese
// rather than guessing (short Han strings are often taken for Japanese).
const chineseLocale = "cmn"

//go:embed synonyms.json
var synonymsJSON []byte

// jobSynonyms maps every word of an occupation group to all the other words of its group.
var jobSynonyms = mutualSynonyms(synonymsJSON)

var (
	// The order is deliberate: a match in the title outranks one in the description.
	jobSearchable  = []string{"title", "occupation", "enterprise_name", "town_name", "county", "industry", "description", bigramsAttribute}
	jobFilterable  = []string{"town_id", "industry", "education", "employment_type", "salary_max", "expires_on", "zone", "enterprise_id", "posted_at"}
	jobSortable    = []string{"posted_at", "salary_max"}
	jobLocalized   = []string{"title", "description", "occupation", "enterprise_name", "town_name", "county", "industry", bigramsAttribute}
	jobRankingRule = []string{
		"sort", // first, so "newest" and "salary_desc" order every hit, not only ties of relevance
		"words", "typo", "proximity", "attribute", "exactness",
		"posted_at:desc", // among equally relevant postings the newest comes first
	}
	jobTypoTolerance = meilisearch.TypoTolerance{Enabled: true,
		MinWordSizeForTypos: meilisearch.MinWordSizeForTypos{OneTypo: 5, TwoTypos: 9},
		DisableOnWords:      []string{}, DisableOnAttributes: []string{}}
	jobFaceting = meilisearch.Faceting{MaxValuesPerFacet: 100,
		SortFacetValuesBy: map[string]meilisearch.SortFacetType{"*": meilisearch.SortFacetTypeCount}}
	jobPagination = meilisearch.Pagination{MaxTotalHits: maxTotalHits}
)

// maxTotalHits is how deep paging may go; JobQuery.Validate refuses pages beyond it.
const maxTotalHits = 10000

// mutualSynonyms turns groups of equivalent words into Meilisearch's word → synonyms map.
func mutualSynonyms(raw []byte) map[string][]string {
	var groups [][]string
	if err := json.Unmarshal(raw, &groups); err != nil {
		panic("search: synonyms.json: " + err.Error())
	}
	sets := map[string]map[string]bool{}
	for _, group := range groups {
		for _, word := range group {
			for _, other := range group {
				if other == word {
					continue
				}
				if sets[word] == nil {
					sets[word] = map[string]bool{}
				}
				sets[word][other] = true
			}
		}
	}
	out := make(map[string][]string, len(sets))
	for word, set := range sets {
		out[word] = slices.Sorted(maps.Keys(set))
	}
	return out
}

// EnsureIndexes creates the indexes if they are missing and applies their settings; it is
// idempotent, so every start-up runs it.
func (c *Node) EnsureIndexes(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	admin, _, err := c.clients(ctx)
	if err != nil {
		return err
	}
	uid := c.IndexUID(JobsIndex)
	if err := c.ensureIndex(ctx, admin, uid); err != nil {
		return err
	}
	if _, err = c.applyJobSettings(ctx, admin, uid); err != nil {
		return err
	}
	return c.ensureProgramsIndex(ctx, admin)
}

func (c *Node) ensureIndex(ctx context.Context, admin meilisearch.ServiceManager, uid string) error {
	exists, err := indexExists(ctx, admin, uid)
	if err != nil || exists {
		return err
	}
	info, err := admin.CreateIndex(ctx, &meilisearch.IndexConfig{Uid: uid, PrimaryKey: "id"})
	if err := c.waitTask(ctx, admin, info, err); err != nil {
		// Another instance may have created it meanwhile.
		if exists, _ := indexExists(ctx, admin, uid); exists {
			return nil
		}
		return fmt.Errorf("create index %s: %w", uid, err)
	}
	return nil
}

// indexExists tells a missing index (404) from a failing server.
func indexExists(ctx context.Context, admin meilisearch.ServiceManager, uid string) (bool, error) {
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	_, err := admin.GetIndex(cctx, uid)
	if err == nil {
		return true, nil
	}
	var me *meilisearch.Error
	if errors.As(err, &me) && me.StatusCode == http.StatusNotFound {
		return false, nil
	}
	return false, err
}

// applyJobSettings reads the index settings once and updates only those that differ, so a
// start-up against an up-to-date index enqueues nothing. It returns the number of updates.
func (c *Node) applyJobSettings(ctx context.Context, admin meilisearch.ServiceManager, uid string) (int, error) {
	idx := admin.Index(uid)
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	cur, err := idx.GetSettings(cctx)
	cancel()
	if err != nil {
		var me *meilisearch.Error
		if !errors.As(err, &me) || me.ErrCode != meilisearch.ErrCodeResponseUnmarshalBody {
			return 0, fmt.Errorf("read settings of %s: %w", uid, err)
		}
		// Settings this SDK cannot read (say, filter rules set by hand): overwrite them all.
		cur = &meilisearch.Settings{}
	}

	type update struct {
		name  string
		apply func(context.Context) (*meilisearch.TaskInfo, error)
	}
	var updates []update
	add := func(differs bool, name string, apply func(context.Context) (*meilisearch.TaskInfo, error)) {
		if differs {
			updates = append(updates, update{name, apply})
		}
	}
	add(!slices.Equal(cur.SearchableAttributes, jobSearchable), "searchable attributes", func(ctx context.Context) (*meilisearch.TaskInfo, error) {
		return idx.UpdateSearchableAttributes(ctx, &jobSearchable)
	})
	add(!sameSet(cur.FilterableAttributes, jobFilterable), "filterable attributes", func(ctx context.Context) (*meilisearch.TaskInfo, error) {
		attrs := make([]any, len(jobFilterable))
		for i, a := range jobFilterable {
			attrs[i] = a
		}
		return idx.UpdateFilterableAttributes(ctx, &attrs)
	})
	add(!sameSet(cur.SortableAttributes, jobSortable), "sortable attributes", func(ctx context.Context) (*meilisearch.TaskInfo, error) {
		return idx.UpdateSortableAttributes(ctx, &jobSortable)
	})
	add(!slices.Equal(cur.RankingRules, jobRankingRule), "ranking rules", func(ctx context.Context) (*meilisearch.TaskInfo, error) {
		return idx.UpdateRankingRules(ctx, &jobRankingRule)
	})
	add(!sameSynonyms(cur.Synonyms, jobSynonyms), "synonyms", func(ctx context.Context) (*meilisearch.TaskInfo, error) {
		return idx.UpdateSynonyms(ctx, &jobSynonyms)
	})
	add(!sameTypoTolerance(cur.TypoTolerance, jobTypoTolerance), "typo tolerance", func(ctx context.Context) (*meilisearch.TaskInfo, error) {
		return idx.UpdateTypoTolerance(ctx, &jobTypoTolerance)
	})
	add(cur.Faceting == nil || cur.Faceting.MaxValuesPerFacet != jobFaceting.MaxValuesPerFacet ||
		!maps.Equal(cur.Faceting.SortFacetValuesBy, jobFaceting.SortFacetValuesBy), "faceting", func(ctx context.Context) (*meilisearch.TaskInfo, error) {
		return idx.UpdateFaceting(ctx, &jobFaceting)
	})
	add(cur.Pagination == nil || *cur.Pagination != jobPagination, "pagination", func(ctx context.Context) (*meilisearch.TaskInfo, error) {
		return idx.UpdatePagination(ctx, &jobPagination)
	})
	// Proximity by attribute, and no facet search (the portal never searches facet values):
	// both cut the work of every indexing task, which is what a fresh posting waits for.
	add(cur.ProximityPrecision != meilisearch.ByAttribute, "proximity precision", func(ctx context.Context) (*meilisearch.TaskInfo, error) {
		return idx.UpdateProximityPrecision(ctx, meilisearch.ByAttribute)
	})
	add(cur.FacetSearch, "facet search", func(ctx context.Context) (*meilisearch.TaskInfo, error) {
		return idx.UpdateFacetSearch(ctx, false)
	})
	add(!sameLocalized(cur.LocalizedAttributes), "localized attributes", func(ctx context.Context) (*meilisearch.TaskInfo, error) {
		return idx.UpdateLocalizedAttributes(ctx, []*meilisearch.LocalizedAttributes{
			{AttributePatterns: jobLocalized, Locales: []string{chineseLocale}}})
	})

	// Enqueue every update before waiting: Meilisearch applies them in one batch.
	tasks := make([]*meilisearch.TaskInfo, len(updates))
	for i, u := range updates {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		tasks[i], err = u.apply(cctx)
		cancel()
		if err != nil {
			return i, fmt.Errorf("update %s of %s: %w", u.name, uid, err)
		}
	}
	for i, info := range tasks {
		if err := c.waitTask(ctx, admin, info, nil); err != nil {
			return len(tasks), fmt.Errorf("update %s of %s: %w", updates[i].name, uid, err)
		}
	}
	return len(tasks), nil
}

func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

func sameSynonyms(have, want map[string][]string) bool {
	return maps.EqualFunc(have, want, sameSet)
}

func sameTypoTolerance(have *meilisearch.TypoTolerance, want meilisearch.TypoTolerance) bool {
	return have != nil && have.Enabled == want.Enabled && have.MinWordSizeForTypos == want.MinWordSizeForTypos &&
		sameSet(have.DisableOnWords, want.DisableOnWords) && sameSet(have.DisableOnAttributes, want.DisableOnAttributes) &&
		have.DisableOnNumbers == want.DisableOnNumbers
}

func sameLocalized(have []*meilisearch.LocalizedAttributes) bool {
	return len(have) == 1 && have[0] != nil && slices.Equal(have[0].Locales, []string{chineseLocale}) &&
		slices.Equal(have[0].AttributePatterns, jobLocalized)
}

// prepare makes the node's indexes ready for the indexer and reports whether its postings
// index was missing: a node that lost its data (or is new) must be rebuilt from the database,
// whatever position it had in the outbox.
func (c *Node) prepare(ctx context.Context) (missing bool, err error) {
	admin, _, err := c.clients(ctx)
	if err != nil {
		return false, err
	}
	exists, err := indexExists(ctx, admin, c.IndexUID(JobsIndex))
	if err != nil {
		return false, err
	}
	return !exists, c.EnsureIndexes(ctx)
}
