package models

import (
	"cmp"
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// PolicyVersion holds every figure of the subsidy policy as data (SPEC §1); successor
// versions are added by reviewers and their windows never overlap.
type PolicyVersion struct {
	ID                      int64     `json:"id"`
	Code                    string    `json:"code"`
	Title                   string    `json:"title"`
	EffectiveFrom           string    `json:"effective_from"`
	EffectiveTo             string    `json:"effective_to"`
	FirstDays               int       `json:"first_days"`
	FirstDayRateYuan        int       `json:"first_day_rate_yuan"`
	LaterDayRateYuan        int       `json:"later_day_rate_yuan"`
	CapPerPersonYuan        int       `json:"cap_per_person_yuan"`
	EmploymentTargetPercent int       `json:"employment_target_percent"`
	EmploymentWindowDays    int       `json:"employment_window_days"`
	OnjobRateYuan           int       `json:"onjob_rate_yuan"`
	Subsidize               string    `json:"subsidize"`
	AnnouncementDays        int       `json:"announcement_days"`
	AttendanceProof         string    `json:"attendance_proof"`
	EmploymentProof         string    `json:"employment_proof"`
	RetirementAgeMale       int       `json:"retirement_age_male"`
	RetirementAgeFemale     int       `json:"retirement_age_female"`
	CreatedAt               time.Time `json:"created_at"`
}

// PolicyInput is what a reviewer sends to add a policy version.
type PolicyInput struct {
	Code                    string `json:"code" validate:"required,max=100"`
	Title                   string `json:"title" validate:"required,max=300"`
	EffectiveFrom           string `json:"effective_from" validate:"required,date"`
	EffectiveTo             string `json:"effective_to" validate:"required,date"`
	FirstDays               *int   `json:"first_days" validate:"required,gte=0,lte=366"`
	FirstDayRateYuan        *int   `json:"first_day_rate_yuan" validate:"required,gte=0,lte=100000"`
	LaterDayRateYuan        *int   `json:"later_day_rate_yuan" validate:"required,gte=0,lte=100000"`
	CapPerPersonYuan        *int   `json:"cap_per_person_yuan" validate:"required,gte=0,lte=10000000"`
	EmploymentTargetPercent *int   `json:"employment_target_percent" validate:"required,gte=0,lte=100"`
	EmploymentWindowDays    *int   `json:"employment_window_days" validate:"required,gte=0,lte=3660"`
	OnjobRateYuan           *int   `json:"onjob_rate_yuan" validate:"required,gte=0,lte=100000"`
	Subsidize               string `json:"subsidize" validate:"required,oneof=completed employed"`
	AnnouncementDays        *int   `json:"announcement_days" validate:"required,gte=0,lte=366"`
	// The integrity rules (SPEC §6); absent, they take the 2022 version's roll, evidence, 60 and 55.
	AttendanceProof     string `json:"attendance_proof" validate:"omitempty,oneof=roll checkin"`
	EmploymentProof     string `json:"employment_proof" validate:"omitempty,oneof=evidence social_insurance"`
	RetirementAgeMale   *int   `json:"retirement_age_male" validate:"omitempty,gte=16,lte=100"`
	RetirementAgeFemale *int   `json:"retirement_age_female" validate:"omitempty,gte=16,lte=100"`
}

// Shanxi2022 is 晋政办发〔2022〕81号 as SPEC §1 gives it; `portal seed` loads it.
func Shanxi2022() PolicyInput {
	n := func(v int) *int { return &v }
	return PolicyInput{
		Code: "晋政办发〔2022〕81号", Title: "山西省支持专业镇高质量发展的若干政策",
		EffectiveFrom: "2022-09-26", EffectiveTo: "2025-09-25",
		FirstDays: n(10), FirstDayRateYuan: n(150), LaterDayRateYuan: n(100), CapPerPersonYuan: n(4000),
		EmploymentTargetPercent: n(80), EmploymentWindowDays: n(180), OnjobRateYuan: n(300),
		Subsidize: "completed", AnnouncementDays: n(5),
		AttendanceProof: "roll", EmploymentProof: "evidence", RetirementAgeMale: n(60), RetirementAgeFemale: n(55),
	}
}

// Policies lists every version, oldest window first.
func (s *Store) Policies(ctx context.Context) ([]PolicyVersion, error) {
	var ps []PolicyVersion
	err := s.db.WithContext(ctx).Order("effective_from").Find(&ps).Error
	return ps, err
}

// PolicyInForce finds the version whose window contains date (YYYY-MM-DD), or a rule error
// no_policy_in_force.
func (s *Store) PolicyInForce(ctx context.Context, date string) (PolicyVersion, error) {
	var p PolicyVersion
	err := s.db.WithContext(ctx).Where("effective_from <= ? AND effective_to >= ?", date, date).First(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return p, RuleError("no_policy_in_force", "no policy version is in force on "+date)
	}
	return p, err
}

// AddPolicy stores a new version after checking that its window overlaps no other's and its
// code is new. actor 0 means the seed command.
func (s *Store) AddPolicy(ctx context.Context, actor int64, in PolicyInput) (PolicyVersion, error) {
	if err := Validate(in); err != nil {
		return PolicyVersion{}, err
	}
	if in.EffectiveTo < in.EffectiveFrom {
		return PolicyVersion{}, FieldError("effective_to", "must not be before effective_from")
	}
	p := PolicyVersion{
		Code: in.Code, Title: in.Title, EffectiveFrom: in.EffectiveFrom, EffectiveTo: in.EffectiveTo,
		FirstDays: *in.FirstDays, FirstDayRateYuan: *in.FirstDayRateYuan, LaterDayRateYuan: *in.LaterDayRateYuan,
		CapPerPersonYuan: *in.CapPerPersonYuan, EmploymentTargetPercent: *in.EmploymentTargetPercent,
		EmploymentWindowDays: *in.EmploymentWindowDays, OnjobRateYuan: *in.OnjobRateYuan,
		Subsidize: in.Subsidize, AnnouncementDays: *in.AnnouncementDays,
		AttendanceProof: cmp.Or(in.AttendanceProof, "roll"), EmploymentProof: cmp.Or(in.EmploymentProof, "evidence"),
		RetirementAgeMale: 60, RetirementAgeFemale: 55,
	}
	if in.RetirementAgeMale != nil {
		p.RetirementAgeMale = *in.RetirementAgeMale
	}
	if in.RetirementAgeFemale != nil {
		p.RetirementAgeFemale = *in.RetirementAgeFemale
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if s.dialect == "postgres" {
			// Serialise additions so two overlapping versions cannot both pass the check.
			if err := tx.Exec("LOCK TABLE policy_versions IN SHARE ROW EXCLUSIVE MODE").Error; err != nil {
				return err
			}
		}
		var clash PolicyVersion
		err := tx.Where("effective_from <= ? AND effective_to >= ?", p.EffectiveTo, p.EffectiveFrom).First(&clash).Error
		if err == nil {
			return ConflictError("policy_window_overlap", "the window "+p.EffectiveFrom+"–"+p.EffectiveTo+
				" overlaps "+clash.Code+" ("+clash.EffectiveFrom+"–"+clash.EffectiveTo+")")
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		if err := tx.Create(&p).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ConflictError("policy_code_exists", "a policy version with code "+p.Code+" exists")
			}
			return err
		}
		return audit(tx, actor, "policy.add", "policy_version", p.ID, nil, p)
	})
	return p, err
}
