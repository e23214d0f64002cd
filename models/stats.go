package models

import (
	"context"
	"sort"
	"time"
)

// Stats are the figures behind the reviewer's dashboard (SPEC §3 GET /stats, issue 6 part 8).
type Stats struct {
	Today     string         `json:"today"`
	Totals    StatsTotals    `json:"totals"`
	Programs  []ProgramRate  `json:"programs"`
	Subsidies []TownSubsidy  `json:"subsidies"`
	Postings  []TownPostings `json:"postings"`
}

// StatsTotals are the headline figures.
type StatsTotals struct {
	PostingsOpen          int64 `json:"postings_open"`
	Applications          int64 `json:"applications"`
	Programs              int64 `json:"programs"`
	ProgramsMeetingTarget int64 `json:"programs_meeting_target"`
	ClaimsApprovedYuan    int64 `json:"claims_approved_yuan"` // approved claims, paid ones included
	ClaimsPaidYuan        int64 `json:"claims_paid_yuan"`
}

// ProgramRate is one approved or closed program's employment rate against its target (就业率).
type ProgramRate struct {
	ID             int64   `json:"id"`
	Name           string  `json:"name"`
	Town           string  `json:"town"`
	Completed      int     `json:"completed"`
	Employed       int     `json:"employed"`
	EmploymentRate float64 `json:"employment_rate"` // percent
	TargetRate     int     `json:"target_rate"`     // percent; 0 when no policy version was in force
	MeetsTarget    bool    `json:"meets_target"`
	// AwaitingCompletion: not closed and nobody completed yet (running, or ended and not yet
	// closed), so its 0% is no verdict (尚无结业学员).
	AwaitingCompletion bool `json:"awaiting_completion"`
}

// TownSubsidy is what was approved and what was paid in a town in one month (China time).
// A claim approved in May and paid in June counts in May's approved and June's paid figure.
type TownSubsidy struct {
	Month        string `json:"month"`   // YYYY-MM
	TownID       int64  `json:"town_id"` // 0 for a claim without a town
	Town         string `json:"town"`
	ApprovedYuan int64  `json:"approved_yuan"`
	PaidYuan     int64  `json:"paid_yuan"`
}

// TownPostings counts a town's open postings and the applications to its postings.
type TownPostings struct {
	TownID       int64  `json:"town_id"`
	Town         string `json:"town"`
	PostingsOpen int64  `json:"postings_open"`
	Applications int64  `json:"applications"`
}

// DashboardStats gathers the dashboard's figures as of today (YYYY-MM-DD, China). (Store.Stats
// is a posting's own figures for its enterprise.)
func (s *Store) DashboardStats(ctx context.Context, today string) (Stats, error) {
	st := Stats{Today: today}
	var err error
	if st.Programs, err = s.programRates(ctx, today); err != nil {
		return st, err
	}
	if st.Subsidies, err = s.subsidiesByTownMonth(ctx); err != nil {
		return st, err
	}
	if st.Postings, err = s.postingsByTown(ctx, today); err != nil {
		return st, err
	}
	st.Totals.Programs = int64(len(st.Programs))
	for _, p := range st.Programs {
		if p.MeetsTarget {
			st.Totals.ProgramsMeetingTarget++
		}
	}
	for _, m := range st.Subsidies {
		st.Totals.ClaimsApprovedYuan += m.ApprovedYuan
		st.Totals.ClaimsPaidYuan += m.PaidYuan
	}
	for _, t := range st.Postings {
		st.Totals.PostingsOpen += t.PostingsOpen
		st.Totals.Applications += t.Applications
	}
	return st, nil
}

