package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/meilisearch/meilisearch-go"

	"portal/models"
	"portal/search"
)

// benchQuery is one search as a job seeker sends it; towns are named, not numbered.
type benchQuery struct {
	Q              string
	Town           string
	Education      string
	EmploymentType string
	SalaryMin      int
	Zone           string
	Sort           string
	NearTown       string
	RadiusKm       int
	Page           int
}

// benchQueries mixes plain words, synonyms, words inside longer words and filters.
var benchQueries = []benchQuery{
	{Q: "焊工"},
	{Q: "电焊工"},
	{Q: "老陈醋"},
	{Q: "汾酒"},
	{Q: "数控"},
	{Q: "叉车"},
	{Q: "普工"},
	{Q: "育婴员"},
	{Q: "电焊", Town: "河津铝精深加工专业镇"},
	{Q: "食醋酿造工", Town: "清徐老陈醋专业镇"},
	{Q: "白酒酿造", Zone: search.ZoneProfessionalTown},
	{Q: "数控车工", Education: "中专"},
	{Q: "叉车司机", EmploymentType: "full_time"},
	{Q: "普工", SalaryMin: 5000},
	{Q: "育婴员", Sort: "newest"},
	{Q: "电工", Education: "高中", SalaryMin: 4000},
	{Q: "品酒师", Town: "杏花村汾酒专业镇"},
	{Q: "陶瓷", Town: "怀仁陶瓷专业镇", Sort: "newest"},
	{Q: "铸造工", NearTown: "泽州铸造专业镇", RadiusKm: 50},
	{Q: "中式面点师", EmploymentType: "part_time"},
	{Q: "包吃包住"},
	{Q: "五险一金", Sort: "newest", Page: 2},
	{Q: "质检员", SalaryMin: 6000, Sort: "salary_desc"},
	{Zone: search.ZoneProfessionalTown, Sort: "newest"},
	{Town: "清徐老陈醋专业镇", Sort: "newest"},
	{Q: "养老护理员", Education: "不限"},
	{Q: "钳工", NearTown: "榆次纺机液压专业镇", RadiusKm: 30},
	{Q: "仓储管理员", EmploymentType: "seasonal"},
	{Q: "电子商务"},
	{Q: "长白班", Zone: search.ZoneProfessionalTown},
	{Q: "锻造", Town: "定襄法兰专业镇", SalaryMin: 5000},
	{Q: "学徒", EmploymentType: "internship"},
}

// preparedQuery is a query ready to send both ways: the portal API path and the JSON body of
// the equivalent Meilisearch search.
type preparedQuery struct {
	Label   string
	APIPath string
	RawBody []byte
}

// The request settings search.SearchJobs uses; they are unexported there, so they are
// repeated here and checked by comparing both answers before measuring (checkEquivalence).
var (
	searchFacets   = []string{"town_id", "industry", "education", "employment_type"}
	searchRetrieve = []string{"id", "title", "enterprise_name", "town_id", "town_name", "industry", "occupation",
		"salary_min", "salary_max", "education", "employment_type", "posted_at"}
	searchSorts = map[string][]string{"newest": {"posted_at:desc"}, "salary_desc": {"salary_max:desc", "posted_at:desc"}}
)

const (
	searchPerPage   = 20
	highlightPre    = "\uE000"
	highlightPost   = "\uE001"
	searchCropWords = 60
	searchLocale    = "cmn"
)

