package models

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"portal/models/policy"
)

// PeopleCount is a published count of people: the number, or "<5" when fewer than five
// (policy.MinDisclosed) so that no small group can be singled out.
type PeopleCount struct {
	N int
}

// Disclosed says whether the count is published as a number.
func (c PeopleCount) Disclosed() bool { return policy.Disclosed(c.N) }

// String is the count as the public sees it.
func (c PeopleCount) String() string {
	if !c.Disclosed() {
		return "<" + strconv.Itoa(policy.MinDisclosed)
	}
	return strconv.Itoa(c.N)
}

// MarshalJSON writes a number, or the string "<5".
func (c PeopleCount) MarshalJSON() ([]byte, error) {
	if !c.Disclosed() {
		return json.Marshal(c.String())
	}
	return json.Marshal(c.N)
}

// ProviderYear is one provider's closed programs of one year (of end_on), as published:
// counts of people suppressed under five, rates withheld (null) beside them, no names.
type ProviderYear struct {
	Year            int         `json:"year"`
	ProgramsClosed  int         `json:"programs_closed"`
	Enrolled        PeopleCount `json:"enrolled"`
	Completed       PeopleCount `json:"completed"`
	Employed        PeopleCount `json:"employed"`
	EmploymentRate  *float64    `json:"employment_rate"` // percent of completers employed; null when withheld
	Confirmed       PeopleCount `json:"employment_confirmed"`
	ConfirmedRate   *float64    `json:"confirmed_rate"` // percent of the employed confirmed by social insurance
	SubsidyPaidYuan int         `json:"subsidy_paid_yuan"`
}

// ProviderOutcome is a provider and its published years, newest first.
type ProviderOutcome struct {
	ProviderID int64          `json:"provider_id"`
	Name       string         `json:"name"`
	Kind       string         `json:"kind"`
	Years      []ProviderYear `json:"years"`
}

func rate(num, den int) *float64 {
	bp, ok := policy.DisclosedRate(num, den)
	if !ok {
		return nil
	}
	r := float64(bp) / 100
	return &r
}

// ProviderOutcomes publishes every verified provider's outcomes (providerID 0), or one's.
// It reads each closed program's outcome: a few queries per program, fine for a province's
// hundreds of programs a year.
func (s *Store) ProviderOutcomes(ctx context.Context, providerID int64) ([]ProviderOutcome, error) {
	db := s.db.WithContext(ctx)
	var provs []Provider
	q := db.Where("verified = ?", true).Order("id")
	if providerID != 0 {
		q = q.Where("id = ?", providerID)
	}
	if err := q.Find(&provs).Error; err != nil {
		return nil, err
	}
	if providerID != 0 && len(provs) == 0 {
		return nil, NotFound("provider")
	}
	out := make([]ProviderOutcome, 0, len(provs))
	for _, pr := range provs {
		var ps []Program
		if err := db.Where("provider_id = ? AND status = ?", pr.ID, ProgramClosed).Order("end_on").Find(&ps).Error; err != nil {
			return nil, err
		}
		type sums struct{ programs, enrolled, completed, employed, confirmed, paid int }
		years := map[int]*sums{}
		for _, p := range ps {
			o, err := s.outcome(ctx, p, func() string { return p.EndOn }, nil)
			if err != nil {
				return nil, withContext(err, fmt.Sprintf("outcome of program %d", p.ID))
			}
			var paid []int
			if err := db.Model(&Claim{}).Where("program_id = ? AND status = ?", p.ID, ClaimPaid).Pluck("total_yuan", &paid).Error; err != nil {
				return nil, err
			}
			y, _ := strconv.Atoi(p.EndOn[:4])
			if years[y] == nil {
				years[y] = &sums{}
			}
			sm := years[y]
			sm.programs++
			sm.enrolled, sm.completed, sm.employed, sm.confirmed = sm.enrolled+o.Enrolled, sm.completed+o.Completed, sm.employed+o.Employed, sm.confirmed+o.Confirmed
			for _, t := range paid {
				sm.paid += t
			}
		}
		po := ProviderOutcome{ProviderID: pr.ID, Name: pr.Name, Kind: pr.Kind, Years: []ProviderYear{}}
		for y, sm := range years {
			po.Years = append(po.Years, ProviderYear{Year: y, ProgramsClosed: sm.programs, Enrolled: PeopleCount{sm.enrolled}, Completed: PeopleCount{sm.completed},
				Employed: PeopleCount{sm.employed}, EmploymentRate: rate(sm.employed, sm.completed), Confirmed: PeopleCount{sm.confirmed},
				ConfirmedRate: rate(sm.confirmed, sm.employed), SubsidyPaidYuan: sm.paid})
		}
		sort.Slice(po.Years, func(i, j int) bool { return po.Years[i].Year > po.Years[j].Year })
		out = append(out, po)
	}
	return out, nil
}
