package handlers

import (
	"net/http"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"portal/models"
	"portal/search"
)

// programsView is the catalogue of programs open to join, a page of it at a time.
type programsView struct {
	Page
	Q      string
	Result *search.ProgramResult
	Pager  pager
}

func (a *App) programsPage(c *fiber.Ctx) error {
	q := url.Values{}
	for k, val := range c.Queries() {
		q.Set(k, val)
	}
	v := &programsView{Page: Page{Title: "技能培训项目"}, Q: q.Get("q")}
	pq, err := search.ParseProgramQuery(q, search.Day(a.now()))
	if err == nil {
		var res search.ProgramResult
		if res, err = a.search.SearchPrograms(c.UserContext(), pq); err == nil {
			v.Result = &res
			v.Pager = newPager("/programs", q, res.Page, res.PerPage, res.Total)
		} else {
			err = searchUnavailable(a, c, err)
		}
	}
	if err != nil {
		pp := pageProblemOf(err)
		v.Problem = pp.Sentence
		return a.renderStatus(c, pp.Status, "programs", v)
	}
	return a.render(c, "programs", v)
}

// programView is a program's public page, with the seeker's way to join it.
type programView struct {
	Page
	Program  models.Program
	Joined   *models.Enrolment // the seeker's own enrolment on it
	Ended    bool              // the program ended: nobody joins any more
	Form     enrolForm
	Identity *models.Identity // the seeker's real-name identity it joins with, nil until stated
}

func (a *App) programView(c *fiber.Ctx, p models.Program) (*programView, error) {
	v := &programView{Page: Page{Title: p.Name}, Program: p, Ended: p.EndOn < a.today()}
	if u := currentUser(c); u.Role == models.RoleSeeker {
		v.Form.Name = u.Name
		switch idn, err := a.store.IdentityOf(c.UserContext(), u.ID); {
		case err == nil:
			v.Identity = &idn
		case models.ErrorCode(err) != models.ErrNotFound:
			return nil, err
		}
		mine, err := a.store.MyEnrolments(c.UserContext(), u)
		if err != nil {
			return nil, err
		}
		for _, e := range mine {
			if e.ProgramID == p.ID {
				v.Joined = &e
			}
		}
	}
	return v, nil
}

func (a *App) programPage(c *fiber.Ctx) error {
	p, err := a.visibleProgram(c)
	if err != nil {
		return err
	}
	v, err := a.programView(c, p)
	if err != nil {
		return err
	}
	return a.render(c, "program", v)
}

func (a *App) joinSubmit(c *fiber.Ctx) error {
	p, err := a.visibleProgram(c)
	if err != nil {
		return err
	}
	f, err := readForm[enrolForm](c)
	if err != nil {
		return err
	}
	v, err := a.programView(c, p)
	if err != nil {
		return err
	}
	v.Form = f
	if v.Ended {
		return a.formProblem(c, "program", v, models.RuleError("program_ended", "the program ended on "+p.EndOn))
	}
	if _, err := a.store.Enrol(c.UserContext(), currentUser(c), p.ID, f.input(), a.now()); err != nil {
		return a.formProblem(c, "program", v, err)
	}
	return a.done(c, "/programs/"+itoa64(p.ID), "joined")
}

// providerConsoleView is the training provider's console: its profile, programs and claims.
type providerConsoleView struct {
	Page
	Provider *models.Provider // nil until the profile is filled in
	Form     providerForm
	Programs []models.Program
	Claims   []models.Claim
}

func (a *App) loadProviderConsole(c *fiber.Ctx, v *providerConsoleView) error {
	ctx, u := c.UserContext(), currentUser(c)
	v.Title = "培训机构工作台"
	prov, err := a.store.ProviderOf(ctx, u.ID)
	if models.ErrorCode(err) == models.ErrNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	v.Provider = &prov
	if v.Programs, err = a.store.Programs(ctx, models.ProgramFilter{ProviderID: prov.ID}); err != nil {
		return err
	}
	v.Claims, err = a.store.Claims(ctx, u, models.ClaimFilter{})
	return err
}

func (a *App) providerConsolePage(c *fiber.Ctx) error {
	v := &providerConsoleView{Form: providerForm{Kind: "vocational_college"}}
	if err := a.loadProviderConsole(c, v); err != nil {
		return err
	}
	return a.render(c, "console_provider", v)
}

func (a *App) providerProfileSubmit(c *fiber.Ctx) error {
	f, err := readForm[providerForm](c)
	if err != nil {
		return err
	}
	if _, err := a.store.CreateProvider(c.UserContext(), currentUser(c), f.input()); err != nil {
		v := &providerConsoleView{Form: f}
		if lerr := a.loadProviderConsole(c, v); lerr != nil {
			return lerr
		}
		return a.formProblem(c, "console_provider", v, err)
	}
	return a.done(c, "/console", "provider_saved")
}

// programFormView is the provider's form filing a program.
type programFormView struct {
	Page
	Form        programForm
	Occupations []models.Occupation
	Towns       []models.Town
	Enterprises []models.Enterprise
}

