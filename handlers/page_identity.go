package handlers

import (
	"errors"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"portal/models"
)

// identityCorrectionForm is a reviewer's correction of a seeker's real-name identity; the
// seeker is named by the phone of its account.
type identityCorrectionForm struct {
	Phone    string `form:"phone"`
	Name     string `form:"name"`
	IDNumber string `form:"id_number"`
	Reason   string `form:"reason"`
}

// identityCorrectionView is the reviewer's page for correcting an identity (实名信息更正):
// the lookup by phone, then the seeker found, its identity and the correction form.
type identityCorrectionView struct {
	Page
	Form     identityCorrectionForm
	Searched bool             // a phone was looked up
	Seeker   *models.User     // the seeker found, nil when none has the phone
	Identity *models.Identity // its identity, nil when none was stated
	// ClearReason is the typed reason of a refused clearing, kept for the form.
	ClearReason string
	Tasks       []reviewTask
}

func (a *App) identityCorrectionView(c *fiber.Ctx, f identityCorrectionForm) (*identityCorrectionView, error) {
	v := &identityCorrectionView{Page: Page{Title: "实名信息更正"}, Form: f, Tasks: a.taskBar(c, "identity")}
	if strings.TrimSpace(f.Phone) == "" {
		return v, nil
	}
	v.Searched = true
	u, id, err := a.store.SeekerByPhone(c.UserContext(), currentUser(c), f.Phone)
	switch {
	case err == nil:
		v.Seeker, v.Identity = &u, id
	case models.ErrorCode(err) != models.ErrNotFound:
		return nil, err
	}
	return v, nil
}

func (a *App) identityCorrectionPage(c *fiber.Ctx) error {
	v, err := a.identityCorrectionView(c, identityCorrectionForm{Phone: c.Query("phone")})
	if err != nil {
		return err
	}
	return a.render(c, "review_identity", v)
}

func (a *App) identityCorrectionSubmit(c *fiber.Ctx) error {
	f, err := readForm[identityCorrectionForm](c)
	if err != nil {
		return err
	}
	v, err := a.identityCorrectionView(c, f)
	if err != nil {
		return err
	}
	if v.Seeker == nil {
		return models.NotFound("seeker")
	}
	in := models.IdentityInput{Name: strings.TrimSpace(f.Name), IDNumber: f.IDNumber, Reason: strings.TrimSpace(f.Reason)}
	if _, err := a.store.ChangeIdentity(c.UserContext(), currentUser(c), v.Seeker.ID, in, a.now()); err != nil {
		return a.formProblem(c, "review_identity", v, err)
	}
	return a.done(c, "/console/review/identity?phone="+url.QueryEscape(v.Seeker.Phone), "identity_changed")
}

// identityClearForm is a reviewer's removal of a seeker's identity (a number stated by
// someone who is not its person), found by the account's phone.
type identityClearForm struct {
	Phone  string `form:"phone"`
	Reason string `form:"clear_reason"`
}

func (a *App) identityClearSubmit(c *fiber.Ctx) error {
	f, err := readForm[identityClearForm](c)
	if err != nil {
		return err
	}
	v, err := a.identityCorrectionView(c, identityCorrectionForm{Phone: f.Phone})
	if err != nil {
		return err
	}
	if v.Seeker == nil {
		return models.NotFound("seeker")
	}
	v.ClearReason = f.Reason
	if err := a.store.ClearIdentity(c.UserContext(), currentUser(c), v.Seeker.ID, models.IdentityClearInput{Reason: f.Reason}); err != nil {
		var fe *models.Error
		if errors.As(err, &fe) && fe.Fields["reason"] != "" { // the reason's box on this page is clear_reason
			fe.Fields = map[string]string{"clear_reason": fe.Fields["reason"]}
		}
		return a.formProblem(c, "review_identity", v, err)
	}
	return a.done(c, "/console/review/identity?phone="+url.QueryEscape(v.Seeker.Phone), "identity_cleared")
}
