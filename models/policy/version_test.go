package policy

import "testing"

func TestInForceOn(t *testing.T) {
	versions := []Version{seed(), successor()}
	tests := []struct {
		name, on string
		want     string // code, "" when none is in force
	}{
		{"the day before the seed window has none", "2022-09-25", ""},
		{"the seed's first day", "2022-09-26", seed().Code},
		{"the seed's last day", "2025-09-25", seed().Code},
		{"the successor's first day", "2025-09-26", successor().Code},
		{"the successor's last day", "2028-09-25", successor().Code},
		{"after every window has none", "2028-09-26", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := InForceOn(versions, day(tt.on))
			if ok != (tt.want != "") || v.Code != tt.want {
				t.Fatalf("InForceOn(%s) = %q, %v; want %q", tt.on, v.Code, ok, tt.want)
			}
		})
	}
}

func TestInForceOnlySeed(t *testing.T) {
	if _, ok := InForceOn([]Version{seed()}, day("2025-09-26")); ok {
		t.Fatal("2025-09-26 is after the seed window, no version should be in force")
	}
	if _, ok := InForceOn(nil, day("2024-01-01")); ok {
		t.Fatal("no versions means none in force")
	}
}
