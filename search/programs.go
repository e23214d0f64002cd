package search

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/meilisearch/meilisearch-go"

	"portal/models"
)

// ProgramsIndex is the logical name of the training-programs index (GET /programs).
const ProgramsIndex = "programs"

// programModes are the ways a provider runs a program (订单式、项目制、定向式培训, Article 8).
var programModes = []string{"order", "project", "directed"}

var (
	// The order is deliberate: a match in the name outranks one in the occupation, and so on.
	programSearchable = []string{"name", "occupation", "provider_name", "partner_name", "town_name", bigramsAttribute}
	programFilterable = []string{"town_id", "mode", "occupation", "end_on", "provider_id"}
	programSortable   = []string{"start_on", "end_on"}
	programLocalized  = []string{"name", "occupation", "provider_name", "partner_name", "town_name", bigramsAttribute}
)

// ProgramDoc is one training program as the index holds it.
type ProgramDoc struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Occupation   string `json:"occupation"`
	Mode         string `json:"mode"` // order | project | directed
	ProviderID   int64  `json:"provider_id"`
	ProviderName string `json:"provider_name"`
	TownID       int64  `json:"town_id"`
	TownName     string `json:"town_name"`
	PartnerName  string `json:"partner_name"` // the partner enterprise, "" for none
	StartOn      int    `json:"start_on"`     // yyyymmdd as an integer
	EndOn        int    `json:"end_on"`       // yyyymmdd as an integer
	PlannedDays  int    `json:"planned_days"`
	ApprovedDays int    `json:"approved_days"`
	Capacity     int    `json:"capacity"`
	Geo          *Geo   `json:"_geo,omitempty"`
}

// indexedProgram is what is sent to Meilisearch: the program plus its bigrams (see hanBigrams).
type indexedProgram struct {
	ProgramDoc
	Bigrams string `json:"bigrams"`
}

// ensureProgramsIndex creates the programs index if it is missing and brings its settings up to date.
func (c *Node) ensureProgramsIndex(ctx context.Context, admin meilisearch.ServiceManager) error {
	uid := c.IndexUID(ProgramsIndex)
	if err := c.ensureIndex(ctx, admin, uid); err != nil {
		return err
	}
	_, err := c.applyProgramSettings(ctx, admin, uid)
	return err
}

// applyProgramSettings updates only the settings that differ, like applyJobSettings, and
// returns the number of updates. Synonyms, typo tolerance and paging are those of the jobs.
func (c *Node) applyProgramSettings(ctx context.Context, admin meilisearch.ServiceManager, uid string) (int, error) {
	idx := admin.Index(uid)
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	cur, err := idx.GetSettings(cctx)
	cancel()
	if err != nil {
		var me *meilisearch.Error
		if !errors.As(err, &me) || me.ErrCode != meilisearch.ErrCodeResponseUnmarshalBody {
			return 0, fmt.Errorf("read settings of %s: %w", uid, err)
		}
		cur = &meilisearch.Settings{} // unreadable settings: overwrite them all
	}
	type update = func(context.Context) (*meilisearch.TaskInfo, error)
	var names []string
	var updates []update
	add := func(differs bool, name string, apply update) {
		if differs {
			names, updates = append(names, name), append(updates, apply)
		}
	}
	add(!slices.Equal(cur.SearchableAttributes, programSearchable), "searchable attributes", func(ctx context.Context) (*meilisearch.TaskInfo, error) {
		return idx.UpdateSearchableAttributes(ctx, &programSearchable)
	})
	add(!sameSet(cur.FilterableAttributes, programFilterable), "filterable attributes", func(ctx context.Context) (*meilisearch.TaskInfo, error) {
		attrs := make([]any, len(programFilterable))
		for i, a := range programFilterable {
			attrs[i] = a
		}
		return idx.UpdateFilterableAttributes(ctx, &attrs)
	})
	add(!sameSet(cur.SortableAttributes, programSortable), "sortable attributes", func(ctx context.Context) (*meilisearch.TaskInfo, error) {
		return idx.UpdateSortableAttributes(ctx, &programSortable)
	})
	add(!sameSynonyms(cur.Synonyms, jobSynonyms), "synonyms", func(ctx context.Context) (*meilisearch.TaskInfo, error) {
		return idx.UpdateSynonyms(ctx, &jobSynonyms)
	})
	add(!sameTypoTolerance(cur.TypoTolerance, jobTypoTolerance), "typo tolerance", func(ctx context.Context) (*meilisearch.TaskInfo, error) {
		return idx.UpdateTypoTolerance(ctx, &jobTypoTolerance)
	})
	add(cur.Pagination == nil || *cur.Pagination != jobPagination, "pagination", func(ctx context.Context) (*meilisearch.TaskInfo, error) {
		return idx.UpdatePagination(ctx, &jobPagination)
	})
	loc := cur.LocalizedAttributes
	add(len(loc) != 1 || loc[0] == nil || !slices.Equal(loc[0].Locales, []string{chineseLocale}) ||
		!slices.Equal(loc[0].AttributePatterns, programLocalized), "localized attributes", func(ctx context.Context) (*meilisearch.TaskInfo, error) {
		return idx.UpdateLocalizedAttributes(ctx, []*meilisearch.LocalizedAttributes{
			{AttributePatterns: programLocalized, Locales: []string{chineseLocale}}})
	})
	// Enqueue every update before waiting: Meilisearch applies them in one batch.
	tasks := make([]*meilisearch.TaskInfo, len(updates))
	for i, apply := range updates {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		tasks[i], err = apply(cctx)
		cancel()
		if err != nil {
			return i, fmt.Errorf("update %s of %s: %w", names[i], uid, err)
		}
	}
	for i, info := range tasks {
		if err := c.waitTask(ctx, admin, info, nil); err != nil {
			return len(tasks), fmt.Errorf("update %s of %s: %w", names[i], uid, err)
		}
	}
	return len(tasks), nil
}

