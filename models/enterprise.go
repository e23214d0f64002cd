package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"portal/personal"
)

// Enterprise is an employer's profile: its unified social credit code, its professional
// town and whether a reviewer verified it and found it a leading-industry (主导产业) enterprise.
type Enterprise struct {
	ID              int64      `json:"id"`
	UserID          int64      `json:"user_id"`
	Name            string     `json:"name"`
	USCC            string     `json:"uscc" gorm:"column:uscc"`
	TownID          *int64     `json:"town_id"` // nil: not in a professional town
	Town            *Town      `json:"town,omitempty" gorm:"foreignKey:TownID"`
	Industry        string     `json:"industry"`
	LeadingIndustry bool       `json:"leading_industry"`
	Verified        bool       `json:"verified"`
	VerifiedAt      *time.Time `json:"verified_at"`
	VerifiedBy      *int64     `json:"-"`
	Demo            bool       `json:"demo,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// OwnerUserID names the account that manages the profile.
func (e Enterprise) OwnerUserID() int64 { return e.UserID }

// EnterpriseInput is the profile an enterprise account fills in.
type EnterpriseInput struct {
	Name     string `json:"name" form:"name" validate:"required,trimmed,min=2,max=100"`
	USCC     string `json:"uscc" form:"uscc" validate:"required,uscc"`
	TownID   *int64 `json:"town_id" form:"town_id" validate:"omitempty,gt=0"` // nil: not in a professional town
	Industry string `json:"industry" form:"industry" validate:"required,trimmed,max=50"`
}

// VerifyInput is a reviewer's verification of an enterprise.
type VerifyInput struct {
	LeadingIndustry *bool `json:"leading_industry" validate:"required"`
}

func (in *EnterpriseInput) normalize() { in.USCC = personal.NormalizeUSCC(in.USCC) }

// CreateEnterprise stores the profile of an enterprise account; each account has one.
func (s *Store) CreateEnterprise(ctx context.Context, owner User, in EnterpriseInput) (Enterprise, error) {
	if owner.Role != RoleEnterprise {
		return Enterprise{}, Errorf(ErrForbidden, "only enterprise accounts have an enterprise profile")
	}
	in.normalize()
	if err := Validate(in); err != nil {
		return Enterprise{}, err
	}
	if err := s.checkTown(ctx, in.TownID); err != nil {
		return Enterprise{}, err
	}
	e := Enterprise{UserID: owner.ID, Name: in.Name, USCC: in.USCC, TownID: in.TownID, Industry: in.Industry}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := uniqueProfile(tx, owner.ID, in.USCC, 0); err != nil {
			return err
		}
		if err := tx.Omit("Town").Create(&e).Error; err != nil {
			return enterpriseConflict(err)
		}
		return audit(tx, owner.ID, "enterprise.create", "enterprise", e.ID, nil, e)
	})
	if err != nil {
		return Enterprise{}, err
	}
	return s.Enterprise(ctx, e.ID)
}

// UpdateEnterprise changes the owner's profile; a new name, credit code or town sends it back
// to the verification queue.
func (s *Store) UpdateEnterprise(ctx context.Context, owner User, id int64, in EnterpriseInput) (Enterprise, error) {
	in.normalize()
	if err := Validate(in); err != nil {
		return Enterprise{}, err
	}
	if err := s.checkTown(ctx, in.TownID); err != nil {
		return Enterprise{}, err
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var before Enterprise
		if err := tx.First(&before, id).Error; err != nil {
			return notFoundOr(err, "enterprise")
		}
		if err := RequireOwner(owner, before); err != nil {
			return err
		}
		if err := uniqueProfile(tx, 0, in.USCC, id); err != nil {
			return err
		}
		after := before
		after.Name, after.USCC, after.TownID, after.Industry = in.Name, in.USCC, in.TownID, in.Industry
		// What a reviewer checked (and what the booth waiver rests on) is the name, the code,
		// the town and the industry: a change of any of them needs a new verification.
		if after.Name != before.Name || after.USCC != before.USCC || !sameTown(after.TownID, before.TownID) || after.Industry != before.Industry {
			after.Verified, after.VerifiedAt, after.VerifiedBy, after.LeadingIndustry = false, nil, nil, false
		}
		after.UpdatedAt = time.Now().UTC()
		if err := tx.Model(&Enterprise{ID: id}).Select("name", "uscc", "town_id", "industry", "verified",
			"verified_at", "verified_by", "leading_industry", "updated_at").Updates(&after).Error; err != nil {
			return enterpriseConflict(err)
		}
		if err := enqueue(tx, "enterprise", id); err != nil { // its postings' search documents change too
			return err
		}
		return audit(tx, owner.ID, "enterprise.update", "enterprise", id, before, after)
	})
	if err != nil {
		return Enterprise{}, err
	}
	return s.Enterprise(ctx, id)
}

// VerifyEnterprise records a reviewer's verification and whether the enterprise belongs to
// its town's leading industry; the audit log keeps the before and after.
func (s *Store) VerifyEnterprise(ctx context.Context, reviewer User, id int64, in VerifyInput) (Enterprise, error) {
	if reviewer.Role != RoleReviewer {
		return Enterprise{}, Errorf(ErrForbidden, "only reviewers verify enterprises")
	}
	if err := Validate(in); err != nil {
		return Enterprise{}, err
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var before Enterprise
		if err := tx.First(&before, id).Error; err != nil {
			return notFoundOr(err, "enterprise")
		}
		now := time.Now().UTC()
		after := before
		after.Verified, after.LeadingIndustry, after.VerifiedAt, after.VerifiedBy, after.UpdatedAt = true, *in.LeadingIndustry, &now, &reviewer.ID, now
		if err := tx.Model(&Enterprise{ID: id}).Select("verified", "leading_industry", "verified_at", "verified_by", "updated_at").
			Updates(&after).Error; err != nil {
			return err
		}
		if err := enqueue(tx, "enterprise", id); err != nil {
			return err
		}
		return audit(tx, reviewer.ID, "enterprise.verify", "enterprise", id, before, after)
	})
	if err != nil {
		return Enterprise{}, err
	}
	return s.Enterprise(ctx, id)
}

// InProfessionalTown says whether the enterprise belongs to a professional town (专业镇).
func (e Enterprise) InProfessionalTown() bool { return e.TownID != nil }

func (s *Store) checkTown(ctx context.Context, id *int64) error {
	if id == nil {
		return nil
	}
	if _, err := s.Town(ctx, *id); err != nil {
		return FieldError("town_id", "no such town")
	}
	return nil
}

func sameTown(a, b *int64) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

// Enterprise finds one profile with its town.
func (s *Store) Enterprise(ctx context.Context, id int64) (Enterprise, error) {
	var e Enterprise
	err := s.db.WithContext(ctx).Preload("Town").First(&e, id).Error
	return e, notFoundOr(err, "enterprise")
}

// EnterpriseOf finds the profile of an enterprise account.
func (s *Store) EnterpriseOf(ctx context.Context, userID int64) (Enterprise, error) {
	var e Enterprise
	err := s.db.WithContext(ctx).Preload("Town").Where("user_id = ?", userID).First(&e).Error
	return e, notFoundOr(err, "enterprise profile")
}

// EnterpriseFilter narrows the reviewer's list.
type EnterpriseFilter struct {
	Verified *bool
	TownID   int64
}

// Enterprises lists profiles, the unverified queue oldest first.
func (s *Store) Enterprises(ctx context.Context, f EnterpriseFilter) ([]Enterprise, error) {
	q := s.db.WithContext(ctx).Preload("Town").Order("created_at, id")
	if f.Verified != nil {
		q = q.Where("verified = ?", *f.Verified)
	}
	if f.TownID != 0 {
		q = q.Where("town_id = ?", f.TownID)
	}
	var es []Enterprise
	err := q.Limit(500).Find(&es).Error
	return es, err
}

// uniqueProfile names the clash before the insert does: an account has one profile and a
// credit code belongs to one profile. The unique constraints stay the last word under races.
func uniqueProfile(tx *gorm.DB, userID int64, uscc string, exceptID int64) error {
	var n int64
	if userID != 0 {
		if err := tx.Model(&Enterprise{}).Where("user_id = ?", userID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return ConflictError("profile_exists", "this account already has an enterprise profile")
		}
	}
	if err := tx.Model(&Enterprise{}).Where("uscc = ? AND id <> ?", uscc, exceptID).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return &Error{Code: ErrConflict, Reason: "uscc_taken", Message: "another profile has this credit code",
			Fields: map[string]string{"uscc": "another profile has this credit code"}}
	}
	return nil
}

func enterpriseConflict(err error) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return ConflictError("profile_exists", "the profile or its credit code was registered meanwhile")
	}
	return err
}

func notFoundOr(err error, entity string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return NotFound(entity)
	}
	return err
}
