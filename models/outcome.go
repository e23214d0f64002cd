package models

import (
	"context"

	"portal/models/policy"
)

// Outcome is where a program stands against the employment target, with the claim lines
// the rules would give (SPEC §3 GET /programs/{id}/outcome).
type Outcome struct {
	ProgramID            int64         `json:"program_id"`
	PolicyCode           string        `json:"policy_code"`
	Enrolled             int           `json:"enrolled"`
	Completed            int           `json:"completed"`
	Employed             int           `json:"employed"`
	EmploymentRate       float64       `json:"employment_rate"` // percent, two decimals, rounded down
	TargetRate           int           `json:"target_rate"`     // percent
	MeetsTarget          bool          `json:"meets_target"`
	EmployedNeeded       int           `json:"employed_needed"`
	ProjectedSubsidyYuan int           `json:"projected_subsidy_yuan"`
	Lines                []OutcomeLine `json:"lines"`
}

// OutcomeLine is one trainee's line.
type OutcomeLine struct {
	EnrolmentID    int64  `json:"enrolment_id"`
	Name           string `json:"name"`
	IDNumberMasked string `json:"id_number_masked"`
	Status         string `json:"status"`
	AttendedDays   int    `json:"attended_days"`
	SubsidizedDays int    `json:"subsidized_days"`
	AmountYuan     int    `json:"amount_yuan"`
	Employed       bool   `json:"employed"`
	ExcludedReason string `json:"excluded_reason"`
	hash           string
}

// ProgramOutcome computes a program's outcome for its provider or a reviewer, in a fixed
// number of queries whatever the number of trainees.
func (s *Store) ProgramOutcome(ctx context.Context, viewer User, programID int64, now Clock) (Outcome, error) {
	p, err := s.Program(ctx, programID)
	if err != nil {
		return Outcome{}, err
	}
	if viewer.Role != RoleReviewer {
		if err := RequireOwner(viewer, p); err != nil {
			return Outcome{}, err
		}
	}
	// People paid by another claim of the year show as already_subsidized; the program's own
	// active claim does not count against it.
	var own Claim
	if err := s.db.WithContext(ctx).Where("program_id = ? AND status <> ?", programID, ClaimRejected).Limit(1).Find(&own).Error; err != nil {
		return Outcome{}, err
	}
	end, _ := policy.ParseDate(p.EndOn)
	already, err := s.alreadySubsidized(ctx, ClaimTraining, policy.SubsidyYear(end), own.ID)
	if err != nil {
		return Outcome{}, err
	}
	return s.outcome(ctx, p, now, already)
}

// Clock gives the current date in China; a func so tests can move it.
type Clock func() string

// outcome computes the figures; alreadySubsidized (may be nil) tells the people already on
// another non-rejected line of the same kind and year.
func (s *Store) outcome(ctx context.Context, p Program, today Clock, alreadySubsidized func(hash string) bool) (Outcome, error) {
	o := Outcome{ProgramID: p.ID, Lines: []OutcomeLine{}}
	versions, err := s.policyVersions(ctx)
	if err != nil {
		return o, err
	}
	start, _ := policy.ParseDate(p.StartOn)
	end, _ := policy.ParseDate(p.EndOn)
	v, inForce := policy.InForceOn(versions, start)
	if inForce {
		o.PolicyCode, o.TargetRate = v.Code, v.EmploymentTargetPercent
	}

	var es []Enrolment
	if err := s.db.WithContext(ctx).Where("program_id = ? AND status IN ?", p.ID, append(onRoster, EnrolWithdrawn)).Order("id").Find(&es).Error; err != nil {
		return o, err
	}
	last := min(p.EndOn, today())
	var days []struct {
		EnrolmentID int64
		N           int
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT enrolment_id, COUNT(DISTINCT day) AS n FROM attendance
		WHERE program_id = ? AND day >= ? AND day <= ? GROUP BY enrolment_id`, p.ID, p.StartOn, last).Scan(&days).Error; err != nil {
		return o, err
	}
	attended := make(map[int64]int, len(days))
	for _, d := range days {
		attended[d.EnrolmentID] = d.N
	}
	var recs []EmploymentRecord
	if err := s.db.WithContext(ctx).Where("enrolment_id IN (SELECT id FROM enrolments WHERE program_id = ?)", p.ID).Find(&recs).Error; err != nil {
		return o, err
	}
	employment := make(map[int64]EmploymentRecord, len(recs))
	for _, r := range recs {
		employment[r.EnrolmentID] = r
	}

	approved := 0
	if p.ApprovedDays != nil {
		approved = *p.ApprovedDays
	}
	trainees := make([]policy.Trainee, 0, len(es))
	for _, e := range es {
		completed := e.Status == EnrolCompleted
		employed := false
		if r, ok := employment[e.ID]; ok {
			startOn, _ := policy.ParseDate(r.StartOn)
			employed = policy.Employed(v, end, completed, &policy.Employment{EvidenceType: r.EvidenceType, EvidenceNo: r.EvidenceNo, EmployerName: r.EmployerName, StartOn: startOn})
		}
		if e.Status != EnrolWithdrawn {
			o.Enrolled++
		}
		if completed {
			o.Completed++
		}
		if employed {
			o.Employed++
		}
		trainees = append(trainees, policy.Trainee{Key: e.IDNumberHash, Attended: attended[e.ID], Completed: completed, Employed: employed})
		o.Lines = append(o.Lines, OutcomeLine{EnrolmentID: e.ID, Name: e.Name, IDNumberMasked: e.IDNumberMasked, Status: e.Status,
			AttendedDays: attended[e.ID], Employed: employed, hash: e.IDNumberHash})
	}
	if !inForce {
		for i := range o.Lines {
			o.Lines[i].ExcludedReason = "no_policy_in_force"
		}
		return o, nil
	}
	target := policy.Target(v, o.Completed, o.Employed)
	o.MeetsTarget, o.EmployedNeeded = target.MeetsTarget, target.EmployedNeeded
	o.EmploymentRate = float64(target.RateBasisPoints) / 100
	lines := policy.Lines(v, approved, trainees, alreadySubsidized)
	for i, l := range lines {
		o.Lines[i].SubsidizedDays, o.Lines[i].AmountYuan, o.Lines[i].ExcludedReason = l.SubsidizedDays, l.AmountYuan, l.ExcludedReason
	}
	o.ProjectedSubsidyYuan = policy.Total(lines)
	return o, nil
}
