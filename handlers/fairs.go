package handlers

import (
	"github.com/gofiber/fiber/v2"

	"portal/models"
)

func (a *App) createFair(c *fiber.Ctx) error {
	var in models.FairInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	f, err := a.store.CreateFair(c.UserContext(), currentUser(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(f)
}

func (a *App) listFairs(c *fiber.Ctx) error {
	fs, err := a.store.Fairs(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"fairs": fs})
}

func (a *App) fairExhibitors(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	f, err := a.store.Fair(c.UserContext(), id)
	if err != nil {
		return err
	}
	bs, err := a.store.Exhibitors(c.UserContext(), id)
	if err != nil {
		return err
	}
	type exhibitor struct {
		Enterprise string `json:"enterprise"`
		FeeYuan    int    `json:"fee_yuan"`
		FeeWaived  bool   `json:"fee_waived"`
	}
	list := make([]exhibitor, len(bs))
	for i, b := range bs {
		list[i] = exhibitor{Enterprise: b.Enterprise.Name, FeeYuan: b.FeeYuan, FeeWaived: b.FeeWaived}
	}
	return c.JSON(fiber.Map{"fair": f, "exhibitors": list})
}

func (a *App) bookBooth(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	b, err := a.store.BookBooth(c.UserContext(), currentUser(c), id, a.now())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(b)
}
