package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// flashCookie carries, for one page view after a form, what the form did (post → redirect →
// get). A success carries only the key of its sentence in the flashes table, so a forged
// value shows nothing or one of our own sentences. A refusal or an import's report carries
// its words and figures, so it is signed with a key of the server's secret and bound to the
// visitor's CSRF token: a cookie made up by anyone else, or one meant for another visitor, is
// dropped.
const flashCookie = "portal_flash"

// flashNote is what a flash cookie carries to the next page.
type flashNote struct {
	Key     string          `json:"k,omitempty"` // a key of flashes: what the form did
	Problem string          `json:"p,omitempty"` // why the form was refused, in Chinese
	Roll    *rollImportView `json:"r,omitempty"` // the report of an uploaded roll sheet
}

// flashLocal is where a request keeps the flash it read, so it is read and cleared once.
type flashLocal struct{}

// done ends a successful form: it redirects (303) to the page to show next and leaves the
// flash key for it, so a refresh of that page never submits the form again.
func (a *App) done(c *fiber.Ctx, to, flash string) error {
	a.setFlash(c, flash)
	return c.Redirect(to, http.StatusSeeOther)
}

// doneWith ends a form like done, carrying a signed note (a refusal, an import's report).
func (a *App) doneWith(c *fiber.Ctx, to string, note flashNote) error {
	body, err := json.Marshal(note)
	if err != nil {
		return err
	}
	a.setFlash(c, "s."+base64.RawURLEncoding.EncodeToString(body)+"."+a.flashSignature(c, body))
	return c.Redirect(to, http.StatusSeeOther)
}

func (a *App) setFlash(c *fiber.Ctx, value string) {
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: value, Path: "/", HTTPOnly: true, MaxAge: 60,
		SameSite: fiber.CookieSameSiteLaxMode, Secure: a.secure})
}

// flashSignature signs a note with a key derived from PORTAL_SECRET, for this visitor's CSRF
// token (the session's, or the anonymous visitor's cookie): a client can choose its own CSRF
// cookie, so the token alone would let anyone who can set cookies for the site sign words.
func (a *App) flashSignature(c *fiber.Ctx, body []byte) string {
	m := hmac.New(sha256.New, a.flashKey)
	m.Write([]byte(a.csrfToken(c)))
	m.Write([]byte{0})
	m.Write(body)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// refused returns a person to the page they acted on, with the refusal in Chinese on top,
// for a refusal they can act on there (a rule, a conflict, a bad value); anything else
// (not found, forbidden, internal) goes to the error page.
func (a *App) refused(c *fiber.Ctx, back string, err error) error {
	pp := pageProblemOf(err)
	if !staysOnPage(pp.Status) {
		return err
	}
	return a.doneWith(c, back, flashNote{Problem: pp.Text()})
}

// staysOnPage reports whether a refusal of this status is shown on the page the person
// acted on rather than on an error page of its own.
func staysOnPage(status int) bool {
	return status >= 400 && status < 500 && status != http.StatusUnauthorized && status != http.StatusForbidden && status != http.StatusNotFound
}

// takeFlash reads the flash left by the last form and clears it.
func (a *App) takeFlash(c *fiber.Ctx) flashNote {
	if n, ok := c.Locals(flashLocal{}).(flashNote); ok {
		return n
	}
	var note flashNote
	value := c.Cookies(flashCookie)
	if value != "" {
		c.Cookie(&fiber.Cookie{Name: flashCookie, Value: "", Path: "/", HTTPOnly: true, Expires: time.Unix(0, 0),
			SameSite: fiber.CookieSameSiteLaxMode, Secure: a.secure})
		note = a.readFlash(c, value)
	}
	c.Locals(flashLocal{}, note)
	return note
}

func (a *App) readFlash(c *fiber.Ctx, value string) flashNote {
	signed, ok := strings.CutPrefix(value, "s.")
	if !ok {
		if _, known := flashes[value]; known {
			return flashNote{Key: value}
		}
		return flashNote{}
	}
	payload, sig, _ := strings.Cut(signed, ".")
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || !hmac.Equal([]byte(sig), []byte(a.flashSignature(c, body))) {
		return flashNote{}
	}
	var note flashNote
	if json.Unmarshal(body, &note) != nil {
		return flashNote{}
	}
	if _, known := flashes[note.Key]; !known {
		note.Key = ""
	}
	return note
}

// confirmView asks once more before an irreversible or paid action; its form posts the same
// fields again with confirm=yes. No JavaScript is needed.
type confirmView struct {
	Page
	Question string   // the heading: 确认关闭项目?
	Details  []string // what will happen, line by line
	Action   string   // where the form posts
	Fields   []hiddenField
	Button   string // the confirming button's words
	Back     string // where 取消 goes
}

// hiddenField is a form value carried through the confirmation.
type hiddenField struct{ Name, Value string }

// confirmed reports whether the posted form carries the confirmation; without it the caller
// renders the question with confirm.
func confirmed(c *fiber.Ctx) bool { return c.FormValue("confirm") == "yes" }

// confirm renders the confirmation step, carrying every posted field but the CSRF token.
func (a *App) confirm(c *fiber.Ctx, v confirmView) error {
	v.Title = v.Question
	v.Action = c.Path()
	c.Request().PostArgs().VisitAll(func(k, val []byte) {
		if name := string(k); name != "_csrf" && name != "confirm" {
			v.Fields = append(v.Fields, hiddenField{Name: name, Value: string(val)})
		}
	})
	return a.render(c, "confirm", &v)
}
