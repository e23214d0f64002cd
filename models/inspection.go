package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/models/policy"
)

// Inspection results.
const (
	InspectionPassed = "passed"
	InspectionFailed = "failed"
)

// Inspection is a random inspection (抽查): a share of the claims submitted in a date range,
// drawn from a recorded seed by policy.DrawAlgorithm so that anyone can repeat the draw.
type Inspection struct {
	ID            int64              `json:"id"`
	SubmittedFrom string             `json:"submitted_from"`
	SubmittedTo   string             `json:"submitted_to"`
	Percent       int                `json:"percent"`
	Seed          string             `json:"seed"`
	Population    []int64            `json:"population" gorm:"-"` // every claim the draw chose from, ascending
	PopulationRaw string             `json:"-" gorm:"column:population"`
	ClaimIDs      []int64            `json:"claim_ids" gorm:"-"`
	Results       []InspectionResult `json:"results" gorm:"-"`
	Algorithm     string             `json:"algorithm" gorm:"-"`
	CreatedBy     int64              `json:"-"`
	CreatedAt     time.Time          `json:"created_at"`
	claims        []inspectionClaim
}

// InspectionResult is a drawn claim and its result (null until recorded).
type InspectionResult struct {
	ClaimID   int64      `json:"claim_id"`
	Result    *string    `json:"result"`
	Note      string     `json:"note"`
	DecidedAt *time.Time `json:"decided_at"`
}

type inspectionClaim struct {
	InspectionID int64 `gorm:"primaryKey"`
	ClaimID      int64 `gorm:"primaryKey"`
	Result       *string
	Note         string
	DecidedBy    *int64
	DecidedAt    *time.Time
}

func (inspectionClaim) TableName() string { return "inspection_claims" }

// InspectionInput is a reviewer's request for a draw.
type InspectionInput struct {
	SubmittedFrom string `json:"submitted_from" validate:"required,date"`
	SubmittedTo   string `json:"submitted_to" validate:"required,date"`
	Percent       int    `json:"percent" validate:"required,gte=1,lte=100"`
}

// DrawInspection draws percent of the submitted or approved claims submitted in the range
// (at least one), from a fresh random seed that is stored with the draw.
func (s *Store) DrawInspection(ctx context.Context, reviewer User, in InspectionInput, now time.Time) (Inspection, error) {
	if reviewer.Role != RoleReviewer {
		return Inspection{}, Errorf(ErrForbidden, "only reviewers draw inspections")
	}
	if err := Validate(in); err != nil {
		return Inspection{}, err
	}
	if in.SubmittedTo < in.SubmittedFrom {
		return Inspection{}, FieldError("submitted_to", "must not be before submitted_from")
	}
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return Inspection{}, err
	}
	insp := Inspection{SubmittedFrom: in.SubmittedFrom, SubmittedTo: in.SubmittedTo, Percent: in.Percent, Seed: hex.EncodeToString(raw),
		CreatedBy: reviewer.ID, CreatedAt: now.UTC()}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		from, _ := time.ParseInLocation(DateLayout, in.SubmittedFrom, China)
		to, _ := time.ParseInLocation(DateLayout, in.SubmittedTo, China)
		if err := tx.Model(&Claim{}).Where("submitted_at >= ? AND submitted_at < ? AND status IN ?", from.UTC(), to.AddDate(0, 0, 1).UTC(),
			[]string{ClaimSubmitted, ClaimApproved}).Order("id").Pluck("id", &insp.Population).Error; err != nil {
			return err
		}
		if len(insp.Population) == 0 {
			return RuleError("no_claims_in_range", "no submitted or approved claim was submitted from "+in.SubmittedFrom+" to "+in.SubmittedTo)
		}
		pop, _ := json.Marshal(insp.Population)
		insp.PopulationRaw = string(pop)
		if err := tx.Create(&insp).Error; err != nil {
			return err
		}
		insp.ClaimIDs = policy.Draw(insp.Seed, insp.Population, insp.Percent)
		for _, id := range insp.ClaimIDs {
			if err := tx.Create(&inspectionClaim{InspectionID: insp.ID, ClaimID: id}).Error; err != nil {
				return err
			}
		}
		return audit(tx, reviewer.ID, "inspection.draw", "inspection", insp.ID, nil, map[string]any{"seed": insp.Seed, "population": insp.Population, "claim_ids": insp.ClaimIDs})
	})
	if err != nil {
		return Inspection{}, withContext(err, "draw inspection")
	}
	return s.Inspection(ctx, reviewer, insp.ID)
}

