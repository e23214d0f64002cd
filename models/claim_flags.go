package models

import (
	"context"

	"gorm.io/gorm"

	"portal/models/policy"
)

// attachFlags reads a claim's risk flags and social-insurance confirmation line by line: a
// training claim's from its program's outcome now, an on-the-job claim's from the ages.
func (s *Store) attachFlags(ctx context.Context, c *Claim) error {
	c.FlagTexts = map[string]string{}
	var pending int64
	if err := s.db.WithContext(ctx).Model(&inspectionClaim{}).Where("claim_id = ? AND result IS NULL", c.ID).Count(&pending).Error; err != nil {
		return err
	}
	c.UnderInspection = pending > 0
	byEnrolment := map[int64]OutcomeLine{}
	if c.Kind == ClaimTraining && c.Program != nil {
		p := *c.Program
		o, err := s.outcome(ctx, p, func() string { return p.EndOn }, nil)
		if err != nil {
			return err
		}
		for _, l := range o.Lines {
			byEnrolment[l.EnrolmentID] = l
		}
	}
	var v policy.Version
	var trained policy.Date
	if c.Policy != nil {
		v = policyVersionOf(*c.Policy)
	}
	if c.TrainedOn != nil {
		trained, _ = policy.ParseDate(*c.TrainedOn)
	}
	for i := range c.Lines {
		l := &c.Lines[i]
		l.Flags = []string{}
		switch {
		case l.EnrolmentID != nil:
			ol := byEnrolment[*l.EnrolmentID]
			if ol.Flags != nil {
				l.Flags = ol.Flags
			}
			l.EmploymentVerified, l.EvidenceFile = ol.EmploymentVerified, ol.EvidenceFile
		case c.Kind == ClaimOnjob:
			if plain, err := s.Sealer.Decrypt(l.IDNumberEnc); err == nil && policy.OutsideWorkingAge(v, plain, trained) {
				l.Flags = []string{policy.FlagAgeOutsideWorkingAge}
			}
		}
		for _, f := range l.Flags {
			c.FlagTexts[f] = policy.FlagText(f)
		}
	}
	c.ClaimFlags = []string{}
	if c.Kind == ClaimTraining && c.ProgramID != nil {
		var failed int64
		err := s.db.WithContext(ctx).Model(&inspectionClaim{}).Joins("JOIN claims ON claims.id = inspection_claims.claim_id").
			Where("claims.program_id = ? AND claims.id <> ? AND inspection_claims.result = ?", *c.ProgramID, c.ID, InspectionFailed).Count(&failed).Error
		if err != nil {
			return err
		}
		if failed > 0 {
			c.ClaimFlags = append(c.ClaimFlags, policy.FlagFailedInspectionBefore)
			c.FlagTexts[policy.FlagFailedInspectionBefore] = policy.FlagText(policy.FlagFailedInspectionBefore)
		}
	}
	c.Flagged = len(c.FlagTexts) > 0
	return nil
}

// notUnderInspection refuses to decide a claim drawn for inspection until its result is in.
func notUnderInspection(tx *gorm.DB, claimID int64) error {
	var n int64
	if err := tx.Model(&inspectionClaim{}).Where("claim_id = ? AND result IS NULL", claimID).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return ConflictError("under_inspection", "this claim was drawn for inspection (抽查); record its result first")
	}
	return nil
}
