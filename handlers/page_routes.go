package handlers

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"portal/frontend"
	"portal/models"
)

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

	r.Get("/jobs", a.jobsPage)
	r.Get("/jobs/:id", a.jobPage)
	r.Post("/jobs/:id/report", a.reportSubmit)
	r.Get("/zone", a.zonePage)
	r.Get("/towns/:id", a.townPage)
	r.Get("/fairs", a.fairsPage)
	r.Get("/programs", a.programsPage)
	r.Get("/programs/:id", a.programPage)
	r.Get("/public/claims", a.publicClaimsPage)
	r.Get("/public/providers", a.publicProvidersPage)
	r.Get("/public/providers/:id", a.publicProviderPage)
	r.Post("/public/claims/:id/object", a.objectSubmit)

	ent := []fiber.Handler{a.pageLogin, a.requireRole(models.RoleEnterprise)}
	r.Post("/console/enterprise/profile", append(ent, a.enterpriseProfileSubmit)...)
	r.Get("/console/jobs/new", append(ent, a.newJobPage)...)
	r.Post("/console/jobs", append(ent, a.createJobSubmit)...)
	r.Get("/console/jobs/:id/edit", append(ent, a.editJobPage)...)
	r.Post("/console/jobs/:id", append(ent, a.updateJobSubmit)...)
	r.Post("/console/jobs/:id/close", append(ent, a.closeJobSubmit)...)
	r.Get("/console/jobs/:id/applicants", append(ent, a.applicantsPage)...)
	r.Post("/console/applications/:id/move", append(ent, a.moveApplicationSubmit)...)
	r.Post("/fairs/:id/book", append(ent, a.bookSubmit)...)
	r.Get("/console/onjob-claims/new", append(ent, a.onjobPage)...)
	r.Post("/console/onjob-claims", append(ent, a.onjobSubmit)...)

	sk := []fiber.Handler{a.pageLogin, a.requireRole(models.RoleSeeker)}
	r.Post("/console/profile", append(sk, a.profileSubmit)...)
	r.Post("/jobs/:id/apply", append(sk, a.applySubmit)...)
	r.Post("/console/applications/:id/withdraw", append(sk, a.withdrawSubmit)...)
	r.Post("/console/saved-searches", append(sk, a.saveSearchSubmit)...)
	r.Post("/console/saved-searches/:id/delete", append(sk, a.deleteSavedSubmit)...)
	r.Post("/console/notifications/read", append(sk, a.readSubmit)...)
	r.Post("/programs/:id/join", append(sk, a.joinSubmit)...)
	r.Get("/programs/:id/checkin", append(sk, a.checkinPage)...)
	r.Post("/programs/:id/checkin", append(sk, a.checkinSubmit)...)
	r.Post("/console/identity", append(sk, a.identitySubmit)...)

	rv := []fiber.Handler{a.pageLogin, a.requireRole(models.RoleReviewer)}
	r.Get("/dashboard", append(rv, a.dashboardPage)...)
	r.Get("/console/review/claims", append(rv, a.reviewClaimsPage)...)
	r.Get("/console/review/verify", append(rv, a.reviewVerifyPage)...)
	r.Get("/console/review/programs", append(rv, a.reviewProgramsPage)...)
	r.Get("/console/review/policies", append(rv, a.reviewPoliciesPage)...)
	r.Get("/console/review/fairs", append(rv, a.reviewFairsPage)...)
	r.Get("/console/review/reports", append(rv, a.reviewReportsPage)...)
	r.Post("/console/reviewer/enterprises/:id/verify", append(rv, a.verifySubmit)...)
	r.Post("/console/reviewer/reports/:id/resolve", append(rv, a.resolveReportSubmit)...)
	r.Post("/console/reviewer/providers/:id/verify", append(rv, a.verifyProviderSubmit)...)
	r.Post("/console/reviewer/programs/:id/approve", append(rv, a.approveProgramSubmit)...)
	r.Post("/console/fairs", append(rv, a.createFairSubmit)...)
	r.Get("/console/review/social-insurance", append(rv, a.socialInsurancePage)...)
	r.Post("/console/review/social-insurance", append(rv, a.socialInsuranceSubmit)...)
	r.Get("/console/review/identity", append(rv, a.identityCorrectionPage)...)
	r.Post("/console/review/identity", append(rv, a.identityCorrectionSubmit)...)
	r.Post("/console/review/identity/clear", append(rv, a.identityClearSubmit)...)
	r.Get("/console/review/inspections", append(rv, a.inspectionsPage)...)
	r.Post("/console/review/inspections", append(rv, a.drawInspectionSubmit)...)
	r.Get("/console/review/inspections/:id", append(rv, a.inspectionPage)...)
	r.Post("/console/review/inspections/:id/results", append(rv, a.inspectionResultSubmit)...)
	r.Post("/console/policies", append(rv, a.addPolicySubmit)...)
	r.Get("/console/claims/:id", a.pageLogin, a.requireRole(models.RoleProvider, models.RoleEnterprise, models.RoleReviewer), a.claimPage)
	r.Post("/console/claims/:id/approve", append(rv, a.approveClaimSubmit)...)
	r.Post("/console/claims/:id/reject", append(rv, a.rejectClaimSubmit)...)
	r.Post("/console/claims/:id/pay", append(rv, a.payClaimSubmit)...)
	r.Post("/console/objections/:id/resolve", append(rv, a.resolveObjectionSubmit)...)

	pv := []fiber.Handler{a.pageLogin, a.requireRole(models.RoleProvider)}
	r.Post("/console/provider/profile", append(pv, a.providerProfileSubmit)...)
	r.Get("/console/programs/new", append(pv, a.newProgramPage)...)
	r.Post("/console/programs", append(pv, a.createProgramSubmit)...)
	r.Get("/console/programs/:id", append(pv, a.programConsole)...)
	r.Get("/console/programs/:id/code", append(pv, a.classCodePage)...)
	r.Post("/console/programs/:id/roll", append(pv, a.rollSubmit)...)
	r.Post("/console/programs/:id/roll/import", append(pv, a.rollImportSubmit)...)
	r.Post("/console/programs/:id/enrol", append(pv, a.enrolSubmit)...)
	r.Post("/console/programs/:id/close", append(pv, a.closeProgramSubmit)...)
	r.Post("/console/programs/:id/claim", append(pv, a.submitClaimSubmit)...)
	r.Post("/console/enrolments/:id/complete", append(pv, a.enrolmentActionSubmit("complete"))...)
	r.Post("/console/enrolments/:id/accept", append(pv, a.enrolmentActionSubmit("accept"))...)
	r.Post("/console/enrolments/:id/employment", append(pv, a.employmentSubmit)...)
}

