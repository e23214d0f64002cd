package personal

import "testing"

func TestValidPhone(t *testing.T) {
	tests := []struct {
		name  string
		phone string
		want  bool
	}{
		{"13x mobile is valid", "13812341234", true},
		{"19x mobile is valid", "19912345678", true},
		{"second digit 2 is refused", "12812341234", false},
		{"landline-style leading 0 is refused", "02812341234", false},
		{"10 digits are refused", "1381234123", false},
		{"12 digits are refused", "138123412345", false},
		{"a letter is refused", "1381234123a", false},
		{"country code prefix is refused", "+8613812341234", false},
		{"empty is refused", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidPhone(tt.phone); got != tt.want {
				t.Errorf("ValidPhone(%q) = %v, want %v", tt.phone, got, tt.want)
			}
		})
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{"11 digits keep first 3 and last 4", "13812341234", "138****1234"},
		{"other input keeps only last 2", "0760-1234", "*******34"},
		{"short input keeps only last 2", "12345", "***45"},
		{"one character is fully masked", "7", "*"},
		{"empty stays empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MaskPhone(tt.input); got != tt.want {
				t.Errorf("MaskPhone(%q) = %q, want %q", tt.input, got, tt.want)
			}
		})
	}
}
