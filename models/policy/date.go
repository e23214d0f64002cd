package policy

import (
	"fmt"
	"time"
)

// Date is a civil calendar date with no time of day and no time zone, so that
// "the same day" never depends on where the server runs.
type Date struct {
	Y int
	M time.Month
	D int
}

// NewDate builds a Date, normalising overflowing fields the way time.Date does
// (2022-02-30 becomes 2022-03-02).
func NewDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// DateOf is the calendar date of t in t's own location; callers pass their clock's
// "now" in the zone whose day they mean.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Y: y, M: m, D: d}
}

// ParseDate reads a strict YYYY-MM-DD date and refuses impossible days such as 2023-02-29.
func ParseDate(s string) (Date, error) {
	if len(s) != len("2006-01-02") {
		return Date{}, fmt.Errorf("policy: date %q is not YYYY-MM-DD", s)
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("policy: date %q is not a valid YYYY-MM-DD date", s)
	}
	return DateOf(t), nil
}

// String formats the date as YYYY-MM-DD, the form the API and the database use.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Y, int(d.M), d.D)
}

// IsZero reports whether d is the zero Date, i.e. no date was given.
func (d Date) IsZero() bool { return d == Date{} }

// AddDays is the date n calendar days later (earlier for negative n).
func (d Date) AddDays(n int) Date { return NewDate(d.Y, d.M, d.D+n) }

// Year is the calendar year of d.
func (d Date) Year() int { return d.Y }

// Compare returns -1 if d is before e, 0 if they are the same day and +1 if d is after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Y != e.Y:
		return sign(d.Y - e.Y)
	case d.M != e.M:
		return sign(int(d.M) - int(e.M))
	default:
		return sign(d.D - e.D)
	}
}

// Before reports whether d is an earlier day than e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is a later day than e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// Equal reports whether d and e are the same day.
func (d Date) Equal(e Date) bool { return d.Compare(e) == 0 }

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
