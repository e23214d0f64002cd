package models

import (
	"context"
	"errors"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/personal"
)

// SeekerProfile is what a job seeker tells the portal to match postings against.
type SeekerProfile struct {
	UserID             int64     `json:"user_id" gorm:"primaryKey"`
	DesiredOccupations []string  `json:"desired_occupations" gorm:"serializer:json"`
	DesiredTownIDs     []int64   `json:"desired_town_ids" gorm:"serializer:json"`
	ExpectedSalary     int       `json:"expected_salary"`
	Education          string    `json:"education"`
	Skills             []string  `json:"skills" gorm:"serializer:json"`
	Resume             string    `json:"resume"`
	UpdatedAt          time.Time `json:"updated_at"`
	Name               string    `json:"name" gorm:"-"`
	Phone              string    `json:"phone" gorm:"-"` // masked unless the viewer may see it
}

// ProfileInput is the profile form.
type ProfileInput struct {
	DesiredOccupations []string `json:"desired_occupations" validate:"max=5,dive,required,max=30"`
	DesiredTownIDs     []int64  `json:"desired_town_ids" validate:"max=5,dive,gt=0"`
	ExpectedSalary     int      `json:"expected_salary" validate:"gte=0,lte=100000"`
	Education          string   `json:"education" validate:"required,oneof=不限 初中 高中 中专 大专 本科 硕士 博士"`
	Skills             []string `json:"skills" validate:"max=10,dive,required,max=30"`
	Resume             string   `json:"resume" validate:"max=2000"`
}

// SaveProfile creates or replaces the caller's profile.
func (s *Store) SaveProfile(ctx context.Context, seeker User, in ProfileInput) (SeekerProfile, error) {
	if seeker.Role != RoleSeeker {
		return SeekerProfile{}, Errorf(ErrForbidden, "only job seekers have a profile")
	}
	if err := Validate(in); err != nil {
		return SeekerProfile{}, err
	}
	for _, id := range in.DesiredTownIDs {
		if _, err := s.Town(ctx, id); err != nil {
			return SeekerProfile{}, FieldError("desired_town_ids", "no town with id "+strconv.FormatInt(id, 10))
		}
	}
	p := SeekerProfile{UserID: seeker.ID, DesiredOccupations: nonNil(in.DesiredOccupations), DesiredTownIDs: nonNil(in.DesiredTownIDs),
		ExpectedSalary: in.ExpectedSalary, Education: in.Education, Skills: nonNil(in.Skills), Resume: in.Resume, UpdatedAt: time.Now().UTC()}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&p).Error
	if err != nil {
		return SeekerProfile{}, err
	}
	return s.Profile(ctx, seeker, seeker.ID)
}

// Profile reads a seeker's profile as viewer sees it: the phone in full for the seeker, and
// for an enterprise the seeker applied to; masked for everyone else.
func (s *Store) Profile(ctx context.Context, viewer User, seekerID int64) (SeekerProfile, error) {
	var p SeekerProfile
	err := s.db.WithContext(ctx).First(&p, "user_id = ?", seekerID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return p, NotFound("profile")
	}
	if err != nil {
		return p, err
	}
	u, err := s.User(ctx, seekerID)
	if err != nil {
		return p, err
	}
	p.Name, p.Phone = u.Name, personal.MaskPhone(u.Phone)
	if viewer.ID == seekerID || viewer.Role == RoleReviewer {
		p.Phone = u.Phone
	} else if viewer.Role == RoleEnterprise {
		applied, err := s.appliedTo(ctx, seekerID, viewer.ID)
		if err != nil {
			return p, err
		}
		if applied {
			p.Phone = u.Phone
		}
	}
	return p, nil
}

// appliedTo says whether the seeker applied to any posting of the enterprise account.
func (s *Store) appliedTo(ctx context.Context, seekerID, enterpriseUserID int64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Table("applications").
		Joins("JOIN jobs ON jobs.id = applications.job_id JOIN enterprises e ON e.id = jobs.enterprise_id").
		Where("applications.seeker_id = ? AND e.user_id = ?", seekerID, enterpriseUserID).Count(&n).Error
	return n > 0, err
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
