package models

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/personal"
)

// Enrolment status values.
const (
	EnrolApplied   = "applied"   // a seeker asked to join; the provider accepts
	EnrolEnrolled  = "enrolled"  // on the roster
	EnrolCompleted = "completed" // 结业, passed
	EnrolFailed    = "failed"
	EnrolWithdrawn = "withdrawn"
)

// Enrolment is a trainee of a program, enrolled by real name and ID number. The number is
// stored encrypted, with a keyed hash for duplicate checks and a masked copy for display.
type Enrolment struct {
	ID             int64     `json:"id"`
	ProgramID      int64     `json:"program_id"`
	Name           string    `json:"name"`
	IDNumberEnc    string    `json:"-"`
	IDNumberHash   string    `json:"-"`
	IDNumberMasked string    `json:"id_number_masked"`
	Phone          string    `json:"phone"`
	SeekerID       *int64    `json:"seeker_id,omitempty"`
	Status         string    `json:"status"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// EnrolInput is a trainee's real name, ID number and phone.
type EnrolInput struct {
	Name     string `json:"name" form:"name" validate:"required,trimmed,min=2,max=30"`
	IDNumber string `json:"id_number" form:"id_number" validate:"required"`
	Phone    string `json:"phone" form:"phone" validate:"omitempty,phone"`
}

// onRoster are the statuses that hold a place and can attend.
var onRoster = []string{EnrolEnrolled, EnrolCompleted, EnrolFailed}

// Enrol puts a trainee on a program: the provider enrols by name and ID number; a seeker
// applies as itself (ApplyAsSelf), whatever name or number it sends. The same person (by
// keyed hash) is on a program once while active, and the capacity holds, also under
// concurrent requests.
func (s *Store) Enrol(ctx context.Context, actor User, programID int64, in EnrolInput, now time.Time) (Enrolment, error) {
	switch actor.Role {
	case RoleSeeker:
		return s.ApplyAsSelf(ctx, actor, programID, now)
	case RoleProvider:
	default:
		return Enrolment{}, Errorf(ErrForbidden, "only the provider enrols trainees; seekers apply for themselves")
	}
	in.IDNumber = personal.NormalizeIDNumber(in.IDNumber)
	if err := Validate(in); err != nil {
		return Enrolment{}, err
	}
	if err := personal.ValidIDNumber(in.IDNumber); err != nil {
		return Enrolment{}, FieldError("id_number", err.Error())
	}
	enc, err := s.Sealer.Encrypt(in.IDNumber)
	if err != nil {
		return Enrolment{}, err
	}
	t := now.UTC()
	e := Enrolment{ProgramID: programID, Name: in.Name, IDNumberEnc: enc, IDNumberHash: s.Sealer.Hash(in.IDNumber),
		IDNumberMasked: personal.MaskIDNumber(in.IDNumber), Phone: in.Phone, Status: EnrolEnrolled, CreatedAt: t, UpdatedAt: t}
	return e, s.insertEnrolment(ctx, actor, &e, func(p Program) error { return RequireOwner(actor, p) })
}

// ApplyAsSelf is a seeker applying to a public, running program with the identity of its
// account (422 identity_required when it has none). A pending program answers 404 as its
// page does; an ended or closed one 422.
func (s *Store) ApplyAsSelf(ctx context.Context, seeker User, programID int64, now time.Time) (Enrolment, error) {
	id, err := s.IdentityOf(ctx, seeker.ID)
	if ErrorCode(err) == ErrNotFound {
		return Enrolment{}, RuleError("identity_required", "state your real name and ID number first (PUT /me/identity); you apply as yourself")
	} else if err != nil {
		return Enrolment{}, err
	}
	t := now.UTC()
	e := Enrolment{ProgramID: programID, Name: id.Name, IDNumberEnc: id.IDNumberEnc, IDNumberHash: id.IDNumberHash, IDNumberMasked: id.IDNumberMasked,
		Phone: seeker.Phone, SeekerID: &seeker.ID, Status: EnrolApplied, CreatedAt: t, UpdatedAt: t}
	return e, s.insertEnrolment(ctx, seeker, &e, func(p Program) error {
		switch {
		case p.Status == ProgramPending:
			return NotFound("program")
		case p.Status == ProgramApproved && p.EndOn < Today(now):
			return RuleError("program_ended", "this program ended on "+p.EndOn)
		}
		return nil
	})
}

// insertEnrolment stores e under the program's lock once allowed(program) passes.
func (s *Store) insertEnrolment(ctx context.Context, actor User, e *Enrolment, allowed func(Program) error) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		p, err := lockProgram(tx, s.dialect, e.ProgramID)
		if err != nil {
			return err
		}
		if err := allowed(p); err != nil {
			return err
		}
		if p.Status == ProgramClosed {
			return RuleError("program_closed", "this program is closed")
		}
		if e.Status == EnrolEnrolled {
			if err := checkCapacity(tx, p); err != nil {
				return err
			}
		}
		if err := tx.Create(e).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return &Error{Code: ErrConflict, Reason: "already_enrolled", Message: "this person is already on the program",
					Fields: map[string]string{"id_number": "is already on the program"}}
			}
			return err
		}
		return audit(tx, actor.ID, "enrolment.create", "enrolment", e.ID, nil, map[string]any{"program_id": e.ProgramID, "status": e.Status, "id_number_masked": e.IDNumberMasked})
	})
}

// lockProgram loads a program with its provider, holding its row until the transaction ends
// (PostgreSQL; SQLite transactions are serialised already).
func lockProgram(tx *gorm.DB, dialect string, id int64) (Program, error) {
	var p Program
	q := tx.Preload("Provider")
	if dialect == "postgres" {
		q = q.Clauses(lockForUpdate())
	}
	err := q.First(&p, id).Error
	return p, notFoundOr(err, "program")
}

func checkCapacity(tx *gorm.DB, p Program) error {
	var n int64
	if err := tx.Model(&Enrolment{}).Where("program_id = ? AND status IN ?", p.ID, onRoster).Count(&n).Error; err != nil {
		return err
	}
	if n >= int64(p.Capacity) {
		return ConflictError("program_full", "the program's "+itoa(p.Capacity)+" places are taken")
	}
	return nil
}

// ChangeEnrolment moves an enrolment of the caller's program: accept (applied → enrolled),
// complete (passed or failed) or withdraw.
func (s *Store) ChangeEnrolment(ctx context.Context, owner User, id int64, action string, passed bool, now time.Time) (Enrolment, error) {
	var e Enrolment
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.First(&e, id).Error; err != nil {
			return notFoundOr(err, "enrolment")
		}
		p, err := lockProgram(tx, s.dialect, e.ProgramID)
		if err != nil {
			return err
		}
		if err := RequireOwner(owner, p); err != nil {
			return err
		}
		if p.Status == ProgramClosed {
			return RuleError("program_closed", "the program is closed; its roster no longer changes")
		}
		before := e.Status
		switch {
		case action == "accept" && e.Status == EnrolApplied:
			if err := checkCapacity(tx, p); err != nil {
				return err
			}
			e.Status = EnrolEnrolled
		case action == "complete" && e.Status == EnrolEnrolled:
			if p.Status != ProgramApproved {
				return RuleError("program_not_approved", "completion is recorded for an approved program")
			}
			e.Status = EnrolFailed
			if passed {
				e.Status = EnrolCompleted
			}
		case action == "withdraw" && (e.Status == EnrolApplied || e.Status == EnrolEnrolled):
			e.Status = EnrolWithdrawn
		default:
			return RuleError("invalid_transition", "cannot "+action+" an enrolment that is "+e.Status)
		}
		e.UpdatedAt = now.UTC()
		if err := tx.Model(&Enrolment{ID: id}).Updates(map[string]any{"status": e.Status, "updated_at": e.UpdatedAt}).Error; err != nil {
			return err
		}
		return audit(tx, owner.ID, "enrolment."+action, "enrolment", id, map[string]string{"status": before}, map[string]string{"status": e.Status})
	})
	return e, err
}

// Roster lists a program's enrolments for its provider or a reviewer.
func (s *Store) Roster(ctx context.Context, viewer User, programID int64) (Program, []Enrolment, error) {
	p, err := s.Program(ctx, programID)
	if err != nil {
		return p, nil, err
	}
	if viewer.Role != RoleReviewer {
		if err := RequireOwner(viewer, p); err != nil {
			return p, nil, err
		}
	}
	var es []Enrolment
	if err := s.db.WithContext(ctx).Where("program_id = ?", programID).Order("id").Find(&es).Error; err != nil {
		return p, nil, err
	}
	if viewer.Role == RoleReviewer {
		for i := range es {
			es[i].Phone = personal.MaskPhone(es[i].Phone)
		}
	}
	return p, es, nil
}

// RevealIDNumber decrypts an enrolment's ID number for a reviewer who asks for it; every
// reveal is audited.
func (s *Store) RevealIDNumber(ctx context.Context, reviewer User, id int64, reason string) (string, error) {
	if reviewer.Role != RoleReviewer {
		return "", Errorf(ErrForbidden, "only reviewers see full ID numbers")
	}
	if strings.TrimSpace(reason) == "" {
		return "", FieldError("reason", "say why the full number is needed; it is recorded")
	}
	var e Enrolment
	if err := s.db.WithContext(ctx).First(&e, id).Error; err != nil {
		return "", notFoundOr(err, "enrolment")
	}
	plain, err := s.Sealer.Decrypt(e.IDNumberEnc)
	if err != nil {
		return "", err
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		return audit(tx, reviewer.ID, "enrolment.reveal_id", "enrolment", id, nil, map[string]string{"reason": reason})
	})
	return plain, err
}

// MyEnrolments lists the programs a seeker applied to or is on.
func (s *Store) MyEnrolments(ctx context.Context, seeker User) ([]Enrolment, error) {
	var es []Enrolment
	err := s.db.WithContext(ctx).Where("seeker_id = ?", seeker.ID).Order("id DESC").Find(&es).Error
	return es, err
}

// ProgramOfEnrolment names the program an enrolment belongs to.
func (s *Store) ProgramOfEnrolment(ctx context.Context, id int64) (int64, error) {
	var e Enrolment
	err := s.db.WithContext(ctx).Select("program_id").First(&e, id).Error
	return e.ProgramID, notFoundOr(err, "enrolment")
}
