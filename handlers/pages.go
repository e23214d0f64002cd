package handlers

import (
	"bytes"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"portal/frontend"
	"portal/models"
)

var roleNames = map[string]string{
	models.RoleSeeker: "求职者", models.RoleEnterprise: "企业", models.RoleProvider: "培训机构", models.RoleReviewer: "审核员",
}

var statusNames = map[int]string{
	400: "请求有误", 401: "请先登录", 403: "没有权限", 404: "页面不存在", 409: "冲突", 413: "内容过大",
	422: "内容不符合要求", 429: "操作过于频繁", 500: "服务器出错", 503: "服务暂不可用",
}

// fieldRef is what the "fielderror" partial needs: the page's field errors and one name.
type fieldRef struct {
	Errors map[string]string
	Field  string
}

var pageFuncs = template.FuncMap{
	"roleName":   func(r string) string { return roleNames[r] },
	"statusName": func(s int) string { return statusNames[s] },
	"deref": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
	"fieldOf": func(data fiber.Map, field string) fieldRef {
		errs, _ := data["Errors"].(map[string]string)
		return fieldRef{Errors: errs, Field: field}
	},
}

// parsePages compiles each page with the layouts and partials once, at start-up.
func parsePages() (map[string]*template.Template, error) {
	tfs := frontend.Templates()
	base, err := template.New("").Funcs(pageFuncs).ParseFS(tfs, "layouts/*.html", "partials/*.html")
	if err != nil {
		return nil, err
	}
	pages, err := fs.Glob(tfs, "pages/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		t, err := template.Must(base.Clone()).ParseFS(tfs, p)
		if err != nil {
			return nil, err
		}
		out[strings.TrimSuffix(path.Base(p), ".html")] = t
	}
	return out, nil
}

// render writes a page with the layout, the caller and its CSRF token filled in.
func (a *App) render(c *fiber.Ctx, page string, data fiber.Map) error {
	return a.renderStatus(c, http.StatusOK, page, data)
}

func (a *App) renderStatus(c *fiber.Ctx, status int, page string, data fiber.Map) error {
	t, ok := a.pages[page]
	if !ok {
		return models.Errorf(models.ErrInternal, "no page template %q", page)
	}
	if data == nil {
		data = fiber.Map{}
	}
	data["User"] = currentUser(c)
	data["CSRF"] = a.csrfToken(c)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base", data); err != nil {
		a.log.Error("render page", "page", page, "err", err, "request_id", requestID(c))
		c.Status(http.StatusInternalServerError)
		return c.SendString("页面出错,请稍后再试")
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(buf.Bytes())
}

// formProblem re-renders a form with the error of a failed submission: field errors next to
// their fields, the rest on top.
func (a *App) formProblem(c *fiber.Ctx, page string, data fiber.Map, err error) error {
	p := problemOf(err)
	if p.Status >= 500 {
		return err
	}
	data["Problem"] = p.Detail
	data["Errors"] = p.Errors
	if p.Status == http.StatusTooManyRequests {
		data["Problem"] = "尝试次数过多,请稍后再试。"
	}
	return a.renderStatus(c, p.Status, page, data)
}

