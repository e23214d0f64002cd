package models

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"
)

// AuditEntry is one line of the append-only audit log: who did what to which record, when,
// and the record before and after.
type AuditEntry struct {
	ID          int64     `json:"id"`
	ActorUserID *int64    `json:"actor_user_id"`
	Action      string    `json:"action"`
	Entity      string    `json:"entity"`
	EntityID    int64     `json:"entity_id"`
	At          time.Time `json:"at"`
	Before      *string   `json:"before"`
	After       *string   `json:"after"`
}

// TableName keeps the log's table name singular, as the migration made it.
func (AuditEntry) TableName() string { return "audit_log" }

// audit appends an entry inside the caller's transaction, so the change and its record of
// it commit or fail together.
func audit(tx *gorm.DB, actor int64, action, entity string, entityID int64, before, after any) error {
	e := AuditEntry{Action: action, Entity: entity, EntityID: entityID, At: time.Now().UTC()}
	if actor != 0 {
		e.ActorUserID = &actor
	}
	for _, v := range []struct {
		src any
		dst **string
	}{{before, &e.Before}, {after, &e.After}} {
		if v.src == nil {
			continue
		}
		b, err := json.Marshal(v.src)
		if err != nil {
			return err
		}
		s := string(b)
		*v.dst = &s
	}
	return tx.Create(&e).Error
}

// AuditTrail lists the entries about one record, oldest first.
func (s *Store) AuditTrail(ctx context.Context, entity string, id int64) ([]AuditEntry, error) {
	var entries []AuditEntry
	err := s.db.WithContext(ctx).Where("entity = ? AND entity_id = ?", entity, id).Order("id").Find(&entries).Error
	return entries, err
}
