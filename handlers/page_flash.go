package handlers

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
)

// flashCookie carries, for one page view after a form, the key of the sentence that says
// what the form did (post → redirect → get). Only keys of the flashes table are shown, so
// the cookie needs no signature: a forged value shows nothing or one of our own sentences.
const flashCookie = "portal_flash"

// done ends a successful form: it redirects (303) to the page to show next and leaves the
// flash key for it, so a refresh of that page never submits the form again.
func (a *App) done(c *fiber.Ctx, to, flash string) error {
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: flash, Path: "/", HTTPOnly: true, MaxAge: 60,
		SameSite: fiber.CookieSameSiteLaxMode, Secure: a.secure})
	return c.Redirect(to, http.StatusSeeOther)
}

// takeFlash reads the flash left by the last form and clears it.
func (a *App) takeFlash(c *fiber.Ctx) string {
	key := c.Cookies(flashCookie)
	if key == "" {
		return ""
	}
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: "", Path: "/", HTTPOnly: true, Expires: time.Unix(0, 0),
		SameSite: fiber.CookieSameSiteLaxMode, Secure: a.secure})
	return flashes[key]
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
