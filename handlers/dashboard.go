package handlers

import (
	"github.com/gofiber/fiber/v2"

	"portal/models"
)

// statsAPI and dashboardPage are being built (see the dashboard work); until then they say so.
func (a *App) statsAPI(c *fiber.Ctx) error {
	return models.Errorf(models.ErrUnavailable, "the statistics are not built yet")
}

func (a *App) dashboardPage(c *fiber.Ctx) error {
	return models.Errorf(models.ErrUnavailable, "the dashboard is not built yet")
}
