// Package models holds the portal's entities, their queries, the schema migrations and the
// one error type every layer above speaks.
package models

import (
	"errors"
	"fmt"
)

// Error codes; handlers map each to one HTTP status in one place.
const (
	ErrMalformed    = "malformed"         // the request could not be read (400)
	ErrUnauthorized = "unauthorized"      // no valid credentials (401)
	ErrForbidden    = "forbidden"         // authenticated, but not allowed (403)
	ErrNotFound     = "not_found"         // no such record, or not visible to the caller (404)
	ErrConflict     = "conflict"          // the record exists or changed meanwhile (409)
	ErrTooLarge     = "too_large"         // the body is over the limit (413)
	ErrHeaderLarge  = "headers_too_large" // the request line or headers are over the limit (431)
	ErrInvalid      = "invalid"           // a field value is not acceptable (422)
	ErrRule         = "rule"              // a policy or business rule refuses it (422)
	ErrRateLimited  = "rate_limited"      // too many attempts (429)
	ErrUnavailable  = "unavailable"       // a dependency is down (503)
	ErrInternal     = "internal"          // a bug or an unexpected failure (500)
)

// Error is the domain error: Code says what kind of failure it is, Reason (optional) is the
// specific machine-readable cause such as "employment_target_not_met", Fields maps a JSON
// field name to what is wrong with it.
type Error struct {
	Code    string
	Reason  string
	Message string
	Fields  map[string]string
}

func (e *Error) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("%s (%s): %s", e.Code, e.Reason, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf makes an Error of the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError makes an invalid-input Error naming one field.
func FieldError(field, message string) *Error {
	return &Error{Code: ErrInvalid, Message: field + ": " + message, Fields: map[string]string{field: message}}
}

// RuleError makes a rule-broken Error with its reason code.
func RuleError(reason, message string) *Error {
	return &Error{Code: ErrRule, Reason: reason, Message: message}
}

// ConflictError makes a conflict Error with its reason code.
func ConflictError(reason, message string) *Error {
	return &Error{Code: ErrConflict, Reason: reason, Message: message}
}

// ErrorCode returns the code of a domain error, or ErrInternal for any other error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ErrInternal
}

// NotFound makes a not-found Error for an entity.
func NotFound(entity string) *Error {
	return &Error{Code: ErrNotFound, Message: entity + " not found"}
}

// ptr returns a pointer to a copy of v, for optional fields.
func ptr[T any](v T) *T { return &v }
