package personal

import (
	"errors"
	"testing"
)

// demoUSCC is a code built with the helpers: Guangzhou prefix, org body MA5D6K3W whose check is 6.
var demoUSCC = MakeUSCC("91440101" + "MA5D6K3W" + string(MakeOrgCodeCheck("MA5D6K3W")))

// withWrongUSCCCheck swaps the final check character of code for another charset character.
func withWrongUSCCCheck(code string) string {
	if code[17] == '0' {
		return code[:17] + "1"
	}
	return code[:17] + "0"
}

func TestValidUSCC(t *testing.T) {
	// Organisation check of body MA5D6K3W is 6; 7 is wrong, and the final check is recomputed
	// so that only the organisation code is broken.
	wrongOrgCheck := MakeUSCC("91440101" + "MA5D6K3W" + "7")
	tests := []struct {
		name string
		code string
		want error
	}{
		{"public code 91350100M000100Y43 is valid", "91350100M000100Y43", nil},
		{"public code 91110000600037341L is valid", "91110000600037341L", nil},
		{"code built with MakeUSCC is valid", demoUSCC, nil},
		{"wrong final check character is refused", withWrongUSCCCheck("91350100M000100Y43"), errUSCCCheck},
		{"wrong organisation check with recomputed final check is refused", wrongOrgCheck, errOrgCodeCheck},
		{"forbidden letter I is refused", "91350100I000100Y43", errUSCCCharacter},
		{"forbidden letter O is refused", "91350100O000100Y43", errUSCCCharacter},
		{"lowercase is refused before normalizing", "91110000600037341l", errUSCCCharacter},
		{"17 characters are refused", "91110000600037341", errUSCCLength},
		{"empty is refused", "", errUSCCLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidUSCC(tt.code); !errors.Is(got, tt.want) {
				t.Errorf("ValidUSCC(%q) = %v, want %v", tt.code, got, tt.want)
			}
		})
	}
}

func TestNormalizeUSCC(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{"lowercase becomes uppercase", "91350100m000100y43", "91350100M000100Y43"},
		{"surrounding spaces are trimmed", " 91110000600037341L\n", "91110000600037341L"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NormalizeUSCC(tt.input)
			if got != tt.want {
				t.Errorf("NormalizeUSCC(%q) = %q, want %q", tt.input, got, tt.want)
			}
			if err := ValidUSCC(got); err != nil {
				t.Errorf("normalized code refused: %v", err)
			}
		})
	}
}

func TestMakeOrgCodeCheck(t *testing.T) {
	tests := []struct {
		name string
		body string
		want byte
	}{
		{"body of 91350100M000100Y43 checks to 4", "M000100Y", '4'},
		{"body of 91110000600037341L checks to 1", "60003734", '1'},
		// Bodies picked for their weighted sums: 3+7 = 10, 3*4 = 12, and 0.
		{"remainder 10 gives check 1", "11000000", '1'},
		{"remainder 1 gives check X", "00000030", 'X'},
		{"remainder 0 gives check 0", "00000000", '0'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MakeOrgCodeCheck(tt.body); got != tt.want {
				t.Errorf("MakeOrgCodeCheck(%q) = %q, want %q", tt.body, got, tt.want)
			}
		})
	}
}

func TestMakeUSCCPanicsOnBadPrefix(t *testing.T) {
	tests := []struct {
		name   string
		prefix string
	}{
		{"16 characters", "9144010100000000"},
		{"forbidden letter S", "9144010100000000S"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("MakeUSCC(%q) did not panic", tt.prefix)
				}
			}()
			MakeUSCC(tt.prefix)
		})
	}
}
