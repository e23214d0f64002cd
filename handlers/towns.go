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
	_, byID, err := a.cachedTowns(ctx)
	return byID, err
}

// townList lists the towns, with their points, for near_town_id.
func (a *App) townList(ctx context.Context) search.TownList {
	return func() ([]models.Town, error) {
		towns, _, err := a.cachedTowns(ctx)
		return towns, err
	}
}

// cachedTowns returns the towns in order and keyed by id, read again once townTTL passed.
func (a *App) cachedTowns(ctx context.Context) ([]models.Town, map[int64]models.Town, error) {
	a.towns.mu.Lock()
	defer a.towns.mu.Unlock()
	if a.towns.byID != nil && time.Since(a.towns.at) < townTTL {
		return a.towns.towns, a.towns.byID, nil
	}
	towns, err := a.store.Towns(ctx)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[int64]models.Town, len(towns))
	for _, t := range towns {
		byID[t.ID] = t
	}
	a.towns.towns, a.towns.byID, a.towns.at = towns, byID, time.Now()
	return towns, byID, nil
}
