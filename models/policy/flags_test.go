package policy

import (
	"reflect"
	"testing"
)

// id is a GB 11643-shaped number born on yyyymmdd with sex digit sex (check digit not checked here).
func id(yyyymmdd string, sex byte) string { return "140105" + yyyymmdd + "00" + string(sex) + "X" }

func TestFlags(t *testing.T) {
	prog := FlagProgram{Version: seedWithAges(), Window: Window{Start: day("2025-03-03"), End: day("2025-04-11")}, ProviderUSCC: "52140000PROVIDER1"}
	clean := FlagTrainee{IDNumber: id("19900101", '1'), Phone: "13900000001", EvidenceSHA256: "aa", EmployerUSCC: "91140000EMPLOYER1",
		EmployedOnEvidence: true, EmploymentConfirmed: true, ExtractCoversPeriod: true}
	with := func(f func(t *FlagTrainee)) FlagTrainee { c := clean; f(&c); return c }
	tests := []struct {
		name     string
		prog     FlagProgram
		trainees []FlagTrainee
		want     []string // flags of the first trainee
	}{
		{"a clean trainee has no flags", prog, []FlagTrainee{clean}, []string{}},
		{"15 years old on the first day", prog, []FlagTrainee{with(func(t *FlagTrainee) { t.IDNumber = id("20090304", '1') })}, []string{FlagAgeOutsideWorkingAge}},
		{"16 on the first day is of working age", prog, []FlagTrainee{with(func(t *FlagTrainee) { t.IDNumber = id("20090303", '1') })}, []string{}},
		{"a man of 60 is retired", prog, []FlagTrainee{with(func(t *FlagTrainee) { t.IDNumber = id("19650303", '3') })}, []string{FlagAgeOutsideWorkingAge}},
		{"a man a day short of 60 is not", prog, []FlagTrainee{with(func(t *FlagTrainee) { t.IDNumber = id("19650304", '3') })}, []string{}},
		{"a woman of 55 is retired", prog, []FlagTrainee{with(func(t *FlagTrainee) { t.IDNumber = id("19700303", '2') })}, []string{FlagAgeOutsideWorkingAge}},
		{"a woman of 54 is not", prog, []FlagTrainee{with(func(t *FlagTrainee) { t.IDNumber = id("19700304", '2') })}, []string{}},
		{"one evidence file on two trainees", prog, []FlagTrainee{clean, with(func(t *FlagTrainee) { t.Phone = "13900000002" })}, []string{FlagSharedEvidenceFile}},
		{"an evidence file used on another program", prog, []FlagTrainee{with(func(t *FlagTrainee) { t.EvidenceElsewhere = true })}, []string{FlagSharedEvidenceFile}},
		{"one phone on two trainees", prog, []FlagTrainee{clean, with(func(t *FlagTrainee) { t.EvidenceSHA256 = "bb" })}, []string{FlagSharedPhone}},
		{"employed by the provider itself", prog, []FlagTrainee{with(func(t *FlagTrainee) { t.EmployerUSCC = prog.ProviderUSCC })}, []string{FlagEmployerIsProvider}},
		{"an extract covers the period, no record of the person confirms", prog, []FlagTrainee{with(func(t *FlagTrainee) { t.EmploymentConfirmed = false })}, []string{FlagEmploymentNotVerified}},
		{"no extract covers the period: nothing to say", prog, []FlagTrainee{with(func(t *FlagTrainee) { t.EmploymentConfirmed, t.ExtractCoversPeriod = false, false })}, []string{}},
		{"not employed on evidence: nothing to confirm", prog, []FlagTrainee{with(func(t *FlagTrainee) { t.EmployedOnEvidence, t.EmploymentConfirmed = false, false })}, []string{}},
		{"a phone shared only with a withdrawn trainee", prog, []FlagTrainee{with(func(t *FlagTrainee) { t.EvidenceSHA256 = "bb" }), with(func(t *FlagTrainee) { t.Withdrawn = true })}, []string{}},
		{"a withdrawn trainee is not flagged for a shared phone", prog, []FlagTrainee{with(func(t *FlagTrainee) { t.EvidenceSHA256, t.Withdrawn = "bb", true }), clean}, []string{}},
		{"roll days without check-in where check-ins are used", FlagProgram{Version: prog.Version, Window: prog.Window, UsesCheckin: true},
			[]FlagTrainee{with(func(t *FlagTrainee) { t.RollWithoutCheckin = 2 })}, []string{FlagRollWithoutCheckin}},
		{"roll days without check-in where nobody checks in", prog, []FlagTrainee{with(func(t *FlagTrainee) { t.RollWithoutCheckin = 2 })}, []string{}},
		{"another program overlapping by one day", prog, []FlagTrainee{with(func(t *FlagTrainee) {
			t.OtherPrograms = []Window{{Start: day("2025-04-11"), End: day("2025-05-01")}}
		})}, []string{FlagOverlappingProgram}},
		{"checked in from a device another trainee of the program used", prog, []FlagTrainee{with(func(t *FlagTrainee) { t.SharedCheckinDevice = true })}, []string{FlagSharedCheckinDevice}},
		{"another program right after", prog, []FlagTrainee{with(func(t *FlagTrainee) {
			t.OtherPrograms = []Window{{Start: day("2025-04-12"), End: day("2025-05-01")}}
		})}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Flags(tt.prog, tt.trainees)[0]
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Flags = %v, want %v", got, tt.want)
			}
			for _, f := range got {
				if FlagText(f) == "" {
					t.Fatalf("flag %s has no Chinese explanation", f)
				}
			}
		})
	}
}

