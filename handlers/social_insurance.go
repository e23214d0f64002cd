package handlers

import (
	"io"

	"github.com/gofiber/fiber/v2"

	"portal/models"
)

// uploadedSheet reads the multipart field file (xlsx or csv) whole; the body limit bounds it.
func uploadedSheet(c *fiber.Ctx) (string, []byte, error) {
	fh, err := c.FormFile("file")
	if err != nil {
		return "", nil, &models.Error{Code: models.ErrInvalid, Message: "send the spreadsheet as the multipart field file",
			Fields: map[string]string{"file": "is required (xlsx or csv)"}}
	}
	f, err := fh.Open()
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, bodyLimit))
	return fh.Filename, data, err
}

func (a *App) importSocialInsurance(c *fiber.Ctx) error {
	name, data, err := uploadedSheet(c)
	if err != nil {
		return err
	}
	imp, err := a.store.ImportSocialInsurance(c.UserContext(), currentUser(c), name, data, a.now())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(imp)
}

func (a *App) listSocialInsuranceImports(c *fiber.Ctx) error {
	imps, err := a.store.SocialInsuranceImports(c.UserContext(), currentUser(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"imports": imps})
}

// importAttendance applies a roll spreadsheet to the owner's program.
func (a *App) importAttendance(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	_, data, err := uploadedSheet(c)
	if err != nil {
		return err
	}
	res, err := a.store.ImportRoll(c.UserContext(), currentUser(c), id, data, a.now())
	if err != nil {
		return err
	}
	return c.JSON(res)
}
