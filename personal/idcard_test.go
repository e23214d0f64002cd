package personal

import (
	"errors"
	"testing"
)

// withIDCheckDigit appends the GB 11643-1999 check digit to a 17-digit body, computed here
// independently of the package so the test does not grade its own homework.
func withIDCheckDigit(t *testing.T, body string) string {
	t.Helper()
	if len(body) != 17 {
		t.Fatalf("body %q must be 17 digits", body)
	}
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(body[i]-'0') * w
	}
	return body + string("10X98765432"[sum%11])
}

// withWrongLastChar swaps the last character of id for another valid check character.
func withWrongLastChar(id string) string {
	if id[17] == '0' {
		return id[:17] + "1"
	}
	return id[:17] + "0"
}

func TestValidIDNumber(t *testing.T) {
	validBeijing := withIDCheckDigit(t, "11010519491231002")
	tests := []struct {
		name string
		id   string
		want error
	}{
		{"example from the standard ending in X is valid", "11010519491231002X", nil},
		{"computed check digit makes a valid number", validBeijing, nil},
		{"Hong Kong region code 81 is valid", withIDCheckDigit(t, "81000019900101001"), nil},
		{"abroad region code 91 is valid", withIDCheckDigit(t, "91000019900101001"), nil},
		{"29 February of a leap year is valid", withIDCheckDigit(t, "44030120000229123"), nil},
		{"born 1 January 1900 is valid", withIDCheckDigit(t, "31010119000101123"), nil},
		{"flipped check digit is refused", withWrongLastChar(validBeijing), errIDCheck},
		{"17 characters are refused", "11010519491231002", errIDLength},
		{"19 characters are refused", validBeijing + "1", errIDLength},
		{"empty input is refused", "", errIDLength},
		{"lowercase x is refused before normalizing", "11010519491231002x", errIDCharacter},
		{"a letter in the body is refused", "1101051949123100AX", errIDCharacter},
		{"30 February is not a real date", withIDCheckDigit(t, "11010519900230123"), errIDBirthDate},
		{"29 February of a common year is not a real date", withIDCheckDigit(t, "11010519900229123"), errIDBirthDate},
		{"month 13 is not a real date", withIDCheckDigit(t, "11010519901301123"), errIDBirthDate},
		{"day 00 is not a real date", withIDCheckDigit(t, "11010519900100123"), errIDBirthDate},
		{"born in 1899 is refused", withIDCheckDigit(t, "11010518991231123"), errIDBirthDate},
		{"region code 10 is not a province", withIDCheckDigit(t, "10010519491231002"), errIDProvince},
		{"region code 16 is not a province", withIDCheckDigit(t, "16010519491231002"), errIDProvince},
		{"region code 84 is not a province", withIDCheckDigit(t, "84010519491231002"), errIDProvince},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidIDNumber(tt.id); !errors.Is(got, tt.want) {
				t.Errorf("ValidIDNumber(%q) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestNormalizeIDNumber(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{"lowercase x becomes uppercase", "11010519491231002x", "11010519491231002X"},
		{"surrounding spaces are trimmed", "  11010519491231002X\t", "11010519491231002X"},
		{"digits are unchanged", "110105194912310021", "110105194912310021"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NormalizeIDNumber(tt.input)
			if got != tt.want {
				t.Errorf("NormalizeIDNumber(%q) = %q, want %q", tt.input, got, tt.want)
			}
		})
	}

	t.Run("normalized lowercase x validates", func(t *testing.T) {
		if err := ValidIDNumber(NormalizeIDNumber(" 11010519491231002x ")); err != nil {
			t.Errorf("normalized number refused: %v", err)
		}
	})
}

func TestMaskIDNumber(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{"18 characters keep first 6 and last 4", "14010519900101123X", "140105********123X"},
		{"lowercase x is shown uppercase", "14010519900101123x", "140105********123X"},
		{"short input keeps only last 2", "12345", "***45"},
		{"17 characters keep only last 2", "11010519491231002", "***************02"},
		{"two characters are fully masked", "12", "**"},
		{"empty stays empty", "", ""},
		{"non-ASCII is masked per character", "张三丰", "*三丰"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MaskIDNumber(tt.input); got != tt.want {
				t.Errorf("MaskIDNumber(%q) = %q, want %q", tt.input, got, tt.want)
			}
		})
	}
}

func TestMakeIDNumber(t *testing.T) {
	t.Run("the made number is valid and matches the standard's example", func(t *testing.T) {
		if got := MakeIDNumber("11010519491231002"); got != "11010519491231002X" || ValidIDNumber(got) != nil {
			t.Fatalf("got %q", got)
		}
	})
}
