package handlers

import (
	"github.com/gofiber/fiber/v2"
)

// publicProviders lists every verified provider's yearly outcomes, without personal data.
func (a *App) publicProviders(c *fiber.Ctx) error {
	list, err := a.store.ProviderOutcomes(c.UserContext(), 0)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"providers": list})
}

func (a *App) publicProvider(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	list, err := a.store.ProviderOutcomes(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(list[0])
}
