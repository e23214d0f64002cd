// Package personal validates, protects and masks personal data: ID-card numbers, phone numbers and enterprise credit codes.
package personal
