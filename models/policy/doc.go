// Package policy holds the pure rules of 晋政办发〔2022〕81号 articles 2 and 8: subsidized days, tiered amounts with the cap, the employment target, the no-double-subsidy rule and the booth-fee waiver. It knows no database and no clock.
package policy
