package policy

import "testing"

func TestEmployed(t *testing.T) {
	end := day("2025-06-30") // end + 180 days = 2025-12-27
	good := func(start string) *Employment {
		return &Employment{EvidenceType: EvidenceAgreement, EvidenceNo: "JY-001", EmployerName: "清徐县某醋业公司", StartOn: day(start)}
	}
	with := func(f func(e *Employment)) *Employment { e := good("2025-07-01"); f(e); return e }
	tests := []struct {
		name      string
		v         Version
		completed bool
		e         *Employment
		want      bool
	}{
		{"agreement soon after the end", seed(), true, good("2025-07-01"), true},
		{"certificate is evidence too", seed(), true, with(func(e *Employment) { e.EvidenceType = EvidenceCertificate }), true},
		{"started before the program ended", seed(), true, good("2025-05-01"), true},
		{"the window's last day (end + 180) passes", seed(), true, good("2025-12-27"), true},
		{"the day after the window fails", seed(), true, good("2025-12-28"), false},
		{"the successor's 90-day window is data", successor(), true, good("2025-09-28"), true},
		{"the day after the successor's window fails", successor(), true, good("2025-09-29"), false},
		{"another evidence type fails", seed(), true, with(func(e *Employment) { e.EvidenceType = "contract" }), false},
		{"no evidence type fails", seed(), true, with(func(e *Employment) { e.EvidenceType = "" }), false},
		{"blank evidence number fails", seed(), true, with(func(e *Employment) { e.EvidenceNo = "  " }), false},
		{"blank employer fails", seed(), true, with(func(e *Employment) { e.EmployerName = "\t" }), false},
		{"no start date fails", seed(), true, with(func(e *Employment) { e.StartOn = Date{} }), false},
		{"not completed fails", seed(), false, good("2025-07-01"), false},
		{"no employment record fails", seed(), true, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Employed(tt.v, end, tt.completed, tt.e); got != tt.want {
				t.Fatalf("Employed = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTarget(t *testing.T) {
	tests := []struct {
		name                string
		v                   Version
		completed, employed int
		meets               bool
		needed, basisPoints int
	}{
		{"exactly 80% (4 of 5) meets", seed(), 5, 4, true, 0, 8000},
		{"one below (3 of 4 = 75%) fails", seed(), 4, 3, false, 1, 7500},
		{"just under 80% (39 of 49) fails", seed(), 49, 39, false, 1, 7959},
		{"nobody completed never meets", seed(), 0, 0, false, 0, 0},
		{"5 completed, 2 employed needs 2 more", seed(), 5, 2, false, 2, 4000},
		{"7 completed, none employed needs ceil(5.6) = 6", seed(), 7, 0, false, 6, 0},
		{"10 completed, 8 employed needs none", seed(), 10, 8, true, 0, 8000},
		{"all employed", seed(), 3, 3, true, 0, 10000},
		{"the successor's 60% target is data (3 of 5)", successor(), 5, 3, true, 0, 6000},
		{"the successor's 60% target, one below (2 of 5)", successor(), 5, 2, false, 1, 4000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Target(tt.v, tt.completed, tt.employed)
			if o.MeetsTarget != tt.meets || o.EmployedNeeded != tt.needed || o.RateBasisPoints != tt.basisPoints {
				t.Fatalf("Target(%d, %d) = meets %v needed %d rate %d; want %v %d %d",
					tt.completed, tt.employed, o.MeetsTarget, o.EmployedNeeded, o.RateBasisPoints,
					tt.meets, tt.needed, tt.basisPoints)
			}
			if o.Completed != tt.completed || o.Employed != tt.employed || o.TargetPercent != tt.v.EmploymentTargetPercent {
				t.Fatalf("Target echoes %+v", o)
			}
		})
	}
}
