package models

import (
	"context"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// Program status values.
const (
	ProgramPending  = "pending_approval"
	ProgramApproved = "approved"
	ProgramClosed   = "closed"
)

// Program is an Article 8 training program: order-style, project-based or directed training
// (订单式、项目制、定向式) for an occupation of the catalogue.
type Program struct {
	ID                  int64       `json:"id"`
	ProviderID          int64       `json:"provider_id"`
	Provider            *Provider   `json:"provider,omitempty" gorm:"foreignKey:ProviderID"`
	Name                string      `json:"name"`
	Occupation          string      `json:"occupation"`
	Mode                string      `json:"mode"`
	TownID              int64       `json:"town_id"`
	Town                *Town       `json:"town,omitempty" gorm:"foreignKey:TownID"`
	PartnerEnterpriseID *int64      `json:"partner_enterprise_id"`
	Partner             *Enterprise `json:"partner,omitempty" gorm:"foreignKey:PartnerEnterpriseID"`
	StartOn             string      `json:"start_on"`
	EndOn               string      `json:"end_on"`
	PlannedDays         int         `json:"planned_days"`
	Capacity            int         `json:"capacity"`
	Status              string      `json:"status"`
	ApprovedDays        *int        `json:"approved_days"`
	ApprovedBy          *int64      `json:"-"`
	ApprovedAt          *time.Time  `json:"approved_at"`
	ClosedAt            *time.Time  `json:"closed_at"`
	Backfiled           bool        `json:"backfiled"` // filed after it had started (补录), shown to reviewers
	Demo                bool        `json:"demo,omitempty"`
	CreatedAt           time.Time   `json:"created_at"`
	UpdatedAt           time.Time   `json:"updated_at"`
}

// OwnerUserID is the account of the program's provider (loaded with the program).
func (p Program) OwnerUserID() int64 {
	if p.Provider == nil {
		return 0
	}
	return p.Provider.UserID
}

// ProgramInput is what a provider files.
type ProgramInput struct {
	Name                string `json:"name" validate:"required,trimmed,min=2,max=100"`
	Occupation          string `json:"occupation" validate:"required,max=30"`
	Mode                string `json:"mode" validate:"required,oneof=order project directed"`
	TownID              int64  `json:"town_id" validate:"required,gt=0"`
	PartnerEnterpriseID *int64 `json:"partner_enterprise_id" validate:"omitempty,gt=0"`
	StartOn             string `json:"start_on" validate:"required,date"`
	EndOn               string `json:"end_on" validate:"required,date"`
	PlannedDays         int    `json:"planned_days" validate:"required,gt=0,lte=366"`
	Capacity            int    `json:"capacity" validate:"required,gt=0,lte=5000"`
}

// ApproveInput is a reviewer's approval; approved_days defaults to the occupation's standard.
type ApproveInput struct {
	ApprovedDays *int `json:"approved_days" validate:"omitempty,gt=0,lte=366"`
}

// CreateProgram files a program of the caller's verified provider, pending approval.
func (s *Store) CreateProgram(ctx context.Context, owner User, in ProgramInput, now time.Time) (Program, error) {
	prov, err := s.ProviderOf(ctx, owner.ID)
	if err != nil {
		return Program{}, RuleError("provider_profile_missing", "fill in the provider profile and have it verified before filing programs")
	}
	if !prov.Verified {
		return Program{}, RuleError("provider_not_verified", "the provider profile is waiting for verification")
	}
	if err := s.checkProgram(ctx, in); err != nil {
		return Program{}, err
	}
	t := now.UTC()
	p := Program{ProviderID: prov.ID, Name: in.Name, Occupation: in.Occupation, Mode: in.Mode, TownID: in.TownID,
		PartnerEnterpriseID: in.PartnerEnterpriseID, StartOn: in.StartOn, EndOn: in.EndOn, PlannedDays: in.PlannedDays,
		Capacity: in.Capacity, Status: ProgramPending, Backfiled: in.StartOn < Today(now), CreatedAt: t, UpdatedAt: t}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Omit("Provider", "Town", "Partner").Create(&p).Error; err != nil {
			return err
		}
		return audit(tx, owner.ID, "program.create", "program", p.ID, nil, p)
	})
	if err != nil {
		return Program{}, err
	}
	return s.Program(ctx, p.ID)
}

func (s *Store) checkProgram(ctx context.Context, in ProgramInput) error {
	if err := Validate(in); err != nil {
		return err
	}
	if in.EndOn < in.StartOn {
		return FieldError("end_on", "must not be before start_on")
	}
	start, _ := ParseDate(in.StartOn)
	end, _ := ParseDate(in.EndOn)
	if span := int(end.Sub(start).Hours()/24) + 1; in.PlannedDays > span {
		return FieldError("planned_days", "cannot exceed the "+itoa(span)+" calendar days between start_on and end_on")
	}
	var n int64
	if err := s.db.WithContext(ctx).Model(&Occupation{}).Where("name = ?", in.Occupation).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return FieldError("occupation", "must be an occupation of the catalogue (GET /occupations)")
	}
	if _, err := s.Town(ctx, in.TownID); err != nil {
		return FieldError("town_id", "no such town")
	}
	if in.Mode != "project" && in.PartnerEnterpriseID == nil {
		return FieldError("partner_enterprise_id", "order-style and directed training need the partner enterprise")
	}
	if in.PartnerEnterpriseID != nil {
		if _, err := s.Enterprise(ctx, *in.PartnerEnterpriseID); err != nil {
			return FieldError("partner_enterprise_id", "no such enterprise")
		}
	}
	return nil
}

