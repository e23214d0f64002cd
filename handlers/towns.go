package handlers

import (
	"context"
	"sync"
	"time"

	"portal/models"
	"portal/search"
)

// townCache keeps the professional towns in memory: they change only when `portal seed`
// runs, and every search names its town facets, so reading them each time would put a
// database query on the search path.
type townCache struct {
	mu    sync.Mutex
	at    time.Time
	towns []models.Town
	byID  map[int64]models.Town
}

// townTTL bounds how long a seed run takes to show.
const townTTL = time.Minute

// townsByID returns the towns keyed by id, from the cache when it is fresh.
func (a *App) townsByID(ctx context.Context) (map[int64]models.Town, error) {
	a.towns.mu.Lock()
	defer a.towns.mu.Unlock()
	if a.towns.byID != nil && time.Since(a.towns.at) < townTTL {
		return a.towns.byID, nil
	}
	towns, err := a.store.Towns(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]models.Town, len(towns))
	for _, t := range towns {
		byID[t.ID] = t
	}
	a.towns.towns, a.towns.byID, a.towns.at = towns, byID, time.Now()
	return byID, nil
}

// townPlace looks a town's coordinates up for near_town_id.
func (a *App) townPlace(ctx context.Context) search.TownPlace {
	return func(id int64) (search.Geo, error) {
		towns, err := a.townsByID(ctx)
		if err != nil {
			return search.Geo{}, err
		}
		t, ok := towns[id]
		if !ok {
			return search.Geo{}, models.NotFound("town")
		}
		return search.Geo{Lat: t.Lat, Lng: t.Lng}, nil
	}
}
