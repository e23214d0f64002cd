package policy

// MinDisclosed is the smallest group of people whose count is published: smaller counts show
// as "<5" and the rates beside them are withheld (SPEC §6 provider outcomes).
const MinDisclosed = 5

// Disclosed reports whether a count of people may be published.
func Disclosed(n int) bool { return n >= MinDisclosed }

// DisclosedRate is num/den in percent with two decimals rounded down, or ok false when
// either count is withheld or den is 0.
func DisclosedRate(num, den int) (basisPoints int, ok bool) {
	if den == 0 || !Disclosed(num) || !Disclosed(den) {
		return 0, false
	}
	return num * 10000 / den, true
}
