// Package handlers is the HTTP face of the portal: Fiber routes for the JSON API under
// /api/v1 and the server-rendered pages beside it, with the middleware they share.
package handlers

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/gofiber/fiber/v2"

	"portal/models"
)

// statusOf maps each domain error code to its HTTP status, in this one place.
var statusOf = map[string]int{
	models.ErrMalformed:    http.StatusBadRequest,
	models.ErrUnauthorized: http.StatusUnauthorized,
	models.ErrForbidden:    http.StatusForbidden,
	models.ErrNotFound:     http.StatusNotFound,
	models.ErrConflict:     http.StatusConflict,
	models.ErrTooLarge:     http.StatusRequestEntityTooLarge,
	models.ErrHeaderLarge:  http.StatusRequestHeaderFieldsTooLarge,
	models.ErrInvalid:      http.StatusUnprocessableEntity,
	models.ErrRule:         http.StatusUnprocessableEntity,
	models.ErrRateLimited:  http.StatusTooManyRequests,
	models.ErrUnavailable:  http.StatusServiceUnavailable,
	models.ErrInternal:     http.StatusInternalServerError,
}

// codeOfStatus turns Fiber's own errors (unknown route, body too large …) into domain codes.
var codeOfStatus = map[int]string{
	http.StatusBadRequest:                  models.ErrMalformed,
	http.StatusUnauthorized:                models.ErrUnauthorized,
	http.StatusForbidden:                   models.ErrForbidden,
	http.StatusNotFound:                    models.ErrNotFound,
	http.StatusMethodNotAllowed:            models.ErrNotFound,
	http.StatusRequestEntityTooLarge:       models.ErrTooLarge,
	http.StatusRequestHeaderFieldsTooLarge: models.ErrHeaderLarge,
	http.StatusUnsupportedMediaType:        models.ErrMalformed,
	http.StatusTooManyRequests:             models.ErrRateLimited,
	http.StatusServiceUnavailable:          models.ErrUnavailable,
	http.StatusRequestTimeout:              models.ErrMalformed,
}

// Problem is an RFC 9457 problem details body, with the portal's code and field errors.
type Problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail"`
	Code      string            `json:"code"`
	Errors    map[string]string `json:"errors,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// problemOf turns any error into the problem the user sees; internal errors keep their
// detail out of it.
func problemOf(err error) Problem {
	var de *models.Error
	var fe *fiber.Error
	switch {
	case errors.As(err, &de):
	case errors.As(err, &fe):
		code, ok := codeOfStatus[fe.Code]
		if !ok {
			code = models.ErrInternal
		}
		msg := fe.Message
		switch code {
		case models.ErrTooLarge:
			msg = "the request body is too large"
		case models.ErrHeaderLarge:
			msg = "the request line or headers are too large (at most 8 KB)"
		}
		de = &models.Error{Code: code, Message: msg}
	default:
		de = &models.Error{Code: models.ErrInternal, Message: "something went wrong on our side; the request id identifies it in our logs"}
	}
	status := statusOf[de.Code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	code := de.Code
	if de.Reason != "" {
		code = de.Reason
	}
	return Problem{Type: "/api/problems/" + code, Title: http.StatusText(status), Status: status,
		Detail: de.Message, Code: code, Errors: de.Fields}
}

// errorHandler renders every error as problem+json, or as the HTML error page for a browser
// asking for a page, and logs internal errors with the request id.
func (a *App) errorHandler(c *fiber.Ctx, err error) error {
	p := problemOf(err)
	p.RequestID = requestID(c)
	if p.Status >= 500 && p.Code == models.ErrInternal {
		a.log.Error("internal error", "request_id", p.RequestID, "method", c.Method(), "path", loggedPath(c.Path()), "err", err)
	}
	if p.Status == http.StatusTooManyRequests {
		if ra := c.GetRespHeader(fiber.HeaderRetryAfter); ra == "" {
			c.Set(fiber.HeaderRetryAfter, "60")
		}
	}
	if wantsHTML(c) {
		return a.renderError(c, p)
	}
	c.Status(p.Status)
	c.Set(fiber.HeaderContentType, "application/problem+json")
	body, _ := json.Marshal(p)
	return c.Send(body)
}

func wantsHTML(c *fiber.Ctx) bool {
	if strings.HasPrefix(c.Path(), "/api/") {
		return false
	}
	return strings.Contains(c.Get(fiber.HeaderAccept), "text/html")
}

// maxJSONBody bounds a JSON request body; file uploads have their own, larger limit.
const maxJSONBody = 1 << 20

// decodeJSON reads the body into v strictly: JSON only, no unknown fields, no trailing data.
func decodeJSON(c *fiber.Ctx, v any) error {
	body := c.Body()
	if len(body) > maxJSONBody {
		return models.Errorf(models.ErrTooLarge, "the JSON body is %d bytes; at most %d are accepted", len(body), maxJSONBody)
	}
	if ct := c.Get(fiber.HeaderContentType); !strings.HasPrefix(ct, fiber.MIMEApplicationJSON) {
		return models.Errorf(models.ErrMalformed, "send the body as application/json")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return malformed(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return models.Errorf(models.ErrMalformed, "the body must hold one JSON object and nothing after it")
	}
	return textRefused(textFieldsWithNUL(reflect.ValueOf(v), "", map[string]string{}))
}

// textFieldsWithNUL names (by their JSON names) the decoded strings that hold a NUL byte,
// which "\u0000" in JSON produces and PostgreSQL refuses; invalid UTF-8 never gets this far
// (checkText refuses the body).
func textFieldsWithNUL(v reflect.Value, path string, bad map[string]string) map[string]string {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			textFieldsWithNUL(v.Elem(), path, bad)
		}
	case reflect.String:
		if strings.IndexByte(v.String(), 0) >= 0 {
			bad[cmp.Or(path, "body")] = textProblem
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			textFieldsWithNUL(v.Index(i), path, bad)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			textFieldsWithNUL(k, path, bad)
			textFieldsWithNUL(v.MapIndex(k), path, bad)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if f.Anonymous && name == "" {
				textFieldsWithNUL(v.Field(i), path, bad)
				continue
			}
			name = cmp.Or(name, f.Name)
			if path != "" {
				name = path + "." + name
			}
			textFieldsWithNUL(v.Field(i), name, bad)
		}
	}
	return bad
}

func malformed(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return models.Errorf(models.ErrMalformed, "the body is empty; send a JSON object")
	case errors.As(err, &syn):
		return models.Errorf(models.ErrMalformed, "the body is not valid JSON (at byte %d)", syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return models.Errorf(models.ErrMalformed, "the body must be a JSON object")
		}
		return &models.Error{Code: models.ErrMalformed, Message: fmt.Sprintf("%s must be %s", field, jsonKind(typ.Type.Kind().String())),
			Fields: map[string]string{field: "must be " + jsonKind(typ.Type.Kind().String())}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &models.Error{Code: models.ErrMalformed, Message: "unknown field " + field,
			Fields: map[string]string{field: "is not a field of this request"}}
	default:
		return models.Errorf(models.ErrMalformed, "the body could not be read: %v", err)
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	default:
		return "a " + goKind
	}
}
