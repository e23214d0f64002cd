package handlers

import (
	"github.com/gofiber/fiber/v2"

	"portal/models"
)

// enterpriseConsoleView is the enterprise's console: its profile, postings and claims.
type enterpriseConsoleView struct {
	Page
	Enterprise *models.Enterprise // nil until the profile is filled in
	Form       enterpriseForm
	Towns      []models.Town
	MyJobs     []models.Job
	Claims     []models.Claim
	Today      string
}

// load fills what the console shows besides the form.
func (a *App) loadEnterpriseConsole(c *fiber.Ctx, v *enterpriseConsoleView) error {
	ctx, u := c.UserContext(), currentUser(c)
	v.Title, v.Today = "企业工作台", a.today()
	var err error
	if v.Towns, err = a.store.Towns(ctx); err != nil {
		return err
	}
	if v.Claims, err = a.store.Claims(ctx, u, models.ClaimFilter{}); err != nil {
		return err
	}
	e, err := a.store.EnterpriseOf(ctx, u.ID)
	switch {
	case err == nil:
		v.Enterprise = &e
		v.MyJobs, err = a.store.Jobs(ctx, models.JobFilter{EnterpriseID: e.ID})
		return err
	case models.ErrorCode(err) == models.ErrNotFound:
		return nil
	default:
		return err
	}
}

func (a *App) enterpriseConsole(c *fiber.Ctx) error {
	v := &enterpriseConsoleView{}
	if err := a.loadEnterpriseConsole(c, v); err != nil {
		return err
	}
	if e := v.Enterprise; e != nil {
		v.Form = enterpriseForm{Name: e.Name, USCC: e.USCC, Industry: e.Industry}
		if e.TownID != nil {
			v.Form.TownID = itoa64(*e.TownID)
		}
	}
	return a.render(c, "console_enterprise", v)
}

func (a *App) enterpriseProfileSubmit(c *fiber.Ctx) error {
	f, err := readForm[enterpriseForm](c)
	if err != nil {
		return err
	}
	ctx, u := c.UserContext(), currentUser(c)
	in, bad := f.input()
	err = bad.refusal()
	if err == nil {
		existing, ferr := a.store.EnterpriseOf(ctx, u.ID)
		switch {
		case ferr == nil:
			_, err = a.store.UpdateEnterprise(ctx, u, existing.ID, in)
		case models.ErrorCode(ferr) == models.ErrNotFound:
			_, err = a.store.CreateEnterprise(ctx, u, in)
		default:
			err = ferr
		}
	}
	if err != nil {
		v := &enterpriseConsoleView{Form: f}
		if lerr := a.loadEnterpriseConsole(c, v); lerr != nil {
			return lerr
		}
		return a.formProblem(c, "console_enterprise", v, err)
	}
	return a.done(c, "/console", "enterprise_saved")
}