func (a *App) pageRoutes() {
	r := a.Fiber
	r.Use("/static", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
		return c.Next()
	}, filesystem.New(filesystem.Config{Root: http.FS(frontend.Static())}))
	r.Get("/", a.homePage)
	r.Get("/login", a.loginPage)
	r.Post("/login", a.loginSubmit)
	r.Get("/register", a.registerPage)
	r.Post("/register", a.registerSubmit)
	r.Post("/logout", a.logoutSubmit)
	r.Get("/console", a.pageLogin, a.consolePage)
	r.Post("/console/enterprise/profile", a.pageLogin, a.requireRole(models.RoleEnterprise), a.enterpriseProfileSubmit)
	r.Post("/console/reviewer/enterprises/:id/verify", a.pageLogin, a.requireRole(models.RoleReviewer), a.verifySubmit)
	r.Post("/console/reviewer/reports/:id/resolve", a.pageLogin, a.requireRole(models.RoleReviewer), a.resolveReportSubmit)
	ent := []fiber.Handler{a.pageLogin, a.requireRole(models.RoleEnterprise)}
	r.Get("/console/jobs/new", append(ent, a.newJobPage)...)
	r.Post("/console/jobs", append(ent, a.createJobSubmit)...)
	r.Get("/console/jobs/:id/edit", append(ent, a.editJobPage)...)
	r.Post("/console/jobs/:id", append(ent, a.updateJobSubmit)...)
	r.Post("/console/jobs/:id/close", append(ent, a.closeJobSubmit)...)
	r.Get("/jobs", a.jobsPage)
	r.Get("/jobs/:id", a.jobPage)
	r.Post("/jobs/:id/report", a.reportSubmit)
	r.Get("/zone", a.zonePage)
	r.Get("/fairs", a.fairsPage)
	r.Post("/fairs/:id/book", append(ent, a.bookSubmit)...)
	r.Get("/console/jobs/:id/applicants", append(ent, a.applicantsPage)...)
	r.Post("/console/applications/:id/move", append(ent, a.moveApplicationSubmit)...)
	sk := []fiber.Handler{a.pageLogin, a.requireRole(models.RoleSeeker)}
	r.Post("/console/profile", append(sk, a.profileSubmit)...)
	r.Post("/jobs/:id/apply", append(sk, a.applySubmit)...)
	r.Post("/console/applications/:id/withdraw", append(sk, a.withdrawSubmit)...)
	r.Post("/console/saved-searches", append(sk, a.saveSearchSubmit)...)
	r.Post("/console/saved-searches/:id/delete", append(sk, a.deleteSavedSubmit)...)
	r.Post("/console/notifications/read", append(sk, a.readSubmit)...)
	r.Post("/console/fairs", a.pageLogin, a.requireRole(models.RoleReviewer), a.createFairSubmit)
	r.Post("/console/policies", a.pageLogin, a.requireRole(models.RoleReviewer), a.addPolicySubmit)
	rv := []fiber.Handler{a.pageLogin, a.requireRole(models.RoleReviewer)}
	r.Get("/dashboard", append(rv, a.dashboardPage)...)
	r.Get("/public/claims", a.publicClaimsPage)
	r.Post("/public/claims/:id/object", a.objectSubmit)
	r.Get("/console/claims/:id", a.pageLogin, a.requireRole(models.RoleProvider, models.RoleEnterprise, models.RoleReviewer), a.claimPage)
	r.Post("/console/claims/:id/approve", append(rv, a.claimAction(a.approveClaimStep))...)
	r.Post("/console/claims/:id/reject", append(rv, a.claimAction(a.rejectClaimStep))...)
	r.Post("/console/claims/:id/pay", append(rv, a.claimAction(a.payClaimStep))...)
	r.Post("/console/objections/:id/resolve", append(rv, a.resolveObjectionSubmit)...)
	r.Get("/console/onjob-claims/new", append(ent, a.onjobPage)...)
	r.Post("/console/onjob-claims", append(ent, a.onjobSubmit)...)
	r.Post("/console/reviewer/providers/:id/verify", append(rv, a.verifyProviderSubmit)...)
	r.Post("/console/reviewer/programs/:id/approve", append(rv, a.approveProgramSubmit)...)
	r.Get("/programs", a.programsPage)
	r.Get("/programs/:id", a.programPage)
	r.Post("/programs/:id/join", append(sk, a.joinSubmit)...)
	pv := []fiber.Handler{a.pageLogin, a.requireRole(models.RoleProvider)}
	r.Post("/console/provider/profile", append(pv, a.providerProfileSubmit)...)
	r.Get("/console/programs/new", append(pv, a.newProgramPage)...)
	r.Post("/console/programs", append(pv, a.createProgramSubmit)...)
	r.Get("/console/programs/:id", append(pv, a.programConsole)...)
	r.Post("/console/programs/:id/roll", append(pv, a.rollSubmit)...)
	r.Post("/console/programs/:id/enrol", append(pv, a.enrolSubmit)...)
	r.Post("/console/programs/:id/close", append(pv, a.closeProgramSubmit)...)
	r.Post("/console/programs/:id/claim", append(pv, a.submitClaimSubmit)...)
	r.Post("/console/enrolments/:id/complete", append(pv, a.enrolmentActionSubmit("complete"))...)
	r.Post("/console/enrolments/:id/accept", append(pv, a.enrolmentActionSubmit("accept"))...)
	r.Post("/console/enrolments/:id/employment", append(pv, a.employmentSubmit)...)
	r.Get("/towns/:id", a.townPage)
}