// Inspection reads a draw with its population, drawn claims and results.
func (s *Store) Inspection(ctx context.Context, reviewer User, id int64) (Inspection, error) {
	if reviewer.Role != RoleReviewer {
		return Inspection{}, Errorf(ErrForbidden, "only reviewers see inspections")
	}
	var insp Inspection
	if err := s.db.WithContext(ctx).First(&insp, id).Error; err != nil {
		return insp, notFoundOr(err, "inspection")
	}
	if err := s.db.WithContext(ctx).Where("inspection_id = ?", id).Order("claim_id").Find(&insp.claims).Error; err != nil {
		return insp, err
	}
	insp.fill()
	return insp, nil
}

func (insp *Inspection) fill() {
	insp.Population, insp.ClaimIDs, insp.Results, insp.Algorithm = []int64{}, []int64{}, []InspectionResult{}, policy.DrawAlgorithm
	_ = json.Unmarshal([]byte(insp.PopulationRaw), &insp.Population)
	for _, c := range insp.claims {
		insp.ClaimIDs = append(insp.ClaimIDs, c.ClaimID)
		insp.Results = append(insp.Results, InspectionResult{ClaimID: c.ClaimID, Result: c.Result, Note: c.Note, DecidedAt: c.DecidedAt})
	}
}

// Inspections lists the draws, newest first.
func (s *Store) Inspections(ctx context.Context, reviewer User) ([]Inspection, error) {
	if reviewer.Role != RoleReviewer {
		return nil, Errorf(ErrForbidden, "only reviewers see inspections")
	}
	var out []Inspection
	if err := s.db.WithContext(ctx).Order("id DESC").Limit(200).Find(&out).Error; err != nil {
		return nil, err
	}
	for i := range out {
		if err := s.db.WithContext(ctx).Where("inspection_id = ?", out[i].ID).Order("claim_id").Find(&out[i].claims).Error; err != nil {
			return nil, err
		}
		out[i].fill()
	}
	return out, nil
}

// InspectionResultInput is a reviewer's finding on a drawn claim.
type InspectionResultInput struct {
	ClaimID int64  `json:"claim_id" validate:"required,gt=0"`
	Result  string `json:"result" validate:"required,oneof=passed failed"`
	Note    string `json:"note" validate:"max=2000"`
}

// RecordInspectionResult records the result of a drawn claim once. A failed inspection
// rejects the claim with the note as its reason, which frees its people.
func (s *Store) RecordInspectionResult(ctx context.Context, reviewer User, id int64, in InspectionResultInput, now time.Time) (Inspection, error) {
	if reviewer.Role != RoleReviewer {
		return Inspection{}, Errorf(ErrForbidden, "only reviewers record inspection results")
	}
	in.Note = strings.TrimSpace(in.Note)
	if err := Validate(in); err != nil {
		return Inspection{}, err
	}
	if in.Result == InspectionFailed && in.Note == "" {
		return Inspection{}, FieldError("note", "say what the inspection found; it becomes the claim's rejection reason")
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var ic inspectionClaim
		err := tx.Where("inspection_id = ? AND claim_id = ?", id, in.ClaimID).First(&ic).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			var n int64
			if err := tx.Model(&Inspection{}).Where("id = ?", id).Count(&n).Error; err != nil || n == 0 {
				return NotFound("inspection")
			}
			return FieldError("claim_id", "was not drawn in this inspection")
		} else if err != nil {
			return err
		}
		if ic.Result != nil {
			return ConflictError("result_recorded", "the result of this claim's inspection is recorded already")
		}
		t := now.UTC()
		if err := tx.Model(&inspectionClaim{}).Where("inspection_id = ? AND claim_id = ?", id, in.ClaimID).
			Updates(map[string]any{"result": in.Result, "note": in.Note, "decided_by": reviewer.ID, "decided_at": t}).Error; err != nil {
			return err
		}
		if in.Result == InspectionFailed {
			var c Claim
			if err := tx.First(&c, in.ClaimID).Error; err != nil {
				return err
			}
			if c.Status == ClaimSubmitted || c.Status == ClaimApproved {
				if err := rejectIn(tx, reviewer, &c, "抽查未通过:"+in.Note, now); err != nil {
					return err
				}
			}
		}
		return audit(tx, reviewer.ID, "inspection.result", "inspection", id, nil, map[string]any{"claim_id": in.ClaimID, "result": in.Result, "note": in.Note})
	})
	if err != nil {
		return Inspection{}, withContext(err, fmt.Sprintf("inspection %d result", id))
	}
	return s.Inspection(ctx, reviewer, id)
}
