package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"portal/models"
)

type ctxKey int

const (
	ctxRequestID ctxKey = iota
	ctxUser
	ctxSession
	ctxAuthKind
	ctxClientIP
	ctxCSRF
)

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(ctxRequestID).(string)
	return id
}

// clientIP is the caller's address, through trusted proxies only (see trustedProxies.clientIP).
func clientIP(c *fiber.Ctx) string {
	ip, _ := c.Locals(ctxClientIP).(string)
	return ip
}

// currentUser is the logged-in caller, or the zero User.
func currentUser(c *fiber.Ctx) models.User {
	u, _ := c.Locals(ctxUser).(models.User)
	return u
}

func currentSession(c *fiber.Ctx) models.Session {
	s, _ := c.Locals(ctxSession).(models.Session)
	return s
}

// paramID reads a positive integer route parameter.
func paramID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, &models.Error{Code: models.ErrNotFound, Message: name + " must be a positive integer id"}
	}
	return id, nil
}
