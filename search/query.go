package search

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/meilisearch/meilisearch-go"

	"portal/models"
)

// JobQuery is a posting search as a user asks for it (GET /jobs).
type JobQuery struct {
	Q              string
	TownID         int64  // 0 = any
	Industry       string // free text; quoted and escaped in the filter
	Education      string // one of Educations, or ""
	EmploymentType string // one of EmploymentTypes, or ""
	SalaryMin      int    // hits whose salary_max >= SalaryMin
	Zone           string // "" or ZoneProfessionalTown
	Near           *Geo   // with RadiusKm: only postings within RadiusKm of this point, that is,
	RadiusKm       int    // in the towns NearTowns lists (see geo.go)
	NearTowns      []int64
	Sort           string // "", "relevance", "newest" or "salary_desc"
	Page, PerPage  int    // 0 means the default (1 and 20)
	Today          int    // yyyymmdd, required: postings that expired before it are not found

	// Set by the portal itself, never from request parameters:
	TownIDs     []int64  // any of these towns (recommendations)
	EducationIn []string // any of these education requirements (recommendations); whitelisted values only
	PostedAfter int64    // unix seconds: only postings posted later (saved-search alerts)
	MatchAny    bool     // a posting matching any query word is found, best matches first
}

// JobHit is one posting in a search answer.
type JobHit struct {
	ID             int64     `json:"id"`
	Title          string    `json:"title"`
	EnterpriseName string    `json:"enterprise_name"`
	TownID         int64     `json:"town_id"`
	TownName       string    `json:"town_name"`
	Industry       string    `json:"industry"`
	Occupation     string    `json:"occupation"`
	SalaryMin      int       `json:"salary_min"`
	SalaryMax      int       `json:"salary_max"`
	Education      string    `json:"education"`
	EmploymentType string    `json:"employment_type"`
	PostedAt       string    `json:"posted_at"` // RFC 3339, UTC
	Highlight      Highlight `json:"highlight"`
}

// Highlight is HTML: the document text escaped, with only <mark>…</mark> as markup.
type Highlight struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

// JobResult is one page of a posting search.
type JobResult struct {
	Hits    []JobHit                    `json:"hits"`
	Total   int64                       `json:"total"`
	Page    int                         `json:"page"`
	PerPage int                         `json:"per_page"`
	Facets  map[string]map[string]int64 `json:"facets"` // town (keyed by town id), industry, education, employment_type
	TookMs  int64                       `json:"took_ms"`
}

// Educations are the accepted education levels (SPEC §3).
var Educations = []string{"不限", "初中", "高中", "中专", "大专", "本科", "硕士", "博士"}

// EmploymentTypes are the accepted employment types (SPEC §3).
var EmploymentTypes = []string{"full_time", "part_time", "internship", "seasonal"}

// jobSorts maps a sort name to Meilisearch sort expressions.
var jobSorts = map[string][]string{
	"":            nil,
	"relevance":   nil,
	"newest":      {"posted_at:desc"},
	"salary_desc": {"salary_max:desc", "posted_at:desc"},
}

// facetKeys maps an index attribute to its key in JobResult.Facets.
var facetKeys = map[string]string{"town_id": "town", "industry": "industry", "education": "education", "employment_type": "employment_type"}

const (
	defaultPerPage = 20
	maxPerPage     = 50
	maxRadiusKm    = 500
	maxQueryRunes  = 200
	maxValueRunes  = 100
	highlightPre   = "\uE000"
	highlightPost  = "\uE001"
	searchTimeout  = 5 * time.Second
)

// Validate refuses what a user may not ask for, as a 400 naming each bad field.
func (q JobQuery) Validate() error {
	bad := map[string]string{}
	if utf8.RuneCountInString(q.Q) > maxQueryRunes {
		bad["q"] = fmt.Sprintf("must be at most %d characters", maxQueryRunes)
	}
	if q.TownID < 0 {
		bad["town_id"] = "must be a town id"
	}
	if utf8.RuneCountInString(q.Industry) > maxValueRunes {
		bad["industry"] = fmt.Sprintf("must be at most %d characters", maxValueRunes)
	}
	if q.Education != "" && !slices.Contains(Educations, q.Education) {
		bad["education"] = "must be one of " + strings.Join(Educations, ", ")
	}
	if q.EmploymentType != "" && !slices.Contains(EmploymentTypes, q.EmploymentType) {
		bad["employment_type"] = "must be one of " + strings.Join(EmploymentTypes, ", ")
	}
	if q.SalaryMin < 0 {
		bad["salary_min"] = "must not be negative"
	}
	if q.Zone != "" && q.Zone != ZoneProfessionalTown {
		bad["zone"] = "must be " + ZoneProfessionalTown
	}
	switch {
	case q.Near == nil && q.RadiusKm != 0:
		bad["near_town_id"] = "is needed with radius_km"
	case q.Near != nil && (q.RadiusKm < 1 || q.RadiusKm > maxRadiusKm):
		bad["radius_km"] = fmt.Sprintf("must be 1 to %d", maxRadiusKm)
	case q.Near != nil && !validPoint(*q.Near):
		bad["near_town_id"] = "the town has no valid coordinates"
	}
	if _, ok := jobSorts[q.Sort]; !ok {
		bad["sort"] = "must be relevance, newest or salary_desc"
	}
	page, perPage := q.pageAndSize()
	return badSearch(bad, page, perPage)
}

