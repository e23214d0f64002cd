package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Claim reads one claim with its lines for its submitter or a reviewer (objections, with the
// objector's contact kept back, for reviewers and the submitter).
func (s *Store) Claim(ctx context.Context, viewer User, id int64) (Claim, error) {
	var c Claim
	err := s.db.WithContext(ctx).Preload("Lines", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Preload("Objections", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Preload("Program").Preload("Program.Provider").Preload("Enterprise").Preload("Town").Preload("Policy").First(&c, id).Error
	if err != nil {
		return c, notFoundOr(err, "claim")
	}
	if viewer.Role != RoleReviewer && !c.ownedBy(ctx, s, viewer) {
		return Claim{}, NotFound("claim")
	}
	if err := s.attachFlags(ctx, &c); err != nil {
		return Claim{}, withContext(err, fmt.Sprintf("flags of claim %d", id))
	}
	return c, nil
}

// ClaimFilter narrows the reviewer's queue or an export.
type ClaimFilter struct {
	Status   string
	From, To string // submitted on or after From and on or before To (YYYY-MM-DD, China time)
}

// Claims lists claims: every claim for reviewers, the caller's own otherwise.
func (s *Store) Claims(ctx context.Context, viewer User, f ClaimFilter) ([]Claim, error) {
	q := s.db.WithContext(ctx).Preload("Program").Preload("Program.Provider").Preload("Enterprise").Preload("Town").Order("submitted_at, id").Limit(1000)
	switch viewer.Role {
	case RoleReviewer:
	case RoleProvider:
		p, err := s.ProviderOf(ctx, viewer.ID)
		if err != nil {
			return nil, nil
		}
		q = q.Where("provider_id = ?", p.ID)
	case RoleEnterprise:
		e, err := s.EnterpriseOf(ctx, viewer.ID)
		if err != nil {
			return nil, nil
		}
		q = q.Where("enterprise_id = ?", e.ID)
	default:
		return nil, Errorf(ErrForbidden, "claims are for providers, enterprises and reviewers")
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.From != "" {
		from, _ := time.ParseInLocation(DateLayout, f.From, China)
		q = q.Where("submitted_at >= ?", from.UTC())
	}
	if f.To != "" {
		to, _ := time.ParseInLocation(DateLayout, f.To, China)
		q = q.Where("submitted_at < ?", to.AddDate(0, 0, 1).UTC())
	}
	var cs []Claim
	err := q.Find(&cs).Error
	return cs, err
}

// decide loads a claim for a reviewer's decision inside a transaction and appends the audit.
func (s *Store) decide(ctx context.Context, reviewer User, id int64, action string, change func(tx *gorm.DB, c *Claim) error) (Claim, error) {
	if reviewer.Role != RoleReviewer {
		return Claim{}, Errorf(ErrForbidden, "only reviewers decide claims")
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var c Claim
		q := tx
		if s.dialect == "postgres" {
			q = q.Clauses(lockForUpdate())
		}
		if err := q.First(&c, id).Error; err != nil {
			return notFoundOr(err, "claim")
		}
		before := map[string]any{"status": c.Status}
		if err := change(tx, &c); err != nil {
			return err
		}
		return audit(tx, reviewer.ID, action, "claim", id, before, map[string]any{"status": c.Status, "payment_ref": c.PaymentRef, "approve_note": c.ApproveNote,
			"reject_reason": c.RejectReason, "announced_from": c.AnnouncedFrom, "announced_until": c.AnnouncedUntil})
	})
	if err != nil {
		return Claim{}, err
	}
	return s.Claim(ctx, reviewer, id)
}

// ApproveClaim approves a submitted claim without a note (see ApproveClaimWithNote).
func (s *Store) ApproveClaim(ctx context.Context, reviewer User, id int64, now time.Time) (Claim, error) {
	return s.ApproveClaimWithNote(ctx, reviewer, id, "", now)
}

// ApproveClaimWithNote approves a submitted claim and opens its public announcement (公示)
// for the policy's announcement_days, starting today. A claim with risk flags needs a note
// (422 note_required); a claim drawn for inspection waits for its result (409 under_inspection).
func (s *Store) ApproveClaimWithNote(ctx context.Context, reviewer User, id int64, note string, now time.Time) (Claim, error) {
	note = strings.TrimSpace(note)
	if len(note) > 2000 {
		return Claim{}, FieldError("note", "must be at most 2000 characters")
	}
	if reviewer.Role == RoleReviewer {
		full, err := s.Claim(ctx, reviewer, id)
		if err != nil {
			return Claim{}, err
		}
		if full.Status == ClaimSubmitted { // a note would not help: the inspection's result comes first
			if err := notUnderInspection(s.db.WithContext(ctx), id); err != nil {
				return Claim{}, err
			}
		}
		if full.Flagged && note == "" && full.Status == ClaimSubmitted {
			return Claim{}, &Error{Code: ErrRule, Reason: "note_required", Message: "this claim has risk flags; say in a note why it is approved",
				Fields: map[string]string{"note": "is required for a claim with risk flags"}}
		}
	}
	return s.decide(ctx, reviewer, id, "claim.approve", func(tx *gorm.DB, c *Claim) error {
		if c.Status != ClaimSubmitted {
			return ConflictError("claim_decided", "this claim is already "+c.Status+"; decided claims never change")
		}
		if err := notUnderInspection(tx, c.ID); err != nil {
			return err
		}
		c.ApproveNote = note
		var pv PolicyVersion
		if err := tx.First(&pv, c.PolicyVersionID).Error; err != nil {
			return err
		}
		from, _ := ParseDate(Today(now))
		start, until := from.Format(DateLayout), from.AddDate(0, 0, max(pv.AnnouncementDays, 1)-1).Format(DateLayout)
		t := now.UTC()
		c.Status, c.DecidedBy, c.DecidedAt, c.AnnouncedFrom, c.AnnouncedUntil = ClaimApproved, &reviewer.ID, &t, &start, &until
		return tx.Model(&Claim{ID: c.ID}).Updates(map[string]any{"status": c.Status, "decided_by": reviewer.ID, "decided_at": t,
			"announced_from": start, "announced_until": until, "approve_note": note}).Error
	})
}

// RejectClaim rejects a submitted claim with a reason; its people are freed for another claim.
func (s *Store) RejectClaim(ctx context.Context, reviewer User, id int64, reason string, now time.Time) (Claim, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Claim{}, FieldError("reason", "say why the claim is rejected")
	}
	return s.decide(ctx, reviewer, id, "claim.reject", func(tx *gorm.DB, c *Claim) error {
		if c.Status != ClaimSubmitted {
			return ConflictError("claim_decided", "this claim is already "+c.Status+"; decided claims never change")
		}
		return rejectIn(tx, reviewer, c, reason, now)
	})
}

func rejectIn(tx *gorm.DB, reviewer User, c *Claim, reason string, now time.Time) error {
	t := now.UTC()
	c.Status, c.RejectReason, c.DecidedBy, c.DecidedAt = ClaimRejected, reason, &reviewer.ID, &t
	if err := tx.Model(&Claim{ID: c.ID}).Updates(map[string]any{"status": ClaimRejected, "reject_reason": reason, "decided_by": reviewer.ID, "decided_at": t}).Error; err != nil {
		return err
	}
	return tx.Where("claim_id = ?", c.ID).Delete(&subsidizedPerson{}).Error
}

// PayClaim records the payment of an approved claim once its announcement closed with no
// objection open.
func (s *Store) PayClaim(ctx context.Context, reviewer User, id int64, ref string, now time.Time) (Claim, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" || len(ref) > 100 {
		return Claim{}, FieldError("payment_ref", "give the payment's reference (at most 100 characters)")
	}
	return s.decide(ctx, reviewer, id, "claim.pay", func(tx *gorm.DB, c *Claim) error {
		if c.Status != ClaimApproved {
			return RuleError("claim_not_approved", "only an approved claim is paid; this one is "+c.Status)
		}
		if err := notUnderInspection(tx, c.ID); err != nil {
			return err
		}
		if Today(now) <= *c.AnnouncedUntil {
			return RuleError("announcement_open", "the public announcement runs until "+*c.AnnouncedUntil+"; pay after it closes")
		}
		var open int64
		if err := tx.Model(&Objection{}).Where("claim_id = ? AND status = ?", c.ID, "open").Count(&open).Error; err != nil {
			return err
		}
		if open > 0 {
			return RuleError("objection_open", "an objection to this claim is still open; resolve it first")
		}
		t := now.UTC()
		c.Status, c.PaymentRef, c.PaidBy, c.PaidAt = ClaimPaid, ref, &reviewer.ID, &t
		return tx.Model(&Claim{ID: c.ID}).Updates(map[string]any{"status": ClaimPaid, "payment_ref": ref, "paid_by": reviewer.ID, "paid_at": t}).Error
	})
}

// ObjectionInput is what anyone sends against an announced claim.
type ObjectionInput struct {
	Text    string `json:"text" validate:"required,min=5,max=2000"`
	Contact string `json:"contact" validate:"max=100"`
}

// LodgeObjection records a public objection during the claim's announcement window.
func (s *Store) LodgeObjection(ctx context.Context, claimID int64, in ObjectionInput, now time.Time) (Objection, error) {
	if err := Validate(in); err != nil {
		return Objection{}, err
	}
	var c Claim
	if err := s.db.WithContext(ctx).First(&c, claimID).Error; err != nil {
		return Objection{}, notFoundOr(err, "claim")
	}
	if c.Status != ClaimApproved || c.AnnouncedFrom == nil {
		return Objection{}, NotFound("announced claim")
	}
	if day := Today(now); day < *c.AnnouncedFrom || day > *c.AnnouncedUntil {
		return Objection{}, RuleError("announcement_closed", "objections are taken from "+*c.AnnouncedFrom+" to "+*c.AnnouncedUntil)
	}
	o := Objection{ClaimID: claimID, Text: in.Text, Contact: in.Contact, Status: "open", CreatedAt: now.UTC()}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&o).Error; err != nil {
			return err
		}
		return audit(tx, 0, "objection.lodge", "claim", claimID, nil, map[string]any{"objection_id": o.ID})
	})
	return o, err
}