func (a *App) programFormPage(c *fiber.Ctx, f programForm, err error) error {
	ctx := c.UserContext()
	occ, oerr := a.store.Occupations(ctx)
	towns, terr := a.store.Towns(ctx)
	verified := true
	ents, eerr := a.store.Enterprises(ctx, models.EnterpriseFilter{Verified: &verified})
	if oerr != nil || terr != nil || eerr != nil {
		return firstErr(oerr, terr, eerr)
	}
	v := &programFormView{Page: Page{Title: "申报培训项目"}, Form: f, Occupations: occ, Towns: towns, Enterprises: ents}
	if err != nil {
		return a.formProblem(c, "programform", v, err)
	}
	return a.render(c, "programform", v)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func (a *App) newProgramPage(c *fiber.Ctx) error {
	return a.programFormPage(c, programForm{Mode: "order"}, nil)
}

func (a *App) createProgramSubmit(c *fiber.Ctx) error {
	f, err := readForm[programForm](c)
	if err != nil {
		return err
	}
	in, bad := f.input()
	if err := bad.refusal(); err != nil {
		return a.programFormPage(c, f, mergeRefusals(models.Validate(in), err))
	}
	p, err := a.store.CreateProgram(c.UserContext(), currentUser(c), in, a.now())
	if err != nil {
		return a.programFormPage(c, f, err)
	}
	return a.done(c, "/console/programs/"+itoa64(p.ID), "program_filed")
}

// providerProgramView is the provider's page of one program: the live rate against the
// line, the day's roll, the roster with completion and employment, and the claim.
type providerProgramView struct {
	Page
	Program   models.Program
	Roster    []models.Enrolment
	Outcome   models.Outcome
	Applied   []models.Enrolment
	Day       string
	LastDay   string
	Present   []int64
	Today     string
	Claim     *models.Claim
	CanClose  bool
	Enrol     enrolForm
	EnrolOpen bool // the 实名登记学员 form was refused: its section opens
	// EmploymentFor is the enrolment whose employment form was refused, Employment its values
	EmploymentFor int64
	Employment    employmentForm
	Code          *classCodeView  // the class code, while the program is approved and runs today
	RollImport    *rollImportView // the report of the roll spreadsheet just uploaded
}

// classCodeView is the class code as the provider shows it to the class.
type classCodeView struct {
	models.ClassCode
	ChangesAt      string // the time it changes, 15:04:05 China time
	RefreshSeconds int    // how long until it changes (the page's automatic refresh)
}

// classCodeOf is the program's current class code, nil when check-in is closed today.
func (a *App) classCodeOf(c *fiber.Ctx, p models.Program) (*classCodeView, error) {
	today := a.today()
	if p.Status != models.ProgramApproved || today < p.StartOn || today > p.EndOn {
		return nil, nil
	}
	code, err := a.store.ClassCodeFor(c.UserContext(), currentUser(c), p.ID, a.now())
	if reason(err) == "checkin_closed" {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	secs := int(code.ExpiresAt.Sub(a.now()).Seconds()) + 1
	return &classCodeView{ClassCode: code, ChangesAt: code.ExpiresAt.In(models.China).Format("15:04:05"), RefreshSeconds: max(secs, 1)}, nil
}

// classCodeScreen is the class code alone, large, for the screen in front of the class; it
// reloads itself when the code changes (a meta refresh: no JavaScript needed).
type classCodeScreen struct {
	Page
	Program models.Program
	Code    *classCodeView
}

func (a *App) classCodePage(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	p, err := a.store.Program(c.UserContext(), id)
	if err != nil {
		return err
	}
	if err := models.RequireOwner(currentUser(c), p); err != nil {
		return err
	}
	code, err := a.classCodeOf(c, p)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return a.render(c, "classcode", &classCodeScreen{Page: Page{Title: "签到码 · " + p.Name}, Program: p, Code: code})
}

func (a *App) programConsole(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	v, err := a.providerProgram(c, id, c.Query("day"))
	if err != nil {
		return err
	}
	v.RollImport = a.takeFlash(c).Roll // the report of the roll sheet uploaded just before
	return a.render(c, "provider_program", v)
}

func (a *App) providerProgram(c *fiber.Ctx, id int64, day string) (*providerProgramView, error) {
	ctx, u := c.UserContext(), currentUser(c)
	p, roster, err := a.store.Roster(ctx, u, id)
	if err != nil {
		return nil, err
	}
	o, err := a.store.ProgramOutcome(ctx, u, id, a.today)
	if err != nil {
		return nil, err
	}
	today := a.today()
	last := min(p.EndOn, today)
	if _, derr := models.ParseDate(day); derr != nil || day < p.StartOn || day > last {
		day = last
	}
	present, err := a.store.Roll(ctx, id, day)
	if err != nil {
		return nil, err
	}
	v := &providerProgramView{Page: Page{Title: p.Name}, Program: p, Roster: roster, Outcome: o, Day: day, LastDay: last, Present: present,
		Today: today, CanClose: p.Status == models.ProgramApproved && today >= p.EndOn}
	for _, e := range roster {
		if e.Status == models.EnrolApplied {
			v.Applied = append(v.Applied, e)
		}
	}
	if v.Claim, err = a.store.ClaimOfProgram(ctx, id); err != nil {
		return nil, err
	}
	if v.Code, err = a.classCodeOf(c, p); err != nil {
		return nil, err
	}
	return v, nil
}

// afterProgramAction returns to the program's page with the flash, or shows the refusal on
// it in Chinese.
func (a *App) afterProgramAction(c *fiber.Ctx, programID int64, day, flash string, err error) error {
	if err != nil {
		return a.programProblem(c, programID, day, err, func(*providerProgramView) {})
	}
	to := "/console/programs/" + itoa64(programID)
	if day != "" {
		to += "?day=" + url.QueryEscape(day)
	}
	return a.done(c, to, flash)
}

// programProblem shows a refusal on the program's page in Chinese; keep puts back what the
// refused form held, so its values, its errors and its open section come back.
func (a *App) programProblem(c *fiber.Ctx, programID int64, day string, err error, keep func(*providerProgramView)) error {
	pp := pageProblemOf(err)
	if pp.Status >= 500 || pp.Status == http.StatusForbidden || pp.Status == http.StatusNotFound {
		return err
	}
	v, verr := a.providerProgram(c, programID, day)
	if verr != nil {
		return verr
	}
	keep(v)
	return a.formProblem(c, "provider_program", v, err)
}

func (a *App) rollSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	f, err := readForm[rollForm](c)
	if err != nil {
		return err
	}
	var present []int64
	bad := numbers{}
	for _, v := range f.Present {
		present = append(present, bad.id("present", v))
	}
	day := f.Day
	if err := bad.refusal(); err != nil {
		return a.afterProgramAction(c, id, day, "", err)
	}
	_, err = a.store.PutRoll(c.UserContext(), currentUser(c), id, day, present, a.now())
	return a.afterProgramAction(c, id, day, "roll_saved", err)
}

func (a *App) enrolSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	f, err := readForm[enrolForm](c)
	if err != nil {
		return err
	}
	if _, err = a.store.Enrol(c.UserContext(), currentUser(c), id, f.input(), a.now()); err != nil {
		return a.programProblem(c, id, "", err, func(v *providerProgramView) { v.Enrol, v.EnrolOpen = f, true })
	}
	return a.done(c, "/console/programs/"+itoa64(id), "enrolled")
}