// badSearch adds the paging checks every search shares to the fields already found bad,
// and makes them one 400 error naming each field (nil when all is well).
func badSearch(bad map[string]string, page, perPage int) error {
	if page < 1 {
		bad["page"] = "must be 1 or more"
	}
	if perPage < 1 || perPage > maxPerPage {
		bad["per_page"] = fmt.Sprintf("must be 1 to %d", maxPerPage)
	}
	if bad["page"] == "" && bad["per_page"] == "" && page > maxTotalHits/perPage { // page*perPage could overflow
		bad["page"] = fmt.Sprintf("only the first %d results can be paged through", maxTotalHits)
	}
	if len(bad) == 0 {
		return nil
	}
	msgs := make([]string, 0, len(bad))
	for _, field := range slices.Sorted(maps.Keys(bad)) {
		msgs = append(msgs, field+" "+bad[field])
	}
	return &models.Error{Code: models.ErrMalformed, Message: "bad search: " + strings.Join(msgs, "; "), Fields: bad}
}

func validPoint(g Geo) bool {
	return !math.IsNaN(g.Lat) && !math.IsNaN(g.Lng) && math.Abs(g.Lat) <= 90 && math.Abs(g.Lng) <= 180
}

// pageAndSize applies the defaults to the zero values.
func (q JobQuery) pageAndSize() (page, perPage int) {
	page, perPage = q.Page, q.PerPage
	if page == 0 {
		page = 1
	}
	if perPage == 0 {
		perPage = defaultPerPage
	}
	return page, perPage
}

// filter builds the Meilisearch filter (an array: every element must hold) from validated
// values only: integers, whitelisted words and the one free value, quoted.
func (q JobQuery) filter() []string {
	f := []string{"expires_on >= " + strconv.Itoa(q.Today)}
	if q.TownID > 0 {
		f = append(f, "town_id = "+strconv.FormatInt(q.TownID, 10))
	}
	if q.Industry != "" {
		f = append(f, "industry = "+quoteFilterValue(q.Industry))
	}
	if q.Education != "" {
		f = append(f, "education = "+quoteFilterValue(q.Education))
	}
	if q.EmploymentType != "" {
		f = append(f, "employment_type = "+quoteFilterValue(q.EmploymentType))
	}
	if q.SalaryMin > 0 {
		f = append(f, "salary_max >= "+strconv.Itoa(q.SalaryMin))
	}
	if q.Zone != "" {
		f = append(f, "zone = "+quoteFilterValue(q.Zone))
	}
	if len(q.TownIDs) > 0 {
		f = append(f, "town_id IN ["+joinIDs(q.TownIDs)+"]")
	}
	if len(q.EducationIn) > 0 {
		vals := make([]string, 0, len(q.EducationIn))
		for _, e := range q.EducationIn {
			if slices.Contains(Educations, e) {
				vals = append(vals, quoteFilterValue(e))
			}
		}
		f = append(f, "education IN ["+strings.Join(vals, ", ")+"]")
	}
	if q.PostedAfter > 0 {
		f = append(f, "posted_at > "+strconv.FormatInt(q.PostedAfter, 10))
	}
	if q.Near != nil {
		f = append(f, "town_id IN ["+joinIDs(q.NearTowns)+"]") // no town within the radius: no hit
	}
	return f
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}

// quoteFilterValue makes a string a Meilisearch filter literal: \ becomes \\, then " becomes \".
func quoteFilterValue(s string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
}

// validToday reports whether d is a plausible yyyymmdd date.
func validToday(d int) bool {
	_, err := time.Parse("20060102", strconv.Itoa(d))
	return err == nil
}

