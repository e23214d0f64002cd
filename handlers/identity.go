package handlers

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"portal/models"
)

// identityTries bounds refused identity statements per seeker and day, so that PUT
// /me/identity cannot be used to test which ID numbers have accounts.
const identityTries = 5

// putMyIdentity states the seeker's real-name identity once: 201 the first time, 200 when
// the same identity is stated again, 409 identity_locked for another one.
func (a *App) putMyIdentity(c *fiber.Ctx) error {
	var in models.IdentityInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	id, created, err := a.stateIdentity(c, in)
	if err != nil {
		return err
	}
	if created {
		c.Status(fiber.StatusCreated)
	}
	return c.JSON(id)
}

// stateIdentity states the caller's identity, counting refused statements per seeker and
// day (the API and the console's form share it).
func (a *App) stateIdentity(c *fiber.Ctx, in models.IdentityInput) (models.Identity, bool, error) {
	u := currentUser(c)
	key := "identity:" + strconv.FormatInt(u.ID, 10) + ":" + a.today()
	keep, retry, ok := a.countFirst(c.UserContext(), key, identityTries, 24*time.Hour)
	if !ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(retry.Seconds())+1))
		return models.Identity{}, false, models.Errorf(models.ErrRateLimited, "too many refused identity statements today; try again tomorrow or ask the bureau")
	}
	in.Reason = ""
	id, created, err := a.store.SetIdentity(c.UserContext(), u, in, a.now())
	keep(models.ErrorCode(err) == models.ErrConflict)
	return id, created, err
}

func (a *App) getMyIdentity(c *fiber.Ctx) error {
	id, err := a.store.IdentityOf(c.UserContext(), currentUser(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(id)
}

// putUserIdentity is a reviewer setting or correcting a seeker's identity, with a reason.
func (a *App) putUserIdentity(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in models.IdentityInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	idn, err := a.store.ChangeIdentity(c.UserContext(), currentUser(c), id, in, a.now())
	if err != nil {
		return err
	}
	return c.JSON(idn)
}

func (a *App) deleteUserIdentity(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in models.IdentityClearInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := a.store.ClearIdentity(c.UserContext(), currentUser(c), id, in); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *App) myEnrolments(c *fiber.Ctx) error {
	es, err := a.store.SeekerEnrolments(c.UserContext(), currentUser(c), a.now())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"enrolments": es})
}