func (a *App) closeProgramSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if !confirmed(c) {
		return a.confirm(c, confirmView{Question: "确认培训结束并关闭项目?", Details: []string{
			"关闭后花名册、点名和结业情况都不能再修改,补贴按关闭时的记录核算。", "请先确认每位学员的结业和就业信息都已登记。"},
			Button: "确认关闭项目", Back: "/console/programs/" + itoa64(id)})
	}
	_, err = a.store.CloseProgram(c.UserContext(), currentUser(c), id, a.now())
	if err == nil {
		a.indexer.Notify(c.UserContext())
	}
	return a.afterProgramAction(c, id, "", "program_closed", err)
}

func (a *App) enrolmentActionSubmit(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		f, err := readForm[enrolmentActionForm](c)
		if err != nil {
			return err
		}
		e, err := a.store.ChangeEnrolment(c.UserContext(), currentUser(c), id, action, f.Passed == "true", a.now())
		if err != nil && e.ProgramID == 0 {
			return err
		}
		return a.afterProgramAction(c, e.ProgramID, "", "enrolment_changed", err)
	}
}

// rollForm is a day's roll: the enrolments ticked present.
type rollForm struct {
	Day     string   `form:"day"`
	Present []string `form:"present"`
}

// enrolmentActionForm is a step on a trainee; Passed ("true") is the completion's result.
type enrolmentActionForm struct {
	Passed string `form:"passed"`
}

// employmentForm is a completer's employment with its evidence.
type employmentForm struct {
	EmployerName string `form:"employer_name"`
	EmployerUSCC string `form:"employer_uscc"`
	EvidenceType string `form:"evidence_type"`
	EvidenceNo   string `form:"evidence_no"`
	StartOn      string `form:"start_on"`
}

func (a *App) employmentSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	f, err := readForm[employmentForm](c)
	if err != nil {
		return err
	}
	in := models.EmploymentInput{EmployerName: f.EmployerName, EmployerUSCC: f.EmployerUSCC, EvidenceType: f.EvidenceType, EvidenceNo: f.EvidenceNo, StartOn: f.StartOn}
	fh, _ := c.FormFile("evidence_file") // optional; a refused record keeps no scan (storeEmployment)
	_, err = a.storeEmployment(c, id, in, fh)
	programID, perr := a.store.ProgramOfEnrolment(c.UserContext(), id)
	if perr != nil {
		return perr
	}
	if err != nil {
		return a.programProblem(c, programID, "", err, func(v *providerProgramView) { v.EmploymentFor, v.Employment = id, f })
	}
	return a.done(c, "/console/programs/"+itoa64(programID), "employment_saved")
}
