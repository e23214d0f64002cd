package models

import (
	"context"
	"testing"
)

func TestPolicyVersions(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		t.Run("the seed holds every figure of 晋政办发〔2022〕81号", func(t *testing.T) {
			ps, err := s.Policies(ctx)
			if err != nil || len(ps) != 1 {
				t.Fatalf("policies %v %v", ps, err)
			}
			p := ps[0]
			got := []any{p.Code, p.EffectiveFrom, p.EffectiveTo, p.FirstDays, p.FirstDayRateYuan, p.LaterDayRateYuan,
				p.CapPerPersonYuan, p.EmploymentTargetPercent, p.EmploymentWindowDays, p.OnjobRateYuan, p.Subsidize, p.AnnouncementDays}
			want := []any{"晋政办发〔2022〕81号", "2022-09-26", "2025-09-25", 10, 150, 100, 4000, 80, 180, 300, "completed", 5}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("figure %d: got %v, want %v", i, got[i], want[i])
				}
			}
		})
		t.Run("seeding again adds nothing", func(t *testing.T) {
			rep, err := s.SeedReference(ctx)
			if err != nil || rep.Towns+rep.Occupations+rep.Policies != 0 {
				t.Fatalf("second seed added %+v, %v", rep, err)
			}
		})
		successor := Shanxi2022()
		successor.Code, successor.EffectiveFrom, successor.EffectiveTo = "晋政办发〔2025〕1号", "2025-09-26", "2028-09-25"
		t.Run("a successor starting the day after the window is added", func(t *testing.T) {
			if _, err := s.AddPolicy(ctx, 0, successor); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("a window overlapping by one day is a conflict", func(t *testing.T) {
			clash := Shanxi2022()
			clash.Code, clash.EffectiveFrom, clash.EffectiveTo = "clash", "2028-09-25", "2029-01-01"
			_, err := s.AddPolicy(ctx, 0, clash)
			mustCode(t, err, ErrConflict, "policy_window_overlap")
		})
		t.Run("a window inside another is a conflict", func(t *testing.T) {
			clash := Shanxi2022()
			clash.Code, clash.EffectiveFrom, clash.EffectiveTo = "inside", "2023-01-01", "2023-02-01"
			_, err := s.AddPolicy(ctx, 0, clash)
			mustCode(t, err, ErrConflict, "policy_window_overlap")
		})
		t.Run("the same code twice is a conflict", func(t *testing.T) {
			dup := Shanxi2022()
			dup.EffectiveFrom, dup.EffectiveTo = "2030-01-01", "2030-12-31"
			_, err := s.AddPolicy(ctx, 0, dup)
			mustCode(t, err, ErrConflict, "policy_code_exists")
		})
		t.Run("bad figures name their fields", func(t *testing.T) {
			bad := Shanxi2022()
			bad.Code, bad.EffectiveFrom, bad.EffectiveTo = "bad", "2031-02-30", "2031-01-01"
			bad.Subsidize = "everyone"
			minus := -1
			bad.CapPerPersonYuan = &minus
			bad.FirstDays = nil
			e := mustCode(t, mustErr(s.AddPolicy(ctx, 0, bad)), ErrInvalid)
			for _, f := range []string{"effective_from", "subsidize", "cap_per_person_yuan", "first_days"} {
				if e.Fields[f] == "" {
					t.Errorf("field %s not named in %v", f, e.Fields)
				}
			}
		})
		t.Run("the version in force is found by date; outside every window there is none", func(t *testing.T) {
			cases := map[string]string{"2022-09-26": "晋政办发〔2022〕81号", "2025-09-25": "晋政办发〔2022〕81号", "2025-09-26": "晋政办发〔2025〕1号"}
			for date, code := range cases {
				p, err := s.PolicyInForce(ctx, date)
				if err != nil || p.Code != code {
					t.Errorf("%s: got %q %v, want %s", date, p.Code, err, code)
				}
			}
			_, err := s.PolicyInForce(ctx, "2022-09-25")
			mustCode(t, err, ErrRule, "no_policy_in_force")
		})
	})
}

func mustErr[T any](_ T, err error) error { return err }
