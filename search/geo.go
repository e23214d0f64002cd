package search

import (
	"cmp"
	"math"
	"slices"

	"portal/models"
)

// A posting is placed at its town: the postings index has no _geo field. Meilisearch keeps
// its geo points in one R-tree that it rewrites on every write to the index, which cost
// 0.55–0.6 s a task on 100,000 postings (its /batches trace, "writing geo points") and grows
// with the index, whatever the size of the change. Since every posting of a town has the
// town's point, a radius is the set of towns inside it and "nearest first" is the order of
// the towns; both are computed here from the towns table.

// earthRadiusKm is the mean radius Meilisearch's own haversine uses.
const earthRadiusKm = 6371.0088

// distanceKm is the great-circle distance between two points.
func distanceKm(a, b Geo) float64 {
	rad := math.Pi / 180
	dLat, dLng := (b.Lat-a.Lat)*rad, (b.Lng-a.Lng)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}

// TownsWithin lists the ids of the towns within km of center.
func TownsWithin(towns []models.Town, center Geo, km int) []int64 {
	ids := []int64{}
	for _, t := range towns {
		if p := (Geo{Lat: t.Lat, Lng: t.Lng}); validPoint(p) && distanceKm(center, p) <= float64(km) {
			ids = append(ids, t.ID)
		}
	}
	return ids
}

// townRings groups the towns by their distance from center, nearest first; towns at the
// same distance (to the metre) share a ring. Towns without a valid point come last.
func townRings(towns []models.Town, center Geo) [][]int64 {
	type placed struct {
		id int64
		m  int64 // metres; -1 without a point
	}
	ps := make([]placed, 0, len(towns))
	for _, t := range towns {
		p, m := Geo{Lat: t.Lat, Lng: t.Lng}, int64(-1)
		if validPoint(p) {
			m = int64(math.Round(distanceKm(center, p) * 1000))
		}
		ps = append(ps, placed{t.ID, m})
	}
	slices.SortFunc(ps, func(a, b placed) int {
		if (a.m < 0) != (b.m < 0) {
			return cmp.Compare(b.m, a.m) // the one with a point first
		}
		return cmp.Or(cmp.Compare(a.m, b.m), cmp.Compare(a.id, b.id))
	})
	var rings [][]int64
	for i, p := range ps {
		if i == 0 || p.m != ps[i-1].m {
			rings = append(rings, nil)
		}
		rings[len(rings)-1] = append(rings[len(rings)-1], p.id)
	}
	return rings
}
