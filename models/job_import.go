package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// CheckJob applies every posting rule but the town's existence (the caller knows the towns)
// to one input without storing it, naming every failing field at once, for bulk imports that
// report bad rows and keep going and for forms that show every error beside its field.
func CheckJob(in JobInput, now time.Time) error { return in.check(now, true) }

// ImportJobs stores already-checked postings of one verified enterprise in one transaction,
// with their outbox rows and a single audit entry for the batch.
func (s *Store) ImportJobs(ctx context.Context, actor int64, ent Enterprise, rows []JobInput, now time.Time) (int, error) {
	if !ent.Verified {
		return 0, RuleError("enterprise_not_verified", "the enterprise must be verified before its postings are imported")
	}
	if len(rows) == 0 {
		return 0, nil
	}
	t := now.UTC()
	jobs := make([]Job, len(rows))
	for i, in := range rows {
		jobs[i] = jobFromInput(Job{EnterpriseID: ent.ID, Status: JobOpen, PostedAt: t, UpdatedAt: t}, in)
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Omit("Enterprise", "Town").CreateInBatches(&jobs, 500).Error; err != nil {
			return err
		}
		entries := make([]OutboxEntry, len(jobs))
		for i, j := range jobs {
			entries[i] = OutboxEntry{Lane: LaneBulk, Entity: "job", EntityID: j.ID, CreatedAt: t}
		}
		if err := lockOutboxOrder(tx); err != nil {
			return err
		}
		if err := tx.CreateInBatches(&entries, 1000).Error; err != nil {
			return err
		}
		return audit(tx, actor, "job.import", "enterprise", ent.ID, nil, map[string]any{"count": len(jobs), "first_id": jobs[0].ID, "last_id": jobs[len(jobs)-1].ID})
	})
	if err != nil {
		return 0, err
	}
	return len(jobs), nil
}

// TownIDs lists the ids of every town, for checking imported rows without a query each.
func (s *Store) TownIDs(ctx context.Context) (map[int64]bool, error) {
	var ids []int64
	if err := s.db.WithContext(ctx).Model(&Town{}).Pluck("id", &ids).Error; err != nil {
		return nil, err
	}
	set := make(map[int64]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set, nil
}