// homeView is the home page: the search box, the newest postings and the zone's towns.
type homeView struct {
	Page
	Jobs  []models.Job
	Towns []models.Town
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
	return a.render(c, "home", &homeView{Jobs: jobs, Towns: towns})
}

// loginView is the login page; Next is where a successful login goes (through safeNext).
type loginView struct {
	Page
	Form loginForm
	Next string
}

func (a *App) loginPage(c *fiber.Ctx) error {
	return a.render(c, "login", &loginView{Page: Page{Title: "登录"}, Next: safeNext(c.Query("next"))})
}

func (a *App) loginSubmit(c *fiber.Ctx) error {
	f, err := readForm[loginForm](c)
	if err != nil {
		return err
	}
	f.Phone, f.Next = strings.TrimSpace(f.Phone), safeNext(f.Next)
	login, err := a.attemptLogin(c, models.LoginInput{Phone: f.Phone, Password: f.Password})
	if err != nil {
		f.Password = ""
		v := &loginView{Page: Page{Title: "登录"}, Form: f, Next: f.Next}
		if models.ErrorCode(err) == models.ErrUnauthorized {
			v.Problem = "手机号或密码不正确。"
			return a.renderStatus(c, http.StatusUnauthorized, "login", v)
		}
		return a.formProblem(c, "login", v, err)
	}
	a.setSessionCookie(c, login)
	return c.Redirect(f.Next, http.StatusSeeOther)
}

// registerView is the registration page.
type registerView struct {
	Page
	Form registerForm
}

func (a *App) registerPage(c *fiber.Ctx) error {
	return a.render(c, "register", &registerView{Page: Page{Title: "注册"}, Form: registerForm{Role: c.Query("role"), Next: safeNext(c.Query("next"))}})
}

func (a *App) registerSubmit(c *fiber.Ctx) error {
	f, err := readForm[registerForm](c)
	if err != nil {
		return err
	}
	f.Next = safeNext(f.Next)
	login, err := a.attemptRegister(c, f.input())
	if err != nil {
		f.Password = ""
		return a.formProblem(c, "register", &registerView{Page: Page{Title: "注册"}, Form: f}, err)
	}
	a.setSessionCookie(c, login)
	return a.done(c, f.Next, "registered")
}

func (a *App) logoutSubmit(c *fiber.Ctx) error {
	if err := a.logout(c); err != nil {
		return err
	}
	return c.Redirect("/", http.StatusSeeOther)
}

// consolePage opens the caller's own console: each role has its page.
func (a *App) consolePage(c *fiber.Ctx) error {
	switch currentUser(c).Role {
	case models.RoleEnterprise:
		return a.enterpriseConsole(c)
	case models.RoleProvider:
		return a.providerConsolePage(c)
	case models.RoleReviewer:
		return a.reviewerConsole(c)
	default:
		return a.seekerConsolePage(c)
	}
}

// errorView is the error page of a status.
type errorView struct {
	Page
	Status    int
	Text      string
	RequestID string
}

// renderError shows the Chinese error page for a problem; a refusal a person can act on
// (a rule, a conflict, a bad value) says its own sentence from the catalogue.
func (a *App) renderError(c *fiber.Ctx, p Problem) error {
	title, text := errorPage(p.Status)
	switch {
	case p.Status == http.StatusForbidden && p.Code == "csrf":
		text = refusals["csrf"].fill("")
	case staysOnPage(p.Status):
		text = pageProblemFrom(p, "").Text()
	}
	return a.renderStatus(c, p.Status, "error", &errorView{Page: Page{Title: title}, Status: p.Status, Text: text, RequestID: p.RequestID})
}

// safeNext keeps a post-login redirect on this site (SPEC §7): a local path that starts with
// "/" (so it has no scheme or host), with no "//" anywhere (also not percent-encoded: /a/..//x
// and /%2e//x are refused too), no backslash and no control, space or non-ASCII character that
// a browser might drop to turn it into "//host"; anything else goes to the console.
func safeNext(next string) string {
	decoded, err := url.PathUnescape(next)
	if err != nil || !strings.HasPrefix(next, "/") {
		return "/console"
	}
	for _, s := range []string{next, decoded} {
		if strings.Contains(s, "//") || strings.ContainsRune(s, '\\') {
			return "/console"
		}
	}
	for _, r := range next {
		if r < 0x21 || r >= 0x7f {
			return "/console"
		}
	}
	return next
}
