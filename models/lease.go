package models

import (
	"context"
	"fmt"
	"time"
)

// TryLease takes or renews the lease of a periodic job (saved-search alerts, expiry sweeps)
// for holder until now+ttl, and reports whether holder has it. A lease held by another
// process is taken over only once it has expired, so with any number of portal processes
// each job runs in one of them, and a dead holder's job moves on after ttl.
func (s *Store) TryLease(ctx context.Context, name, holder string, ttl time.Duration, now time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`INSERT INTO job_leases (name, holder, expires_ms) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms
		WHERE job_leases.holder = excluded.holder OR job_leases.expires_ms < ?`,
		name, holder, now.Add(ttl).UnixMilli(), now.UnixMilli())
	if res.Error != nil {
		return false, fmt.Errorf("models: lease %s: %w", name, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReleaseLease gives a lease up at shutdown, so another process takes the job at once.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	if err := s.db.WithContext(ctx).Exec("DELETE FROM job_leases WHERE name = ? AND holder = ?", name, holder).Error; err != nil {
		return fmt.Errorf("models: release lease %s: %w", name, err)
	}
	return nil
}
