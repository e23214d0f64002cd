package handlers

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"portal/models"
	"portal/search"
)

func (a *App) createProvider(c *fiber.Ctx) error {
	var in models.ProviderInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := a.store.CreateProvider(c.UserContext(), currentUser(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (a *App) verifyProvider(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	p, err := a.store.VerifyProvider(c.UserContext(), currentUser(c), id)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (a *App) listProviders(c *fiber.Ctx) error {
	var verified *bool
	if v := c.Query("verified"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return badParam("verified", "must be true or false")
		}
		verified = &b
	}
	ps, err := a.store.Providers(c.UserContext(), verified)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"providers": ps})
}

func (a *App) createProgram(c *fiber.Ctx) error {
	var in models.ProgramInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := a.store.CreateProgram(c.UserContext(), currentUser(c), in, a.now())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (a *App) approveProgram(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in models.ApproveInput
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	p, err := a.store.ApproveProgram(c.UserContext(), currentUser(c), id, in, a.now())
	if err != nil {
		return err
	}
	a.indexer.Notify(c.UserContext())
	return c.JSON(p)
}

func (a *App) closeProgram(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	p, err := a.store.CloseProgram(c.UserContext(), currentUser(c), id, a.now())
	if err != nil {
		return err
	}
	a.indexer.Notify(c.UserContext())
	return c.JSON(p)
}

// getProgram shows approved and closed programs to anyone, pending ones to their provider
// and reviewers.
func (a *App) getProgram(c *fiber.Ctx) error {
	p, err := a.visibleProgram(c)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (a *App) visibleProgram(c *fiber.Ctx) (models.Program, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return models.Program{}, err
	}
	p, err := a.store.Program(c.UserContext(), id)
	if err != nil {
		return p, err
	}
	u := currentUser(c)
	if p.Status == models.ProgramPending && u.Role != models.RoleReviewer && models.RequireOwner(u, p) != nil {
		return p, models.NotFound("program")
	}
	return p, nil
}

func (a *App) searchPrograms(c *fiber.Ctx) error {
	v := url.Values{}
	for k, val := range c.Queries() {
		v.Set(k, val)
	}
	q, err := search.ParseProgramQuery(v, search.Day(a.now()))
	if err != nil {
		return err
	}
	res, err := a.search.SearchPrograms(c.UserContext(), q)
	if err != nil {
		return searchUnavailable(a, c, err)
	}
	return c.JSON(res)
}

func (a *App) myPrograms(c *fiber.Ctx) error {
	u := currentUser(c)
	f := models.ProgramFilter{Status: c.Query("status")}
	if u.Role == models.RoleProvider {
		prov, err := a.store.ProviderOf(c.UserContext(), u.ID)
		if err != nil {
			return err
		}
		f.ProviderID = prov.ID
	}
	ps, err := a.store.Programs(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"programs": ps})
}

func (a *App) enrol(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	// A seeker applies as itself: a body, if any, is read and then ignored by the store.
	var in models.EnrolInput
	if currentUser(c).Role != models.RoleSeeker || len(c.Body()) > 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	e, err := a.store.Enrol(c.UserContext(), currentUser(c), id, in, a.now())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(e)
}

func (a *App) roster(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	_, es, err := a.store.Roster(c.UserContext(), currentUser(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"enrolments": es})
}

func (a *App) changeEnrolment(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		var in struct {
			Passed *bool `json:"passed" validate:"required"`
		}
		if action == "complete" {
			if err := decodeJSON(c, &in); err != nil {
				return err
			}
			if err := models.Validate(in); err != nil {
				return err
			}
		}
		e, err := a.store.ChangeEnrolment(c.UserContext(), currentUser(c), id, action, in.Passed != nil && *in.Passed, a.now())
		if err != nil {
			return err
		}
		return c.JSON(e)
	}
}

func (a *App) revealID(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	n, err := a.store.RevealIDNumber(c.UserContext(), currentUser(c), id, in.Reason)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"enrolment_id": id, "id_number": n})
}

func (a *App) putAttendance(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Present []int64 `json:"present"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	present, err := a.store.PutRoll(c.UserContext(), currentUser(c), id, c.Params("date"), in.Present, a.now())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"program_id": id, "date": c.Params("date"), "present": present})
}

func (a *App) getAttendance(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if _, _, err := a.store.Roster(c.UserContext(), currentUser(c), id); err != nil {
		return err
	}
	if _, err := models.ParseDate(c.Params("date")); err != nil {
		return badParam("date", "must be a date written YYYY-MM-DD")
	}
	present, err := a.store.Roll(c.UserContext(), id, c.Params("date"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"program_id": id, "date": c.Params("date"), "present": present})
}

func (a *App) outcome(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	o, err := a.store.ProgramOutcome(c.UserContext(), currentUser(c), id, a.today)
	if err != nil {
		return err
	}
	return c.JSON(o)
}
