package handlers

import (
	"errors"
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"portal/models"
	"portal/models/policy"
)

// computation writes a training line's arithmetic the way a reviewer checks it, from the
// figures the line was computed with.
func computation(l models.ClaimLine) string {
	d := l.SubsidizedDays
	first, later, raw := policy.Tiers(policy.Version{FirstDays: l.FirstDays, FirstDayRateYuan: l.FirstDayRateYuan,
		LaterDayRateYuan: l.LaterDayRateYuan}, d)
	s := fmt.Sprintf("计 %d 天:%d×%d", d, l.FirstDayRateYuan, first)
	if later > 0 {
		s += fmt.Sprintf(" + %d×%d", l.LaterDayRateYuan, later)
	}
	s += fmt.Sprintf(" = %d", raw)
	if raw > l.CapPerPersonYuan {
		s += fmt.Sprintf(",封顶 %d", l.CapPerPersonYuan)
	}
	return s
}

// claimView is a claim's page: the computation line by line, and the reviewer's steps that
// apply to it now.
type claimView struct {
	Page
	Claim      models.Claim
	CanDecide  bool   // a reviewer may approve it
	CanReject  bool   // a reviewer may reject it (also while it is drawn for inspection)
	CanPay     bool   // the announcement closed with no objection open
	PayWaiting string // why payment cannot be recorded yet
	Reject     string // the typed reason, kept after a refusal
	PaymentRef string
	Note       string // the typed 审核意见, kept after a refusal
	Inspected  string // why it can be neither decided nor paid: drawn for inspection
	// ObjectionFor is the objection whose resolution was refused, ObjectionNote its typed note
	ObjectionFor  int64
	ObjectionNote string
}

func (a *App) claimView(c *fiber.Ctx, id int64) (*claimView, error) {
	claim, err := a.store.Claim(c.UserContext(), currentUser(c), id)
	if err != nil {
		return nil, err
	}
	v := &claimView{Page: Page{Title: "补贴申请 " + itoa64(id)}, Claim: claim}
	if currentUser(c).Role != models.RoleReviewer {
		return v, nil
	}
	v.CanReject = claim.Status == models.ClaimSubmitted
	if claim.UnderInspection {
		// the store refuses approval and payment until the inspection's result is in
		v.Inspected = refusals["under_inspection"].fill("")
		return v, nil
	}
	v.CanDecide = v.CanReject
	if claim.Status == models.ClaimApproved {
		open := false
		for _, o := range claim.Objections {
			open = open || o.Status == "open"
		}
		switch {
		case claim.AnnouncedUntil != nil && a.today() <= *claim.AnnouncedUntil:
			v.PayWaiting = "公示期到 " + *claim.AnnouncedUntil + " 结束,公示结束后才能登记支付。"
		case open:
			v.PayWaiting = "还有未处理的异议,处理后才能登记支付。"
		default:
			v.CanPay = true
		}
	}
	return v, nil
}

func (a *App) claimPage(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	v, err := a.claimView(c, id)
	if err != nil {
		return err
	}
	return a.render(c, "claim", v)
}

// claimStep runs a reviewer's step on a claim: a refusal shows on the claim's page in
// Chinese, success returns to it with the flash.
func (a *App) claimStep(c *fiber.Ctx, id int64, flash string, step func() error, keep func(*claimView)) error {
	if err := step(); err != nil {
		v, verr := a.claimView(c, id)
		if verr != nil {
			return verr
		}
		keep(v)
		return a.formProblem(c, "claim", v, err)
	}
	return a.done(c, "/console/claims/"+itoa64(id), flash)
}

func (a *App) approveClaimSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	f, err := readForm[approveClaimForm](c)
	if err != nil {
		return err
	}
	note := strings.TrimSpace(f.Note)
	if !confirmed(c) {
		v, err := a.claimView(c, id)
		if err != nil {
			return err
		}
		if v.Claim.Flagged && note == "" && v.Claim.Status == models.ClaimSubmitted {
			return a.formProblem(c, "claim", v, &models.Error{Code: models.ErrRule, Reason: "note_required", Message: "this claim has risk flags; say in a note why it is approved",
				Fields: map[string]string{"note": "is required for a claim with risk flags"}})
		}
		days := 5
		if v.Claim.Policy != nil {
			days = v.Claim.Policy.AnnouncementDays
		}
		return a.confirm(c, confirmView{Question: "确认批准补贴申请 " + itoa64(id) + "?", Details: []string{
			v.Claim.Title + ":" + strconv.Itoa(v.Claim.People) + " 人,合计 " + strconv.Itoa(v.Claim.TotalYuan) + " 元。",
			"批准后申请进入 " + strconv.Itoa(days) + " 天公示(不含个人信息),审核结果不能再更改。"},
			Button: "确认批准并公示", Back: "/console/claims/" + itoa64(id)})
	}
	return a.claimStep(c, id, "claim_approved", func() error {
		_, err := a.store.ApproveClaimWithNote(c.UserContext(), currentUser(c), id, note, a.now())
		return err
	}, func(v *claimView) { v.Note = note })
}