// prepareQueries resolves town names and builds both requests of every query for today
// (yyyymmdd, as search.Day gives it).
func prepareQueries(qs []benchQuery, towns []models.Town, today int) ([]preparedQuery, error) {
	byName := map[string]models.Town{}
	for _, t := range towns {
		byName[t.Name] = t
	}
	town := func(name string) (models.Town, error) {
		t, ok := byName[name]
		if !ok {
			return t, fmt.Errorf("query town %s is not seeded", name)
		}
		return t, nil
	}
	out := make([]preparedQuery, 0, len(qs))
	for _, q := range qs {
		params := url.Values{}
		filter := []string{"expires_on >= " + strconv.Itoa(today)}
		var labels []string
		if q.Q != "" {
			params.Set("q", q.Q)
			labels = append(labels, q.Q)
		}
		if q.Town != "" {
			t, err := town(q.Town)
			if err != nil {
				return nil, err
			}
			params.Set("town_id", strconv.FormatInt(t.ID, 10))
			filter = append(filter, "town_id = "+strconv.FormatInt(t.ID, 10))
			labels = append(labels, "town="+strings.TrimSuffix(t.Name, "专业镇"))
		}
		if q.Education != "" {
			params.Set("education", q.Education)
			filter = append(filter, "education = "+quoteFilterValue(q.Education))
			labels = append(labels, "education="+q.Education)
		}
		if q.EmploymentType != "" {
			params.Set("employment_type", q.EmploymentType)
			filter = append(filter, "employment_type = "+quoteFilterValue(q.EmploymentType))
			labels = append(labels, "type="+q.EmploymentType)
		}
		if q.SalaryMin > 0 {
			params.Set("salary_min", strconv.Itoa(q.SalaryMin))
			filter = append(filter, "salary_max >= "+strconv.Itoa(q.SalaryMin))
			labels = append(labels, "salary_min="+strconv.Itoa(q.SalaryMin))
		}
		if q.Zone != "" {
			params.Set("zone", q.Zone)
			filter = append(filter, "zone = "+quoteFilterValue(q.Zone))
			labels = append(labels, "zone")
		}
		if q.NearTown != "" {
			t, err := town(q.NearTown)
			if err != nil {
				return nil, err
			}
			params.Set("near_town_id", strconv.FormatInt(t.ID, 10))
			params.Set("radius_km", strconv.Itoa(q.RadiusKm))
			// A posting is at its town's point: the radius is the towns inside it, as the
			// portal computes them (search/geo.go).
			var ids []string
			for _, id := range search.TownsWithin(towns, search.Geo{Lat: t.Lat, Lng: t.Lng}, q.RadiusKm) {
				ids = append(ids, strconv.FormatInt(id, 10))
			}
			filter = append(filter, "town_id IN ["+strings.Join(ids, ", ")+"]")
			labels = append(labels, fmt.Sprintf("near=%s/%dkm", strings.TrimSuffix(t.Name, "专业镇"), q.RadiusKm))
		}
		if q.Sort != "" {
			params.Set("sort", q.Sort)
			labels = append(labels, "sort="+q.Sort)
		}
		page := 1
		if q.Page > 0 {
			page = q.Page
			params.Set("page", strconv.Itoa(page))
			labels = append(labels, "page="+strconv.Itoa(page))
		}
		perPage := int64(searchPerPage)
		body, err := json.Marshal(&meilisearch.SearchRequest{
			Query:                 q.Q,
			Filter:                filter,
			Sort:                  searchSorts[q.Sort],
			Page:                  int64(page),
			HitsPerPage:           &perPage,
			Facets:                searchFacets,
			AttributesToRetrieve:  searchRetrieve,
			AttributesToHighlight: []string{"title", "description"},
			HighlightPreTag:       highlightPre,
			HighlightPostTag:      highlightPost,
			AttributesToCrop:      []string{"description"},
			CropLength:            searchCropWords,
			MatchingStrategy:      meilisearch.All,
			Locales:               []string{searchLocale},
		})
		if err != nil {
			return nil, err
		}
		out = append(out, preparedQuery{Label: strings.Join(labels, " "), APIPath: "/api/v1/jobs?" + params.Encode(), RawBody: body})
	}
	return out, nil
}

// quoteFilterValue makes a Meilisearch filter literal as the search package does.
func quoteFilterValue(s string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
}
