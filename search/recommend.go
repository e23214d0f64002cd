package search

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"portal/models"
)

// Recommendation is a posting suggested for a seeker's profile, with why.
type Recommendation struct {
	JobHit
	Matched []string `json:"matched"` // profile fields that matched: occupation, skills, town, salary, education
	Reasons []string `json:"reasons"` // the same, said in Chinese for the page
}

// Recommend ranks open postings against a profile: its occupations and skills are the query
// (any of them may match), postings paying at least the expected salary and asking no more
// education than the seeker has are kept, and the nearest to the first desired town come
// first: the towns are taken ring by ring outwards (geo.go), and within a ring by relevance.
// A first search over every town counts the matches per town (its town facet), so only
// the rings that hold matches are searched, until limit is reached.
func (c *Node) Recommend(ctx context.Context, p models.SeekerProfile, towns map[int64]models.Town, now time.Time, limit int) ([]Recommendation, error) {
	words := append(slices.Clone(p.DesiredOccupations), p.Skills...)
	q := JobQuery{Q: strings.Join(words, " "), MatchAny: true, SalaryMin: p.ExpectedSalary, Today: Day(now), PerPage: limit}
	if i := slices.Index(Educations, p.Education); i > 0 {
		q.EducationIn = Educations[:i+1]
	}
	res, err := c.SearchJobs(ctx, q)
	if err != nil {
		return nil, err
	}
	hits := res.Hits
	if len(p.DesiredTownIDs) > 0 && len(hits) > 0 {
		if t, ok := towns[p.DesiredTownIDs[0]]; ok {
			if hits, err = c.nearestFirst(ctx, q, res, slices.Collect(maps.Values(towns)), Geo{Lat: t.Lat, Lng: t.Lng}, limit); err != nil {
				return nil, err
			}
		}
	}
	recs := make([]Recommendation, 0, len(hits))
	for _, h := range hits {
		recs = append(recs, explain(h, p, towns))
	}
	return recs, nil
}

// nearestFirst searches q ring by ring of towns around center, skipping the rings where the
// search over every town (all) counted no match, until limit hits are found.
func (c *Node) nearestFirst(ctx context.Context, q JobQuery, all JobResult, towns []models.Town, center Geo, limit int) ([]JobHit, error) {
	counts := all.Facets["town"]
	complete := int64(len(counts)) < jobFaceting.MaxValuesPerFacet // else towns with few matches may be missing
	hits := []JobHit{}
	for _, ring := range townRings(towns, center) {
		found := int64(0)
		for _, id := range ring {
			found += counts[strconv.FormatInt(id, 10)]
		}
		if found == 0 && complete {
			continue
		}
		rq := q
		rq.TownIDs, rq.PerPage = ring, limit-len(hits)
		res, err := c.SearchJobs(ctx, rq)
		if err != nil {
			return nil, err
		}
		if hits = append(hits, res.Hits...); len(hits) >= limit {
			break
		}
	}
	return hits, nil
}

// explain says which parts of the profile a hit matches.
func explain(h JobHit, p models.SeekerProfile, towns map[int64]models.Town) Recommendation {
	r := Recommendation{JobHit: h, Matched: []string{}, Reasons: []string{}}
	text := h.Title + " " + h.Occupation
	for _, o := range p.DesiredOccupations {
		if matchesWord(text, o) {
			r.Matched = append(r.Matched, "occupation")
			r.Reasons = append(r.Reasons, "工种相符:"+o)
			break
		}
	}
	for _, s := range p.Skills {
		if matchesWord(text+" "+h.Highlight.Description, s) {
			r.Matched = append(r.Matched, "skills")
			r.Reasons = append(r.Reasons, "技能相符:"+s)
			break
		}
	}
	if slices.Contains(p.DesiredTownIDs, h.TownID) {
		r.Matched = append(r.Matched, "town")
		r.Reasons = append(r.Reasons, "位于期望的"+towns[h.TownID].Name)
	}
	if p.ExpectedSalary > 0 && h.SalaryMax >= p.ExpectedSalary {
		r.Matched = append(r.Matched, "salary")
		r.Reasons = append(r.Reasons, "月薪最高"+strconv.Itoa(h.SalaryMax)+"元,达到期望的"+strconv.Itoa(p.ExpectedSalary)+"元")
	}
	if p.Education != "" && (h.Education == "不限" || slices.Index(Educations, h.Education) <= slices.Index(Educations, p.Education)) {
		r.Matched = append(r.Matched, "education")
		r.Reasons = append(r.Reasons, "学历要求"+h.Education+",符合")
	}
	return r
}

// matchesWord says whether text contains word or one of its occupational synonyms.
func matchesWord(text, word string) bool {
	if word == "" {
		return false
	}
	if strings.Contains(text, word) {
		return true
	}
	for _, syn := range jobSynonyms[word] {
		if strings.Contains(text, syn) {
			return true
		}
	}
	return false
}
