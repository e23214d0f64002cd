package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"portal/models"
	"portal/search"
)

var (
	modeNames     = map[string]string{"order": "订单式", "project": "项目制", "directed": "定向式"}
	programStates = map[string]string{models.ProgramPending: "待审批", models.ProgramApproved: "已批准", models.ProgramClosed: "已关闭"}
	enrolStates   = map[string]string{models.EnrolApplied: "报名待确认", models.EnrolEnrolled: "在训", models.EnrolCompleted: "结业合格",
		models.EnrolFailed: "结业不合格", models.EnrolWithdrawn: "已退出"}
)

func init() {
	pageFuncs["modeName"] = func(m string) string { return modeNames[m] }
	pageFuncs["programStatus"] = func(s string) string { return programStates[s] }
	pageFuncs["enrolStatus"] = func(s string) string { return enrolStates[s] }
	pageFuncs["onRoster"] = func(s string) bool {
		return s == models.EnrolEnrolled || s == models.EnrolCompleted || s == models.EnrolFailed
	}
	pageFuncs["meterWidth"] = func(rate float64) float64 { return min(rate, 100) }
}

func (a *App) programsPage(c *fiber.Ctx) error {
	v := url.Values{}
	for k, val := range c.Queries() {
		v.Set(k, val)
	}
	data := fiber.Map{"Title": "技能培训项目", "Q": v.Get("q")}
	q, err := search.ParseProgramQuery(v, search.Day(a.now()))
	if err == nil {
		var res search.ProgramResult
		if res, err = a.search.SearchPrograms(c.UserContext(), q); err == nil {
			data["Result"] = res
		} else {
			err = searchUnavailable(a, c, err)
		}
	}
	if err != nil {
		p := problemOf(err)
		data["Problem"] = p.Detail
		return a.renderStatus(c, p.Status, "programs", data)
	}
	return a.render(c, "programs", data)
}

func (a *App) programPage(c *fiber.Ctx) error {
	p, err := a.visibleProgram(c)
	if err != nil {
		return err
	}
	return a.renderProgram(c, http.StatusOK, p, nil)
}

func (a *App) renderProgram(c *fiber.Ctx, status int, p models.Program, formErr error) error {
	data := fiber.Map{"Title": p.Name, "Program": p}
	if u := currentUser(c); u.Role == models.RoleSeeker {
		mine, err := a.store.MyEnrolments(c.UserContext(), u)
		if err != nil {
			return err
		}
		for _, e := range mine {
			data["Joined"] = data["Joined"] == true || e.ProgramID == p.ID
		}
	}
	if formErr != nil {
		return a.formProblem(c, "program", data, formErr)
	}
	return a.renderStatus(c, status, "program", data)
}

func (a *App) joinSubmit(c *fiber.Ctx) error {
	p, err := a.visibleProgram(c)
	if err != nil {
		return err
	}
	in := models.EnrolInput{Name: strings.TrimSpace(c.FormValue("name")), IDNumber: strings.TrimSpace(c.FormValue("id_number"))}
	if _, err := a.store.Enrol(c.UserContext(), currentUser(c), p.ID, in, a.now()); err != nil {
		return a.renderProgram(c, 0, p, err)
	}
	return c.Redirect("/programs/"+strconv.FormatInt(p.ID, 10), http.StatusSeeOther)
}

// providerConsole loads the provider's own console.
func (a *App) providerConsole(c *fiber.Ctx, data fiber.Map) error {
	ctx, u := c.UserContext(), currentUser(c)
	prov, err := a.store.ProviderOf(ctx, u.ID)
	if models.ErrorCode(err) == models.ErrNotFound {
		if _, ok := data["Form"]; !ok {
			data["Form"] = models.ProviderInput{}
		}
		return nil
	}
	if err != nil {
		return err
	}
	data["Provider"] = prov
	data["Programs"], err = a.store.Programs(ctx, models.ProgramFilter{ProviderID: prov.ID})
	return err
}

func (a *App) providerProfileSubmit(c *fiber.Ctx) error {
	in := models.ProviderInput{Name: strings.TrimSpace(c.FormValue("name")), Kind: c.FormValue("kind"), USCC: strings.TrimSpace(c.FormValue("uscc"))}
	if _, err := a.store.CreateProvider(c.UserContext(), currentUser(c), in); err != nil {
		data := fiber.Map{"Title": "培训机构工作台", "Form": in}
		if derr := a.providerConsole(c, data); derr != nil {
			return derr
		}
		return a.formProblem(c, "console", data, err)
	}
	return c.Redirect("/console", http.StatusSeeOther)
}

func (a *App) programFormPage(c *fiber.Ctx, in models.ProgramInput, err error) error {
	ctx := c.UserContext()
	occ, oerr := a.store.Occupations(ctx)
	towns, terr := a.store.Towns(ctx)
	verified := true
	ents, eerr := a.store.Enterprises(ctx, models.EnterpriseFilter{Verified: &verified})
	if oerr != nil || terr != nil || eerr != nil {
		return firstErr(oerr, terr, eerr)
	}
	data := fiber.Map{"Title": "申报培训项目", "Form": in, "Occupations": occ, "Towns": towns, "Enterprises": ents}
	if err != nil {
		return a.formProblem(c, "programform", data, err)
	}
	return a.render(c, "programform", data)
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
	return a.programFormPage(c, models.ProgramInput{Mode: "order"}, nil)
}