// ResolveInput is a reviewer's finding on an objection.
type ResolveObjectionInput struct {
	Upheld *bool  `json:"upheld" validate:"required"`
	Note   string `json:"note" validate:"required,min=2,max=2000"`
}

// ResolveObjection closes an objection with a note. An upheld objection revokes the
// approval of the unpaid claim it is against (the claim becomes rejected, its people freed):
// the one way an approved claim changes, and only before payment.
func (s *Store) ResolveObjection(ctx context.Context, reviewer User, id int64, in ResolveObjectionInput, now time.Time) (Objection, error) {
	if reviewer.Role != RoleReviewer {
		return Objection{}, Errorf(ErrForbidden, "only reviewers resolve objections")
	}
	if err := Validate(in); err != nil {
		return Objection{}, err
	}
	var o Objection
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.First(&o, id).Error; err != nil {
			return notFoundOr(err, "objection")
		}
		if o.Status != "open" {
			return ConflictError("objection_resolved", "this objection was already resolved")
		}
		t := now.UTC()
		o.Status, o.ResolutionNote, o.ResolvedBy, o.ResolvedAt = "dismissed", in.Note, &reviewer.ID, &t
		if *in.Upheld {
			o.Status = "upheld"
			var c Claim
			if err := tx.First(&c, o.ClaimID).Error; err != nil {
				return err
			}
			if c.Status == ClaimApproved {
				if err := rejectIn(tx, reviewer, &c, "异议成立:"+in.Note, now); err != nil {
					return err
				}
			}
		}
		if err := tx.Model(&Objection{ID: id}).Updates(map[string]any{"status": o.Status, "resolution_note": o.ResolutionNote,
			"resolved_by": reviewer.ID, "resolved_at": t}).Error; err != nil {
			return err
		}
		return audit(tx, reviewer.ID, "objection.resolve", "claim", o.ClaimID, nil, map[string]any{"objection_id": id, "status": o.Status, "note": in.Note})
	})
	return o, err
}