// programRates runs the outcome computation of every approved or closed program. That is a
// few queries per program: fine for a county's few dozen programs; a batch version of outcome
// is the fix if the list grows to hundreds.
func (s *Store) programRates(ctx context.Context, today string) ([]ProgramRate, error) {
	var ps []Program
	if err := s.db.WithContext(ctx).Preload("Town").Where("status IN ?", []string{ProgramApproved, ProgramClosed}).
		Order("id").Find(&ps).Error; err != nil {
		return nil, err
	}
	rates := make([]ProgramRate, 0, len(ps))
	for _, p := range ps {
		o, err := s.outcome(ctx, p, func() string { return today }, nil)
		if err != nil {
			return nil, err
		}
		r := ProgramRate{ID: p.ID, Name: p.Name, Completed: o.Completed, Employed: o.Employed,
			EmploymentRate: o.EmploymentRate, TargetRate: o.TargetRate, MeetsTarget: o.MeetsTarget,
			AwaitingCompletion: o.Completed == 0 && p.Status != ProgramClosed}
		if p.Town != nil {
			r.Town = p.Town.Name
		}
		rates = append(rates, r)
	}
	return rates, nil
}

// subsidiesByTownMonth sums approved and paid claims by town and month. The rows are read and
// grouped in Go: month arithmetic on timestamps differs between SQLite and PostgreSQL, and the
// month is China's, not the database's.
func (s *Store) subsidiesByTownMonth(ctx context.Context) ([]TownSubsidy, error) {
	var rows []struct {
		TownID    *int64
		Town      string
		Status    string
		TotalYuan int64
		DecidedAt *time.Time
		PaidAt    *time.Time
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT c.town_id, COALESCE(t.name, '') AS town, c.status, c.total_yuan, c.decided_at, c.paid_at
		FROM claims c LEFT JOIN towns t ON t.id = c.town_id WHERE c.status IN ('approved', 'paid')`).Scan(&rows).Error; err != nil {
		return nil, err
	}
	type key struct {
		month  string
		townID int64
	}
	sums := map[key]*TownSubsidy{}
	at := func(when time.Time, townID int64, town string) *TownSubsidy {
		k := key{when.In(China).Format("2006-01"), townID}
		if sums[k] == nil {
			sums[k] = &TownSubsidy{Month: k.month, TownID: townID, Town: town}
		}
		return sums[k]
	}
	for _, r := range rows {
		var townID int64
		if r.TownID != nil {
			townID = *r.TownID
		}
		if r.DecidedAt != nil {
			at(*r.DecidedAt, townID, r.Town).ApprovedYuan += r.TotalYuan
		}
		if r.Status == "paid" && r.PaidAt != nil {
			at(*r.PaidAt, townID, r.Town).PaidYuan += r.TotalYuan
		}
	}
	out := make([]TownSubsidy, 0, len(sums))
	for _, v := range sums {
		out = append(out, *v)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Month != out[j].Month {
			return out[i].Month < out[j].Month
		}
		return out[i].Town < out[j].Town
	})
	return out, nil
}

// postingsByTown counts open, unexpired postings and every application made to a town's
// postings (whatever its status), for the towns with any of either, busiest first.
func (s *Store) postingsByTown(ctx context.Context, today string) ([]TownPostings, error) {
	var rows []TownPostings
	if err := s.db.WithContext(ctx).Raw(`SELECT t.id AS town_id, t.name AS town,
		(SELECT COUNT(*) FROM jobs j WHERE j.town_id = t.id AND j.status = 'open' AND j.expires_on >= ?) AS postings_open,
		(SELECT COUNT(*) FROM applications a JOIN jobs j ON j.id = a.job_id WHERE j.town_id = t.id) AS applications
		FROM towns t`, today).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]TownPostings, 0, len(rows))
	for _, r := range rows {
		if r.PostingsOpen > 0 || r.Applications > 0 {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].PostingsOpen != out[j].PostingsOpen {
			return out[i].PostingsOpen > out[j].PostingsOpen
		}
		if out[i].Applications != out[j].Applications {
			return out[i].Applications > out[j].Applications
		}
		return out[i].Town < out[j].Town
	})
	return out, nil
}
