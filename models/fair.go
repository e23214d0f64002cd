package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"portal/models/policy"
)

// Fair is an on-site job fair; the booth fee is waived for leading-industry enterprises of
// professional towns at provincial fairs (Article 2).
type Fair struct {
	ID                   int64     `json:"id"`
	Name                 string    `json:"name"`
	OrganizerLevel       string    `json:"organizer_level"`
	HeldOn               string    `json:"held_on"`
	Venue                string    `json:"venue"`
	StandardBoothFeeYuan int       `json:"standard_booth_fee_yuan"`
	BoothCapacity        *int      `json:"booth_capacity"` // nil: no limit
	CreatedBy            int64     `json:"-"`
	CreatedAt            time.Time `json:"created_at"`
	BoothsTaken          int64     `json:"booths_taken" gorm:"-"`
}

// FairInput is what a reviewer announces.
type FairInput struct {
	Name                 string `json:"name" validate:"required,trimmed,min=2,max=100"`
	OrganizerLevel       string `json:"organizer_level" validate:"required,oneof=provincial municipal other"`
	HeldOn               string `json:"held_on" validate:"required,date"`
	Venue                string `json:"venue" validate:"required,trimmed,max=200"`
	StandardBoothFeeYuan *int   `json:"standard_booth_fee_yuan" validate:"required,gte=0,lte=1000000"`
	BoothCapacity        *int   `json:"booth_capacity,omitempty" validate:"omitempty,gt=0,lte=10000"` // optional: no limit when absent
}

// Booth is one enterprise's booking at a fair, with the fee the rule gave it.
type Booth struct {
	ID           int64       `json:"id"`
	FairID       int64       `json:"fair_id"`
	EnterpriseID int64       `json:"enterprise_id"`
	Enterprise   *Enterprise `json:"enterprise,omitempty" gorm:"foreignKey:EnterpriseID"`
	FeeYuan      int         `json:"fee_yuan"`
	FeeWaived    bool        `json:"fee_waived"`
	WaiverBasis  string      `json:"waiver_basis"`
	CreatedAt    time.Time   `json:"created_at"`
}

// CreateFair announces a fair.
func (s *Store) CreateFair(ctx context.Context, reviewer User, in FairInput) (Fair, error) {
	if reviewer.Role != RoleReviewer {
		return Fair{}, Errorf(ErrForbidden, "only reviewers announce fairs")
	}
	if err := Validate(in); err != nil {
		return Fair{}, err
	}
	f := Fair{Name: in.Name, OrganizerLevel: in.OrganizerLevel, HeldOn: in.HeldOn, Venue: in.Venue,
		StandardBoothFeeYuan: *in.StandardBoothFeeYuan, BoothCapacity: in.BoothCapacity, CreatedBy: reviewer.ID, CreatedAt: time.Now().UTC()}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&f).Error; err != nil {
			return err
		}
		return audit(tx, reviewer.ID, "fair.create", "fair", f.ID, nil, f)
	})
	return f, err
}

// Fairs lists fairs by date, with the booths taken.
func (s *Store) Fairs(ctx context.Context) ([]Fair, error) {
	var fs []Fair
	if err := s.db.WithContext(ctx).Order("held_on DESC, id DESC").Limit(200).Find(&fs).Error; err != nil {
		return nil, err
	}
	var counts []struct {
		FairID int64
		N      int64
	}
	if err := s.db.WithContext(ctx).Raw("SELECT fair_id, COUNT(*) AS n FROM booths GROUP BY fair_id").Scan(&counts).Error; err != nil {
		return nil, err
	}
	taken := map[int64]int64{}
	for _, c := range counts {
		taken[c.FairID] = c.N
	}
	for i := range fs {
		fs[i].BoothsTaken = taken[fs[i].ID]
	}
	return fs, nil
}

// Fair finds one fair.
func (s *Store) Fair(ctx context.Context, id int64) (Fair, error) {
	var f Fair
	err := s.db.WithContext(ctx).First(&f, id).Error
	return f, notFoundOr(err, "fair")
}

// Exhibitors lists a fair's booths with their enterprises.
func (s *Store) Exhibitors(ctx context.Context, fairID int64) ([]Booth, error) {
	var bs []Booth
	err := s.db.WithContext(ctx).Preload("Enterprise").Where("fair_id = ?", fairID).Order("id").Find(&bs).Error
	return bs, err
}

// BookBooth books the caller's enterprise one booth at a fair, with the fee the policy gives
// it. The fair's row is locked so concurrent bookings never pass its capacity, and the
// unique constraint keeps one booth per enterprise.
func (s *Store) BookBooth(ctx context.Context, owner User, fairID int64, now time.Time) (Booth, error) {
	ent, err := s.EnterpriseOf(ctx, owner.ID)
	if err != nil {
		return Booth{}, RuleError("enterprise_profile_missing", "fill in the enterprise profile before booking a booth")
	}
	versions, err := s.policyVersions(ctx)
	if err != nil {
		return Booth{}, err
	}
	var b Booth
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var f Fair
		q := tx
		if s.dialect == "postgres" {
			q = q.Clauses(lockForUpdate())
		}
		if err := q.First(&f, fairID).Error; err != nil {
			return notFoundOr(err, "fair")
		}
		if f.HeldOn < Today(now) {
			return RuleError("fair_over", "this fair was held on "+f.HeldOn)
		}
		var taken, mine int64
		if err := tx.Model(&Booth{}).Where("fair_id = ?", fairID).Count(&taken).Error; err != nil {
			return err
		}
		if err := tx.Model(&Booth{}).Where("fair_id = ? AND enterprise_id = ?", fairID, ent.ID).Count(&mine).Error; err != nil {
			return err
		}
		if mine > 0 {
			return ConflictError("booth_booked", "this enterprise already has a booth at this fair")
		}
		if f.BoothCapacity != nil && taken >= int64(*f.BoothCapacity) {
			return ConflictError("fair_full", "every booth of this fair is taken")
		}
		held, _ := policy.ParseDate(f.HeldOn)
		fee := policy.BoothFee(versions, policy.Fair{OrganizerLevel: f.OrganizerLevel, HeldOn: held, StandardFeeYuan: f.StandardBoothFeeYuan},
			policy.Exhibitor{Verified: ent.Verified, InProfessionalTown: ent.InProfessionalTown(), LeadingIndustry: ent.LeadingIndustry})
		b = Booth{FairID: fairID, EnterpriseID: ent.ID, FeeYuan: fee.Yuan, FeeWaived: fee.Waived, WaiverBasis: fee.Basis, CreatedAt: now.UTC()}
		if err := tx.Omit("Enterprise").Create(&b).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ConflictError("booth_booked", "this enterprise already has a booth at this fair")
			}
			return err
		}
		return audit(tx, owner.ID, "booth.book", "booth", b.ID, nil, b)
	})
	return b, err
}

// policyVersions reads every version as the pure rules take them.
func (s *Store) policyVersions(ctx context.Context) ([]policy.Version, error) {
	ps, err := s.Policies(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]policy.Version, len(ps))
	for i, p := range ps {
		out[i] = policyVersionOf(p)
	}
	return out, nil
}
