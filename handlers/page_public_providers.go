package handlers

import (
	"github.com/gofiber/fiber/v2"

	"portal/models"
)

// publicProvidersView is the public page of training providers' yearly outcomes: counts
// under five shown as "<5", rates withheld beside them, no trainee's name.
type publicProvidersView struct {
	Page
	Providers []models.ProviderOutcome
	One       bool // the page of one provider
}

func (a *App) publicProvidersPage(c *fiber.Ctx) error {
	list, err := a.store.ProviderOutcomes(c.UserContext(), 0)
	if err != nil {
		return err
	}
	return a.render(c, "public_providers", &publicProvidersView{Page: Page{Title: "培训机构成效公开"}, Providers: list})
}

func (a *App) publicProviderPage(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	list, err := a.store.ProviderOutcomes(c.UserContext(), id)
	if err != nil {
		return err
	}
	return a.render(c, "public_providers", &publicProvidersView{Page: Page{Title: list[0].Name + " · 培训成效"}, Providers: list, One: true})
}
