package search

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"portal/models"
)

// Indexer applies the outbox to the index: it wakes at once when a posting changes (in
// process, and through Redis pub/sub when several portal processes run), drains the outbox
// in batches, and retries with backoff while Meilisearch is down. The database stays the
// source of truth: documents are rebuilt from the current rows, never from the outbox.
type Indexer struct {
	store  *models.Store
	client *Client
	rdb    *redis.Client
	log    *slog.Logger
	now    func() time.Time
	wake   chan struct{}
	poll   time.Duration
	mu     sync.Mutex // one drain at a time in this process
}

// batchSize bounds the outbox entries read in one round. Every Meilisearch task has a fixed
// cost that grows with the index (measured: 500 postings into a 100,000-posting index took
// 2.5 s), so a backlog such as an import goes in large rounds whose chunks Meilisearch batches.
const batchSize = 10000

// wakeChannel is the Redis pub/sub channel that tells every process the outbox has rows.
const wakeChannel = "portal:outbox"

// NewIndexer makes an indexer; rdb may be nil.
func NewIndexer(store *models.Store, client *Client, rdb *redis.Client, log *slog.Logger) *Indexer {
	return &Indexer{store: store, client: client, rdb: rdb, log: log, now: time.Now, wake: make(chan struct{}, 1), poll: time.Second}
}

// WithPoll sets how often Run looks at the outbox without a wake-up (a second by default);
// tests lengthen it to prove the wake-ups arrive.
func (ix *Indexer) WithPoll(d time.Duration) *Indexer {
	ix.poll = d
	return ix
}

// WithClock sets the clock that decides which postings have expired.
func (ix *Indexer) WithClock(now func() time.Time) *Indexer {
	ix.now = now
	return ix
}

// Notify wakes the indexer of this process and, through Redis, of the others.
func (ix *Indexer) Notify(ctx context.Context) {
	select {
	case ix.wake <- struct{}{}:
	default:
	}
	if ix.rdb != nil {
		ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		if err := ix.rdb.Publish(ctx, wakeChannel, "1").Err(); err != nil {
			ix.log.Debug("outbox wake-up not published", "err", err)
		}
	}
}

// Run drains the outbox until ctx ends: on every wake-up, and at every poll in case a wake-up
// was lost; expired postings are swept from the index every few minutes.
func (ix *Indexer) Run(ctx context.Context) {
	if ix.rdb != nil {
		go ix.listen(ctx)
	}
	backoff := time.Duration(0)
	poll := time.NewTicker(ix.poll)
	defer poll.Stop()
	sweep := time.NewTicker(5 * time.Minute)
	defer sweep.Stop()
	for {
		if _, err := ix.Drain(ctx); err != nil && ctx.Err() == nil {
			backoff = min(max(backoff*2, 100*time.Millisecond), 5*time.Second)
			ix.log.Warn("search outbox not applied; retrying", "err", err, "in", backoff.String())
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			continue
		}
		backoff = 0
		select {
		case <-ctx.Done():
			return
		case <-ix.wake:
		case <-poll.C:
		case <-sweep.C:
			if err := ix.client.DeleteExpiredJobs(ctx, Day(ix.now())); err != nil {
				ix.log.Warn("expired postings not swept", "err", err)
			}
		}
	}
}

