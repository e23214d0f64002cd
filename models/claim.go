package models

import (
	"context"
	"errors"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/models/policy"
	"portal/personal"
)

// Claim kinds and statuses.
const (
	ClaimTraining  = "training" // Article 8: the provider's tiered training subsidy
	ClaimOnjob     = "onjob"    // Article 8: the enterprise's on-the-job training subsidy
	ClaimSubmitted = "submitted"
	ClaimApproved  = "approved"
	ClaimRejected  = "rejected"
	ClaimPaid      = "paid"
)

// Claim is a subsidy claim with its snapshot of lines; its figures never change after
// submission, and a decided claim is never decided again.
type Claim struct {
	ID              int64          `json:"id"`
	Kind            string         `json:"kind"`
	ProgramID       *int64         `json:"program_id,omitempty"`
	Program         *Program       `json:"program,omitempty" gorm:"foreignKey:ProgramID"`
	ProviderID      *int64         `json:"provider_id,omitempty"`
	EnterpriseID    *int64         `json:"enterprise_id,omitempty"`
	Enterprise      *Enterprise    `json:"enterprise,omitempty" gorm:"foreignKey:EnterpriseID"`
	TownID          *int64         `json:"town_id"`
	Town            *Town          `json:"town,omitempty" gorm:"foreignKey:TownID"`
	PolicyVersionID int64          `json:"policy_version_id"`
	Policy          *PolicyVersion `json:"policy,omitempty" gorm:"foreignKey:PolicyVersionID"`
	Title           string         `json:"title"`
	TrainedOn       *string        `json:"trained_on,omitempty"`
	SubsidyYear     int            `json:"subsidy_year"`
	Status          string         `json:"status"`
	People          int            `json:"people"`
	TotalYuan       int            `json:"total_yuan"`
	SubmittedBy     int64          `json:"-"`
	SubmittedAt     time.Time      `json:"submitted_at"`
	DecidedBy       *int64         `json:"-"`
	DecidedAt       *time.Time     `json:"decided_at"`
	RejectReason    string         `json:"reject_reason,omitempty"`
	AnnouncedFrom   *string        `json:"announced_from"`
	AnnouncedUntil  *string        `json:"announced_until"`
	PaidBy          *int64         `json:"-"`
	PaidAt          *time.Time     `json:"paid_at"`
	PaymentRef      string         `json:"payment_ref,omitempty"`
	ApproveNote     string         `json:"approve_note,omitempty"` // the reviewer's note on approval (needed when flagged)
	// Flagged and FlagTexts are read live (a later social-insurance import can raise a flag);
	// UnderInspection says a random inspection awaits its result.
	Flagged         bool              `json:"flagged" gorm:"-"`
	FlagTexts       map[string]string `json:"flag_texts,omitempty" gorm:"-"`
	UnderInspection bool              `json:"under_inspection" gorm:"-"`
	// ClaimFlags are the flags of the claim as a whole (policy.FlagFailedInspectionBefore).
	ClaimFlags []string    `json:"claim_flags" gorm:"-"`
	Lines      []ClaimLine `json:"lines,omitempty" gorm:"foreignKey:ClaimID"`
	Objections []Objection `json:"objections,omitempty" gorm:"foreignKey:ClaimID"`
}

// ClaimLine is one person's line with its computation; lines never change (the database
// refuses updates and deletions).
type ClaimLine struct {
	ID               int64  `json:"id"`
	ClaimID          int64  `json:"-"`
	EnrolmentID      *int64 `json:"enrolment_id,omitempty"`
	Name             string `json:"name"`
	IDNumberEnc      string `json:"-"`
	IDNumberMasked   string `json:"id_number_masked"`
	PersonHash       string `json:"-"`
	AttendedDays     int    `json:"attended_days"`
	SubsidizedDays   int    `json:"subsidized_days"`
	FirstDays        int    `json:"first_days"`
	FirstDayRateYuan int    `json:"first_day_rate_yuan"`
	LaterDayRateYuan int    `json:"later_day_rate_yuan"`
	CapPerPersonYuan int    `json:"cap_per_person_yuan"`
	RateYuan         int    `json:"rate_yuan"` // on-the-job: the flat rate per person
	AmountYuan       int    `json:"amount_yuan"`
	Employed         bool   `json:"employed"`
	ExcludedReason   string `json:"excluded_reason"`
	// Flags and EmploymentVerified are computed when the claim is read, never stored.
	Flags              []string `json:"flags" gorm:"-"`
	EmploymentVerified bool     `json:"employment_verified" gorm:"-"`
	EvidenceFile       bool     `json:"evidence_file" gorm:"-"` // an uploaded scan of the employment evidence
}