// pageLogin sends an anonymous visitor of a page that needs a login to the login page.
func (a *App) pageLogin(c *fiber.Ctx) error {
	if currentUser(c).ID == 0 {
		return c.Redirect("/login?next="+c.Path(), http.StatusSeeOther)
	}
	return c.Next()
}

func (a *App) homePage(c *fiber.Ctx) error {
	towns, err := a.store.Towns(c.UserContext())
	if err != nil {
		return err
	}
	jobs, err := a.store.Jobs(c.UserContext(), models.JobFilter{OpenOn: a.today(), Limit: 10})
	if err != nil {
		return err
	}
	return a.render(c, "home", fiber.Map{"Towns": towns, "Jobs": jobs})
}

func (a *App) loginPage(c *fiber.Ctx) error {
	return a.render(c, "login", fiber.Map{"Title": "登录", "Form": models.LoginInput{}, "Next": safeNext(c.Query("next"))})
}

func (a *App) loginSubmit(c *fiber.Ctx) error {
	in := models.LoginInput{Phone: strings.TrimSpace(c.FormValue("phone")), Password: c.FormValue("password")}
	login, err := a.attemptLogin(c, in)
	if err != nil {
		in.Password = ""
		if models.ErrorCode(err) == models.ErrUnauthorized {
			err = models.Errorf(models.ErrUnauthorized, "手机号或密码不正确")
		}
		return a.formProblem(c, "login", fiber.Map{"Title": "登录", "Form": in, "Next": safeNext(c.FormValue("next"))}, err)
	}
	a.setSessionCookie(c, login)
	return c.Redirect(safeNext(c.FormValue("next")), http.StatusSeeOther)
}

func (a *App) registerPage(c *fiber.Ctx) error {
	return a.render(c, "register", fiber.Map{"Title": "注册", "Form": models.RegisterInput{Role: c.Query("role")}})
}

func (a *App) registerSubmit(c *fiber.Ctx) error {
	in := models.RegisterInput{Role: c.FormValue("role"), Phone: strings.TrimSpace(c.FormValue("phone")),
		Password: c.FormValue("password"), Name: strings.TrimSpace(c.FormValue("name"))}
	login, err := a.attemptRegister(c, in)
	if err != nil {
		in.Password = ""
		return a.formProblem(c, "register", fiber.Map{"Title": "注册", "Form": in}, err)
	}
	a.setSessionCookie(c, login)
	return c.Redirect("/console", http.StatusSeeOther)
}

func (a *App) logoutSubmit(c *fiber.Ctx) error {
	if err := a.logout(c); err != nil {
		return err
	}
	return c.Redirect("/", http.StatusSeeOther)
}

func (a *App) consolePage(c *fiber.Ctx) error {
	data := fiber.Map{"Title": roleNames[currentUser(c).Role] + "工作台"}
	if err := a.consoleData(c, data); err != nil {
		return err
	}
	return a.render(c, "console", data)
}

// consoleData loads what the caller's own console shows.
func (a *App) consoleData(c *fiber.Ctx, data fiber.Map) error {
	ctx := c.UserContext()
	u := currentUser(c)
	if u.Role != models.RoleSeeker {
		claims, err := a.store.Claims(ctx, u, models.ClaimFilter{})
		if err != nil {
			return err
		}
		data["Claims"] = claims
	}
	switch u.Role {
	case models.RoleEnterprise:
		towns, err := a.store.Towns(ctx)
		if err != nil {
			return err
		}
		data["Towns"] = towns
		data["Today"] = a.today()
		if _, ok := data["Form"]; ok {
			return nil
		}
		e, err := a.store.EnterpriseOf(ctx, u.ID)
		if err == nil {
			data["Enterprise"] = e
			data["Form"] = models.EnterpriseInput{Name: e.Name, USCC: e.USCC, TownID: e.TownID, Industry: e.Industry}
			if data["MyJobs"], err = a.store.Jobs(ctx, models.JobFilter{EnterpriseID: e.ID}); err != nil {
				return err
			}
		} else if models.ErrorCode(err) == models.ErrNotFound {
			data["Form"] = models.EnterpriseInput{}
		} else {
			return err
		}
	case models.RoleSeeker:
		return a.seekerConsole(c, data)
	case models.RoleProvider:
		return a.providerConsole(c, data)
	case models.RoleReviewer:
		unverified := false
		queue, err := a.store.Enterprises(ctx, models.EnterpriseFilter{Verified: &unverified})
		if err != nil {
			return err
		}
		data["Queue"] = queue
		if data["Reports"], err = a.store.Reports(ctx, "open"); err != nil {
			return err
		}
		if data["Policies"], err = a.store.Policies(ctx); err != nil {
			return err
		}
		if data["ProviderQueue"], err = a.store.Providers(ctx, &unverified); err != nil {
			return err
		}
		if data["ProgramQueue"], err = a.store.Programs(ctx, models.ProgramFilter{Status: models.ProgramPending}); err != nil {
			return err
		}
	}
	return nil
}

