package search

import (
	"context"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"portal/models"
)

// Alerter turns new postings that match saved searches into notifications.
type Alerter struct {
	store  *models.Store
	client *Client
	log    *slog.Logger
	now    func() time.Time
}

// alertOverlap re-reads a little before the last check, so a posting indexed a moment after
// it was posted is not missed; the unique notification row keeps it from counting twice.
const alertOverlap = 5 * time.Minute

// NewAlerter makes an alerter on the given clock.
func NewAlerter(store *models.Store, client *Client, log *slog.Logger, now func() time.Time) *Alerter {
	return &Alerter{store: store, client: client, log: log, now: now}
}

// alertLease names the lease that lets one portal process of all check saved searches.
const alertLease = "saved-search-alerts"

// Run checks every saved search every interval until ctx ends, in one process of all: the
// one holding the lease, which another takes over when its holder has been silent for two
// intervals. The notification rows are unique, so even an overlap adds none twice. The first
// check comes one interval after start: a fresh node is still being built from the database
// then, and checking it at once only logged that its index was missing.
func (al *Alerter) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	defer func() { _ = al.store.ReleaseLease(context.WithoutCancel(ctx), alertLease, processHolder) }()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// Leases compare wall clocks of processes, never a test's clock.
		mine, err := al.store.TryLease(ctx, alertLease, processHolder, 2*every+time.Second, time.Now())
		if err != nil {
			al.log.Warn("saved-search alert lease not taken", "err", err)
		}
		if mine {
			al.checkAndLog(ctx)
		}
	}
}

func (al *Alerter) checkAndLog(ctx context.Context) {
	if n, err := al.Check(ctx); err != nil {
		al.log.Warn("saved-search alerts not checked", "err", err)
	} else if n > 0 {
		al.log.Info("saved-search alerts", "notifications", n)
	}
}

// Check runs every saved search for postings newer than its last check and records them as
// notifications; it returns how many it added.
func (al *Alerter) Check(ctx context.Context) (int, error) {
	searches, err := al.store.AllSavedSearches(ctx)
	if err != nil {
		return 0, err
	}
	now := al.now()
	// The towns are read once a check, and only if a saved search is near a town.
	towns := sync.OnceValues(func() ([]models.Town, error) { return al.store.Towns(ctx) })
	added := 0
	for _, ss := range searches {
		n, err := al.checkOne(ctx, ss, towns, now)
		if err != nil {
			return added, err
		}
		added += n
	}
	return added, nil
}

func (al *Alerter) checkOne(ctx context.Context, ss models.SavedSearch, towns func() ([]models.Town, error), now time.Time) (int, error) {
	// Never before the search was saved: what was posted earlier is not new to its seeker
	// (posted_at is in whole seconds, so the second of the save itself still counts).
	since := max(ss.CheckedUntil-int64(alertOverlap.Seconds()), ss.CreatedAt.Unix()-1)
	jobs, err := al.matches(ctx, ss, towns, since, now, 50)
	if err != nil {
		return 0, err
	}
	return al.store.Notify(ctx, ss, jobs, now.Unix())
}

// Matches runs a saved search for postings posted after since (unix seconds), newest first.
func (al *Alerter) Matches(ctx context.Context, ss models.SavedSearch, since int64, now time.Time, limit int) ([]models.Job, error) {
	return al.matches(ctx, ss, func() ([]models.Town, error) { return al.store.Towns(ctx) }, since, now, limit)
}

func (al *Alerter) matches(ctx context.Context, ss models.SavedSearch, towns func() ([]models.Town, error), since int64, now time.Time, limit int) ([]models.Job, error) {
	v, err := url.ParseQuery(ss.Query)
	if err != nil {
		return nil, err
	}
	q, _, err := ParseJobQuery(v, towns, Day(now))
	if err != nil {
		return nil, err
	}
	q.Sort, q.PostedAfter, q.Page, q.PerPage = "newest", since, 1, limit
	res, err := al.client.SearchJobs(ctx, q)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	return al.store.JobsByIDs(ctx, ids)
}
