package policy

import (
	"errors"
	"reflect"
	"testing"
)

func TestLines(t *testing.T) {
	employedOnly := seed()
	employedOnly.Subsidize = SubsidizeEmployed
	none := func(string) bool { return false }
	tests := []struct {
		name     string
		v        Version
		approved int
		trainees []Trainee
		already  func(string) bool
		want     []Line
		total    int
	}{
		{
			name: "subsidize completed pays every completer, employed or not", v: seed(), approved: 20,
			trainees: []Trainee{
				{Key: "a", Attended: 20, Completed: true, Employed: true},
				{Key: "b", Attended: 11, Completed: true},
				{Key: "c", Attended: 25, Completed: true}, // capped by approved days
			},
			already: none,
			want: []Line{
				{Key: "a", SubsidizedDays: 20, AmountYuan: 2500, Eligible: true},
				{Key: "b", SubsidizedDays: 11, AmountYuan: 1600, Eligible: true},
				{Key: "c", SubsidizedDays: 20, AmountYuan: 2500, Eligible: true},
			},
			total: 6600,
		},
		{
			name: "non-completers keep a line with 0 and not_completed", v: seed(), approved: 20,
			trainees: []Trainee{{Key: "a", Attended: 20, Completed: false, Employed: true}},
			already:  none,
			want:     []Line{{Key: "a", SubsidizedDays: 20, ExcludedReason: ReasonNotCompleted}},
		},
		{
			name: "subsidize employed pays only employed completers", v: employedOnly, approved: 40,
			trainees: []Trainee{
				{Key: "a", Attended: 40, Completed: true, Employed: true},
				{Key: "b", Attended: 40, Completed: true},
				{Key: "c", Attended: 3},
			},
			already: none,
			want: []Line{
				{Key: "a", SubsidizedDays: 40, AmountYuan: 4000, Eligible: true},
				{Key: "b", SubsidizedDays: 40, ExcludedReason: ReasonNotEmployed},
				{Key: "c", SubsidizedDays: 3, ExcludedReason: ReasonNotCompleted},
			},
			total: 4000,
		},
		{
			name: "a key repeated in the list is paid once", v: seed(), approved: 10,
			trainees: []Trainee{
				{Key: "a", Attended: 10, Completed: true},
				{Key: "a", Attended: 10, Completed: true},
			},
			already: nil,
			want: []Line{
				{Key: "a", SubsidizedDays: 10, AmountYuan: 1500, Eligible: true},
				{Key: "a", SubsidizedDays: 10, ExcludedReason: ReasonAlreadySubsidized},
			},
			total: 1500,
		},
		{
			name: "an earlier ineligible line of the same key does not block a paid one", v: seed(), approved: 10,
			trainees: []Trainee{
				{Key: "a", Attended: 2},
				{Key: "a", Attended: 10, Completed: true},
			},
			already: none,
			want: []Line{
				{Key: "a", SubsidizedDays: 2, ExcludedReason: ReasonNotCompleted},
				{Key: "a", SubsidizedDays: 10, AmountYuan: 1500, Eligible: true},
			},
			total: 1500,
		},
		{
			name: "a key already subsidized this year keeps a 0 line", v: seed(), approved: 10,
			trainees: []Trainee{
				{Key: "a", Attended: 10, Completed: true},
				{Key: "b", Attended: 10, Completed: true},
			},
			already: func(k string) bool { return k == "b" },
			want: []Line{
				{Key: "a", SubsidizedDays: 10, AmountYuan: 1500, Eligible: true},
				{Key: "b", SubsidizedDays: 10, ExcludedReason: ReasonAlreadySubsidized},
			},
			total: 1500,
		},
		{
			name: "the successor's figures are data", v: successor(), approved: 30,
			trainees: []Trainee{{Key: "a", Attended: 6, Completed: true, Employed: true}},
			already:  none,
			want:     []Line{{Key: "a", SubsidizedDays: 6, AmountYuan: 1120, Eligible: true}},
			total:    1120,
		},
		{
			name: "no trainees, no lines", v: seed(), approved: 10, already: none,
			want: []Line{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Lines(tt.v, tt.approved, tt.trainees, tt.already)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Lines =\n%+v\nwant\n%+v", got, tt.want)
			}
			if total := Total(got); total != tt.total {
				t.Fatalf("Total = %d, want %d", total, tt.total)
			}
		})
	}
}

func TestOnjobAmount(t *testing.T) {
	tests := []struct {
		name     string
		v        Version
		e        OnjobEnterprise
		eligible int
		want     int
		err      error
	}{
		{"verified town enterprise gets 300 each", seed(), OnjobEnterprise{true, true}, 12, 3600, nil},
		{"no eligible trainees pays nothing", seed(), OnjobEnterprise{true, true}, 0, 0, nil},
		{"the successor's rate is data", successor(), OnjobEnterprise{true, true}, 2, 1000, nil},
		{"an unverified enterprise is refused", seed(), OnjobEnterprise{false, true}, 5, 0, ErrNotEligibleEnterprise},
		{"an enterprise outside a town is refused", seed(), OnjobEnterprise{true, false}, 5, 0, ErrNotEligibleEnterprise},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := OnjobAmount(tt.v, tt.e, tt.eligible)
			if got != tt.want || !errors.Is(err, tt.err) {
				t.Fatalf("OnjobAmount = %d, %v; want %d, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestSubsidyYear(t *testing.T) {
	tests := []struct {
		name, on string
		want     int
	}{
		{"the last day of a year", "2024-12-31", 2024},
		{"the first day of the next", "2025-01-01", 2025},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SubsidyYear(day(tt.on)); got != tt.want {
				t.Fatalf("SubsidyYear(%s) = %d, want %d", tt.on, got, tt.want)
			}
		})
	}
}
