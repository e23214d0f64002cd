package handlers

import (
	"crypto/subtle"
	"net/url"
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
// It reads headers only: it runs before any body is read (inflateBody), and a multipart body
// is parsed only after both, and only a logged-in caller's (checkMultipart).
func (a *App) authenticate(c *fiber.Ctx) error {
	if err := a.identify(c); err != nil {
		return err
	}
	return c.Next()
}

// identify leaves the caller of a valid Bearer token or session cookie in Locals.
func (a *App) identify(c *fiber.Ctx) error {
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
		return nil
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
	return nil
}

// csrf requires a CSRF token on every unsafe request a browser could be made to send by
// another site: those authenticated by the session cookie (the session's token, in the
// X-CSRF-Token header or the _csrf form field), and the anonymous page forms such as login
// and registration (the token of the visitor's portal_csrf cookie, so no other site can log
// a visitor into an account it controls). A request whose Origin is another site is refused
// outright. Bearer and anonymous API calls carry no ambient credentials and need neither.
func (a *App) csrf(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	kind, _ := c.Locals(ctxAuthKind).(string)
	if kind == "bearer" {
		return c.Next()
	}
	if origin := c.Get(fiber.HeaderOrigin); origin != "" && origin != "null" {
		if u, err := url.Parse(origin); err != nil || u.Host != string(c.Request().Host()) {
			return csrfRefused()
		}
	}
	token := c.Get("X-CSRF-Token")
	if token == "" {
		token = c.FormValue("_csrf")
	}
	switch {
	case kind == "cookie":
		if !currentSession(c).CSRFMatches(token) {
			return csrfRefused()
		}
	case !strings.HasPrefix(c.Path(), "/api/"):
		want := c.Cookies(csrfCookie)
		if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(token)) != 1 {
			return csrfRefused()
		}
	}
	return c.Next()
}

func csrfRefused() error {
	return &models.Error{Code: models.ErrForbidden, Reason: "csrf", Message: "the form is stale or did not come from this site; reload the page and try again"}
}

// csrfCookie holds an anonymous visitor's CSRF token for the forms it fills before logging in.
const csrfCookie = "portal_csrf"

// csrfToken is the token a page puts in its forms: the session's when logged in, otherwise
// the visitor's portal_csrf cookie, set now if it has none.
func (a *App) csrfToken(c *fiber.Ctx) string {
	if s := currentSession(c); s.CSRFToken != "" {
		return s.CSRFToken
	}
	if t, ok := c.Locals(ctxCSRF).(string); ok {
		return t
	}
	t := c.Cookies(csrfCookie)
	if len(t) != 32 || strings.Trim(t, "0123456789abcdef") != "" {
		t = newRequestID() + newRequestID()
		c.Cookie(&fiber.Cookie{Name: csrfCookie, Value: t, Path: "/", HTTPOnly: true,
			SameSite: fiber.CookieSameSiteLaxMode, Secure: a.secure, Expires: a.now().Add(30 * 24 * time.Hour)})
	}
	c.Locals(ctxCSRF, t)
	return t
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
	login, err := a.attemptRegister(c, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(login)
}

// attemptRegister counts every registration from the caller's address against its hourly
// limit: each costs a bcrypt hash, and each 409 tells whether a phone has an account, so the
// limit bounds both the load and how many phones a stranger can probe.
func (a *App) attemptRegister(c *fiber.Ctx, in models.RegisterInput) (models.Login, error) {
	if ok, retry, _ := a.limiter.Allow(c.UserContext(), "register:ip:"+clientIP(c), a.login.RegisterPerHour, time.Hour); !ok {
		return models.Login{}, rateLimited(c, retry, "too many registrations from this address")
	}
	return a.store.Register(c.UserContext(), in)
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

// attemptLogin counts the attempt against the phone from this address and against the
// address before it checks the password, atomically, so parallel guesses cannot all pass the
// limit before any is counted; a caller over either limit is refused without a check. Only a
// wrong password keeps its count: any other outcome is refunded, so a successful login costs
// nothing, and guesses from elsewhere never lock the owner out.
func (a *App) attemptLogin(c *fiber.Ctx, in models.LoginInput) (models.Login, error) {
	ctx := c.UserContext()
	ip := clientIP(c)
	keys := []struct {
		key   string
		limit int
	}{{"login:fail:phone:" + strings.TrimSpace(in.Phone) + ":ip:" + ip, a.login.PerPhone}, {"login:fail:ip:" + ip, a.login.PerIP}}
	var kept []func(counts bool)
	keep := func(counts bool) {
		for _, k := range kept {
			k(counts)
		}
	}
	for _, k := range keys {
		kk, retry, ok := a.countFirst(ctx, k.key, k.limit, a.login.Window)
		if !ok {
			keep(false) // a refused attempt counts against neither key
			return models.Login{}, rateLimited(c, retry, "too many failed logins")
		}
		kept = append(kept, kk)
	}
	login, err := a.store.Authenticate(ctx, in)
	keep(models.ErrorCode(err) == models.ErrUnauthorized)
	return login, err
}

// rateLimited is the 429 of a limit, with Retry-After and the wait in minutes.
func rateLimited(c *fiber.Ctx, retry time.Duration, what string) error {
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(retry.Round(time.Second).Seconds())+1))
	return models.Errorf(models.ErrRateLimited, "%s; try again in %d minutes", what, int(retry.Minutes())+1)
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
