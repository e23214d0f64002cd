package models

import (
	"errors"
	"reflect"
	"strings"
	"time"
	"unicode"

	"github.com/go-playground/validator/v10"

	"portal/personal"
)

var validate = newValidator()

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || name == "" {
			return f.Name
		}
		return name
	})
	_ = v.RegisterValidation("phone", func(fl validator.FieldLevel) bool { return personal.ValidPhone(fl.Field().String()) })
	_ = v.RegisterValidation("uscc", func(fl validator.FieldLevel) bool { return personal.ValidUSCC(fl.Field().String()) == nil })
	_ = v.RegisterValidation("date", func(fl validator.FieldLevel) bool { _, err := ParseDate(fl.Field().String()); return err == nil })
	_ = v.RegisterValidation("password", func(fl validator.FieldLevel) bool { return passwordProblem(fl.Field().String()) == "" })
	_ = v.RegisterValidation("trimmed", func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		return s == strings.TrimSpace(s)
	})
	return v
}

// Validate checks an input struct's `validate` tags and reports every broken field by its
// JSON name, as an invalid-input Error.
func Validate(input any) error {
	err := validate.Struct(input)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return err
	}
	fields := map[string]string{}
	var names []string
	for _, fe := range verrs {
		field := fieldPath(fe)
		if _, dup := fields[field]; dup {
			continue
		}
		fields[field] = describe(fe)
		names = append(names, field)
	}
	return &Error{Code: ErrInvalid, Message: "invalid " + strings.Join(names, ", "), Fields: fields}
}

// fieldPath drops the struct's own name from the namespace: "RegisterInput.phone" → "phone".
func fieldPath(fe validator.FieldError) string {
	ns := fe.Namespace()
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return fe.Field()
}

func describe(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "phone":
		return "must be a mainland mobile number of 11 digits starting 13–19"
	case "uscc":
		if err := personal.ValidUSCC(fe.Value().(string)); err != nil {
			return err.Error()
		}
		return "is not a valid unified social credit code"
	case "date":
		return "must be a date written YYYY-MM-DD"
	case "password":
		return passwordProblem(fe.Value().(string))
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "min":
		if fe.Kind() == reflect.String {
			return "must be at least " + fe.Param() + " characters"
		}
		return "must be at least " + fe.Param()
	case "max":
		if fe.Kind() == reflect.String {
			return "must be at most " + fe.Param() + " characters"
		}
		return "must be at most " + fe.Param()
	case "gt":
		return "must be greater than " + fe.Param()
	case "gte":
		return "must be at least " + fe.Param()
	case "lte":
		return "must be at most " + fe.Param()
	case "trimmed":
		return "must not start or end with spaces"
	default:
		return "is not valid (" + fe.Tag() + ")"
	}
}

// passwordProblem says what is wrong with a password, or "" when it is acceptable.
func passwordProblem(p string) string {
	if len([]rune(p)) < 8 {
		return "must be at least 8 characters"
	}
	if len(p) > 72 {
		return "must be at most 72 bytes"
	}
	allDigits := true
	for _, r := range p {
		if !unicode.IsDigit(r) {
			allDigits = false
			break
		}
	}
	if allDigits {
		return "must not be digits only"
	}
	return ""
}

// China is the time zone the policy's dates are counted in (UTC+8, no daylight saving).
var China = time.FixedZone("CST", 8*3600)

// Today is the date in China at instant t, as YYYY-MM-DD.
func Today(t time.Time) string { return t.In(China).Format(DateLayout) }

// DateLayout is how every date travels: YYYY-MM-DD.
const DateLayout = "2006-01-02"

// ParseDate reads a YYYY-MM-DD date strictly, in the years 2000 to 2100 (SPEC §7): a date
// outside them is a typing slip, never a training day or an expiry.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil || t.Format(DateLayout) != s {
		return time.Time{}, errors.New("must be a date written YYYY-MM-DD")
	}
	if t.Year() < 2000 || t.Year() > 2100 {
		return time.Time{}, errors.New("must be a date between 2000-01-01 and 2100-12-31")
	}
	return t, nil
}
