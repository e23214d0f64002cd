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
	AttendanceProof      string        `json:"attendance_proof"`     // what proves a day: roll or checkin
	EmploymentProof      string        `json:"employment_proof"`     // evidence or social_insurance
	Confirmed            int           `json:"employment_confirmed"` // employed completers confirmed by social insurance
	Lines                []OutcomeLine `json:"lines"`
	// FlagTexts explains in Chinese every flag raised on a line (code → 说明).
	FlagTexts map[string]string `json:"flag_texts"`
}

// OutcomeLine is one trainee's line.
type OutcomeLine struct {
	EnrolmentID    int64  `json:"enrolment_id"`
	Name           string `json:"name"`
	IDNumberMasked string `json:"id_number_masked"`
	Status         string `json:"status"`
	RollDays       int    `json:"roll_days"`     // days on the provider's roll
	CheckinDays    int    `json:"checkin_days"`  // days the trainee checked in itself
	AttendedDays   int    `json:"attended_days"` // the days that count under the version's attendance_proof
	SubsidizedDays int    `json:"subsidized_days"`
	AmountYuan     int    `json:"amount_yuan"`
	Employed       bool   `json:"employed"`
	// EmploymentVerified: a social-insurance record of the person with the employer covers the period.
	EmploymentVerified bool `json:"employment_verified"`
	// EvidenceFile: the employment record has an uploaded scan (GET /enrolments/{id}/evidence).
	EvidenceFile   bool     `json:"evidence_file"`
	ExcludedReason string   `json:"excluded_reason"`
	Flags          []string `json:"flags"`
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
	if err := s.db.WithContext(ctx).Scopes(standingClaimOf(programID)).Limit(1).Find(&own).Error; err != nil {
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
	ev, err := s.programEvidence(ctx, p, min(p.EndOn, today()))
	if err != nil {
		return o, err
	}
	o.AttendanceProof, o.EmploymentProof = v.AttendanceProof, v.EmploymentProof
	approved := 0
	if p.ApprovedDays != nil {
		approved = *p.ApprovedDays
	}
	trainees := make([]policy.Trainee, 0, len(es))
	flagged := make([]policy.FlagTrainee, 0, len(es))
	for _, e := range es {
		completed := e.Status == EnrolCompleted
		onEvidence, confirmed, scan := false, false, false
		ft := policy.FlagTrainee{Phone: e.Phone, RollWithoutCheckin: ev.rollOnly[e.ID], OtherPrograms: ev.otherPrograms[e.IDNumberHash],
			Withdrawn: e.Status == EnrolWithdrawn, SharedCheckinDevice: ev.sharedDevice[e.ID]}
		if plain, err := s.Sealer.Decrypt(e.IDNumberEnc); err == nil {
			ft.IDNumber = plain
		}
		if r, ok := ev.employment[e.ID]; ok {
			startOn, _ := policy.ParseDate(r.StartOn)
			onEvidence = policy.Employed(v, end, completed, &policy.Employment{EvidenceType: r.EvidenceType, EvidenceNo: r.EvidenceNo, EmployerName: r.EmployerName, StartOn: startOn})
			from, to := policy.EmploymentPeriod(v, end, startOn)
			confirmed = policy.EmploymentConfirmed(ev.insured[e.IDNumberHash], r.EmployerUSCC, from, to)
			ft.EvidenceSHA256, ft.EvidenceElsewhere, ft.EmployerUSCC = r.FileSHA256, ev.evidenceElsewhere[r.FileSHA256], r.EmployerUSCC
			ft.EmployedOnEvidence, ft.EmploymentConfirmed, scan = onEvidence, confirmed, r.FileSHA256 != ""
			ft.ExtractCoversPeriod = policy.ExtractCovers(ev.extracts, from, to)
		}
		employed := policy.CountsAsEmployed(v, onEvidence, confirmed)
		if e.Status != EnrolWithdrawn {
			o.Enrolled++
		}
		if completed {
			o.Completed++
		}
		if employed {
			o.Employed++
			if confirmed {
				o.Confirmed++
			}
		}
		attended := policy.CountedDays(v, ev.roll[e.ID], ev.checkin[e.ID])
		trainees = append(trainees, policy.Trainee{Key: e.IDNumberHash, Attended: attended, Completed: completed, Employed: employed})
		flagged = append(flagged, ft)
		o.Lines = append(o.Lines, OutcomeLine{EnrolmentID: e.ID, Name: e.Name, IDNumberMasked: e.IDNumberMasked, Status: e.Status,
			RollDays: ev.roll[e.ID], CheckinDays: ev.checkin[e.ID], AttendedDays: attended, Employed: employed,
			EmploymentVerified: confirmed, EvidenceFile: scan, hash: e.IDNumberHash})
	}
	o.FlagTexts = map[string]string{}
	for i, fs := range policy.Flags(policy.FlagProgram{Version: v, Window: policy.Window{Start: start, End: end}, ProviderUSCC: ev.providerUSCC,
		UsesCheckin: v.AttendanceProof == policy.AttendanceCheckin || ev.anyCheckin}, flagged) {
		o.Lines[i].Flags = fs
		for _, f := range fs {
			o.FlagTexts[f] = policy.FlagText(f)
		}
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
