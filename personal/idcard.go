package personal

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// Errors returned by ValidIDNumber; the messages are shown to users as they are.
var (
	errIDLength    = errors.New("ID number must be 18 characters")
	errIDCharacter = errors.New("ID number must be 17 digits followed by a digit or X")
	errIDProvince  = errors.New("ID number region code is not a known province")
	errIDBirthDate = errors.New("ID number birth date is not a real date")
	errIDCheck     = errors.New("ID number check digit is wrong")
)

// idCheckWeights are the GB 11643-1999 weights of the first 17 digits (2^(17-i) mod 11).
var idCheckWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps the weighted sum mod 11 to the check character.
const idCheckChars = "10X98765432"

// idEarliestBirthYear is the first birth year accepted; the clock is never read, so there is no latest.
const idEarliestBirthYear = 1900

// ValidIDNumber reports why s is not a resident ID number under GB 11643-1999, or nil when it is one.
// A lowercase trailing x is refused: pass the input through NormalizeIDNumber first.
func ValidIDNumber(s string) error {
	if len(s) != 18 {
		return errIDLength
	}
	for i := 0; i < 17; i++ {
		if !isDigit(s[i]) {
			return errIDCharacter
		}
	}
	if last := s[17]; !isDigit(last) && last != 'X' {
		return errIDCharacter
	}
	if !knownProvince(s[0:2]) {
		return errIDProvince
	}
	if !realBirthDate(s[6:14]) {
		return errIDBirthDate
	}
	if idCheckDigit(s[:17]) != s[17] {
		return errIDCheck
	}
	return nil
}

// NormalizeIDNumber trims surrounding spaces and uppercases a trailing x, as people often type it.
func NormalizeIDNumber(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "x") {
		s = s[:len(s)-1] + "X"
	}
	return s
}

// MaskIDNumber hides the birth date and sequence of an ID number for display: 140105********123X.
// Anything that is not 18 characters is masked except its last 2 characters.
func MaskIDNumber(s string) string {
	s = NormalizeIDNumber(s)
	if utf8.RuneCountInString(s) == 18 && len(s) == 18 {
		return s[:6] + strings.Repeat("*", 8) + s[14:]
	}
	return maskAllButLast(s, 2)
}

// idCheckDigit computes the 18th character for the first 17 digits of an ID number.
func idCheckDigit(body17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(body17[i]-'0') * idCheckWeights[i]
	}
	return idCheckChars[sum%11]
}

// knownProvince reports whether code is a province-level region code (GB/T 2260), Hong Kong, Macao, Taiwan or 91 (abroad).
func knownProvince(code string) bool {
	n := int(code[0]-'0')*10 + int(code[1]-'0')
	switch {
	case n >= 11 && n <= 15, n >= 21 && n <= 23, n >= 31 && n <= 37,
		n >= 41 && n <= 46, n >= 50 && n <= 54, n >= 61 && n <= 65:
		return true
	case n == 71, n == 81, n == 82, n == 83, n == 91:
		return true
	}
	return false
}

// realBirthDate reports whether yyyymmdd (8 digits) is a calendar date in or after idEarliestBirthYear.
func realBirthDate(yyyymmdd string) bool {
	year := atoiDigits(yyyymmdd[0:4])
	month := atoiDigits(yyyymmdd[4:6])
	day := atoiDigits(yyyymmdd[6:8])
	if year < idEarliestBirthYear || month < 1 || month > 12 || day < 1 {
		return false
	}
	// time.Date normalises 30 February to 2 March, so a changed date means it did not exist.
	date := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	return date.Year() == year && int(date.Month()) == month && date.Day() == day
}

// atoiDigits converts a string already known to hold only ASCII digits.
func atoiDigits(digits string) int {
	n := 0
	for i := 0; i < len(digits); i++ {
		n = n*10 + int(digits[i]-'0')
	}
	return n
}

// isDigit reports whether c is an ASCII digit.
func isDigit(c byte) bool {
	return c >= '0' && c <= '9'
}

// maskAllButLast replaces every rune of s with '*' except the last keep runes;
// a value of keep runes or fewer is masked entirely so nothing is given away.
func maskAllButLast(s string, keep int) string {
	runes := []rune(s)
	if len(runes) <= keep {
		return strings.Repeat("*", len(runes))
	}
	return strings.Repeat("*", len(runes)-keep) + string(runes[len(runes)-keep:])
}

// MakeIDNumber appends the check digit to 17 digits; it is for demo data and tests, like
// MakeUSCC. It panics when body17 is not 17 digits, as that is a programming error.
func MakeIDNumber(body17 string) string {
	if len(body17) != 17 {
		panic("personal.MakeIDNumber: want 17 digits, got " + body17)
	}
	for i := 0; i < 17; i++ {
		if !isDigit(body17[i]) {
			panic("personal.MakeIDNumber: want 17 digits, got " + body17)
		}
	}
	return body17 + string(idCheckDigit(body17))
}