// listen turns Redis wake-ups from other processes into local ones; it resubscribes after
// Redis comes back.
func (ix *Indexer) listen(ctx context.Context) {
	for ctx.Err() == nil {
		sub := ix.rdb.Subscribe(ctx, wakeChannel)
		stop := context.AfterFunc(ctx, func() { sub.Close() }) // ends the range below when ctx ends
		for range sub.Channel() {
			select {
			case ix.wake <- struct{}{}:
			default:
			}
		}
		stop()
		sub.Close()
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// Drain applies every pending outbox entry and returns how many it applied.
func (ix *Indexer) Drain(ctx context.Context) (int, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	total := 0
	for {
		n := 0
		ran, err := ix.store.WithOutboxLock(ctx, func() error {
			var err error
			n, err = ix.applyBatch(ctx)
			return err
		})
		total += n
		if err != nil || !ran || n == 0 {
			return total, err
		}
	}
}

func (ix *Indexer) applyBatch(ctx context.Context) (int, error) {
	entries, err := ix.store.OutboxBatch(ctx, batchSize)
	if err != nil || len(entries) == 0 {
		return 0, err
	}
	jobs, missing, err := ix.store.JobsForIndex(ctx, entries)
	if err != nil {
		return 0, err
	}
	day := dayString(ix.now())
	var docs []JobDoc
	gone := missing
	for _, j := range jobs {
		if j.Searchable(day) {
			docs = append(docs, DocumentOf(j))
		} else {
			gone = append(gone, j.ID)
		}
	}
	if len(docs) > 0 {
		if err := ix.client.UpsertJobs(ctx, docs); err != nil {
			return 0, err
		}
	}
	if len(gone) > 0 {
		if err := ix.client.DeleteJobs(ctx, gone); err != nil {
			return 0, err
		}
	}
	if err := ix.applyPrograms(ctx, entries, day); err != nil {
		return 0, err
	}
	ids := make([]int64, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	return len(entries), ix.store.AckOutbox(ctx, ids)
}

// applyPrograms rebuilds the program documents named by outbox entries: approved programs
// that have not ended are searchable, the others leave the index.
func (ix *Indexer) applyPrograms(ctx context.Context, entries []models.OutboxEntry, day string) error {
	var ids []int64
	for _, e := range entries {
		if e.Entity == "program" {
			ids = append(ids, e.EntityID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	programs, err := ix.store.ProgramsForIndex(ctx, ids)
	if err != nil {
		return err
	}
	return ix.client.syncPrograms(ctx, programs, ids, day)
}

// syncPrograms upserts the searchable programs of a batch and deletes the rest of ids.
func (c *Client) syncPrograms(ctx context.Context, programs []models.Program, ids []int64, day string) error {
	var docs []ProgramDoc
	keep := map[int64]bool{}
	for _, p := range programs {
		if p.Status == models.ProgramApproved && p.EndOn >= day {
			docs = append(docs, ProgramDocumentOf(p))
			keep[p.ID] = true
		}
	}
	var gone []int64
	for _, id := range ids {
		if !keep[id] {
			gone = append(gone, id)
		}
	}
	if len(docs) > 0 {
		if err := c.UpsertPrograms(ctx, docs); err != nil {
			return err
		}
	}
	if len(gone) > 0 {
		return c.DeletePrograms(ctx, gone)
	}
	return nil
}

// ProgramDocumentOf turns a program (with provider, town and partner loaded) into its
// search document.
func ProgramDocumentOf(p models.Program) ProgramDoc {
	d := ProgramDoc{ID: p.ID, Name: p.Name, Occupation: p.Occupation, Mode: p.Mode, ProviderID: p.ProviderID, TownID: p.TownID,
		StartOn: dateInt(p.StartOn), EndOn: dateInt(p.EndOn), PlannedDays: p.PlannedDays, Capacity: p.Capacity}
	if p.ApprovedDays != nil {
		d.ApprovedDays = *p.ApprovedDays
	}
	if p.Provider != nil {
		d.ProviderName = p.Provider.Name
	}
	if p.Partner != nil {
		d.PartnerName = p.Partner.Name
	}
	if p.Town != nil {
		d.TownName = p.Town.Name
		d.Geo = &Geo{Lat: p.Town.Lat, Lng: p.Town.Lng}
	}
	return d
}

// Reindex rebuilds the index from the database into a fresh index and swaps it in; changes
// made while it was building are applied again afterwards.
func (ix *Indexer) Reindex(ctx context.Context) (int, error) {
	started := ix.now()
	day := dayString(started)
	n, err := ix.client.ReindexJobs(ctx, func(yield func([]JobDoc) error) error {
		return ix.store.EachJobBatch(ctx, 2000, func(jobs []models.Job) error {
			docs := make([]JobDoc, 0, len(jobs))
			for _, j := range jobs {
				if j.Searchable(day) {
					docs = append(docs, DocumentOf(j))
				}
			}
			if len(docs) == 0 {
				return nil
			}
			return yield(docs)
		})
	})
	if err != nil {
		return 0, err
	}
	if err := ix.store.TouchJobsSince(ctx, started.Add(-time.Second)); err != nil {
		return n, err
	}
	err = ix.store.EachProgram(ctx, func(ps []models.Program) error {
		ids := make([]int64, len(ps))
		for i, p := range ps {
			ids[i] = p.ID
		}
		return ix.client.syncPrograms(ctx, ps, ids, day)
	})
	if err != nil {
		return n, err
	}
	_, err = ix.Drain(ctx)
	return n, err
}

// WaitIdle drains until the outbox is empty or ctx ends; tests and the import use it.
func (ix *Indexer) WaitIdle(ctx context.Context) error {
	for {
		if _, err := ix.Drain(ctx); err != nil {
			return err
		}
		n, err := ix.store.OutboxPending(ctx)
		if err != nil || n == 0 {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.New("outbox not drained: " + ctx.Err().Error())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// DocumentOf turns a posting (with its enterprise and town loaded) into its search document.
func DocumentOf(j models.Job) JobDoc {
	d := JobDoc{
		ID: j.ID, Title: j.Title, Description: j.Description, Occupation: j.Occupation,
		SalaryMin: j.SalaryMin, SalaryMax: j.SalaryMax, Education: j.Education, EmploymentType: j.EmploymentType,
		Headcount: j.Headcount, PostedAt: j.PostedAt.Unix(), ExpiresOn: dateInt(j.ExpiresOn), TownID: j.TownID,
		Zone: []string{},
	}
	if e := j.Enterprise; e != nil {
		d.EnterpriseID, d.EnterpriseName, d.Industry = e.ID, e.Name, e.Industry
		if e.InProfessionalTown() {
			d.Zone = []string{"professional_town"}
		}
	}
	if t := j.Town; t != nil {
		d.TownName, d.County = t.Name, t.County
		d.Geo = &Geo{Lat: t.Lat, Lng: t.Lng}
	}
	return d
}

// Day is the date in China (UTC+8) as the integer yyyymmdd the index filters on.
func Day(t time.Time) int {
	y, m, d := t.In(models.China).Date()
	return y*10000 + int(m)*100 + d
}

func dayString(t time.Time) string { return models.Today(t) }

// dateInt turns YYYY-MM-DD into yyyymmdd.
func dateInt(s string) int {
	n, _ := strconv.Atoi(strings.ReplaceAll(s, "-", ""))
	return n
}

// DeleteExpiredJobs removes the postings whose validity ended before day (yyyymmdd); search
// already filters them out, this keeps the index small.
func (c *Client) DeleteExpiredJobs(ctx context.Context, day int) error {
	admin, _, err := c.clients(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	info, err := admin.Index(c.IndexUID(JobsIndex)).DeleteDocumentsByFilter(ctx, "expires_on < "+strconv.Itoa(day), nil)
	return c.waitTask(ctx, admin, info, err)
}
