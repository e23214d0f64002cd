package handlers

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"portal/models"
)

// sessionCookie holds the login token for the pages.
const sessionCookie = "portal_session"

// authenticate reads a Bearer token or the session cookie and remembers the caller. A bad
// Bearer token is refused at once; a stale cookie is dropped and the visitor stays anonymous.
func (a *App) authenticate(c *fiber.Ctx) error {
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || token == "" {
			return models.Errorf(models.ErrUnauthorized, "the Authorization header must be `Bearer <token>`")
		}
		u, sess, err := a.store.UserByToken(c.UserContext(), token)
		if err != nil {
			return err
		}
		c.Locals(ctxUser, u)
		c.Locals(ctxSession, sess)
		c.Locals(ctxAuthKind, "bearer")
		return c.Next()
	}
	if token := c.Cookies(sessionCookie); token != "" {
		u, sess, err := a.store.UserByToken(c.UserContext(), token)
		switch {
		case err == nil:
			c.Locals(ctxUser, u)
			c.Locals(ctxSession, sess)
			c.Locals(ctxAuthKind, "cookie")
		case models.ErrorCode(err) == models.ErrUnauthorized:
			a.clearSessionCookie(c)
		default:
			return err
		}
	}
	return c.Next()
}

// csrf requires the session's CSRF token on every unsafe request authenticated by cookie,
// in the X-CSRF-Token header (scripts) or the _csrf form field (pages).
func (a *App) csrf(c *fiber.Ctx) error {
	if kind, _ := c.Locals(ctxAuthKind).(string); kind != "cookie" {
		return c.Next()
	}
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	token := c.Get("X-CSRF-Token")
	if token == "" {
		token = c.FormValue("_csrf")
	}
	if !currentSession(c).CSRFMatches(token) {
		return &models.Error{Code: models.ErrForbidden, Reason: "csrf", Message: "the form is stale or did not come from this site; reload the page and try again"}
	}
	return c.Next()
}

// requireRole lets through a logged-in caller whose role is one of roles (any role when none
// is given); everyone else gets 401 or 403.
func (a *App) requireRole(roles ...string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u := currentUser(c)
		if u.ID == 0 {
			return models.Errorf(models.ErrUnauthorized, "log in first")
		}
		if len(roles) > 0 && !slices.Contains(roles, u.Role) {
			return models.Errorf(models.ErrForbidden, "this needs the role %s", strings.Join(roles, " or "))
		}
		return c.Next()
	}
}

func (a *App) register(c *fiber.Ctx) error {
	var in models.RegisterInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	login, err := a.store.Register(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(login)
}

func (a *App) loginAPI(c *fiber.Ctx) error {
	var in models.LoginInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	login, err := a.attemptLogin(c, in)
	if err != nil {
		return err
	}
	return c.JSON(login)
}

// attemptLogin counts the attempt against the phone's and the IP's limits before checking
// the password, so guessing is slow whichever way it is spread.
func (a *App) attemptLogin(c *fiber.Ctx, in models.LoginInput) (models.Login, error) {
	ctx := c.UserContext()
	for _, k := range []struct {
		key   string
		limit int
	}{{"login:phone:" + strings.TrimSpace(in.Phone), a.login.PerPhone}, {"login:ip:" + c.IP(), a.login.PerIP}} {
		ok, retry := a.limiter.Allow(ctx, k.key, k.limit, a.login.Window)
		if !ok {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(retry.Round(time.Second).Seconds())))
			return models.Login{}, models.Errorf(models.ErrRateLimited, "too many login attempts; try again in %d minutes", int(retry.Minutes())+1)
		}
	}
	return a.store.Authenticate(ctx, in)
}

func (a *App) logoutAPI(c *fiber.Ctx) error {
	if err := a.logout(c); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"logged_out": true})
}

// logout kills the token the request came with, Bearer or cookie.
func (a *App) logout(c *fiber.Ctx) error {
	token, _ := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if token == "" {
		token = c.Cookies(sessionCookie)
	}
	a.clearSessionCookie(c)
	return a.store.Logout(c.UserContext(), token)
}

func (a *App) me(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"user": currentUser(c), "csrf_token": currentSession(c).CSRFToken})
}

func (a *App) setSessionCookie(c *fiber.Ctx, l models.Login) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: l.Token, Path: "/", Expires: l.ExpiresAt,
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: a.secure})
}

func (a *App) clearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: "", Path: "/", Expires: time.Unix(0, 0),
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: a.secure})
}
