package handlers

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// OpenAPI is the description of every /api route; a test fails when a registered route is
// missing from it.
//
//go:embed openapi.yaml
var OpenAPI []byte

func serveOpenAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "application/yaml; charset=utf-8")
	return c.Send(OpenAPI)
}
