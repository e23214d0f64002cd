package handlers

import (
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"portal/models"
)

// identityForm is the seeker's real-name identity, stated once on its console.
type identityForm struct {
	Name     string `form:"name"`
	IDNumber string `form:"id_number"`
}

// identitySubmit states the seeker's identity from the console's form.
func (a *App) identitySubmit(c *fiber.Ctx) error {
	f, err := readForm[identityForm](c)
	if err != nil {
		return err
	}
	in := models.IdentityInput{Name: strings.TrimSpace(f.Name), IDNumber: strings.ToUpper(strings.TrimSpace(f.IDNumber))}
	if _, _, err := a.stateIdentity(c, in); err != nil {
		v := &seekerConsoleView{IdentityForm: f}
		if lerr := a.loadSeekerConsole(c, v); lerr != nil {
			return lerr
		}
		if lerr := a.fillSeekerProfile(c, v); lerr != nil {
			return lerr
		}
		if models.ErrorCode(err) == models.ErrRateLimited {
			v.Problem = refusals["identity_tries"].fill("")
			return a.renderStatus(c, http.StatusTooManyRequests, "console_seeker", v)
		}
		return a.formProblem(c, "console_seeker", v, err)
	}
	return a.done(c, "/console#identity-h", "identity_saved")
}

// checkinView is the trainee's check-in page: one big input for the class code.
type checkinView struct {
	Page
	Program   models.Program
	Enrolment *models.SeekerEnrolment // the seeker's enrolment on the program, nil if none
	Identity  bool                    // the seeker has stated its identity
	Form      checkinForm
}

// checkinForm is the class code a trainee types.
type checkinForm struct {
	Code string `form:"code"`
}

func (a *App) checkinView(c *fiber.Ctx) (*checkinView, error) {
	p, err := a.visibleProgram(c)
	if err != nil {
		return nil, err
	}
	ctx, u := c.UserContext(), currentUser(c)
	v := &checkinView{Page: Page{Title: "签到 · " + p.Name}, Program: p}
	switch _, err := a.store.IdentityOf(ctx, u.ID); {
	case err == nil:
		v.Identity = true
	case models.ErrorCode(err) != models.ErrNotFound:
		return nil, err
	}
	es, err := a.store.SeekerEnrolments(ctx, u, a.now())
	if err != nil {
		return nil, err
	}
	for _, e := range es {
		if e.ProgramID == p.ID {
			v.Enrolment = &e
			break
		}
	}
	return v, nil
}

func (a *App) checkinPage(c *fiber.Ctx) error {
	a.ensureDevice(c)
	v, err := a.checkinView(c)
	if err != nil {
		return err
	}
	// The QR of the classroom's screen opens this page with the code filled in; opening it
	// checks in nobody, the trainee still taps 签到.
	if code := c.Query("code"); len(code) == 6 && strings.Trim(code, "0123456789") == "" {
		v.Form.Code = code
	}
	return a.render(c, "checkin", v)
}

func (a *App) checkinSubmit(c *fiber.Ctx) error {
	a.ensureDevice(c)
	f, err := readForm[checkinForm](c)
	if err != nil {
		return err
	}
	v, err := a.checkinView(c)
	if err != nil {
		return err
	}
	code := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		if r >= '０' && r <= '９' {
			return '0' + (r - '０')
		}
		return -1
	}, f.Code)
	if _, _, err := a.checkInWith(c, v.Program.ID, code); err != nil {
		v.Form = f
		switch {
		case models.ErrorCode(err) == models.ErrRateLimited:
			v.Problem = refusals["checkin_tries"].fill("")
			return a.renderStatus(c, http.StatusTooManyRequests, "checkin", v)
		case models.ErrorCode(err) == models.ErrForbidden:
			v.Problem = refusals["checkin_not_trainee"].fill("")
			return a.renderStatus(c, http.StatusForbidden, "checkin", v)
		}
		return a.formProblem(c, "checkin", v, err)
	}
	return a.done(c, "/programs/"+itoa64(v.Program.ID)+"/checkin", "checked_in")
}