// Objection is a public objection (异议) to an announced claim.
type Objection struct {
	ID             int64      `json:"id"`
	ClaimID        int64      `json:"claim_id"`
	Text           string     `json:"text"`
	Contact        string     `json:"-"`
	Status         string     `json:"status"`
	ResolutionNote string     `json:"resolution_note,omitempty"`
	ResolvedBy     *int64     `json:"-"`
	ResolvedAt     *time.Time `json:"resolved_at"`
	CreatedAt      time.Time  `json:"created_at"`
}

// TableName names the objections table.
func (Objection) TableName() string { return "claim_objections" }

// subsidizedPerson is a row of the no-double-subsidy register.
type subsidizedPerson struct {
	Kind        string `gorm:"primaryKey"`
	SubsidyYear int    `gorm:"primaryKey"`
	PersonHash  string `gorm:"primaryKey"`
	ClaimID     int64
}

func (subsidizedPerson) TableName() string { return "subsidized_people" }

// ownerOf says whether u submitted the claim's side: its provider or its enterprise.
func (c Claim) ownedBy(ctx context.Context, s *Store, u User) bool {
	switch u.Role {
	case RoleProvider:
		p, err := s.ProviderOf(ctx, u.ID)
		return err == nil && c.ProviderID != nil && *c.ProviderID == p.ID
	case RoleEnterprise:
		e, err := s.EnterpriseOf(ctx, u.ID)
		return err == nil && c.EnterpriseID != nil && *c.EnterpriseID == e.ID
	}
	return false
}

// alreadySubsidized reads the register for the people of a kind and year, leaving out the
// rows of exceptClaim (a program's own claim, when its outcome is shown again).
func (s *Store) alreadySubsidized(ctx context.Context, kind string, year int, exceptClaim int64) (func(string) bool, error) {
	var hashes []string
	if err := s.db.WithContext(ctx).Model(&subsidizedPerson{}).Where("kind = ? AND subsidy_year = ? AND claim_id <> ?", kind, year, exceptClaim).
		Pluck("person_hash", &hashes).Error; err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(hashes))
	for _, h := range hashes {
		set[h] = true
	}
	return func(h string) bool { return set[h] }, nil
}

// register claims the people of paying lines in the register, inside the claim's
// transaction. A person another claim took meanwhile (the primary key refuses the row) keeps
// a line of 0 with already_subsidized: the constraint decides races, not a prior read.
func register(tx *gorm.DB, claim *Claim, lines []ClaimLine) error {
	claim.TotalYuan, claim.People = 0, 0
	for i := range lines {
		l := &lines[i]
		if l.AmountYuan > 0 {
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&subsidizedPerson{Kind: claim.Kind, SubsidyYear: claim.SubsidyYear, PersonHash: l.PersonHash, ClaimID: claim.ID})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				l.AmountYuan, l.ExcludedReason = 0, policy.ReasonAlreadySubsidized
			}
		}
		if l.AmountYuan > 0 {
			claim.TotalYuan += l.AmountYuan
			claim.People++
		}
		l.ClaimID = claim.ID
	}
	if len(lines) > 0 {
		if err := tx.CreateInBatches(lines, 500).Error; err != nil {
			return err
		}
	}
	return tx.Model(&Claim{ID: claim.ID}).Updates(map[string]any{"total_yuan": claim.TotalYuan, "people": claim.People}).Error
}

// standingClaimOf narrows a query to the program's claim that stands: any not rejected (a
// program has at most one; a rejected claim frees its program for another).
func standingClaimOf(programID int64) func(*gorm.DB) *gorm.DB {
	return func(q *gorm.DB) *gorm.DB {
		return q.Model(&Claim{}).Where("program_id = ? AND status <> ?", programID, ClaimRejected)
	}
}