// UpsertPrograms adds or replaces programs and waits until Meilisearch has indexed them; a
// batch that Meilisearch refuses is an error.
func (c *Node) UpsertPrograms(ctx context.Context, docs []ProgramDoc) error {
	if len(docs) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	admin, _, err := c.clients(ctx)
	if err != nil {
		return err
	}
	batch := make([]indexedProgram, len(docs))
	for i, d := range docs {
		if d.Geo != nil && !validPoint(*d.Geo) {
			d.Geo = nil
		}
		for _, s := range []*string{&d.Name, &d.Occupation, &d.Mode, &d.ProviderName, &d.TownName, &d.PartnerName} {
			*s = stripPrivateUse(*s) // the private-use characters are the highlight markers
		}
		batch[i] = indexedProgram{ProgramDoc: d,
			Bigrams: hanBigrams(d.Name, d.Occupation, d.ProviderName, d.PartnerName, d.TownName)}
	}
	primaryKey := "id"
	cctx, ccancel := context.WithTimeout(ctx, callTimeout)
	info, err := admin.Index(c.IndexUID(ProgramsIndex)).AddDocuments(cctx, batch, &meilisearch.DocumentOptions{PrimaryKey: &primaryKey})
	ccancel()
	if err := c.waitTask(ctx, admin, info, err); err != nil {
		return fmt.Errorf("index %d programs: %w", len(docs), err)
	}
	return nil
}

// DeletePrograms removes programs from the index and waits until they are gone.
func (c *Node) DeletePrograms(ctx context.Context, ids []int64) error {
	return c.deleteDocuments(ctx, ProgramsIndex, "programs", ids)
}

// ProgramQuery is a program search as a user asks for it (GET /programs).
type ProgramQuery struct {
	Q             string
	TownID        int64  // 0 = any
	Mode          string // "", or one of order, project, directed
	Occupation    string // free text; quoted and escaped in the filter
	Today         int    // yyyymmdd, required: programs that ended before it are not found
	Page, PerPage int    // 0 means the default (1 and 20)
}

// ProgramHit is one program in a search answer.
type ProgramHit struct {
	ID           int64            `json:"id"`
	Name         string           `json:"name"`
	Occupation   string           `json:"occupation"`
	Mode         string           `json:"mode"`
	ProviderName string           `json:"provider_name"`
	TownID       int64            `json:"town_id"`
	TownName     string           `json:"town_name"`
	PartnerName  string           `json:"partner_name"`
	StartOn      string           `json:"start_on"` // YYYY-MM-DD
	EndOn        string           `json:"end_on"`   // YYYY-MM-DD
	PlannedDays  int              `json:"planned_days"`
	ApprovedDays int              `json:"approved_days"`
	Capacity     int              `json:"capacity"`
	Highlight    ProgramHighlight `json:"highlight"`
}

// ProgramHighlight is HTML: the program name escaped, with only <mark>…</mark> as markup.
type ProgramHighlight struct {
	Name string `json:"name"`
}

// ProgramResult is one page of a program search.
type ProgramResult struct {
	Hits    []ProgramHit `json:"hits"`
	Total   int64        `json:"total"`
	Page    int          `json:"page"`
	PerPage int          `json:"per_page"`
	TookMs  int64        `json:"took_ms"`
}

// Validate refuses what a user may not ask for, as a 400 naming each bad field.
func (q ProgramQuery) Validate() error {
	bad := map[string]string{}
	if utf8.RuneCountInString(q.Q) > maxQueryRunes {
		bad["q"] = fmt.Sprintf("must be at most %d characters", maxQueryRunes)
	}
	if q.TownID < 0 {
		bad["town_id"] = "must be a town id"
	}
	if q.Mode != "" && !slices.Contains(programModes, q.Mode) {
		bad["mode"] = "must be one of " + strings.Join(programModes, ", ")
	}
	if utf8.RuneCountInString(q.Occupation) > maxValueRunes {
		bad["occupation"] = fmt.Sprintf("must be at most %d characters", maxValueRunes)
	}
	page, perPage := q.pageAndSize()
	return badSearch(bad, page, perPage)
}