// PublicClaim is an approved or paid claim as the public announcement shows it: no names,
// no ID numbers.
type PublicClaim struct {
	ID             int64      `json:"id"`
	Kind           string     `json:"kind"`
	Title          string     `json:"title"`
	Applicant      string     `json:"applicant"` // the provider or the enterprise
	Town           string     `json:"town"`
	People         int        `json:"people"`
	TotalYuan      int        `json:"total_yuan"`
	Status         string     `json:"status"`
	AnnouncedFrom  string     `json:"announced_from"`
	AnnouncedUntil string     `json:"announced_until"`
	PaidAt         *time.Time `json:"paid_at,omitempty"`
	ObjectionsOpen bool       `json:"objections_open"` // the window is open today
}

// PublicClaims lists approved and paid claims for the announcement page, newest first.
func (s *Store) PublicClaims(ctx context.Context, now time.Time) ([]PublicClaim, error) {
	var cs []Claim
	if err := s.db.WithContext(ctx).Preload("Program").Preload("Program.Provider").Preload("Enterprise").Preload("Town").
		Where("status IN ?", []string{ClaimApproved, ClaimPaid}).Order("decided_at DESC, id DESC").Limit(500).Find(&cs).Error; err != nil {
		return nil, err
	}
	today := Today(now)
	out := make([]PublicClaim, len(cs))
	for i, c := range cs {
		p := PublicClaim{ID: c.ID, Kind: c.Kind, Title: c.Title, People: c.People, TotalYuan: c.TotalYuan, Status: c.Status,
			AnnouncedFrom: deref(c.AnnouncedFrom), AnnouncedUntil: deref(c.AnnouncedUntil), PaidAt: c.PaidAt}
		p.ObjectionsOpen = c.Status == ClaimApproved && today >= p.AnnouncedFrom && today <= p.AnnouncedUntil
		if c.Program != nil && c.Program.Provider != nil {
			p.Applicant = c.Program.Provider.Name
		} else if c.Enterprise != nil {
			p.Applicant = c.Enterprise.Name
		}
		if c.Town != nil {
			p.Town = c.Town.Name
		}
		out[i] = p
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// RevealClaimIDs decrypts the ID numbers of a claim's lines for a reviewer's export; audited.
func (s *Store) RevealClaimIDs(ctx context.Context, reviewer User, c Claim) (map[int64]string, error) {
	if reviewer.Role != RoleReviewer {
		return nil, Errorf(ErrForbidden, "only reviewers see full ID numbers")
	}
	out := make(map[int64]string, len(c.Lines))
	for _, l := range c.Lines {
		plain, err := s.Sealer.Decrypt(l.IDNumberEnc)
		if err != nil {
			return nil, err
		}
		out[l.ID] = plain
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		return audit(tx, reviewer.ID, "claim.export_full_ids", "claim", c.ID, nil, map[string]any{"lines": len(c.Lines)})
	})
	return out, err
}

// ClaimOfProgram finds a program's active (not rejected) claim, if any.
func (s *Store) ClaimOfProgram(ctx context.Context, programID int64) (*Claim, error) {
	var c Claim
	err := s.db.WithContext(ctx).Scopes(standingClaimOf(programID)).Limit(1).Find(&c).Error
	if err != nil || c.ID == 0 {
		return nil, err
	}
	return &c, nil
}
