package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/personal"
)

// Identity is a seeker's real-name identity (实名): stated once, unique across accounts,
// changed only by a reviewer. The number is kept encrypted with its keyed hash.
type Identity struct {
	UserID         int64     `json:"user_id" gorm:"primaryKey"`
	Name           string    `json:"name"`
	IDNumberEnc    string    `json:"-"`
	IDNumberHash   string    `json:"-"`
	IDNumberMasked string    `json:"id_number_masked"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// IdentityInput is a name and a GB 11643 ID number; a reviewer's change also says why.
type IdentityInput struct {
	Name     string `json:"name" validate:"required,trimmed,min=2,max=30"`
	IDNumber string `json:"id_number" validate:"required"`
	Reason   string `json:"reason" validate:"max=500"`
}

func (in *IdentityInput) check() error {
	in.IDNumber = personal.NormalizeIDNumber(in.IDNumber)
	if err := Validate(*in); err != nil {
		return err
	}
	if err := personal.ValidIDNumber(in.IDNumber); err != nil {
		return FieldError("id_number", err.Error())
	}
	return nil
}

// errIDNumberTaken refuses a number another account holds, without saying which.
var errIDNumberTaken = &Error{Code: ErrConflict, Reason: "id_number_taken", Message: "this ID number is the identity of another account; ask the human-resources bureau if it is yours",
	Fields: map[string]string{"id_number": "is the identity of another account"}}

// SetIdentity states a seeker's identity once. Stating the same identity again changes
// nothing; a different one is refused (409 identity_locked): only a reviewer changes it.
func (s *Store) SetIdentity(ctx context.Context, seeker User, in IdentityInput, now time.Time) (Identity, bool, error) {
	if seeker.Role != RoleSeeker {
		return Identity{}, false, Errorf(ErrForbidden, "only job seekers state a real-name identity")
	}
	if err := in.check(); err != nil {
		return Identity{}, false, err
	}
	hash := s.Sealer.Hash(in.IDNumber)
	if old, err := s.IdentityOf(ctx, seeker.ID); err == nil {
		if old.IDNumberHash == hash && old.Name == in.Name {
			return old, false, nil
		}
		return old, false, ConflictError("identity_locked", "the identity was stated already; only a reviewer changes it")
	} else if ErrorCode(err) != ErrNotFound {
		return Identity{}, false, err
	}
	enc, err := s.Sealer.Encrypt(in.IDNumber)
	if err != nil {
		return Identity{}, false, err
	}
	t := now.UTC()
	id := Identity{UserID: seeker.ID, Name: in.Name, IDNumberEnc: enc, IDNumberHash: hash, IDNumberMasked: personal.MaskIDNumber(in.IDNumber), CreatedAt: t, UpdatedAt: t}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&id).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return errIDNumberTaken
			}
			return err
		}
		return audit(tx, seeker.ID, "identity.set", "user", seeker.ID, nil, map[string]string{"name": id.Name, "id_number_masked": id.IDNumberMasked})
	})
	if err != nil {
		return Identity{}, false, withContext(err, fmt.Sprintf("set identity of user %d", seeker.ID))
	}
	return id, true, nil
}

// ChangeIdentity is a reviewer setting or correcting a seeker's identity, with a reason;
// audited with the masked numbers before and after. Enrolments keep the identity they were
// made with.
func (s *Store) ChangeIdentity(ctx context.Context, reviewer User, userID int64, in IdentityInput, now time.Time) (Identity, error) {
	if reviewer.Role != RoleReviewer {
		return Identity{}, Errorf(ErrForbidden, "only reviewers change an identity")
	}
	if err := in.check(); err != nil {
		return Identity{}, err
	}
	if strings.TrimSpace(in.Reason) == "" {
		return Identity{}, FieldError("reason", "say why the identity changes; it is recorded")
	}
	var u User
	if err := s.db.WithContext(ctx).First(&u, userID).Error; err != nil || u.Role != RoleSeeker {
		return Identity{}, NotFound("seeker")
	}
	enc, err := s.Sealer.Encrypt(in.IDNumber)
	if err != nil {
		return Identity{}, err
	}
	t := now.UTC()
	id := Identity{UserID: userID, Name: in.Name, IDNumberEnc: enc, IDNumberHash: s.Sealer.Hash(in.IDNumber), IDNumberMasked: personal.MaskIDNumber(in.IDNumber), CreatedAt: t, UpdatedAt: t}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var old Identity
		if err := tx.Where("user_id = ?", userID).Limit(1).Find(&old).Error; err != nil {
			return err
		}
		var res *gorm.DB
		if old.UserID == 0 {
			res = tx.Create(&id)
		} else {
			id.CreatedAt = old.CreatedAt
			res = tx.Model(&Identity{UserID: userID}).Updates(map[string]any{"name": id.Name, "id_number_enc": enc, "id_number_hash": id.IDNumberHash,
				"id_number_masked": id.IDNumberMasked, "updated_at": t})
		}
		if res.Error != nil {
			if errors.Is(res.Error, gorm.ErrDuplicatedKey) {
				return errIDNumberTaken
			}
			return res.Error
		}
		return audit(tx, reviewer.ID, "identity.change", "user", userID, map[string]string{"name": old.Name, "id_number_masked": old.IDNumberMasked},
			map[string]string{"name": id.Name, "id_number_masked": id.IDNumberMasked, "reason": in.Reason})
	})
	if err != nil {
		return Identity{}, withContext(err, fmt.Sprintf("change identity of user %d", userID))
	}
	return id, nil
}

// IdentityClearInput is a reviewer's reason for removing a seeker's identity.
type IdentityClearInput struct {
	Reason string `json:"reason" validate:"max=500"`
}

// ClearIdentity is a reviewer removing a seeker's identity, with a reason; audited with the
// masked number it held. It is how a number stated by someone who is not its person (an
// account holding it answers id_number_taken to everyone else) is freed for the real one,
// who may then state it. The account's enrolments keep the identity they were made with, but
// no longer match the account, so it cannot check in on them.
func (s *Store) ClearIdentity(ctx context.Context, reviewer User, userID int64, in IdentityClearInput) error {
	if reviewer.Role != RoleReviewer {
		return Errorf(ErrForbidden, "only reviewers clear an identity")
	}
	if err := Validate(in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Reason) == "" {
		return FieldError("reason", "say why the identity is cleared; it is recorded")
	}
	var u User
	if err := s.db.WithContext(ctx).First(&u, userID).Error; err != nil || u.Role != RoleSeeker {
		return NotFound("seeker")
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var old Identity
		if err := tx.Where("user_id = ?", userID).Limit(1).Find(&old).Error; err != nil {
			return err
		}
		if old.UserID == 0 {
			return NotFound("identity")
		}
		if err := tx.Where("user_id = ?", userID).Delete(&Identity{}).Error; err != nil {
			return err
		}
		return audit(tx, reviewer.ID, "identity.clear", "user", userID, map[string]string{"name": old.Name, "id_number_masked": old.IDNumberMasked},
			map[string]string{"reason": strings.TrimSpace(in.Reason)})
	})
	return withContext(err, fmt.Sprintf("clear identity of user %d", userID))
}

// IdentityOf reads a seeker's identity (not_found when none was stated).
func (s *Store) IdentityOf(ctx context.Context, userID int64) (Identity, error) {
	var id Identity
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).First(&id).Error
	return id, notFoundOr(err, "identity")
}

// withContext names the operation on an unexpected error; a domain error passes unchanged so
// callers and tests read its code directly.
func withContext(err error, op string) error {
	var e *Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("models: %s: %w", op, err)
}

// SeekerByPhone finds, for a reviewer correcting an identity, the job seeker whose account
// has the phone, with its identity (nil when none was stated yet).
func (s *Store) SeekerByPhone(ctx context.Context, reviewer User, phone string) (User, *Identity, error) {
	if reviewer.Role != RoleReviewer {
		return User{}, nil, Errorf(ErrForbidden, "only reviewers look up seekers")
	}
	var u User
	err := s.db.WithContext(ctx).Where("phone = ? AND role = ?", strings.TrimSpace(phone), RoleSeeker).First(&u).Error
	if err != nil {
		return User{}, nil, withContext(notFoundOr(err, "seeker"), "seeker by phone")
	}
	id, err := s.IdentityOf(ctx, u.ID)
	switch {
	case err == nil:
		return u, &id, nil
	case ErrorCode(err) == ErrNotFound:
		return u, nil, nil
	}
	return User{}, nil, withContext(err, "seeker by phone")
}
