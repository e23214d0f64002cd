package policy

// Month is a calendar month counted from year 0 (y·12 + m − 1), so spans compare as integers.
type Month int

// MonthOf is the month of a date.
func MonthOf(d Date) Month { return Month(d.Y*12 + int(d.M) - 1) }

// ParseMonth reads YYYY-MM; ok is false for anything else.
func ParseMonth(s string) (Month, bool) {
	d, err := ParseDate(s + "-01")
	if err != nil || len(s) != 7 {
		return 0, false
	}
	return MonthOf(d), true
}

// InsuredSpan is one social-insurance contribution record (社保缴费记录) of a person: an
// employer and the months from From to To, both included.
type InsuredSpan struct {
	EmployerUSCC string
	From, To     Month
}

// EmploymentPeriod is the months in which social insurance confirms an employment: from the
// employment's start month to the month of the program's end + the employment window.
func EmploymentPeriod(v Version, programEnd, employmentStart Date) (from, to Month) {
	return MonthOf(employmentStart), MonthOf(programEnd.AddDays(v.EmploymentWindowDays))
}

// EmploymentConfirmed reports whether a record of the person with the same employer covers at
// least one month of [from, to].
func EmploymentConfirmed(spans []InsuredSpan, employerUSCC string, from, to Month) bool {
	if employerUSCC == "" {
		return false
	}
	for _, s := range spans {
		if s.EmployerUSCC == employerUSCC && s.From <= to && s.To >= from {
			return true
		}
	}
	return false
}

// MonthSpan is the months from From to To, both included: what one imported extract covers
// (its rows' earliest from_month to their latest to_month).
type MonthSpan struct{ From, To Month }

// ExtractCovers reports whether any imported extract covers at least one month of [from, to]:
// then the records for that period exist, and an employment none of them confirms is
// flagged employment_not_verified — also when the person has no record at all in them.
func ExtractCovers(extracts []MonthSpan, from, to Month) bool {
	for _, e := range extracts {
		if e.From <= to && e.To >= from {
			return true
		}
	}
	return false
}

// CountsAsEmployed applies the version's employment_proof: under social_insurance an
// employment on evidence counts only when confirmed.
func CountsAsEmployed(v Version, onEvidence, confirmed bool) bool {
	if v.EmploymentProof == EmploymentSocialInsurance {
		return onEvidence && confirmed
	}
	return onEvidence
}

// CountedDays applies the version's attendance_proof: the roll's days, or under checkin only
// the days the trainee checked in.
func CountedDays(v Version, rollDays, checkinDays int) int {
	if v.AttendanceProof == AttendanceCheckin {
		return checkinDays
	}
	return rollDays
}
