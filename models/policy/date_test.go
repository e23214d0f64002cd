package policy

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		name, in string
		want     Date
		ok       bool
	}{
		{"plain date", "2022-09-26", Date{2022, time.September, 26}, true},
		{"leap day in a leap year", "2024-02-29", Date{2024, time.February, 29}, true},
		{"leap day in a common year is refused", "2023-02-29", Date{}, false},
		{"month 13 is refused", "2022-13-01", Date{}, false},
		{"single-digit month is refused", "2022-9-26", Date{}, false},
		{"time of day is refused", "2022-09-26T00:00:00Z", Date{}, false},
		{"empty is refused", "", Date{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("ParseDate(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestAddDays(t *testing.T) {
	tests := []struct {
		name, from string
		n          int
		want       string
	}{
		{"zero days is the same day", "2025-03-01", 0, "2025-03-01"},
		{"across a month end", "2025-01-31", 1, "2025-02-01"},
		{"across a leap day", "2024-02-28", 1, "2024-02-29"},
		{"backwards across a year", "2025-01-01", -1, "2024-12-31"},
		{"180-day employment window", "2025-06-30", 180, "2025-12-27"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := day(tt.from).AddDays(tt.n).String(); got != tt.want {
				t.Fatalf("%s + %d = %s, want %s", tt.from, tt.n, got, tt.want)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	a, b := day("2024-12-31"), day("2025-01-01")
	if !a.Before(b) || a.After(b) || a.Equal(b) || !b.After(a) || !a.Equal(day("2024-12-31")) {
		t.Fatal("ordering of 2024-12-31 and 2025-01-01 is wrong")
	}
	if a.Year() != 2024 || b.Year() != 2025 {
		t.Fatalf("years = %d, %d", a.Year(), b.Year())
	}
}

func TestDateOfUsesTheClockZone(t *testing.T) {
	// 2025-09-25 20:00 UTC is already 2025-09-26 in Beijing.
	shanghai := time.FixedZone("CST", 8*3600)
	now := time.Date(2025, 9, 25, 20, 0, 0, 0, time.UTC)
	if got := DateOf(now.In(shanghai)).String(); got != "2025-09-26" {
		t.Fatalf("DateOf in CST = %s, want 2025-09-26", got)
	}
	if got := DateOf(now).String(); got != "2025-09-25" {
		t.Fatalf("DateOf in UTC = %s, want 2025-09-25", got)
	}
}
