package policy

import "strings"

// Evidence types that prove employment (以签订就业协议或提供就业证明为准).
const (
	EvidenceAgreement   = "agreement"   // signed employment agreement (就业协议)
	EvidenceCertificate = "certificate" // employment certificate (就业证明)
)

// Employment is a trainee's employment record.
type Employment struct {
	EvidenceType string
	EvidenceNo   string
	EmployerName string
	StartOn      Date
}

// Employed reports whether a trainee counts as employed: completed, with agreement or
// certificate evidence, a non-blank evidence number and employer, and a start date no
// later than programEnd + the version's employment window.
func Employed(v Version, programEnd Date, completed bool, e *Employment) bool {
	if !completed || e == nil {
		return false
	}
	if e.EvidenceType != EvidenceAgreement && e.EvidenceType != EvidenceCertificate {
		return false
	}
	if strings.TrimSpace(e.EvidenceNo) == "" || strings.TrimSpace(e.EmployerName) == "" {
		return false
	}
	if e.StartOn.IsZero() {
		return false
	}
	return !e.StartOn.After(programEnd.AddDays(v.EmploymentWindowDays))
}

// Outcome is a program's standing against the employment target.
type Outcome struct {
	Completed      int
	Employed       int
	TargetPercent  int  // the version's employment_target_percent
	MeetsTarget    bool // completed ≥ 1 and employed·100 ≥ completed·target
	EmployedNeeded int  // more employed completers needed to meet the target
	// RateBasisPoints is employed/completed in hundredths of a percent, rounded down
	// (7999 is 79.99%), 0 when nobody completed. Rounding down keeps it consistent with
	// MeetsTarget: the rate never shows the target reached when it is not.
	RateBasisPoints int
}

// Target judges a program's employment rate (就业率) against the version's target using
// integer arithmetic only.
func Target(v Version, completed, employed int) Outcome {
	target := v.EmploymentTargetPercent
	o := Outcome{Completed: completed, Employed: employed, TargetPercent: target}
	o.MeetsTarget = completed >= 1 && employed*100 >= completed*target
	o.EmployedNeeded = max(0, ceilDiv(completed*target, 100)-employed)
	if completed > 0 {
		o.RateBasisPoints = employed * 10000 / completed
	}
	return o
}

// ceilDiv is ⌈a/b⌉ for a ≥ 0, b > 0.
func ceilDiv(a, b int) int { return (a + b - 1) / b }
