package handlers

// The page layer. Every server-rendered page lives in a handlers/page_*.go file (the API's
// handlers are the other files), renders one template of frontend/templates/pages with one
// typed view, and every view embeds Page, which render fills in one place. A new page:
//   1. a view type embedding Page (in the page_*.go file of its resource),
//   2. the template pages/NAME.html, and the pair in pageViews below,
//   3. its form struct in page_forms.go and its sentences in page_messages.go.
// parsePages refuses to start when a template has no view or a view no template;
// TestEveryPageTemplateRunsOnItsView executes every template on a fully populated view, and
// TestEveryTemplateFieldExistsOnItsView checks every field chain of every branch against the
// view's Go type, so a mistyped field fails a test instead of leaving a blank on a page.

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"

	"portal/frontend"
	"portal/models"
)

// Page is what every page shows around its own content.
type Page struct {
	Title   string
	User    models.User
	CSRF    string
	Flash   string            // what the last form did (已保存 …), from the flash cookie
	Problem string            // a refusal of the whole form, in Chinese
	Errors  map[string]string // field name → its error in Chinese, shown beside the field
	Footer  Footer
}

// Footer names who runs the service (PORTAL_OPERATOR, PORTAL_HOTLINE, PORTAL_ICP).
type Footer struct {
	Operator, Hotline, ICP string
	Dialable               bool // the hotline is a number a phone can call (a tel: link)
}

func newFooter(operator, hotline, icp string) Footer {
	dialable := hotline != "" && strings.Trim(hotline, "0123456789-+ ") == ""
	return Footer{Operator: operator, Hotline: hotline, ICP: icp, Dialable: dialable}
}

// view is a page's typed data; base gives render the Page inside it.
type view interface{ base() *Page }

func (p *Page) base() *Page { return p }

// FieldError is what the "fielderror" partial needs: one field's name and its error.
type FieldError struct{ Field, Message string }

// Field is the error of one field for the "fielderror" partial.
func (p *Page) Field(name string) FieldError { return FieldError{Field: name, Message: p.Errors[name]} }

// pageViews pairs every page template with a zero value of its view: the one list of pages.
func pageViews() map[string]view {
	return map[string]view{
		"home": &homeView{}, "login": &loginView{}, "register": &registerView{}, "error": &errorView{},
		"confirm": &confirmView{}, "jobs": &jobsView{}, "job": &jobPageView{}, "jobform": &jobFormView{},
		"zone": &zoneView{}, "town": &townView{}, "fairs": &fairsView{}, "applicants": &applicantsView{},
		"programs": &programsView{}, "program": &programView{}, "programform": &programFormView{},
		"provider_program": &providerProgramView{}, "claim": &claimView{}, "onjob": &onjobView{},
		"public_claims": &publicClaimsView{}, "dashboard": &dashboardView{},
		"console_seeker": &seekerConsoleView{}, "console_enterprise": &enterpriseConsoleView{},
		"console_provider": &providerConsoleView{}, "console_reviewer": &reviewerConsoleView{},
		"review_claims": &reviewClaimsView{}, "review_verify": &reviewVerifyView{},
		"review_programs": &reviewProgramsView{}, "review_policies": &reviewPoliciesView{},
		"review_fairs": &reviewFairsView{}, "review_reports": &reviewReportsView{},
		"checkin": &checkinView{}, "classcode": &classCodeScreen{}, "public_providers": &publicProvidersView{},
		"review_social_insurance": &socialInsuranceView{}, "review_inspections": &inspectionsView{}, "review_inspection": &inspectionView{},
		"review_identity": &identityCorrectionView{},
	}
}

// pageSet is the compiled templates and which view type each page takes.
type pageSet struct {
	templates map[string]*template.Template
	views     map[string]string // page → the view's type name, checked at render time
}