// SubmitTrainingClaim files the claim a closed program's outcome allows, for its provider.
func (s *Store) SubmitTrainingClaim(ctx context.Context, owner User, programID int64, now time.Time) (Claim, error) {
	p, err := s.Program(ctx, programID)
	if err != nil {
		return Claim{}, err
	}
	if err := RequireOwner(owner, p); err != nil {
		return Claim{}, err
	}
	var active int64
	if err := s.db.WithContext(ctx).Scopes(standingClaimOf(programID)).Count(&active).Error; err != nil {
		return Claim{}, err
	}
	if active > 0 {
		return Claim{}, ConflictError("claim_exists", "this program already has a claim that is not rejected")
	}
	if p.Status != ProgramClosed {
		return Claim{}, RuleError("program_not_closed", "close the program (on or after "+p.EndOn+") before claiming")
	}
	pv, err := s.PolicyInForce(ctx, p.StartOn)
	if err != nil {
		return Claim{}, err
	}
	end, _ := policy.ParseDate(p.EndOn)
	year := policy.SubsidyYear(end)
	already, err := s.alreadySubsidized(ctx, ClaimTraining, year, 0)
	if err != nil {
		return Claim{}, err
	}
	o, err := s.outcome(ctx, p, func() string { return Today(now) }, already)
	if err != nil {
		return Claim{}, err
	}
	if !o.MeetsTarget {
		return Claim{}, RuleError("employment_target_not_met", "the employment rate is "+fmtRate(o.EmploymentRate)+"%, below the "+itoa(o.TargetRate)+
			"% target; "+itoa(o.EmployedNeeded)+" more completer(s) must be employed")
	}
	encs, err := s.encryptedIDs(ctx, p.ID)
	if err != nil {
		return Claim{}, err
	}
	lines := make([]ClaimLine, len(o.Lines))
	for i, l := range o.Lines {
		eid := l.EnrolmentID
		lines[i] = ClaimLine{EnrolmentID: &eid, Name: l.Name, IDNumberEnc: encs[eid], IDNumberMasked: l.IDNumberMasked, PersonHash: l.hash,
			AttendedDays: l.AttendedDays, SubsidizedDays: l.SubsidizedDays, FirstDays: pv.FirstDays, FirstDayRateYuan: pv.FirstDayRateYuan,
			LaterDayRateYuan: pv.LaterDayRateYuan, CapPerPersonYuan: pv.CapPerPersonYuan, AmountYuan: l.AmountYuan, Employed: l.Employed, ExcludedReason: l.ExcludedReason}
	}
	c := Claim{Kind: ClaimTraining, ProgramID: &p.ID, ProviderID: &p.ProviderID, TownID: &p.TownID, PolicyVersionID: pv.ID,
		Title: p.Name, SubsidyYear: year, Status: ClaimSubmitted, SubmittedBy: owner.ID, SubmittedAt: now.UTC()}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Omit(clause.Associations).Create(&c).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ConflictError("claim_exists", "this program already has a claim that is not rejected")
			}
			return err
		}
		if err := register(tx, &c, lines); err != nil {
			return err
		}
		return audit(tx, owner.ID, "claim.submit", "claim", c.ID, nil, map[string]any{"kind": c.Kind, "program_id": p.ID, "total_yuan": c.TotalYuan, "people": c.People})
	})
	if err != nil {
		return Claim{}, err
	}
	return s.Claim(ctx, owner, c.ID)
}

func (s *Store) encryptedIDs(ctx context.Context, programID int64) (map[int64]string, error) {
	var es []Enrolment
	if err := s.db.WithContext(ctx).Select("id", "id_number_enc").Where("program_id = ?", programID).Find(&es).Error; err != nil {
		return nil, err
	}
	m := make(map[int64]string, len(es))
	for _, e := range es {
		m[e.ID] = e.IDNumberEnc
	}
	return m, nil
}

// OnjobInput is an enterprise's on-the-job training claim.
type OnjobInput struct {
	Title     string         `json:"title" validate:"required,trimmed,min=2,max=100"`
	TrainedOn string         `json:"trained_on" validate:"required,date"`
	Trainees  []OnjobTrainee `json:"trainees" validate:"required,min=1,max=2000,dive"`
}

// OnjobTrainee is one employee trained on the job.
type OnjobTrainee struct {
	Name     string `json:"name" validate:"required,trimmed,min=2,max=30"`
	IDNumber string `json:"id_number" validate:"required"`
}

