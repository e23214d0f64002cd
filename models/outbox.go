package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// OutboxEntry says that the search documents of a record must be rebuilt: a posting, or every
// posting of an enterprise. It is written in the same transaction as the change, so a crash
// between the commit and the index write loses nothing. Every Meilisearch node reads the
// outbox from its own position (SearchCursor); entries are pruned once every node has passed.
type OutboxEntry struct {
	ID        int64
	Lane      int
	Entity    string // "job", "enterprise" or "program"
	EntityID  int64
	CreatedAt time.Time
}

// TableName names the outbox table.
func (OutboxEntry) TableName() string { return "search_outbox" }

// The outbox lanes: changes made through the API go first, so they never wait behind a bulk
// import.
const (
	LaneLive = 0
	LaneBulk = 1
)

// Lanes lists the lanes in the order the indexer serves them.
var Lanes = []int{LaneLive, LaneBulk}

// outboxOrderKey is the PostgreSQL advisory lock held from the moment a transaction writes
// outbox entries until it commits. It makes entries commit in id order, so a node that has
// read up to id n has seen every entry below n: without it a transaction holding id 100 could
// commit after one holding 101 had been read, and the node's position would skip it.
const outboxOrderKey = 81202212

func lockOutboxOrder(tx *gorm.DB) error {
	if tx.Dialector.Name() != "postgres" {
		return nil // SQLite has one writer: ids are handed out and committed in order
	}
	return tx.Exec("SELECT pg_advisory_xact_lock(?)", outboxOrderKey).Error
}

func enqueue(tx *gorm.DB, entity string, id int64) error {
	if err := lockOutboxOrder(tx); err != nil {
		return err
	}
	return tx.Create(&OutboxEntry{Lane: LaneLive, Entity: entity, EntityID: id, CreatedAt: time.Now().UTC()}).Error
}

// OutboxAfter returns up to limit entries of a lane after position, oldest first.
func (s *Store) OutboxAfter(ctx context.Context, lane int, position int64, limit int) ([]OutboxEntry, error) {
	var es []OutboxEntry
	err := s.db.WithContext(ctx).Where("lane = ? AND id > ?", lane, position).Order("id").Limit(limit).Find(&es).Error
	if err != nil {
		return nil, fmt.Errorf("models: outbox lane %d after %d: %w", lane, position, err)
	}
	return es, nil
}

// OutboxHeads returns the newest entry id of each lane (0 for an empty lane).
func (s *Store) OutboxHeads(ctx context.Context) (map[int]int64, error) {
	heads := map[int]int64{}
	for _, lane := range Lanes {
		var id int64
		// ORDER BY … LIMIT 1 reads one index entry where MAX over a lane might scan.
		err := s.db.WithContext(ctx).Raw("SELECT COALESCE((SELECT id FROM search_outbox WHERE lane = ? ORDER BY id DESC LIMIT 1), 0)", lane).Scan(&id).Error
		if err != nil {
			return nil, fmt.Errorf("models: outbox heads: %w", err)
		}
		heads[lane] = id
	}
	return heads, nil
}

// SearchCursor is a node's position in one lane of the outbox: every entry up to Position
// has been applied to that node.
type SearchCursor struct {
	Node      string `gorm:"primaryKey"`
	Lane      int    `gorm:"primaryKey"`
	Position  int64
	UpdatedAt time.Time
}

// TableName names the cursor table.
func (SearchCursor) TableName() string { return "search_cursors" }

// Cursors returns the positions of a node by lane; found is false for a node never built.
func (s *Store) Cursors(ctx context.Context, node string) (pos map[int]int64, found bool, err error) {
	var cs []SearchCursor
	if err := s.db.WithContext(ctx).Where("node = ?", node).Find(&cs).Error; err != nil {
		return nil, false, fmt.Errorf("models: cursors of %s: %w", node, err)
	}
	pos = map[int]int64{}
	for _, c := range cs {
		pos[c.Lane] = c.Position
	}
	return pos, len(cs) > 0, nil
}

// AllCursors returns every node's positions, by node and lane.
func (s *Store) AllCursors(ctx context.Context) (map[string]map[int]int64, error) {
	var cs []SearchCursor
	if err := s.db.WithContext(ctx).Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("models: search cursors: %w", err)
	}
	out := map[string]map[int]int64{}
	for _, c := range cs {
		if out[c.Node] == nil {
			out[c.Node] = map[int]int64{}
		}
		out[c.Node][c.Lane] = c.Position
	}
	return out, nil
}

// SetCursor records a node's position in a lane.
func (s *Store) SetCursor(ctx context.Context, node string, lane int, position int64) error {
	c := SearchCursor{Node: node, Lane: lane, Position: position, UpdatedAt: time.Now().UTC()}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "node"}, {Name: "lane"}},
		DoUpdates: clause.AssignmentColumns([]string{"position", "updated_at"})}).Create(&c).Error
	if err != nil {
		return fmt.Errorf("models: set cursor of %s lane %d: %w", node, lane, err)
	}
	return nil
}

// DropCursors forgets a node's positions, so it is rebuilt from the database.
func (s *Store) DropCursors(ctx context.Context, node string) error {
	if err := s.db.WithContext(ctx).Where("node = ?", node).Delete(&SearchCursor{}).Error; err != nil {
		return fmt.Errorf("models: drop cursors of %s: %w", node, err)
	}
	return nil
}

