package search

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"portal/models"
)

// queryParams are the /jobs parameters a saved search keeps.
var queryParams = []string{"q", "town_id", "industry", "education", "employment_type", "salary_min", "zone", "near_town_id", "radius_km", "sort"}

// TownList lists the towns with their points, for a near_town_id parameter.
type TownList func() ([]models.Town, error)

// ParseJobQuery reads the /jobs query parameters into a JobQuery: numbers that are not
// numbers are 400 naming the parameter, and Validate checks the values. It also returns the
// canonical parameters (known names only, empty ones dropped) that a saved search keeps.
func ParseJobQuery(v url.Values, towns TownList, today int) (JobQuery, url.Values, error) {
	canonical := url.Values{}
	for _, k := range queryParams {
		if s := strings.TrimSpace(v.Get(k)); s != "" {
			canonical.Set(k, s)
		}
	}
	q := JobQuery{Q: canonical.Get("q"), Industry: canonical.Get("industry"), Education: canonical.Get("education"),
		EmploymentType: canonical.Get("employment_type"), Zone: canonical.Get("zone"), Sort: canonical.Get("sort"), Today: today}
	if len([]rune(q.Q)) > 100 {
		return q, canonical, badParam("q", "must be at most 100 characters")
	}
	if len([]rune(q.Industry)) > 50 {
		return q, canonical, badParam("industry", "must be at most 50 characters")
	}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"salary_min", &q.SalaryMin}, {"radius_km", &q.RadiusKm}, {"page", &q.Page}, {"per_page", &q.PerPage}} {
		if s := v.Get(p.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return q, canonical, badParam(p.name, "must be a whole number")
			}
			*p.dst = n
		}
	}
	if s := v.Get("town_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return q, canonical, badParam("town_id", "must be a town id")
		}
		q.TownID = id
	}
	if s := v.Get("near_town_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return q, canonical, badParam("near_town_id", "must be a town id")
		}
		all, err := towns()
		if err != nil {
			return q, canonical, err
		}
		i := slices.IndexFunc(all, func(t models.Town) bool { return t.ID == id })
		if i < 0 {
			return q, canonical, badParam("near_town_id", "no such town")
		}
		q.Near = &Geo{Lat: all[i].Lat, Lng: all[i].Lng}
		if q.RadiusKm == 0 {
			q.RadiusKm = 30
		}
		q.NearTowns = TownsWithin(all, *q.Near, q.RadiusKm)
	} else if v.Get("radius_km") != "" {
		return q, canonical, badParam("radius_km", "needs near_town_id")
	}
	return q, canonical, q.Validate()
}

func badParam(name, msg string) error {
	return &models.Error{Code: models.ErrMalformed, Message: name + " " + msg, Fields: map[string]string{name: msg}}
}
