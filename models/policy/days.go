package policy

// Window is a training program's [start_on, end_on], both days included.
type Window struct {
	Start Date
	End   Date
}

// Mark is one attendance record of a trainee for one day.
type Mark struct {
	Day                   Date
	Present               bool
	RecordedAfterApproval bool // recorded at or after the program's approval
}

// AttendedDays counts the distinct dates inside w, not after today, on which the trainee
// was marked present by a mark recorded after the program was approved.
func AttendedDays(w Window, today Date, marks []Mark) int {
	seen := make(map[Date]bool, len(marks))
	for _, m := range marks {
		if !m.Present || !m.RecordedAfterApproval {
			continue
		}
		if m.Day.Before(w.Start) || m.Day.After(w.End) || m.Day.After(today) {
			continue
		}
		seen[m.Day] = true
	}
	return len(seen)
}

// SubsidizedDays is min(attended, approved days), never negative.
func SubsidizedDays(attended, approvedDays int) int {
	return max(0, min(attended, approvedDays))
}

// Amount is the tiered training subsidy (阶梯式补贴) in whole yuan for days subsidized days:
// min(cap, first rate·min(days, first days) + later rate·max(days − first days, 0)).
func Amount(v Version, days int) int {
	_, _, uncapped := Tiers(v, days)
	return min(v.CapPerPersonYuan, uncapped)
}

// Tiers splits subsidized days into those paid at the first rate and those at the later
// rate, with their sum before the cap; reviewers see the computation in these terms.
func Tiers(v Version, days int) (first, later, uncapped int) {
	if days <= 0 {
		return 0, 0, 0
	}
	first = min(days, v.FirstDays)
	later = max(days-v.FirstDays, 0)
	return first, later, v.FirstDayRateYuan*first + v.LaterDayRateYuan*later
}
