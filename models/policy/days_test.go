package policy

import "testing"

func TestAmount(t *testing.T) {
	tests := []struct {
		name string
		v    Version
		days int
		want int
	}{
		{"seed: no days pays nothing", seed(), 0, 0},
		{"seed: negative days pays nothing", seed(), -3, 0},
		{"seed: one day at the first rate", seed(), 1, 150},
		{"seed: the last first-rate day", seed(), 10, 1500},
		{"seed: the first later-rate day", seed(), 11, 1600},
		{"seed: 30 days below the cap", seed(), 30, 3500},
		{"seed: 35 days reach the cap exactly", seed(), 35, 4000},
		{"seed: 36 days stay at the cap", seed(), 36, 4000},
		{"successor: no days pays nothing", successor(), 0, 0},
		{"successor: one day at its first rate", successor(), 1, 200},
		{"successor: its last first-rate day", successor(), 5, 1000},
		{"successor: its first later-rate day", successor(), 6, 1120},
		{"successor: 10 days", successor(), 10, 1600},
		{"successor: 11 days", successor(), 11, 1720},
		{"successor: 21 days just below its cap", successor(), 21, 2920},
		{"successor: 22 days capped", successor(), 22, 3000},
		{"successor: 30 days capped", successor(), 30, 3000},
		{"successor: 35 days capped", successor(), 35, 3000},
		{"successor: 36 days capped", successor(), 36, 3000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Amount(tt.v, tt.days); got != tt.want {
				t.Fatalf("Amount(%s, %d) = %d, want %d", tt.v.Code, tt.days, got, tt.want)
			}
		})
	}
}

func TestSubsidizedDays(t *testing.T) {
	tests := []struct {
		name               string
		attended, approved int
		want               int
	}{
		{"approved below attended caps at approved", 25, 20, 20},
		{"attended below approved pays attended", 12, 20, 12},
		{"equal", 20, 20, 20},
		{"nothing attended", 0, 20, 0},
		{"never negative", -1, 20, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SubsidizedDays(tt.attended, tt.approved); got != tt.want {
				t.Fatalf("SubsidizedDays(%d, %d) = %d, want %d", tt.attended, tt.approved, got, tt.want)
			}
		})
	}
}

func TestAttendedDays(t *testing.T) {
	w := Window{Start: day("2025-03-03"), End: day("2025-03-14")}
	today := day("2025-03-10")
	present := func(s string) Mark { return Mark{Day: day(s), Present: true, RecordedAfterApproval: true} }
	tests := []struct {
		name  string
		marks []Mark
		want  int
	}{
		{"no marks", nil, 0},
		{"each present day counts", []Mark{present("2025-03-03"), present("2025-03-04"), present("2025-03-05")}, 3},
		{"a date marked twice counts once", []Mark{present("2025-03-04"), present("2025-03-04"), present("2025-03-05")}, 2},
		{"the window's first and last days count", []Mark{present("2025-03-03"), present("2025-03-10")}, 2},
		{"the day before the window is ignored", []Mark{present("2025-03-02"), present("2025-03-03")}, 1},
		{"a day after the window is ignored", []Mark{present("2025-03-15")}, 0},
		{"today counts", []Mark{present("2025-03-10")}, 1},
		{"a future day inside the window is ignored", []Mark{present("2025-03-11"), present("2025-03-14")}, 0},
		{"absent marks are ignored", []Mark{{Day: day("2025-03-04"), Present: false, RecordedAfterApproval: true}}, 0},
		{"marks recorded before approval are ignored", []Mark{{Day: day("2025-03-04"), Present: true}}, 0},
		{"an absent mark does not cancel a present one on the same day",
			[]Mark{present("2025-03-04"), {Day: day("2025-03-04"), RecordedAfterApproval: true}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AttendedDays(w, today, tt.marks); got != tt.want {
				t.Fatalf("AttendedDays = %d, want %d", got, tt.want)
			}
		})
	}
}