// OutboxLag is how far a node is behind in the outbox: the entries it has not applied and
// the age of the oldest of them.
type OutboxLag struct {
	Entries int64
	Oldest  time.Duration
}

// LagOf measures a node's lag from its positions (a node without positions lags by all).
func (s *Store) LagOf(ctx context.Context, pos map[int]int64, now time.Time) (OutboxLag, error) {
	var lag OutboxLag
	for _, lane := range Lanes {
		var row struct {
			N      int64
			Oldest *time.Time
		}
		q := s.db.WithContext(ctx).Model(&OutboxEntry{}).Where("lane = ? AND id > ?", lane, pos[lane])
		if err := q.Count(&row.N).Error; err != nil {
			return lag, fmt.Errorf("models: outbox lag: %w", err)
		}
		if row.N == 0 {
			continue
		}
		lag.Entries += row.N
		var first OutboxEntry
		if err := s.db.WithContext(ctx).Where("lane = ? AND id > ?", lane, pos[lane]).Order("id").Limit(1).Find(&first).Error; err != nil {
			return lag, fmt.Errorf("models: outbox lag: %w", err)
		}
		if age := now.Sub(first.CreatedAt); age > lag.Oldest {
			lag.Oldest = age
		}
	}
	return lag, nil
}

// PruneOutbox deletes the entries every named node has applied; a node without positions
// (new, or to be rebuilt) holds nothing back, as it starts from the database.
func (s *Store) PruneOutbox(ctx context.Context, nodes []string) (int64, error) {
	all, err := s.AllCursors(ctx)
	if err != nil {
		return 0, err
	}
	var pruned int64
	for _, lane := range Lanes {
		low, seen := int64(0), false
		for _, n := range nodes {
			pos, ok := all[n]
			if !ok {
				continue
			}
			if !seen || pos[lane] < low {
				low, seen = pos[lane], true
			}
		}
		if !seen || low == 0 {
			continue
		}
		res := s.db.WithContext(ctx).Where("lane = ? AND id <= ?", lane, low).Delete(&OutboxEntry{})
		if res.Error != nil {
			return pruned, fmt.Errorf("models: prune outbox lane %d: %w", lane, res.Error)
		}
		pruned += res.RowsAffected
	}
	return pruned, nil
}

// OutboxPending counts the entries no node has passed yet (every entry not pruned).
func (s *Store) OutboxPending(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&OutboxEntry{}).Count(&n).Error
	return n, err
}

// JobsForIndex loads the postings that "job" outbox entries name with what their search
// documents need, in one query; the ids no longer stored are missing. "enterprise" entries
// are walked with EachJobOfEnterprise.
func (s *Store) JobsForIndex(ctx context.Context, entries []OutboxEntry) (found []Job, missing []int64, err error) {
	var jobIDs []int64
	for _, e := range entries {
		if e.Entity == "job" {
			jobIDs = append(jobIDs, e.EntityID)
		}
	}
	if len(jobIDs) == 0 {
		return nil, nil, nil
	}
	if err := s.db.WithContext(ctx).Preload("Enterprise").Preload("Town").Where("id IN ?", jobIDs).Find(&found).Error; err != nil {
		return nil, nil, err
	}
	seen := make(map[int64]bool, len(found))
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
	return s.eachJobBatch(ctx, s.db.WithContext(ctx), size, fn)
}

// EachJobOfEnterprise walks one enterprise's postings in id order, size at a time: a change
// of the enterprise (its name, its verification) changes the document of every one of them,
// and a large enterprise's postings are never all in memory at once.
func (s *Store) EachJobOfEnterprise(ctx context.Context, enterpriseID int64, size int, fn func([]Job) error) error {
	return s.eachJobBatch(ctx, s.db.WithContext(ctx).Where("enterprise_id = ?", enterpriseID), size, fn)
}

func (s *Store) eachJobBatch(ctx context.Context, scope *gorm.DB, size int, fn func([]Job) error) error {
	var last int64
	for {
		var batch []Job
		if err := scope.Session(&gorm.Session{}).Preload("Enterprise").Preload("Town").Where("id > ?", last).Order("id").Limit(size).Find(&batch).Error; err != nil {
			return fmt.Errorf("models: postings for the index after %d: %w", last, err)
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

// nodeLockKey is the PostgreSQL advisory lock of one node's outbox drain: one process at a
// time writes to a node, so two instances never write stale documents over fresh ones.
func nodeLockKey(node string) int64 {
	var h int64 = 1469598103934665603 // FNV-1a, folded into the signed range
	for i := 0; i < len(node); i++ {
		h ^= int64(node[i])
		h *= 1099511628211
	}
	return h
}

// WithNodeLock runs fn while holding the drain lock of one node and reports whether it ran:
// false means another process is writing to that node. The lock is transaction-scoped, so a
// process killed mid-drain frees it the moment its connection drops. SQLite deployments run
// one process, and the indexer serialises itself in process.
func (s *Store) WithNodeLock(ctx context.Context, node string, fn func() error) (bool, error) {
	if s.dialect != "postgres" {
		return true, fn()
	}
	tx := s.db.WithContext(ctx).Begin()
	if tx.Error != nil {
		return false, tx.Error
	}
	defer tx.Rollback()
	var got bool
	if err := tx.Raw("SELECT pg_try_advisory_xact_lock(?)", nodeLockKey(node)).Scan(&got).Error; err != nil {
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