func (a *App) rejectClaimSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	f, err := readForm[rejectClaimForm](c)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(f.Reason)
	if reason != "" && !confirmed(c) {
		v, err := a.claimView(c, id)
		if err != nil {
			return err
		}
		return a.confirm(c, confirmView{Question: "确认驳回补贴申请 " + itoa64(id) + "?", Details: []string{
			v.Claim.Title + ":" + strconv.Itoa(v.Claim.People) + " 人,合计 " + strconv.Itoa(v.Claim.TotalYuan) + " 元。",
			"驳回原因:" + reason, "驳回后审核结果不能再更改,申请单位需重新提交。"},
			Button: "确认驳回", Back: "/console/claims/" + itoa64(id)})
	}
	return a.claimStep(c, id, "claim_rejected", func() error {
		_, err := a.store.RejectClaim(c.UserContext(), currentUser(c), id, reason, a.now())
		return err
	}, func(v *claimView) { v.Reject = reason })
}

func (a *App) payClaimSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	f, err := readForm[payClaimForm](c)
	if err != nil {
		return err
	}
	ref := strings.TrimSpace(f.PaymentRef)
	if ref != "" && !confirmed(c) {
		v, err := a.claimView(c, id)
		if err != nil {
			return err
		}
		return a.confirm(c, confirmView{Question: "确认登记支付 " + strconv.Itoa(v.Claim.TotalYuan) + " 元?", Details: []string{
			v.Claim.Title + ",支付凭证号 " + ref + "。", "登记后申请标为已支付,不能撤销。"},
			Button: "确认登记支付", Back: "/console/claims/" + itoa64(id)})
	}
	return a.claimStep(c, id, "claim_paid", func() error {
		_, err := a.store.PayClaim(c.UserContext(), currentUser(c), id, ref, a.now())
		return err
	}, func(v *claimView) { v.PaymentRef = ref })
}

// resolveObjectionSubmit decides an objection; upholding it revokes the approval, so it asks
// first. A refusal comes back on the claim's page with the typed note beside its error.
func (a *App) resolveObjectionSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	f, err := readForm[resolveObjectionForm](c)
	if err != nil {
		return err
	}
	upheld := f.Upheld == "true"
	in := models.ResolveObjectionInput{Upheld: &upheld, Note: strings.TrimSpace(f.Note)}
	claimID, _ := strconv.ParseInt(f.ClaimID, 10, 64)
	err = models.Validate(in)
	if err == nil && upheld && !confirmed(c) {
		return a.confirm(c, confirmView{Question: "确认异议成立并撤销批准?", Details: []string{
			"处理意见:" + in.Note, "异议成立后,已批准的申请被驳回(驳回原因写明异议成立),结果不能再更改。"},
			Button: "确认异议成立,撤销批准", Back: "/console/claims/" + itoa64(claimID)})
	}
	var o models.Objection
	if err == nil {
		o, err = a.store.ResolveObjection(c.UserContext(), currentUser(c), id, in, a.now())
	}
	if err != nil {
		if claimID <= 0 {
			return err
		}
		v, verr := a.claimView(c, claimID)
		if verr != nil {
			return verr
		}
		v.ObjectionFor, v.ObjectionNote = id, f.Note
		return a.formProblem(c, "claim", v, renameField(err, "note", "objection_note"))
	}
	return a.done(c, "/console/claims/"+itoa64(o.ClaimID), "objection_resolved")
}

// renameField names a refused field as the page's form does, where two forms of one page
// share a field name.
func renameField(err error, from, to string) error {
	var e *models.Error
	if !errors.As(err, &e) {
		return err
	}
	msg, ok := e.Fields[from]
	if !ok {
		return err
	}
	c := *e
	c.Fields = maps.Clone(e.Fields)
	delete(c.Fields, from)
	c.Fields[to] = msg
	return &c
}

// approveClaimForm is the reviewer's approval of a claim with its 审核意见.
type approveClaimForm struct {
	Note string `form:"note"`
}

// payClaimForm records a claim's payment by its reference.
type payClaimForm struct {
	PaymentRef string `form:"payment_ref"`
}

// rejectClaimForm is the reviewer's rejection of a claim.
type rejectClaimForm struct {
	Reason string `form:"reason"`
}

