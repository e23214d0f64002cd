package models

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/personal"
)

// EmploymentRecord proves a graduate found work: an employment agreement or an employment
// certificate (以签订就业协议或提供就业证明为准), with an optional scan.
type EmploymentRecord struct {
	ID           int64     `json:"id"`
	EnrolmentID  int64     `json:"enrolment_id"`
	EmployerName string    `json:"employer_name"`
	EmployerUSCC string    `json:"employer_uscc" gorm:"column:employer_uscc"`
	EvidenceType string    `json:"evidence_type"`
	EvidenceNo   string    `json:"evidence_no"`
	StartOn      string    `json:"start_on"`
	FileSHA256   string    `json:"file_sha256,omitempty" gorm:"column:file_sha256"`
	FileType     string    `json:"file_type,omitempty"`
	FileName     string    `json:"file_name,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// EmploymentInput is what the provider records for a graduate.
type EmploymentInput struct {
	EmployerName string `json:"employer_name" form:"employer_name" validate:"required,max=100"`
	EmployerUSCC string `json:"employer_uscc" form:"employer_uscc" validate:"omitempty,uscc"`
	EvidenceType string `json:"evidence_type" form:"evidence_type" validate:"required,oneof=agreement certificate"`
	EvidenceNo   string `json:"evidence_no" form:"evidence_no" validate:"required,max=100"`
	StartOn      string `json:"start_on" form:"start_on" validate:"required,date"`
}

// EvidenceFile is an uploaded scan already stored by its SHA-256.
type EvidenceFile struct {
	SHA256, Type, Name string
}

// RecordEmployment records (or replaces) the employment of a completed trainee of the
// caller's program.
func (s *Store) RecordEmployment(ctx context.Context, owner User, enrolmentID int64, in EmploymentInput, file *EvidenceFile, now time.Time) (EmploymentRecord, error) {
	in.EmployerName, in.EvidenceNo = strings.TrimSpace(in.EmployerName), strings.TrimSpace(in.EvidenceNo)
	in.EmployerUSCC = personal.NormalizeUSCC(in.EmployerUSCC)
	if err := Validate(in); err != nil {
		return EmploymentRecord{}, err
	}
	var rec EmploymentRecord
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var e Enrolment
		if err := tx.First(&e, enrolmentID).Error; err != nil {
			return notFoundOr(err, "enrolment")
		}
		var p Program
		if err := tx.Preload("Provider").First(&p, e.ProgramID).Error; err != nil {
			return err
		}
		if err := RequireOwner(owner, p); err != nil {
			return err
		}
		// A claim reads its flags from the outcome as it is: evidence the provider changed
		// after claiming would change what the reviewer is judging (and could clear a flag).
		var claimed int64
		if err := tx.Scopes(standingClaimOf(p.ID)).Count(&claimed).Error; err != nil {
			return err
		}
		if claimed > 0 {
			return ConflictError("claim_submitted", "the program's claim is submitted, so its employment records no longer change (a rejected claim frees them)")
		}
		if e.Status != EnrolCompleted {
			return RuleError("not_completed", "employment is recorded for trainees who completed the program; this one is "+e.Status)
		}
		if in.StartOn < p.StartOn {
			return FieldError("start_on", "must not be before the program started ("+p.StartOn+")")
		}
		t := now.UTC()
		rec = EmploymentRecord{EnrolmentID: enrolmentID, EmployerName: in.EmployerName, EmployerUSCC: in.EmployerUSCC,
			EvidenceType: in.EvidenceType, EvidenceNo: in.EvidenceNo, StartOn: in.StartOn, CreatedAt: t, UpdatedAt: t}
		var existing EmploymentRecord
		if err := tx.Where("enrolment_id = ?", enrolmentID).Limit(1).Find(&existing).Error; err != nil {
			return err
		}
		if file != nil {
			rec.FileSHA256, rec.FileType, rec.FileName = file.SHA256, file.Type, file.Name
		} else if existing.ID != 0 { // a correction without a new scan keeps the old one
			rec.FileSHA256, rec.FileType, rec.FileName = existing.FileSHA256, existing.FileType, existing.FileName
		}
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "enrolment_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"employer_name", "employer_uscc", "evidence_type", "evidence_no", "start_on",
				"file_sha256", "file_type", "file_name", "updated_at"})}).Create(&rec).Error; err != nil {
			return err
		}
		var before any
		if existing.ID != 0 {
			before = existing
		}
		return audit(tx, owner.ID, "employment.record", "enrolment", enrolmentID, before, rec)
	})
	if err != nil {
		return EmploymentRecord{}, err
	}
	return s.Employment(ctx, enrolmentID)
}

// Employment reads the employment record of an enrolment.
func (s *Store) Employment(ctx context.Context, enrolmentID int64) (EmploymentRecord, error) {
	var r EmploymentRecord
	err := s.db.WithContext(ctx).Where("enrolment_id = ?", enrolmentID).First(&r).Error
	return r, notFoundOr(err, "employment record")
}

// EvidenceFor finds the stored scan of an enrolment's employment, for its provider or a reviewer.
func (s *Store) EvidenceFor(ctx context.Context, viewer User, enrolmentID int64) (EmploymentRecord, error) {
	r, err := s.Employment(ctx, enrolmentID)
	if err != nil {
		return r, err
	}
	if r.FileSHA256 == "" {
		return r, NotFound("evidence file")
	}
	if viewer.Role == RoleReviewer {
		return r, nil
	}
	var e Enrolment
	if err := s.db.WithContext(ctx).First(&e, enrolmentID).Error; err != nil {
		return r, err
	}
	p, err := s.Program(ctx, e.ProgramID)
	if err != nil {
		return r, err
	}
	if err := RequireOwner(viewer, p); err != nil {
		return r, NotFound("evidence file")
	}
	return r, nil
}
