package personal

import (
	"errors"
	"fmt"
	"strings"
)

// Errors returned by ValidUSCC; the messages are shown to users as they are.
var (
	errUSCCLength    = errors.New("credit code must be 18 characters")
	errUSCCCharacter = errors.New("credit code contains a character not allowed")
	errUSCCCheck     = errors.New("credit code check character is wrong")
	errOrgCodeCheck  = errors.New("organisation code check character is wrong")
)

// usccCharset lists the characters of a unified social credit code (统一社会信用代码, GB 32100-2015)
// in value order; I, O, Z, S and V are left out because they read like digits.
const usccCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccCheckWeights are the GB 32100-2015 weights of the first 17 characters (3^i mod 31).
var usccCheckWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// orgCodeWeights are the GB 11714 weights of the 8 body characters of an organisation code (组织机构代码).
var orgCodeWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// ValidUSCC reports why s is not a unified social credit code, or nil when it is one. Both the
// final check character and the check character of the embedded organisation code (positions 9–17)
// must be right. Lowercase letters are refused: pass the input through NormalizeUSCC first.
func ValidUSCC(s string) error {
	if len(s) != 18 {
		return errUSCCLength
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(usccCharset, s[i]) < 0 {
			return errUSCCCharacter
		}
	}
	if usccCheckChar(s[:17]) != s[17] {
		return errUSCCCheck
	}
	if orgCodeCheckChar(s[8:16]) != s[16] {
		return errOrgCodeCheck
	}
	return nil
}

// NormalizeUSCC trims surrounding spaces and uppercases, as credit codes are often typed in lowercase.
func NormalizeUSCC(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}

// MakeUSCC appends the check character to a 17-character prefix; it is for seed/demo data and tests.
// The caller must already have set the organisation code check (position 17), e.g. with MakeOrgCodeCheck.
// It panics when the prefix is not 17 characters of the credit code charset, as that is a programming error.
func MakeUSCC(prefix17 string) string {
	if len(prefix17) != 17 {
		panic(fmt.Sprintf("personal.MakeUSCC: prefix %q must be 17 characters", prefix17))
	}
	for i := 0; i < len(prefix17); i++ {
		if strings.IndexByte(usccCharset, prefix17[i]) < 0 {
			panic(fmt.Sprintf("personal.MakeUSCC: prefix %q holds %q, not allowed in a credit code", prefix17, prefix17[i]))
		}
	}
	return prefix17 + string(usccCheckChar(prefix17))
}

// MakeOrgCodeCheck computes the check character of an 8-character organisation code body;
// it is for seed/demo data and tests. It panics when the body is not 8 digits or uppercase letters.
func MakeOrgCodeCheck(body8 string) byte {
	if len(body8) != 8 {
		panic(fmt.Sprintf("personal.MakeOrgCodeCheck: body %q must be 8 characters", body8))
	}
	for i := 0; i < len(body8); i++ {
		if c := body8[i]; !isDigit(c) && (c < 'A' || c > 'Z') {
			panic(fmt.Sprintf("personal.MakeOrgCodeCheck: body %q holds %q, not a digit or uppercase letter", body8, c))
		}
	}
	return orgCodeCheckChar(body8)
}

// usccCheckChar computes the 18th character for the first 17 characters, all from usccCharset.
func usccCheckChar(prefix17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(usccCharset, prefix17[i]) * usccCheckWeights[i]
	}
	return usccCharset[(31-sum%31)%31]
}

// orgCodeCheckChar computes the check character of an organisation code body of digits and uppercase letters.
func orgCodeCheckChar(body8 string) byte {
	sum := 0
	for i := 0; i < 8; i++ {
		sum += orgCodeValue(body8[i]) * orgCodeWeights[i]
	}
	switch check := 11 - sum%11; check {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + check)
	}
}

// orgCodeValue is the GB 11714 value of a body character: digits as themselves, A=10 … Z=35.
func orgCodeValue(c byte) int {
	if isDigit(c) {
		return int(c - '0')
	}
	return int(c-'A') + 10
}
