package personal

import "strings"

// ValidPhone reports whether s is a mainland mobile number: 11 digits starting 13 to 19.
func ValidPhone(s string) bool {
	if len(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9' {
		return false
	}
	return allDigits(s)
}

// MaskPhone hides the middle of an 11-digit phone number for display: 138****1234.
// Anything else is masked except its last 2 characters.
func MaskPhone(s string) string {
	s = strings.TrimSpace(s)
	if len(s) == 11 && allDigits(s) {
		return s[:3] + "****" + s[7:]
	}
	return maskAllButLast(s, 2)
}

// allDigits reports whether every byte of s is an ASCII digit.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
