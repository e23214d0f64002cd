package handlers

import (
	"github.com/gofiber/fiber/v2"

	"portal/models"
)

// reviewTask is one task of the reviewer's console, with how much waits in it.
type reviewTask struct {
	Key, Name, URL string
	Waiting        int
	Current        bool
}

// reviewTasks lists the reviewer's task pages, marking the current one.
func reviewTasks(current string) []reviewTask {
	tasks := []reviewTask{
		{Key: "claims", Name: "补贴审核", URL: "/console/review/claims"},
		{Key: "verify", Name: "企业与机构认证", URL: "/console/review/verify"},
		{Key: "programs", Name: "项目审批", URL: "/console/review/programs"},
		{Key: "reports", Name: "岗位举报", URL: "/console/review/reports"},
		{Key: "fairs", Name: "招聘会", URL: "/console/review/fairs"},
		{Key: "policies", Name: "政策版本", URL: "/console/review/policies"},
		{Key: "social-insurance", Name: "社保数据导入", URL: "/console/review/social-insurance"},
		{Key: "inspections", Name: "补贴抽查", URL: "/console/review/inspections"},
		{Key: "identity", Name: "实名信息更正", URL: "/console/review/identity"},
	}
	for i := range tasks {
		tasks[i].Current = tasks[i].Key == current
	}
	return tasks
}

// reviewQueues is what waits for a reviewer, loaded once for the console and its task pages.
type reviewQueues struct {
	Claims        []models.Claim // submitted, not yet decided
	Enterprises   []models.Enterprise
	Providers     []models.Provider
	Programs      []models.Program
	Reports       []models.Report
	PolicyInForce *models.PolicyVersion // nil: no version is in force today
}

func (a *App) loadReviewQueues(c *fiber.Ctx) (reviewQueues, error) {
	ctx, u := c.UserContext(), currentUser(c)
	var q reviewQueues
	unverified := false
	var err error
	if q.Claims, err = a.store.Claims(ctx, u, models.ClaimFilter{Status: models.ClaimSubmitted}); err != nil {
		return q, err
	}
	if q.Enterprises, err = a.store.Enterprises(ctx, models.EnterpriseFilter{Verified: &unverified}); err != nil {
		return q, err
	}
	if q.Providers, err = a.store.Providers(ctx, &unverified); err != nil {
		return q, err
	}
	if q.Programs, err = a.store.Programs(ctx, models.ProgramFilter{Status: models.ProgramPending}); err != nil {
		return q, err
	}
	if q.Reports, err = a.store.Reports(ctx, "open"); err != nil {
		return q, err
	}
	p, err := a.store.PolicyInForce(ctx, a.today())
	switch {
	case err == nil:
		q.PolicyInForce = &p
	case models.ErrorCode(err) != models.ErrRule:
		return q, err
	}
	return q, nil
}

// taskBar is the reviewer's task bar with its waiting counts, for the task pages that do not
// load the queues themselves (only their counts are read); a count that cannot be read leaves
// the bar without counts (they are a guide, not the page).
func (a *App) taskBar(c *fiber.Ctx, current string) []reviewTask {
	n, err := a.store.ReviewCounts(c.UserContext())
	if err != nil {
		a.log.Warn("review counts for the task bar", "err", err)
		return reviewTasks(current)
	}
	return withWaiting(reviewTasks(current), n)
}

// withWaiting puts the queues' counts on the task bar.
func withWaiting(ts []reviewTask, n models.ReviewCounts) []reviewTask {
	for i := range ts {
		switch ts[i].Key {
		case "claims":
			ts[i].Waiting = int(n.Claims)
		case "verify":
			ts[i].Waiting = int(n.Enterprises + n.Providers)
		case "programs":
			ts[i].Waiting = int(n.Programs)
		case "reports":
			ts[i].Waiting = int(n.Reports)
		}
	}
	return ts
}

// tasks are the task pages with the counts of the queues loaded.
func (q reviewQueues) tasks(current string) []reviewTask {
	return withWaiting(reviewTasks(current), models.ReviewCounts{Claims: int64(len(q.Claims)), Enterprises: int64(len(q.Enterprises)),
		Providers: int64(len(q.Providers)), Programs: int64(len(q.Programs)), Reports: int64(len(q.Reports))})
}

