package handlers

import (
	"github.com/gofiber/fiber/v2"

	"portal/models"
)

func (a *App) submitTrainingClaim(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	claim, err := a.store.SubmitTrainingClaim(c.UserContext(), currentUser(c), id, a.now())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(claim)
}

func (a *App) submitOnjobClaim(c *fiber.Ctx) error {
	var in models.OnjobInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	claim, err := a.store.SubmitOnjobClaim(c.UserContext(), currentUser(c), in, a.now())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(claim)
}

// claimFilter reads status, from and to.
func claimFilter(c *fiber.Ctx) (models.ClaimFilter, error) {
	f := models.ClaimFilter{Status: c.Query("status"), From: c.Query("from"), To: c.Query("to")}
	switch f.Status {
	case "", models.ClaimSubmitted, models.ClaimApproved, models.ClaimRejected, models.ClaimPaid:
	default:
		return f, badParam("status", "must be submitted, approved, rejected or paid")
	}
	for name, v := range map[string]string{"from": f.From, "to": f.To} {
		if _, err := models.ParseDate(v); v != "" && err != nil {
			return f, badParam(name, "must be a date written YYYY-MM-DD")
		}
	}
	return f, nil
}

func (a *App) listClaims(c *fiber.Ctx) error {
	f, err := claimFilter(c)
	if err != nil {
		return err
	}
	cs, err := a.store.Claims(c.UserContext(), currentUser(c), f)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"claims": cs})
}

func (a *App) getClaim(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	claim, err := a.store.Claim(c.UserContext(), currentUser(c), id)
	if err != nil {
		return err
	}
	return c.JSON(claim)
}

func (a *App) approveClaim(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Note string `json:"note"`
	}
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	claim, err := a.store.ApproveClaimWithNote(c.UserContext(), currentUser(c), id, in.Note, a.now())
	if err != nil {
		return err
	}
	return c.JSON(claim)
}

func (a *App) rejectClaim(c *fiber.Ctx) error {
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
	claim, err := a.store.RejectClaim(c.UserContext(), currentUser(c), id, in.Reason, a.now())
	if err != nil {
		return err
	}
	return c.JSON(claim)
}

func (a *App) payClaim(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		PaymentRef string `json:"payment_ref"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	claim, err := a.store.PayClaim(c.UserContext(), currentUser(c), id, in.PaymentRef, a.now())
	if err != nil {
		return err
	}
	return c.JSON(claim)
}

func (a *App) publicClaims(c *fiber.Ctx) error {
	cs, err := a.store.PublicClaims(c.UserContext(), a.now())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"claims": cs})
}

func (a *App) lodgeObjection(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := a.limitByIP(c, "objection", 10); err != nil {
		return err
	}
	var in models.ObjectionInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	o, err := a.store.LodgeObjection(c.UserContext(), id, in, a.now())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(o)
}

func (a *App) resolveObjection(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in models.ResolveObjectionInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	o, err := a.store.ResolveObjection(c.UserContext(), currentUser(c), id, in, a.now())
	if err != nil {
		return err
	}
	return c.JSON(o)
}