// resolveObjectionForm is the reviewer's decision on an objection; ClaimID is the claim's
// page the form is on, to show a refusal there.
type resolveObjectionForm struct {
	Upheld  string `form:"upheld"` // "true": the objection stands and the approval is revoked
	Note    string `form:"note"`
	ClaimID string `form:"claim_id"`
}

func (a *App) submitClaimSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	claim, err := a.store.SubmitTrainingClaim(c.UserContext(), currentUser(c), id, a.now())
	if err != nil {
		return a.afterProgramAction(c, id, "", "", err)
	}
	return a.done(c, "/console/claims/"+itoa64(claim.ID), "claim_submitted")
}

// onjobView is the enterprise's on-the-job claim form with the version that applies today.
type onjobView struct {
	Page
	Form     onjobForm
	InForce  *models.PolicyVersion // the version in force on the form's training date
	NoPolicy string                // why no subsidy can be claimed for that date
	Example  string                // a valid demo ID number for the placeholder
}

func (a *App) onjobView(c *fiber.Ctx, f onjobForm) (*onjobView, error) {
	v := &onjobView{Page: Page{Title: "在岗培训补贴申请"}, Form: f, Example: exampleIDNumber}
	date := f.TrainedOn
	if _, err := models.ParseDate(date); err != nil {
		date = a.today()
	}
	pv, err := a.store.PolicyInForce(c.UserContext(), date)
	switch {
	case err == nil:
		v.InForce = &pv
	case models.ErrorCode(err) == models.ErrRule:
		v.NoPolicy = refusals["no_policy_in_force"].fill(date)
	default:
		return nil, err
	}
	return v, nil
}

// exampleIDNumber is a made-up ID number that passes the GB 11643 check (the form's example).
const exampleIDNumber = "11010519491231002X"

func (a *App) onjobPage(c *fiber.Ctx) error {
	v, err := a.onjobView(c, onjobForm{TrainedOn: a.today()})
	if err != nil {
		return err
	}
	return a.render(c, "onjob", v)
}

func (a *App) onjobSubmit(c *fiber.Ctx) error {
	f, err := readForm[onjobForm](c)
	if err != nil {
		return err
	}
	claim, err := a.store.SubmitOnjobClaim(c.UserContext(), currentUser(c), f.input(), a.now())
	if err != nil {
		v, verr := a.onjobView(c, f)
		if verr != nil {
			return verr
		}
		v.Errors = traineeErrors(pageProblemOf(err).Fields)
		return a.formProblem(c, "onjob", v, err)
	}
	return a.done(c, "/console/claims/"+itoa64(claim.ID), "claim_submitted")
}

// traineeErrors gathers the errors of the trainee lines ("trainees[2].id_number") under the
// trainees field, naming each line as the person typed it: 第 3 行.
func traineeErrors(fields map[string]string) map[string]string {
	out := map[string]string{}
	var lines []string
	for k, msg := range fields {
		var n int
		var field string
		if _, err := fmt.Sscanf(k, "trainees[%d].%s", &n, &field); err == nil {
			what := "姓名"
			if field == "id_number" {
				what = "身份证号"
			}
			lines = append(lines, fmt.Sprintf("第 %d 行%s:%s", n+1, what, msg))
			continue
		}
		out[k] = msg
	}
	sort.Strings(lines)
	if len(lines) > 0 {
		out["trainees"] = strings.Join(lines, ";")
	}
	return out
}

// publicClaimsView is the public announcement (公示) with the objection forms.
type publicClaimsView struct {
	Page
	Claims    []models.PublicClaim
	Objection objectionForm
	ObjectTo  int64 // the claim whose objection form was refused
}

func (a *App) publicClaimsPage(c *fiber.Ctx) error {
	cs, err := a.store.PublicClaims(c.UserContext(), a.now())
	if err != nil {
		return err
	}
	return a.render(c, "public_claims", &publicClaimsView{Page: Page{Title: "补贴公示"}, Claims: cs})
}

func (a *App) objectSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := a.limitByIP(c, "objection", 10); err != nil {
		return err
	}
	f, err := readForm[objectionForm](c)
	if err != nil {
		return err
	}
	if _, err := a.store.LodgeObjection(c.UserContext(), id, models.ObjectionInput{Text: strings.TrimSpace(f.Text), Contact: strings.TrimSpace(f.Contact)}, a.now()); err != nil {
		cs, cerr := a.store.PublicClaims(c.UserContext(), a.now())
		if cerr != nil {
			return cerr
		}
		return a.formProblem(c, "public_claims", &publicClaimsView{Page: Page{Title: "补贴公示"}, Claims: cs, Objection: f, ObjectTo: id}, err)
	}
	return a.done(c, "/public/claims", "objected")
}
