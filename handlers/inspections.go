package handlers

import (
	"github.com/gofiber/fiber/v2"

	"portal/models"
)

func (a *App) drawInspection(c *fiber.Ctx) error {
	var in models.InspectionInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	insp, err := a.store.DrawInspection(c.UserContext(), currentUser(c), in, a.now())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(insp)
}

func (a *App) listInspections(c *fiber.Ctx) error {
	list, err := a.store.Inspections(c.UserContext(), currentUser(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"inspections": list})
}

func (a *App) getInspection(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	insp, err := a.store.Inspection(c.UserContext(), currentUser(c), id)
	if err != nil {
		return err
	}
	return c.JSON(insp)
}

func (a *App) recordInspectionResult(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in models.InspectionResultInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	insp, err := a.store.RecordInspectionResult(c.UserContext(), currentUser(c), id, in, a.now())
	if err != nil {
		return err
	}
	return c.JSON(insp)
}