// reviewerConsoleView is the reviewer's start page: what waits in each task, the first few
// of each, and a warning when no policy version is in force today.
type reviewerConsoleView struct {
	Page
	Tasks []reviewTask
	Today string
	reviewQueues
}

func (a *App) reviewerConsole(c *fiber.Ctx) error {
	q, err := a.loadReviewQueues(c)
	if err != nil {
		return err
	}
	return a.render(c, "console_reviewer", &reviewerConsoleView{Page: Page{Title: "审核员工作台"}, Tasks: q.tasks(""), Today: a.today(), reviewQueues: q})
}

// reviewClaimsView lists every claim with applicant, kind, amount, dates and status.
type reviewClaimsView struct {
	Page
	Tasks  []reviewTask
	Claims []models.Claim
	Status string // the filter: "" for every claim
}

func (a *App) reviewClaimsPage(c *fiber.Ctx) error {
	q, err := a.loadReviewQueues(c)
	if err != nil {
		return err
	}
	status := c.Query("status")
	if _, ok := claimStatusNames[status]; !ok {
		status = ""
	}
	claims, err := a.store.Claims(c.UserContext(), currentUser(c), models.ClaimFilter{Status: status})
	if err != nil {
		return err
	}
	return a.render(c, "review_claims", &reviewClaimsView{Page: Page{Title: "补贴审核"}, Tasks: q.tasks("claims"), Claims: claims, Status: status})
}

// reviewVerifyView is the verification queue of enterprises and providers.
type reviewVerifyView struct {
	Page
	Tasks []reviewTask
	reviewQueues
}

func (a *App) reviewVerifyPage(c *fiber.Ctx) error {
	q, err := a.loadReviewQueues(c)
	if err != nil {
		return err
	}
	return a.render(c, "review_verify", &reviewVerifyView{Page: Page{Title: "企业与机构认证"}, Tasks: q.tasks("verify"), reviewQueues: q})
}

// reviewProgramsView is the queue of programs waiting for approval; after a refused
// approval, ApproveID names the program whose form Approve holds.
type reviewProgramsView struct {
	Page
	Tasks     []reviewTask
	ApproveID int64
	Approve   approveProgramForm
	reviewQueues
}

func (a *App) reviewProgramsPage(c *fiber.Ctx) error {
	q, err := a.loadReviewQueues(c)
	if err != nil {
		return err
	}
	return a.render(c, "review_programs", &reviewProgramsView{Page: Page{Title: "项目审批"}, Tasks: q.tasks("programs"), reviewQueues: q})
}

// reviewReportsView is the queue of open reports (举报).
type reviewReportsView struct {
	Page
	Tasks []reviewTask
	reviewQueues
}

func (a *App) reviewReportsPage(c *fiber.Ctx) error {
	q, err := a.loadReviewQueues(c)
	if err != nil {
		return err
	}
	return a.render(c, "review_reports", &reviewReportsView{Page: Page{Title: "岗位举报"}, Tasks: q.tasks("reports"), reviewQueues: q})
}

// reviewFairsView is the form announcing a fair.
type reviewFairsView struct {
	Page
	Tasks []reviewTask
	Form  fairForm
}

func (a *App) reviewFairsPage(c *fiber.Ctx) error {
	q, err := a.loadReviewQueues(c)
	if err != nil {
		return err
	}
	return a.render(c, "review_fairs", &reviewFairsView{Page: Page{Title: "发布招聘会"}, Tasks: q.tasks("fairs"), Form: fairForm{OrganizerLevel: "provincial"}})
}

// reviewPoliciesView lists the policy versions and the form adding a successor.
type reviewPoliciesView struct {
	Page
	Tasks    []reviewTask
	Policies []models.PolicyVersion
	InForce  *models.PolicyVersion
	Today    string
	Form     policyForm
}