// ApproveProgram approves a pending program with the days the subsidy counts.
func (s *Store) ApproveProgram(ctx context.Context, reviewer User, id int64, in ApproveInput, now time.Time) (Program, error) {
	if reviewer.Role != RoleReviewer {
		return Program{}, Errorf(ErrForbidden, "only reviewers approve programs")
	}
	if err := Validate(in); err != nil {
		return Program{}, err
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var p Program
		if err := tx.First(&p, id).Error; err != nil {
			return notFoundOr(err, "program")
		}
		if p.Status != ProgramPending {
			return ConflictError("program_decided", "this program is already "+p.Status)
		}
		days := in.ApprovedDays
		if days == nil {
			var occ Occupation
			if err := tx.Where("name = ?", p.Occupation).First(&occ).Error; err != nil {
				return err
			}
			days = &occ.StandardDays
		}
		before := p
		t := now.UTC()
		p.Status, p.ApprovedDays, p.ApprovedBy, p.ApprovedAt, p.UpdatedAt = ProgramApproved, days, &reviewer.ID, &t, t
		if err := tx.Model(&Program{ID: id}).Select("status", "approved_days", "approved_by", "approved_at", "updated_at").Updates(&p).Error; err != nil {
			return err
		}
		if err := enqueue(tx, "program", id); err != nil {
			return err
		}
		return audit(tx, reviewer.ID, "program.approve", "program", id, before, p)
	})
	if err != nil {
		return Program{}, err
	}
	return s.Program(ctx, id)
}

// CloseProgram closes an approved program on or after its last day; only then can it claim.
func (s *Store) CloseProgram(ctx context.Context, owner User, id int64, now time.Time) (Program, error) {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var p Program
		if err := tx.Preload("Provider").First(&p, id).Error; err != nil {
			return notFoundOr(err, "program")
		}
		if err := RequireOwner(owner, p); err != nil {
			return err
		}
		if p.Status != ProgramApproved {
			return RuleError("program_not_approved", "only an approved program is closed; this one is "+p.Status)
		}
		if Today(now) < p.EndOn {
			return RuleError("program_not_ended", "the program runs until "+p.EndOn+"; close it on or after that day")
		}
		t := now.UTC()
		if err := tx.Model(&Program{ID: id}).Updates(map[string]any{"status": ProgramClosed, "closed_at": t, "updated_at": t}).Error; err != nil {
			return err
		}
		if err := enqueue(tx, "program", id); err != nil {
			return err
		}
		return audit(tx, owner.ID, "program.close", "program", id, nil, map[string]any{"status": ProgramClosed})
	})
	if err != nil {
		return Program{}, err
	}
	return s.Program(ctx, id)
}

// Program finds one program with its provider, town and partner.
func (s *Store) Program(ctx context.Context, id int64) (Program, error) {
	var p Program
	err := s.db.WithContext(ctx).Preload("Provider").Preload("Town").Preload("Partner").First(&p, id).Error
	return p, notFoundOr(err, "program")
}

// ProgramFilter narrows a listing of programs.
type ProgramFilter struct {
	ProviderID int64
	Status     string
}

// Programs lists programs, newest first.
func (s *Store) Programs(ctx context.Context, f ProgramFilter) ([]Program, error) {
	q := s.db.WithContext(ctx).Preload("Provider").Preload("Town").Preload("Partner").Order("created_at DESC, id DESC").Limit(500)
	if f.ProviderID != 0 {
		q = q.Where("provider_id = ?", f.ProviderID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	var ps []Program
	err := q.Find(&ps).Error
	return ps, err
}

// ProgramsForIndex loads programs by id for the search outbox.
func (s *Store) ProgramsForIndex(ctx context.Context, ids []int64) ([]Program, error) {
	var ps []Program
	if len(ids) == 0 {
		return ps, nil
	}
	err := s.db.WithContext(ctx).Preload("Provider").Preload("Town").Preload("Partner").Where("id IN ?", ids).Find(&ps).Error
	return ps, err
}

// EachProgram walks every program, for a full reindex.
func (s *Store) EachProgram(ctx context.Context, fn func([]Program) error) error {
	var ps []Program
	if err := s.db.WithContext(ctx).Preload("Provider").Preload("Town").Preload("Partner").Order("id").Find(&ps).Error; err != nil {
		return err
	}
	return fn(ps)
}

// itoa writes an int in decimal.
func itoa(n int) string { return strconv.Itoa(n) }