// parsePages compiles each page with the layouts and partials once, at start-up, and refuses
// a page without a view or a view without a page.
func parsePages() (pageSet, error) {
	tfs := frontend.Templates()
	base, err := template.New("").Option("missingkey=error").Funcs(templateFuncs()).ParseFS(tfs, "layouts/*.html", "partials/*.html")
	if err != nil {
		return pageSet{}, err
	}
	files, err := fs.Glob(tfs, "pages/*.html")
	if err != nil {
		return pageSet{}, err
	}
	views := pageViews()
	set := pageSet{templates: map[string]*template.Template{}, views: map[string]string{}}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		v, ok := views[name]
		if !ok {
			return pageSet{}, fmt.Errorf("page template %s has no view in pageViews", f)
		}
		t, err := template.Must(base.Clone()).ParseFS(tfs, f)
		if err != nil {
			return pageSet{}, err
		}
		set.templates[name] = t
		set.views[name] = fmt.Sprintf("%T", v)
	}
	for name := range views {
		if _, ok := set.templates[name]; !ok {
			return pageSet{}, fmt.Errorf("view of page %q has no template pages/%s.html", name, name)
		}
	}
	return set, nil
}

// render writes a page with status 200.
func (a *App) render(c *fiber.Ctx, page string, v view) error {
	return a.renderStatus(c, http.StatusOK, page, v)
}

// renderStatus fills in the Page every view carries (the caller, its CSRF token, the flash
// message, the footer) and writes the page.
func (a *App) renderStatus(c *fiber.Ctx, status int, page string, v view) error {
	t, ok := a.pages.templates[page]
	if !ok {
		return models.Errorf(models.ErrInternal, "no page template %q", page)
	}
	if got := fmt.Sprintf("%T", v); got != a.pages.views[page] {
		return models.Errorf(models.ErrInternal, "page %q rendered with %s, wants %s", page, got, a.pages.views[page])
	}
	p := v.base()
	p.User = currentUser(c)
	p.CSRF = a.csrfToken(c)
	p.Footer = a.footer
	note := a.takeFlash(c)
	if p.Flash == "" {
		p.Flash = flashes[note.Key]
	}
	if p.Problem == "" {
		p.Problem = note.Problem
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base", v); err != nil {
		a.log.Error("render page", "page", page, "err", err, "request_id", requestID(c))
		c.Status(http.StatusInternalServerError)
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.SendString("页面出错,请稍后再试。")
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(buf.Bytes())
}

// formProblem re-renders a form after a refused submission: the entered values (already in
// v), every field's error beside it and the refusal on top, all in Chinese. Errors a person
// cannot fix on this form (not found, forbidden, internal) go to the error page.
func (a *App) formProblem(c *fiber.Ctx, page string, v view, err error) error {
	pp := pageProblemOf(err)
	if pp.Status >= 500 || pp.Status == http.StatusForbidden || pp.Status == http.StatusNotFound || pp.Status == http.StatusUnauthorized && page != "login" {
		return err
	}
	p := v.base()
	p.Problem = pp.Sentence
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	for k, msg := range pp.Fields {
		if _, seen := p.Errors[k]; !seen {
			p.Errors[k] = msg
		}
	}
	return a.renderStatus(c, pp.Status, page, v)
}

// formErrors turns the fields a form could not even read (a number that is not one) into
// the page's errors; the store's own validation adds the rest, so all show at once.
func formErrors(fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	return &models.Error{Code: models.ErrInvalid, Message: "form fields not readable", Fields: fields}
}

// pageLogin sends an anonymous visitor of a page that needs a login to the login page, which
// brings it back to that page with its query (a form's target only by its path).
func (a *App) pageLogin(c *fiber.Ctx) error {
	if currentUser(c).ID == 0 {
		back := c.Path()
		if c.Method() == fiber.MethodGet {
			back = c.OriginalURL()
		}
		return c.Redirect("/login?next="+url.QueryEscape(safeNext(back)), http.StatusSeeOther)
	}
	return c.Next()
}