func (a *App) enterpriseProfileSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u := currentUser(c)
	var townID *int64
	if id, err := strconv.ParseInt(c.FormValue("town_id"), 10, 64); err == nil {
		townID = &id
	}
	in := models.EnterpriseInput{Name: strings.TrimSpace(c.FormValue("name")), USCC: strings.TrimSpace(c.FormValue("uscc")),
		TownID: townID, Industry: strings.TrimSpace(c.FormValue("industry"))}
	existing, err := a.store.EnterpriseOf(ctx, u.ID)
	switch {
	case err == nil:
		_, err = a.store.UpdateEnterprise(ctx, u, existing.ID, in)
	case models.ErrorCode(err) == models.ErrNotFound:
		_, err = a.store.CreateEnterprise(ctx, u, in)
	}
	if err != nil {
		data := fiber.Map{"Title": "企业工作台", "Form": in}
		if existing.ID != 0 {
			data["Enterprise"] = existing
		}
		if derr := a.consoleData(c, data); derr != nil {
			return derr
		}
		return a.formProblem(c, "console", data, err)
	}
	return c.Redirect("/console", http.StatusSeeOther)
}

func (a *App) verifySubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	leading := c.FormValue("leading_industry") == "true"
	if _, err := a.store.VerifyEnterprise(c.UserContext(), currentUser(c), id, models.VerifyInput{LeadingIndustry: &leading}); err != nil {
		return err
	}
	return c.Redirect("/console", http.StatusSeeOther)
}

// safeNext keeps a post-login redirect on this site (SPEC §7): a local path that starts with
// one "/" (so it has no scheme or host), with no backslash and no control, space or non-ASCII
// character that a browser might drop to turn it into "//host"; anything else goes to the
// console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') {
		return "/console"
	}
	for _, r := range next {
		if r < 0x21 || r >= 0x7f {
			return "/console"
		}
	}
	return next
}

// addPolicySubmit adds a successor policy version from the reviewer's console; a refusal
// (an overlapping window, a bad figure) comes back on the console.
func (a *App) addPolicySubmit(c *fiber.Ctx) error {
	num := func(k string) *int {
		n, err := strconv.Atoi(strings.TrimSpace(c.FormValue(k)))
		if err != nil {
			return nil
		}
		return &n
	}
	in := models.PolicyInput{Code: strings.TrimSpace(c.FormValue("code")), Title: strings.TrimSpace(c.FormValue("title")),
		EffectiveFrom: c.FormValue("effective_from"), EffectiveTo: c.FormValue("effective_to"), FirstDays: num("first_days"),
		FirstDayRateYuan: num("first_day_rate_yuan"), LaterDayRateYuan: num("later_day_rate_yuan"), CapPerPersonYuan: num("cap_per_person_yuan"),
		EmploymentTargetPercent: num("employment_target_percent"), EmploymentWindowDays: num("employment_window_days"),
		OnjobRateYuan: num("onjob_rate_yuan"), Subsidize: c.FormValue("subsidize"), AnnouncementDays: num("announcement_days")}
	if _, err := a.store.AddPolicy(c.UserContext(), currentUser(c).ID, in); err != nil {
		data := fiber.Map{"Title": "审核员工作台"}
		if derr := a.consoleData(c, data); derr != nil {
			return derr
		}
		return a.formProblem(c, "console", data, err)
	}
	return c.Redirect("/console", http.StatusSeeOther)
}