// SubmitOnjobClaim files an enterprise's on-the-job training claim: onjob_rate_yuan for every
// eligible person, for a verified enterprise of a professional town.
func (s *Store) SubmitOnjobClaim(ctx context.Context, owner User, in OnjobInput, now time.Time) (Claim, error) {
	ent, err := s.EnterpriseOf(ctx, owner.ID)
	if err != nil {
		return Claim{}, RuleError("enterprise_profile_missing", "fill in the enterprise profile first")
	}
	if err := Validate(in); err != nil {
		return Claim{}, err
	}
	if in.TrainedOn > Today(now) {
		return Claim{}, FieldError("trained_on", "must not be in the future")
	}
	fields := map[string]string{}
	for i := range in.Trainees {
		in.Trainees[i].IDNumber = personal.NormalizeIDNumber(in.Trainees[i].IDNumber)
		if err := personal.ValidIDNumber(in.Trainees[i].IDNumber); err != nil {
			fields["trainees["+itoa(i)+"].id_number"] = err.Error()
		}
	}
	if len(fields) > 0 {
		return Claim{}, &Error{Code: ErrInvalid, Message: "some trainees' ID numbers are not valid", Fields: fields}
	}
	pv, err := s.PolicyInForce(ctx, in.TrainedOn)
	if err != nil {
		return Claim{}, err
	}
	v := policyVersionOf(pv)
	if _, err := policy.OnjobAmount(v, policy.OnjobEnterprise{Verified: ent.Verified, InProfessionalTown: ent.InProfessionalTown()}, 1); err != nil {
		return Claim{}, RuleError("enterprise_not_eligible", "on-the-job subsidies go to verified enterprises of a professional town")
	}
	trained, _ := policy.ParseDate(in.TrainedOn)
	year := policy.SubsidyYear(trained)
	lines := make([]ClaimLine, len(in.Trainees))
	seen := map[string]bool{}
	for i, tr := range in.Trainees {
		enc, err := s.Sealer.Encrypt(tr.IDNumber)
		if err != nil {
			return Claim{}, err
		}
		hash := s.Sealer.Hash(tr.IDNumber)
		l := ClaimLine{Name: tr.Name, IDNumberEnc: enc, IDNumberMasked: personal.MaskIDNumber(tr.IDNumber), PersonHash: hash,
			RateYuan: pv.OnjobRateYuan, AmountYuan: pv.OnjobRateYuan}
		if seen[hash] {
			l.AmountYuan, l.ExcludedReason = 0, policy.ReasonAlreadySubsidized
		}
		seen[hash] = true
		lines[i] = l
	}
	c := Claim{Kind: ClaimOnjob, EnterpriseID: &ent.ID, TownID: ent.TownID, PolicyVersionID: pv.ID, Title: in.Title,
		TrainedOn: &in.TrainedOn, SubsidyYear: year, Status: ClaimSubmitted, SubmittedBy: owner.ID, SubmittedAt: now.UTC()}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Omit(clause.Associations).Create(&c).Error; err != nil {
			return err
		}
		if err := register(tx, &c, lines); err != nil {
			return err
		}
		return audit(tx, owner.ID, "claim.submit", "claim", c.ID, nil, map[string]any{"kind": c.Kind, "total_yuan": c.TotalYuan, "people": c.People})
	})
	if err != nil {
		return Claim{}, err
	}
	return s.Claim(ctx, owner, c.ID)
}

func policyVersionOf(p PolicyVersion) policy.Version {
	from, _ := policy.ParseDate(p.EffectiveFrom)
	to, _ := policy.ParseDate(p.EffectiveTo)
	return policy.Version{Code: p.Code, EffectiveFrom: from, EffectiveTo: to, FirstDays: p.FirstDays, FirstDayRateYuan: p.FirstDayRateYuan,
		LaterDayRateYuan: p.LaterDayRateYuan, CapPerPersonYuan: p.CapPerPersonYuan, EmploymentTargetPercent: p.EmploymentTargetPercent,
		EmploymentWindowDays: p.EmploymentWindowDays, OnjobRateYuan: p.OnjobRateYuan, Subsidize: p.Subsidize, AnnouncementDays: p.AnnouncementDays,
		AttendanceProof: p.AttendanceProof, EmploymentProof: p.EmploymentProof, RetirementAgeMale: p.RetirementAgeMale, RetirementAgeFemale: p.RetirementAgeFemale}
}

// fmtRate writes a percent without trailing zeros: 75, 79.5, 79.59.
func fmtRate(r float64) string { return strconv.FormatFloat(r, 'f', -1, 64) }
