package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"portal/personal"
)

// Provider is a training provider (培训主体): a university, vocational college, technical
// school or other body that runs Article 8 training.
type Provider struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Kind       string     `json:"kind"`
	USCC       string     `json:"uscc" gorm:"column:uscc"`
	Verified   bool       `json:"verified"`
	VerifiedAt *time.Time `json:"verified_at"`
	VerifiedBy *int64     `json:"-"`
	Demo       bool       `json:"demo,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// OwnerUserID names the provider's account.
func (p Provider) OwnerUserID() int64 { return p.UserID }

// ProviderInput is the provider's profile.
type ProviderInput struct {
	Name string `json:"name" form:"name" validate:"required,trimmed,min=2,max=100"`
	Kind string `json:"kind" form:"kind" validate:"required,oneof=university vocational_college technical_school other"`
	USCC string `json:"uscc" form:"uscc" validate:"required,uscc"`
}

// CreateProvider stores the profile of a provider account; each account has one.
func (s *Store) CreateProvider(ctx context.Context, owner User, in ProviderInput) (Provider, error) {
	if owner.Role != RoleProvider {
		return Provider{}, Errorf(ErrForbidden, "only training-provider accounts have a provider profile")
	}
	in.USCC = personal.NormalizeUSCC(in.USCC)
	if err := Validate(in); err != nil {
		return Provider{}, err
	}
	now := time.Now().UTC()
	p := Provider{UserID: owner.ID, Name: in.Name, Kind: in.Kind, USCC: in.USCC, CreatedAt: now, UpdatedAt: now}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Provider{}).Where("user_id = ?", owner.ID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return ConflictError("profile_exists", "this account already has a provider profile")
		}
		if err := tx.Model(&Provider{}).Where("uscc = ?", in.USCC).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &Error{Code: ErrConflict, Reason: "uscc_taken", Message: "another provider has this credit code", Fields: map[string]string{"uscc": "another provider has this credit code"}}
		}
		if err := tx.Create(&p).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ConflictError("profile_exists", "the profile or its credit code was registered meanwhile")
			}
			return err
		}
		return audit(tx, owner.ID, "provider.create", "provider", p.ID, nil, p)
	})
	return p, err
}

// VerifyProvider records a reviewer's verification of a provider.
func (s *Store) VerifyProvider(ctx context.Context, reviewer User, id int64) (Provider, error) {
	if reviewer.Role != RoleReviewer {
		return Provider{}, Errorf(ErrForbidden, "only reviewers verify providers")
	}
	var p Provider
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.First(&p, id).Error; err != nil {
			return notFoundOr(err, "provider")
		}
		before := p
		now := time.Now().UTC()
		p.Verified, p.VerifiedAt, p.VerifiedBy, p.UpdatedAt = true, &now, &reviewer.ID, now
		if err := tx.Model(&Provider{ID: id}).Select("verified", "verified_at", "verified_by", "updated_at").Updates(&p).Error; err != nil {
			return err
		}
		return audit(tx, reviewer.ID, "provider.verify", "provider", id, before, p)
	})
	return p, err
}

// Provider finds one provider.
func (s *Store) Provider(ctx context.Context, id int64) (Provider, error) {
	var p Provider
	err := s.db.WithContext(ctx).First(&p, id).Error
	return p, notFoundOr(err, "provider")
}

// ProviderOf finds the profile of a provider account.
func (s *Store) ProviderOf(ctx context.Context, userID int64) (Provider, error) {
	var p Provider
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).First(&p).Error
	return p, notFoundOr(err, "provider profile")
}

// Providers lists providers, the unverified queue oldest first.
func (s *Store) Providers(ctx context.Context, verified *bool) ([]Provider, error) {
	q := s.db.WithContext(ctx).Order("created_at, id").Limit(500)
	if verified != nil {
		q = q.Where("verified = ?", *verified)
	}
	var ps []Provider
	err := q.Find(&ps).Error
	return ps, err
}
