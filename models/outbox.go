package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// OutboxEntry says that the search documents of a record must be rebuilt: a posting, or every
// posting of an enterprise. It is written in the same transaction as the change, so a crash
// between the commit and the index write loses nothing.
type OutboxEntry struct {
	ID        int64
	Entity    string // "job" or "enterprise"
	EntityID  int64
	CreatedAt time.Time
}

// TableName names the outbox table.
func (OutboxEntry) TableName() string { return "search_outbox" }

func enqueue(tx *gorm.DB, entity string, id int64) error {
	return tx.Create(&OutboxEntry{Entity: entity, EntityID: id, CreatedAt: time.Now().UTC()}).Error
}

// OutboxBatch returns up to limit pending entries, oldest first.
func (s *Store) OutboxBatch(ctx context.Context, limit int) ([]OutboxEntry, error) {
	var es []OutboxEntry
	err := s.db.WithContext(ctx).Order("id").Limit(limit).Find(&es).Error
	return es, err
}

// OutboxPending counts the entries not yet applied to the index.
func (s *Store) OutboxPending(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&OutboxEntry{}).Count(&n).Error
	return n, err
}

// AckOutbox removes applied entries.
func (s *Store) AckOutbox(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return s.db.WithContext(ctx).Where("id IN ?", ids).Delete(&OutboxEntry{}).Error
}

// JobsForIndex loads the postings named by outbox entries (directly, or through their
// enterprise) with what their search documents need, in a bounded number of queries.
func (s *Store) JobsForIndex(ctx context.Context, entries []OutboxEntry) (found []Job, missing []int64, err error) {
	var jobIDs, entIDs []int64
	for _, e := range entries {
		switch e.Entity {
		case "job":
			jobIDs = append(jobIDs, e.EntityID)
		case "enterprise":
			entIDs = append(entIDs, e.EntityID)
		}
	}
	q := s.db.WithContext(ctx).Preload("Enterprise").Preload("Town")
	switch {
	case len(jobIDs) > 0 && len(entIDs) > 0:
		q = q.Where("id IN ? OR enterprise_id IN ?", jobIDs, entIDs)
	case len(jobIDs) > 0:
		q = q.Where("id IN ?", jobIDs)
	case len(entIDs) > 0:
		q = q.Where("enterprise_id IN ?", entIDs)
	default:
		return nil, nil, nil
	}
	if err := q.Find(&found).Error; err != nil {
		return nil, nil, err
	}
	seen := map[int64]bool{}
	for _, j := range found {
		seen[j.ID] = true
	}
	for _, id := range jobIDs {
		if !seen[id] {
			missing = append(missing, id)
		}
	}
	return found, missing, nil
}

// EachJobBatch walks every posting in id order, size at a time, for a full reindex.
func (s *Store) EachJobBatch(ctx context.Context, size int, fn func([]Job) error) error {
	var last int64
	for {
		var batch []Job
		if err := s.db.WithContext(ctx).Preload("Enterprise").Preload("Town").Where("id > ?", last).Order("id").Limit(size).Find(&batch).Error; err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		if err := fn(batch); err != nil {
			return err
		}
		last = batch[len(batch)-1].ID
	}
}

// TouchJobsSince enqueues every posting changed at or after t, so changes made while a
// reindex was building reach the new index.
func (s *Store) TouchJobsSince(ctx context.Context, t time.Time) error {
	return s.db.WithContext(ctx).Exec("INSERT INTO search_outbox (entity, entity_id, created_at) SELECT 'job', id, ? FROM jobs WHERE updated_at >= ?",
		time.Now().UTC(), t.UTC()).Error
}

// outboxLockKey is the PostgreSQL advisory lock that lets one portal process drain the
// outbox at a time, so two instances never write stale documents over fresh ones.
const outboxLockKey = 81202210

// WithOutboxLock runs fn while holding the outbox lock and reports whether it ran: false
// means another process is draining. SQLite deployments run one process, and the indexer
// serialises itself in process.
func (s *Store) WithOutboxLock(ctx context.Context, fn func() error) (bool, error) {
	if s.dialect != "postgres" {
		return true, fn()
	}
	tx := s.db.WithContext(ctx).Begin()
	if tx.Error != nil {
		return false, tx.Error
	}
	defer tx.Rollback()
	var got bool
	if err := tx.Raw("SELECT pg_try_advisory_xact_lock(?)", outboxLockKey).Scan(&got).Error; err != nil {
		return false, err
	}
	if !got {
		return false, nil
	}
	if err := fn(); err != nil {
		return true, err
	}
	return true, tx.Commit().Error
}
