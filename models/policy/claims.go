package policy

import "errors"

// Reasons a claim line carries no amount (excluded_reason).
const (
	ReasonNotCompleted      = "not_completed"
	ReasonNotEmployed       = "not_employed"
	ReasonAlreadySubsidized = "already_subsidized" // 不重复奖补
)

// Trainee is one enrolment as the claim rules see it.
type Trainee struct {
	Key       string // keyed hash of the ID-card number: the person, not the enrolment
	Attended  int    // days attended (see AttendedDays)
	Completed bool
	Employed  bool // see Employed
}

// Line is one trainee's line of a training claim.
type Line struct {
	Key            string
	SubsidizedDays int
	AmountYuan     int
	Eligible       bool   // true iff ExcludedReason is empty
	ExcludedReason string // "", ReasonNotCompleted, ReasonNotEmployed or ReasonAlreadySubsidized
}

// Lines computes a training claim: one line per trainee, in the given order, so reviewers
// see every enrolment. A completer (an employed completer when the version says
// SubsidizeEmployed) gets the amount for its subsidized days; any other trainee gets 0 and
// the reason. A person already on a line elsewhere in the year (alreadySubsidized) or on an
// earlier eligible line of this list keeps the line with amount 0 and ReasonAlreadySubsidized.
// alreadySubsidized may be nil.
func Lines(v Version, approvedDays int, trainees []Trainee, alreadySubsidized func(key string) bool) []Line {
	// Only "completed" relaxes the employment condition; an unknown value pays the stricter way.
	needEmployed := v.Subsidize != SubsidizeCompleted
	paid := make(map[string]bool, len(trainees))
	lines := make([]Line, 0, len(trainees))
	for _, t := range trainees {
		l := Line{Key: t.Key, SubsidizedDays: SubsidizedDays(t.Attended, approvedDays)}
		switch {
		case !t.Completed:
			l.ExcludedReason = ReasonNotCompleted
		case needEmployed && !t.Employed:
			l.ExcludedReason = ReasonNotEmployed
		case paid[t.Key] || (alreadySubsidized != nil && alreadySubsidized(t.Key)):
			l.ExcludedReason = ReasonAlreadySubsidized
		default:
			l.Eligible = true
			l.AmountYuan = Amount(v, l.SubsidizedDays)
			paid[t.Key] = true
		}
		lines = append(lines, l)
	}
	return lines
}

// Total is the sum of the lines' amounts in yuan.
func Total(lines []Line) int {
	sum := 0
	for _, l := range lines {
		sum += l.AmountYuan
	}
	return sum
}

// ErrNotEligibleEnterprise refuses an on-the-job claim from an enterprise that is not
// verified or does not belong to a professional town.
var ErrNotEligibleEnterprise = errors.New("policy: on-the-job subsidy needs a verified enterprise of a professional town")

// OnjobEnterprise is what Article 8 asks of an enterprise claiming on-the-job training.
type OnjobEnterprise struct {
	Verified           bool
	InProfessionalTown bool
}

// OnjobAmount is the on-the-job skill-upgrade subsidy (在岗职工职业技能提升培训):
// onjob rate × eligible trainees, or ErrNotEligibleEnterprise.
func OnjobAmount(v Version, e OnjobEnterprise, eligible int) (int, error) {
	if !e.Verified || !e.InProfessionalTown {
		return 0, ErrNotEligibleEnterprise
	}
	return v.OnjobRateYuan * max(eligible, 0), nil
}

// SubsidyYear is the calendar year a line counts in for the no-double-subsidy rule: the
// year of the program's end_on or of the on-the-job training date.
func SubsidyYear(d Date) int { return d.Year() }
