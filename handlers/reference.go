package handlers

import (
	"github.com/gofiber/fiber/v2"

	"portal/models"
)

func (a *App) listTowns(c *fiber.Ctx) error {
	towns, err := a.store.Towns(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"towns": towns})
}

func (a *App) listOccupations(c *fiber.Ctx) error {
	occ, err := a.store.Occupations(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"occupations": occ})
}

func (a *App) listPolicies(c *fiber.Ctx) error {
	ps, err := a.store.Policies(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"policies": ps})
}

func (a *App) addPolicy(c *fiber.Ctx) error {
	var in models.PolicyInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := a.store.AddPolicy(c.UserContext(), currentUser(c).ID, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}