// SearchJobs finds open postings. A bad query is a *models.Error with ErrMalformed; a
// failing Meilisearch is one with ErrUnavailable wrapping the cause.
func (c *Node) SearchJobs(ctx context.Context, q JobQuery) (JobResult, error) {
	if err := q.Validate(); err != nil {
		return JobResult{}, err
	}
	if !validToday(q.Today) {
		return JobResult{}, fmt.Errorf("search: JobQuery.Today %d is not a yyyymmdd date", q.Today)
	}
	page, perPage := q.pageAndSize()
	hitsPerPage := int64(perPage)
	sort := jobSorts[q.Sort]
	strategy := meilisearch.All
	if q.MatchAny {
		strategy = meilisearch.Frequency
	}
	req := &meilisearch.SearchRequest{
		Query:                 q.Q,
		Filter:                q.filter(),
		Sort:                  sort,
		Page:                  int64(page),
		HitsPerPage:           &hitsPerPage,
		Facets:                []string{"town_id", "industry", "education", "employment_type"},
		AttributesToRetrieve:  []string{"id", "title", "enterprise_name", "town_id", "town_name", "industry", "occupation", "salary_min", "salary_max", "education", "employment_type", "posted_at"},
		AttributesToHighlight: []string{"title", "description"},
		HighlightPreTag:       highlightPre,
		HighlightPostTag:      highlightPost,
		AttributesToCrop:      []string{"description"},
		CropLength:            60,
		MatchingStrategy:      strategy,
		Locales:               []string{chineseLocale},
	}
	ctx, cancel := context.WithTimeout(ctx, searchTimeout)
	defer cancel()
	_, search, err := c.clients(ctx)
	if err != nil {
		return JobResult{}, unavailable(err)
	}
	raw, err := search.Index(c.IndexUID(JobsIndex)).SearchRaw(ctx, q.Q, req)
	if err != nil {
		return JobResult{}, unavailable(err)
	}
	return decodeJobResult(*raw, page, perPage)
}

func unavailable(err error) error {
	return fmt.Errorf("%w: %w", &models.Error{Code: models.ErrUnavailable, Message: "job search is unavailable"}, err)
}

// jobHitDoc is a hit as Meilisearch returns it.
type jobHitDoc struct {
	JobDoc
	Formatted struct {
		Title       string `json:"title"`
		Description string `json:"description"`
	} `json:"_formatted"`
}

// rawJobResponse is the part of Meilisearch's answer the portal reads, decoded in one pass
// (the SDK's own response type decodes every hit into a map first, which costs more than the
// rest of the request).
type rawJobResponse struct {
	Hits              []jobHitDoc                 `json:"hits"`
	TotalHits         int64                       `json:"totalHits"`
	ProcessingTimeMs  int64                       `json:"processingTimeMs"`
	FacetDistribution map[string]map[string]int64 `json:"facetDistribution"`
}

func decodeJobResult(raw []byte, page, perPage int) (JobResult, error) {
	var resp rawJobResponse
	if err := json.Unmarshal(raw, &resp); err != nil {
		return JobResult{}, fmt.Errorf("search: decode answer: %w", err)
	}
	res := JobResult{Hits: make([]JobHit, 0, len(resp.Hits)), Total: resp.TotalHits, Page: page, PerPage: perPage,
		TookMs: resp.ProcessingTimeMs, Facets: map[string]map[string]int64{}}
	for _, d := range resp.Hits {
		res.Hits = append(res.Hits, JobHit{
			ID: d.ID, Title: d.Title, EnterpriseName: d.EnterpriseName, TownID: d.TownID, TownName: d.TownName,
			Industry: d.Industry, Occupation: d.Occupation, SalaryMin: d.SalaryMin, SalaryMax: d.SalaryMax,
			Education: d.Education, EmploymentType: d.EmploymentType,
			PostedAt:  time.Unix(d.PostedAt, 0).UTC().Format(time.RFC3339),
			Highlight: Highlight{Title: markHighlights(d.Formatted.Title), Description: markHighlights(d.Formatted.Description)},
		})
	}
	for attr, key := range facetKeys {
		res.Facets[key] = map[string]int64{}
		for value, n := range resp.FacetDistribution[attr] {
			res.Facets[key][value] = n
		}
	}
	return res, nil
}

// markHighlights escapes the formatted text and only then turns the private-use markers
// (stripped from every document) into <mark> tags.
func markHighlights(formatted string) string {
	s := html.EscapeString(formatted)
	s = strings.ReplaceAll(s, highlightPre, "<mark>")
	return strings.ReplaceAll(s, highlightPost, "</mark>")
}
