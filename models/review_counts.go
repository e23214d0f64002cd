package models

import (
	"context"
	"fmt"
)

// ReviewCounts is how much waits in each of a reviewer's queues, counted without loading the
// items (the task bar of every reviewer page shows it; the console itself lists the items).
type ReviewCounts struct {
	Claims, Enterprises, Providers, Programs, Reports int64
}

// ReviewCounts counts the reviewers' queues: submitted claims, unverified enterprises and
// providers, programs pending approval and open reports.
func (s *Store) ReviewCounts(ctx context.Context) (ReviewCounts, error) {
	db := s.db.WithContext(ctx)
	var n ReviewCounts
	for _, q := range []struct {
		into  *int64
		model any
		where string
		arg   any
	}{
		{&n.Claims, &Claim{}, "status = ?", ClaimSubmitted},
		{&n.Enterprises, &Enterprise{}, "verified = ?", false},
		{&n.Providers, &Provider{}, "verified = ?", false},
		{&n.Programs, &Program{}, "status = ?", ProgramPending},
		{&n.Reports, &Report{}, "status = ?", "open"},
	} {
		if err := db.Model(q.model).Where(q.where, q.arg).Count(q.into).Error; err != nil {
			return ReviewCounts{}, fmt.Errorf("models: review counts: %w", err)
		}
	}
	return n, nil
}
