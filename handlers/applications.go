package handlers

import (
	"github.com/gofiber/fiber/v2"

	"portal/models"
)

func (a *App) apply(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	app, err := a.store.Apply(c.UserContext(), currentUser(c), id, a.now())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(app)
}

func (a *App) jobApplications(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	as, err := a.store.JobApplications(c.UserContext(), currentUser(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"applications": as})
}

func (a *App) moveApplication(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Status string `json:"status" validate:"required,oneof=viewed interview offered hired rejected withdrawn"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := models.Validate(in); err != nil {
		return err
	}
	app, err := a.store.MoveApplication(c.UserContext(), currentUser(c), id, in.Status, a.now())
	if err != nil {
		return err
	}
	return c.JSON(app)
}

func (a *App) jobStats(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	st, err := a.store.Stats(c.UserContext(), currentUser(c), id)
	if err != nil {
		return err
	}
	return c.JSON(st)
}