func (a *App) policiesView(c *fiber.Ctx, f *policyForm) (*reviewPoliciesView, error) {
	q, err := a.loadReviewQueues(c)
	if err != nil {
		return nil, err
	}
	ps, err := a.store.Policies(c.UserContext())
	if err != nil {
		return nil, err
	}
	v := &reviewPoliciesView{Page: Page{Title: "政策版本"}, Tasks: q.tasks("policies"), Policies: ps, InForce: q.PolicyInForce, Today: a.today()}
	switch {
	case f != nil:
		v.Form = *f
	case len(ps) > 0:
		v.Form = newPolicyForm(ps[len(ps)-1])
	}
	return v, nil
}

func (a *App) reviewPoliciesPage(c *fiber.Ctx) error {
	v, err := a.policiesView(c, nil)
	if err != nil {
		return err
	}
	return a.render(c, "review_policies", v)
}

// addPolicySubmit adds a successor policy version; a refusal (an overlapping window, a bad
// figure) comes back on the form with every field's error.
func (a *App) addPolicySubmit(c *fiber.Ctx) error {
	f, err := readForm[policyForm](c)
	if err != nil {
		return err
	}
	in, bad := f.input()
	err = bad.refusal()
	if err == nil {
		_, err = a.store.AddPolicy(c.UserContext(), currentUser(c).ID, in)
	} else {
		err = mergeRefusals(models.Validate(in), err)
	}
	if err != nil {
		v, verr := a.policiesView(c, &f)
		if verr != nil {
			return verr
		}
		return a.formProblem(c, "review_policies", v, err)
	}
	return a.done(c, "/console/review/policies", "policy_added")
}

func (a *App) verifySubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	f, err := readForm[verifyForm](c)
	if err != nil {
		return err
	}
	leading := f.LeadingIndustry == "true"
	if _, err := a.store.VerifyEnterprise(c.UserContext(), currentUser(c), id, models.VerifyInput{LeadingIndustry: &leading}); err != nil {
		return a.refused(c, "/console/review/verify", err)
	}
	return a.done(c, "/console/review/verify", "verified")
}

func (a *App) verifyProviderSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if _, err := a.store.VerifyProvider(c.UserContext(), currentUser(c), id); err != nil {
		return a.refused(c, "/console/review/verify", err)
	}
	return a.done(c, "/console/review/verify", "provider_verified")
}

// approveProgramSubmit approves a program; a refusal (a figure out of range, a program
// already decided) comes back on the queue with the typed days and the error beside them.
func (a *App) approveProgramSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	f, err := readForm[approveProgramForm](c)
	if err != nil {
		return err
	}
	bad := numbers{}
	in := models.ApproveInput{ApprovedDays: bad.intPtr("approved_days", f.ApprovedDays, false)}
	err = bad.refusal()
	if err == nil {
		_, err = a.store.ApproveProgram(c.UserContext(), currentUser(c), id, in, a.now())
	}
	if err != nil {
		q, qerr := a.loadReviewQueues(c)
		if qerr != nil {
			return qerr
		}
		return a.formProblem(c, "review_programs", &reviewProgramsView{Page: Page{Title: "项目审批"}, Tasks: q.tasks("programs"), reviewQueues: q,
			ApproveID: id, Approve: f}, err)
	}
	a.indexer.Notify(c.UserContext())
	return a.done(c, "/console/review/programs", "program_approved")
}

func (a *App) resolveReportSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	f, err := readForm[resolveReportForm](c)
	if err != nil {
		return err
	}
	takeDown := f.TakeDown == "true"
	if _, err := a.store.ResolveReport(c.UserContext(), currentUser(c), id, models.ResolveInput{TakeDown: &takeDown}, a.now()); err != nil {
		return a.refused(c, "/console/review/reports", err)
	}
	a.indexer.Notify(c.UserContext())
	flash := "report_dismissed"
	if takeDown {
		flash = "report_taken_down"
	}
	return a.done(c, "/console/review/reports", flash)
}

// verifyForm is the reviewer's verification of an enterprise.
type verifyForm struct {
	LeadingIndustry string `form:"leading_industry"` // "true": a 主导产业 enterprise
}

// approveProgramForm is the reviewer's approval of a program with the days it may claim.
type approveProgramForm struct {
	ApprovedDays string `form:"approved_days"`
}

// resolveReportForm is the reviewer's decision on a report: take the posting down or not.
type resolveReportForm struct {
	TakeDown string `form:"take_down"`
}
