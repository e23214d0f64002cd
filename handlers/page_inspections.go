package handlers

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"portal/models"
)

// inspectionForm draws a sample of the claims submitted in a date range.
type inspectionForm struct {
	SubmittedFrom string `form:"submitted_from"`
	SubmittedTo   string `form:"submitted_to"`
	Percent       string `form:"percent"`
}

// inspectionsView is the reviewer's inspection page: the draw form and the draws so far.
type inspectionsView struct {
	Page
	Form        inspectionForm
	Inspections []models.Inspection
	Tasks       []reviewTask
}

func (a *App) inspectionsView(c *fiber.Ctx, f inspectionForm) (*inspectionsView, error) {
	list, err := a.store.Inspections(c.UserContext(), currentUser(c))
	if err != nil {
		return nil, err
	}
	return &inspectionsView{Page: Page{Title: "补贴抽查"}, Form: f, Inspections: list, Tasks: a.taskBar(c, "inspections")}, nil
}

func (a *App) inspectionsPage(c *fiber.Ctx) error {
	today := a.today()
	v, err := a.inspectionsView(c, inspectionForm{SubmittedFrom: today[:8] + "01", SubmittedTo: today, Percent: "10"})
	if err != nil {
		return err
	}
	return a.render(c, "review_inspections", v)
}

func (a *App) drawInspectionSubmit(c *fiber.Ctx) error {
	f, err := readForm[inspectionForm](c)
	if err != nil {
		return err
	}
	bad := numbers{}
	in := models.InspectionInput{SubmittedFrom: strings.TrimSpace(f.SubmittedFrom), SubmittedTo: strings.TrimSpace(f.SubmittedTo), Percent: bad.int("percent", f.Percent, true)}
	var insp models.Inspection
	if err = bad.refusal(); err != nil {
		err = mergeRefusals(models.Validate(in), err)
	} else {
		insp, err = a.store.DrawInspection(c.UserContext(), currentUser(c), in, a.now())
	}
	if err != nil {
		v, verr := a.inspectionsView(c, f)
		if verr != nil {
			return verr
		}
		return a.formProblem(c, "review_inspections", v, err)
	}
	return a.done(c, "/console/review/inspections/"+itoa64(insp.ID), "inspection_drawn")
}

// inspectionView is one draw: its seed and population, and each drawn claim with its result.
type inspectionView struct {
	Page
	Inspection models.Inspection
	Claims     map[int64]models.Claim // the drawn claims by id
	// ResultFor is the drawn claim whose result was refused, ResultNote its typed note
	ResultFor  int64
	ResultNote string
}

func (a *App) inspectionView(c *fiber.Ctx, id int64) (*inspectionView, error) {
	ctx, u := c.UserContext(), currentUser(c)
	insp, err := a.store.Inspection(ctx, u, id)
	if err != nil {
		return nil, err
	}
	v := &inspectionView{Page: Page{Title: "抽查 " + itoa64(id)}, Inspection: insp, Claims: map[int64]models.Claim{}}
	for _, cid := range insp.ClaimIDs {
		cl, err := a.store.Claim(ctx, u, cid)
		if err != nil {
			return nil, err
		}
		v.Claims[cid] = cl
	}
	return v, nil
}

func (a *App) inspectionPage(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	v, err := a.inspectionView(c, id)
	if err != nil {
		return err
	}
	return a.render(c, "review_inspection", v)
}

// inspectionResultForm is the result of one drawn claim.
type inspectionResultForm struct {
	ClaimID string `form:"claim_id"`
	Result  string `form:"result"`
	Note    string `form:"note"`
}

func (a *App) inspectionResultSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	f, err := readForm[inspectionResultForm](c)
	if err != nil {
		return err
	}
	bad := numbers{}
	in := models.InspectionResultInput{ClaimID: bad.id("claim_id", f.ClaimID), Result: f.Result, Note: f.Note}
	if err := bad.refusal(); err != nil {
		return err
	}
	back := "/console/review/inspections/" + itoa64(id)
	if f.Result == "failed" && strings.TrimSpace(f.Note) != "" && !confirmed(c) {
		return a.confirm(c, confirmView{Question: "确认申请 " + f.ClaimID + " 抽查不合格?", Details: []string{
			"不合格的申请将被驳回,抽查意见作为驳回原因,结果不能再更改。", "抽查意见:" + strings.TrimSpace(f.Note)},
			Button: "确认不合格并驳回", Back: back})
	}
	if _, err := a.store.RecordInspectionResult(c.UserContext(), currentUser(c), id, in, a.now()); err != nil {
		v, verr := a.inspectionView(c, id)
		if verr != nil {
			return verr
		}
		v.ResultFor, v.ResultNote = in.ClaimID, f.Note
		return a.formProblem(c, "review_inspection", v, err)
	}
	return a.done(c, back, "inspection_recorded")
}