// pageAndSize applies the defaults of the job search to the zero values.
func (q ProgramQuery) pageAndSize() (page, perPage int) {
	return JobQuery{Page: q.Page, PerPage: q.PerPage}.pageAndSize()
}

// filter builds the Meilisearch filter from validated values only: integers, a whitelisted
// mode and the occupation, quoted.
func (q ProgramQuery) filter() []string {
	f := []string{"end_on >= " + strconv.Itoa(q.Today)}
	if q.TownID > 0 {
		f = append(f, "town_id = "+strconv.FormatInt(q.TownID, 10))
	}
	if q.Mode != "" {
		f = append(f, "mode = "+quoteFilterValue(q.Mode))
	}
	if q.Occupation != "" {
		f = append(f, "occupation = "+quoteFilterValue(q.Occupation))
	}
	return f
}

// SearchPrograms finds programs that have not ended. A bad query is a *models.Error with
// ErrMalformed; a failing Meilisearch is one with ErrUnavailable wrapping the cause.
func (c *Node) SearchPrograms(ctx context.Context, q ProgramQuery) (ProgramResult, error) {
	if err := q.Validate(); err != nil {
		return ProgramResult{}, err
	}
	if !validToday(q.Today) {
		return ProgramResult{}, fmt.Errorf("search: ProgramQuery.Today %d is not a yyyymmdd date", q.Today)
	}
	page, perPage := q.pageAndSize()
	hitsPerPage := int64(perPage)
	var sort []string
	if q.Q == "" {
		sort = []string{"start_on:asc"} // a plain listing shows the soonest programs first
	}
	req := &meilisearch.SearchRequest{
		Query: q.Q, Filter: q.filter(), Sort: sort, Page: int64(page), HitsPerPage: &hitsPerPage,
		AttributesToRetrieve: []string{"id", "name", "occupation", "mode", "provider_name", "town_id", "town_name",
			"partner_name", "start_on", "end_on", "planned_days", "approved_days", "capacity"},
		AttributesToHighlight: []string{"name"},
		HighlightPreTag:       highlightPre,
		HighlightPostTag:      highlightPost,
		MatchingStrategy:      meilisearch.All, // every query word must match, as for jobs
		Locales:               []string{chineseLocale},
	}
	ctx, cancel := context.WithTimeout(ctx, searchTimeout)
	defer cancel()
	var resp *meilisearch.SearchResponse
	_, search, err := c.clients(ctx)
	if err == nil {
		resp, err = search.Index(c.IndexUID(ProgramsIndex)).Search(ctx, q.Q, req)
	}
	if err != nil {
		return ProgramResult{}, fmt.Errorf("%w: %w", &models.Error{Code: models.ErrUnavailable, Message: "program search is unavailable"}, err)
	}
	res := ProgramResult{Hits: make([]ProgramHit, 0, len(resp.Hits)), Total: resp.TotalHits, Page: page,
		PerPage: perPage, TookMs: resp.ProcessingTimeMs}
	for _, h := range resp.Hits {
		var d struct {
			ProgramDoc
			Formatted struct {
				Name string `json:"name"`
			} `json:"_formatted"`
		}
		if err := h.DecodeInto(&d); err != nil {
			return ProgramResult{}, fmt.Errorf("search: decode program hit: %w", err)
		}
		res.Hits = append(res.Hits, ProgramHit{ID: d.ID, Name: d.Name, Occupation: d.Occupation, Mode: d.Mode,
			ProviderName: d.ProviderName, TownID: d.TownID, TownName: d.TownName, PartnerName: d.PartnerName,
			StartOn: isoDate(d.StartOn), EndOn: isoDate(d.EndOn), PlannedDays: d.PlannedDays,
			ApprovedDays: d.ApprovedDays, Capacity: d.Capacity,
			Highlight: ProgramHighlight{Name: markHighlights(d.Formatted.Name)}})
	}
	return res, nil
}

// isoDate turns yyyymmdd into YYYY-MM-DD ("" for 0).
func isoDate(d int) string {
	if d == 0 {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d/10000, d/100%100, d%100)
}

// ParseProgramQuery reads the /programs query parameters: numbers that are not numbers are a
// 400 naming the parameter, and Validate checks the values.
func ParseProgramQuery(v url.Values, today int) (ProgramQuery, error) {
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	q := ProgramQuery{Q: get("q"), Mode: get("mode"), Occupation: get("occupation"), Today: today}
	if s := get("town_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return q, badParam("town_id", "must be a town id")
		}
		q.TownID = id
	}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"page", &q.Page}, {"per_page", &q.PerPage}} {
		if s := get(p.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return q, badParam(p.name, "must be a whole number")
			}
			*p.dst = n
		}
	}
	return q, q.Validate()
}