func (a *App) createProgramSubmit(c *fiber.Ctx) error {
	num := func(k string) int { n, _ := strconv.Atoi(strings.TrimSpace(c.FormValue(k))); return n }
	town, _ := strconv.ParseInt(c.FormValue("town_id"), 10, 64)
	in := models.ProgramInput{Name: strings.TrimSpace(c.FormValue("name")), Occupation: c.FormValue("occupation"), Mode: c.FormValue("mode"),
		TownID: town, StartOn: c.FormValue("start_on"), EndOn: c.FormValue("end_on"), PlannedDays: num("planned_days"), Capacity: num("capacity")}
	if id, err := strconv.ParseInt(c.FormValue("partner_enterprise_id"), 10, 64); err == nil {
		in.PartnerEnterpriseID = &id
	}
	p, err := a.store.CreateProgram(c.UserContext(), currentUser(c), in, a.now())
	if err != nil {
		return a.programFormPage(c, in, err)
	}
	return c.Redirect("/console/programs/"+strconv.FormatInt(p.ID, 10), http.StatusSeeOther)
}

// programConsole is the provider's page of one program: the live rate against the line, the
// day's roll, the roster with completion and employment.
func (a *App) programConsole(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	return a.renderProgramConsole(c, http.StatusOK, "", id, c.Query("day"))
}

func (a *App) renderProgramConsole(c *fiber.Ctx, status int, problem string, id int64, day string) error {
	ctx, u := c.UserContext(), currentUser(c)
	p, roster, err := a.store.Roster(ctx, u, id)
	if err != nil {
		return err
	}
	o, err := a.store.ProgramOutcome(ctx, u, id, a.today)
	if err != nil {
		return err
	}
	today := a.today()
	last := min(p.EndOn, today)
	if _, derr := models.ParseDate(day); derr != nil || day < p.StartOn || day > last {
		day = last
	}
	present, err := a.store.Roll(ctx, id, day)
	if err != nil {
		return err
	}
	var applied []models.Enrolment
	for _, e := range roster {
		if e.Status == models.EnrolApplied {
			applied = append(applied, e)
		}
	}
	claim, err := a.store.ClaimOfProgram(ctx, id)
	if err != nil {
		return err
	}
	return a.renderStatus(c, status, "provider_program", fiber.Map{"Title": p.Name, "Program": p, "Roster": roster, "Outcome": o,
		"Lines": o.Lines, "Applied": applied, "Day": day, "LastDay": last, "Present": present, "Today": today, "Problem": problem, "Claim": claim})
}

// afterProgramAction returns to the program's page, or shows the refusal on it.
func (a *App) afterProgramAction(c *fiber.Ctx, programID int64, day string, err error) error {
	if err != nil {
		p := problemOf(err)
		if p.Status >= 500 || p.Status == http.StatusForbidden || p.Status == http.StatusNotFound {
			return err
		}
		return a.renderProgramConsole(c, p.Status, p.Detail, programID, day)
	}
	to := "/console/programs/" + strconv.FormatInt(programID, 10)
	if day != "" {
		to += "?day=" + url.QueryEscape(day)
	}
	return c.Redirect(to, http.StatusSeeOther)
}

func (a *App) rollSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var present []int64
	for _, v := range c.Context().PostArgs().PeekMulti("present") {
		if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			present = append(present, n)
		}
	}
	day := c.FormValue("day")
	_, err = a.store.PutRoll(c.UserContext(), currentUser(c), id, day, present, a.now())
	return a.afterProgramAction(c, id, day, err)
}

func (a *App) enrolSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	in := models.EnrolInput{Name: strings.TrimSpace(c.FormValue("name")), IDNumber: strings.TrimSpace(c.FormValue("id_number")), Phone: strings.TrimSpace(c.FormValue("phone"))}
	_, err = a.store.Enrol(c.UserContext(), currentUser(c), id, in, a.now())
	return a.afterProgramAction(c, id, "", err)
}

func (a *App) closeProgramSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	_, err = a.store.CloseProgram(c.UserContext(), currentUser(c), id, a.now())
	if err == nil {
		a.indexer.Notify(c.UserContext())
	}
	return a.afterProgramAction(c, id, "", err)
}

func (a *App) enrolmentActionSubmit(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		e, err := a.store.ChangeEnrolment(c.UserContext(), currentUser(c), id, action, c.FormValue("passed") == "true", a.now())
		if err != nil && e.ProgramID == 0 {
			return err
		}
		return a.afterProgramAction(c, e.ProgramID, "", err)
	}
}

func (a *App) employmentSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	in := models.EmploymentInput{EmployerName: c.FormValue("employer_name"), EmployerUSCC: c.FormValue("employer_uscc"),
		EvidenceType: c.FormValue("evidence_type"), EvidenceNo: c.FormValue("evidence_no"), StartOn: c.FormValue("start_on")}
	var file *models.EvidenceFile
	if fh, ferr := c.FormFile("evidence_file"); ferr == nil && fh.Size > 0 {
		if file, err = a.saveEvidence(fh); err != nil {
			return err
		}
	}
	_, err = a.store.RecordEmployment(c.UserContext(), currentUser(c), id, in, file, a.now())
	programID, perr := a.store.ProgramOfEnrolment(c.UserContext(), id)
	if perr != nil {
		return perr
	}
	return a.afterProgramAction(c, programID, "", err)
}

func (a *App) verifyProviderSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if _, err := a.store.VerifyProvider(c.UserContext(), currentUser(c), id); err != nil {
		return err
	}
	return c.Redirect("/console", http.StatusSeeOther)
}

func (a *App) approveProgramSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in models.ApproveInput
	if n, err := strconv.Atoi(strings.TrimSpace(c.FormValue("approved_days"))); err == nil {
		in.ApprovedDays = &n
	}
	if _, err := a.store.ApproveProgram(c.UserContext(), currentUser(c), id, in, a.now()); err != nil {
		return err
	}
	a.indexer.Notify(c.UserContext())
	return c.Redirect("/console", http.StatusSeeOther)
}
