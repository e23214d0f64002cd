package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"portal/models"
)

func (a *App) createEnterprise(c *fiber.Ctx) error {
	var in models.EnterpriseInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	e, err := a.store.CreateEnterprise(c.UserContext(), currentUser(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(e)
}

func (a *App) updateEnterprise(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in models.EnterpriseInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	e, err := a.store.UpdateEnterprise(c.UserContext(), currentUser(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(e)
}

// getEnterprise shows a verified profile to anyone, an unverified one to its owner and
// reviewers only.
func (a *App) getEnterprise(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	e, err := a.store.Enterprise(c.UserContext(), id)
	if err != nil {
		return err
	}
	u := currentUser(c)
	if !e.Verified && u.Role != models.RoleReviewer && models.RequireOwner(u, e) != nil {
		return models.NotFound("enterprise")
	}
	return c.JSON(e)
}

func (a *App) myEnterprise(c *fiber.Ctx) error {
	e, err := a.store.EnterpriseOf(c.UserContext(), currentUser(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(e)
}

func (a *App) listEnterprises(c *fiber.Ctx) error {
	var f models.EnterpriseFilter
	if v := c.Query("verified"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return &models.Error{Code: models.ErrMalformed, Message: "verified must be true or false", Fields: map[string]string{"verified": "must be true or false"}}
		}
		f.Verified = &b
	}
	if v := c.Query("town_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return &models.Error{Code: models.ErrMalformed, Message: "town_id must be a positive integer", Fields: map[string]string{"town_id": "must be a positive integer"}}
		}
		f.TownID = id
	}
	es, err := a.store.Enterprises(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"enterprises": es})
}

func (a *App) verifyEnterprise(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in models.VerifyInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	e, err := a.store.VerifyEnterprise(c.UserContext(), currentUser(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(e)
}
