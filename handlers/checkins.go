package handlers

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	qrcode "github.com/skip2/go-qrcode"

	"portal/models"
)

// wrongCodesPerDay is how many wrong class codes a trainee may send in a day before 429.
const wrongCodesPerDay = 5

func (a *App) classCode(c *fiber.Ctx) (models.ClassCode, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return models.ClassCode{}, err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return a.store.ClassCodeFor(c.UserContext(), currentUser(c), id, a.now())
}

// checkinCode gives the owner provider today's class code and when it changes.
func (a *App) checkinCode(c *fiber.Ctx) error {
	code, err := a.classCode(c)
	if err != nil {
		return err
	}
	return c.JSON(code)
}

// checkinCodePNG is the current class code as a QR code (PNG, 256 px), rendered on the server:
// the trainee's check-in page with the code filled in, so scanning it leaves one tap.
func (a *App) checkinCodePNG(c *fiber.Ctx) error {
	code, err := a.classCode(c)
	if err != nil {
		return err
	}
	png, err := qrcode.Encode(a.checkinLink(c, code.ProgramID, code.Code), qrcode.Medium, 256)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set("X-Checkin-Expires-At", code.ExpiresAt.Format(time.RFC3339))
	return c.Send(png)
}

// checkinLink is the address of a program's check-in page with a class code filled in, on the
// site the provider's screen was served from (siteURL).
func (a *App) checkinLink(c *fiber.Ctx, programID int64, code string) string {
	return a.siteURL(c) + "/programs/" + strconv.FormatInt(programID, 10) + "/checkin?code=" + code
}

// siteURL is the scheme and host of the site as the client addressed it, for links that leave
// the page (a QR code, a feed): the Host header, which a load balancer keeps — never an
// X-Forwarded-* header, which any peer can send — and https when cookies are Secure (the site
// is served over TLS). A Host that is no plain host name or address gives "localhost" instead.
func (a *App) siteURL(c *fiber.Ctx) string {
	scheme := "http"
	if a.secure {
		scheme = "https"
	}
	host := string(c.Request().URI().Host())
	if host == "" || strings.Trim(strings.ToLower(host), "abcdefghijklmnopqrstuvwxyz0123456789.-:[]") != "" {
		host = "localhost"
	}
	return scheme + "://" + host
}

// checkIn records the seeker's check-in with the class code: 201 the first time today, 200
// after; wrong codes are counted per trainee and day, the sixth answers 429.
func (a *App) checkIn(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ck, created, err := a.checkInWith(c, id, in.Code)
	if err != nil {
		return err
	}
	if created {
		c.Status(fiber.StatusCreated)
	}
	return c.JSON(fiber.Map{"date": ck.Day, "enrolment_id": ck.EnrolmentID, "program_id": id})
}

// checkInWith records the caller's check-in with a class code, counting wrong codes per
// trainee and day (the API and the check-in page share it).
func (a *App) checkInWith(c *fiber.Ctx, id int64, code string) (models.Checkin, bool, error) {
	u := currentUser(c)
	key := "checkin:" + strconv.FormatInt(u.ID, 10) + ":" + a.today()
	keep, retry, ok := a.countFirst(c.UserContext(), key, wrongCodesPerDay, 24*time.Hour)
	if !ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(retry.Seconds())+1))
		return models.Checkin{}, false, models.Errorf(models.ErrRateLimited, "too many wrong codes today; ask the teacher")
	}
	ck, created, err := a.store.CheckIn(c.UserContext(), u, id, code, deviceOf(c), a.now())
	keep(reason(err) == "checkin_code_invalid")
	return ck, created, err
}

// deviceCookie names the browser a trainee checks in from: a random id the check-in page
// gives a browser once and the check-in records (as a keyed digest), so that several trainees
// checking in from one phone raise shared_checkin_device — a provider checking in for its
// trainees from its own phone, logged in as each in turn.
const deviceCookie = "portal_device"

// deviceOf is the request's device id, "" when it has none (or one that is not ours).
func deviceOf(c *fiber.Ctx) string {
	d := c.Cookies(deviceCookie)
	if len(d) != 32 || strings.Trim(d, "0123456789abcdef") != "" {
		return ""
	}
	return d
}

// ensureDevice gives the browser its device id when it has none yet; the check-in page asks
// for it before the trainee checks in, so its first check-in already carries it.
func (a *App) ensureDevice(c *fiber.Ctx) {
	if deviceOf(c) != "" {
		return
	}
	id := newRequestID() + newRequestID()
	c.Request().Header.SetCookie(deviceCookie, id) // this request's check-in carries it too
	c.Cookie(&fiber.Cookie{Name: deviceCookie, Value: id, Path: "/", HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, Secure: a.secure, Expires: a.now().Add(400 * 24 * time.Hour)})
}

// reason is the specific cause of a domain error ("" for others).
func reason(err error) string {
	var e *models.Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}