func seedWithAges() Version {
	v := seed()
	v.RetirementAgeMale, v.RetirementAgeFemale = 60, 55
	return v
}

func TestEmploymentConfirmed(t *testing.T) {
	v := seed()                                                           // window 180 days
	from, to := EmploymentPeriod(v, day("2025-04-11"), day("2025-05-06")) // 2025-05 … 2025-10
	m := func(s string) Month { n, _ := ParseMonth(s); return n }
	tests := []struct {
		name  string
		spans []InsuredSpan
		uscc  string
		want  bool
	}{
		{"a span inside the period", []InsuredSpan{{"E1", m("2025-06"), m("2025-08")}}, "E1", true},
		{"a span touching the first month", []InsuredSpan{{"E1", m("2024-01"), m("2025-05")}}, "E1", true},
		{"a span touching the last month", []InsuredSpan{{"E1", m("2025-10"), m("2026-03")}}, "E1", true},
		{"a span ending the month before", []InsuredSpan{{"E1", m("2024-01"), m("2025-04")}}, "E1", false},
		{"a span starting the month after", []InsuredSpan{{"E1", m("2025-11"), m("2026-03")}}, "E1", false},
		{"another employer", []InsuredSpan{{"E2", m("2025-06"), m("2025-08")}}, "E1", false},
		{"no employer code on the employment", []InsuredSpan{{"", m("2025-06"), m("2025-08")}}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EmploymentConfirmed(tt.spans, tt.uscc, from, to); got != tt.want {
				t.Fatalf("EmploymentConfirmed = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("an extract covering a month of the period, or none", func(t *testing.T) {
		for _, tt := range []struct {
			name     string
			extracts []MonthSpan
			want     bool
		}{
			{"no extract", nil, false},
			{"one ending the month before", []MonthSpan{{m("2024-01"), m("2025-04")}}, false},
			{"one starting the month after", []MonthSpan{{m("2025-11"), m("2026-06")}}, false},
			{"one reaching the first month", []MonthSpan{{m("2024-01"), m("2025-05")}}, true},
			{"one starting in the last month", []MonthSpan{{m("2025-10"), m("2025-12")}}, true},
			{"one outside, one inside", []MonthSpan{{m("2023-01"), m("2023-12")}, {m("2025-07"), m("2025-07")}}, true},
		} {
			if got := ExtractCovers(tt.extracts, from, to); got != tt.want {
				t.Errorf("%s: ExtractCovers = %v, want %v", tt.name, got, tt.want)
			}
		}
	})
	t.Run("proof rules", func(t *testing.T) {
		si := seed()
		si.EmploymentProof, si.AttendanceProof = EmploymentSocialInsurance, AttendanceCheckin
		if !CountsAsEmployed(seed(), true, false) || CountsAsEmployed(si, true, false) || !CountsAsEmployed(si, true, true) {
			t.Fatal("employment_proof misapplied")
		}
		if CountedDays(seed(), 10, 3) != 10 || CountedDays(si, 10, 3) != 3 {
			t.Fatal("attendance_proof misapplied")
		}
	})
}

func TestCheckinCode(t *testing.T) {
	key := []byte("k")
	c := CheckinCode(key, 7, 1000)
	if len(c) != 6 || c != CheckinCode(key, 7, 1000) {
		t.Fatalf("code %q is not a stable 6-digit code", c)
	}
	if c == CheckinCode(key, 8, 1000) && c == CheckinCode(key, 7, 1001) {
		t.Fatal("the code must depend on the program and the window")
	}
	tests := []struct {
		name string
		w    int64
		want bool
	}{
		{"its own window", 1000, true},
		{"the next window still accepts it", 1001, true},
		{"two windows later it is stale", 1002, false},
		{"the window before does not accept a later code", 999, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckinCodeValid(key, 7, tt.w, c); got != tt.want {
				t.Fatalf("valid in %d = %v", tt.w, got)
			}
		})
	}
}

func TestDraw(t *testing.T) {
	pop := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	tests := []struct {
		name          string
		n, percent, k int
	}{
		{"10% of 11 rounds up to 2", 11, 10, 2},
		{"1% of 11 is still one", 11, 1, 1},
		{"100% draws all", 11, 100, 11},
		{"none to draw from", 0, 50, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DrawSize(tt.n, tt.percent); got != tt.k {
				t.Fatalf("DrawSize = %d, want %d", got, tt.k)
			}
		})
	}
	t.Run("the same seed draws the same claims, another seed may not", func(t *testing.T) {
		a, b := Draw("seed-1", pop, 30), Draw("seed-1", []int64{11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 30)
		if !reflect.DeepEqual(a, b) || len(a) != 4 {
			t.Fatalf("%v vs %v", a, b)
		}
	})
}

func TestDisclosedRate(t *testing.T) {
	tests := []struct {
		name     string
		num, den int
		bp       int
		ok       bool
	}{
		{"both at least 5", 5, 6, 8333, true},
		{"numerator of 4 withholds", 4, 6, 0, false},
		{"denominator of 4 withholds", 4, 4, 0, false},
		{"nobody completed", 0, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bp, ok := DisclosedRate(tt.num, tt.den)
			if bp != tt.bp || ok != tt.ok {
				t.Fatalf("DisclosedRate = %d, %v", bp, ok)
			}
		})
	}
}
