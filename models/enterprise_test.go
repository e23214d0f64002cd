package models

import (
	"context"
	"testing"

	"portal/personal"
)

// validUSCC builds a credit code with both check characters right, from an 8-char body.
func validUSCC(body8 string) string {
	return personal.MakeUSCC("91140000" + body8 + string(personal.MakeOrgCodeCheck(body8)))
}

func newAccount(t *testing.T, s *Store, role, phone string) User {
	t.Helper()
	l, err := s.Register(context.Background(), RegisterInput{Role: role, Phone: phone, Password: "password1", Name: "测试" + role})
	if err != nil {
		t.Fatal(err)
	}
	return l.User
}

func TestEnterpriseProfileAndVerification(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		owner := newAccount(t, s, RoleEnterprise, "13600000001")
		other := newAccount(t, s, RoleEnterprise, "13600000002")
		seeker := newAccount(t, s, RoleSeeker, "13600000003")
		reviewer, err := s.CreateReviewer(ctx, "13600000009", "审核员", "reviewer-pass")
		if err != nil {
			t.Fatal(err)
		}
		towns, _ := s.Towns(ctx)
		in := EnterpriseInput{Name: "定襄法兰锻造厂", USCC: validUSCC("MA0K1234"), TownID: ptr(towns[0].ID), Industry: "法兰锻造"}

		var e Enterprise
		t.Run("an enterprise account creates its profile, unverified", func(t *testing.T) {
			e, err = s.CreateEnterprise(ctx, owner, in)
			if err != nil {
				t.Fatal(err)
			}
			if e.Verified || e.LeadingIndustry || e.Town == nil || e.Town.ID != towns[0].ID || !e.InProfessionalTown() {
				t.Fatalf("profile %+v", e)
			}
		})
		t.Run("a second profile for the same account is a conflict", func(t *testing.T) {
			in2 := in
			in2.USCC = validUSCC("MA0K9999")
			_, err := s.CreateEnterprise(ctx, owner, in2)
			mustCode(t, err, ErrConflict, "profile_exists")
		})
		t.Run("another account cannot take the same credit code", func(t *testing.T) {
			_, err := s.CreateEnterprise(ctx, other, in)
			e := mustCode(t, err, ErrConflict, "uscc_taken")
			if e.Fields["uscc"] == "" {
				t.Fatal("uscc not named")
			}
		})
		t.Run("a seeker has no enterprise profile", func(t *testing.T) {
			_, err := s.CreateEnterprise(ctx, seeker, in)
			mustCode(t, err, ErrForbidden)
		})
		t.Run("bad credit codes and unknown towns are refused by field", func(t *testing.T) {
			good := validUSCC("MA0K5555")
			cases := map[string]EnterpriseInput{
				"uscc":     {Name: "x厂", USCC: good[:17] + string(map[bool]byte{true: 'A', false: 'B'}[good[17] != 'A']), TownID: ptr(towns[0].ID), Industry: "x"},
				"town_id":  {Name: "x厂", USCC: good, TownID: ptr(int64(99999)), Industry: "x"},
				"name":     {Name: "", USCC: good, TownID: ptr(towns[0].ID), Industry: "x"},
				"industry": {Name: "x厂", USCC: good, TownID: ptr(towns[0].ID)},
			}
			for field, bad := range cases {
				_, err := s.CreateEnterprise(ctx, other, bad)
				if e := mustCode(t, err, ErrInvalid); e.Fields[field] == "" {
					t.Errorf("%s not named: %v", field, e.Fields)
				}
			}
		})
		t.Run("a lowercase credit code is stored uppercase", func(t *testing.T) {
			code := validUSCC("MA0K7777")
			lower := EnterpriseInput{Name: "小写厂", USCC: " " + toLower(code) + " ", TownID: ptr(towns[1].ID), Industry: "玻璃"}
			got, err := s.CreateEnterprise(ctx, other, lower)
			if err != nil || got.USCC != code {
				t.Fatalf("got %q %v, want %q", got.USCC, err, code)
			}
		})
		t.Run("another account cannot edit the profile", func(t *testing.T) {
			_, err := s.UpdateEnterprise(ctx, other, e.ID, in)
			mustCode(t, err, ErrForbidden)
		})
		t.Run("only reviewers verify", func(t *testing.T) {
			yes := true
			_, err := s.VerifyEnterprise(ctx, owner, e.ID, VerifyInput{LeadingIndustry: &yes})
			mustCode(t, err, ErrForbidden)
		})
		t.Run("a reviewer verifies it as leading-industry, audited with before and after", func(t *testing.T) {
			yes := true
			v, err := s.VerifyEnterprise(ctx, reviewer, e.ID, VerifyInput{LeadingIndustry: &yes})
			if err != nil || !v.Verified || !v.LeadingIndustry || v.VerifiedAt == nil {
				t.Fatalf("%+v %v", v, err)
			}
			trail, _ := s.AuditTrail(ctx, "enterprise", e.ID)
			last := trail[len(trail)-1]
			if last.Action != "enterprise.verify" || last.ActorUserID == nil || *last.ActorUserID != reviewer.ID || last.Before == nil || last.After == nil {
				t.Fatalf("audit %+v", last)
			}
		})
		t.Run("a new industry sends the profile back to the queue, leading industry cleared (SPEC §7)", func(t *testing.T) {
			in2 := in
			in2.Industry = "法兰及锻件"
			got, err := s.UpdateEnterprise(ctx, owner, e.ID, in2)
			if err != nil || got.Verified || got.LeadingIndustry || got.Industry != "法兰及锻件" {
				t.Fatalf("%+v %v", got, err)
			}
			yes := true
			if v, err := s.VerifyEnterprise(ctx, reviewer, e.ID, VerifyInput{LeadingIndustry: &yes}); err != nil || !v.Verified {
				t.Fatalf("verify again: %+v %v", v, err)
			}
			if got, err = s.UpdateEnterprise(ctx, owner, e.ID, in2); err != nil || !got.Verified {
				t.Fatalf("saving the same profile again keeps the verification: %+v %v", got, err)
			}
		})
		t.Run("a new name sends the profile back to the queue", func(t *testing.T) {
			in2 := in
			in2.Name = "定襄法兰锻造有限公司"
			got, err := s.UpdateEnterprise(ctx, owner, e.ID, in2)
			if err != nil || got.Verified || got.LeadingIndustry {
				t.Fatalf("%+v %v", got, err)
			}
			no := false
			queue, _ := s.Enterprises(ctx, EnterpriseFilter{Verified: &no})
			found := false
			for _, q := range queue {
				found = found || q.ID == e.ID
			}
			if !found {
				t.Fatal("not back in the queue")
			}
		})
	})
}

func TestSeedDemoIsMarkedAndIdempotent(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		first, err := s.SeedDemo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		es, _ := s.Enterprises(ctx, EnterpriseFilter{})
		if len(es) != len(demoEnterprises)+1 { // and the one awaiting verification
			t.Fatalf("%d enterprises after two demo seeds, want %d", len(es), len(demoEnterprises)+1)
		}
		unverified := 0
		for _, e := range es {
			if !e.Demo || e.Name[:len("【演示】")] != "【演示】" {
				t.Errorf("demo enterprise not marked: %+v", e)
			}
			if !e.Verified {
				unverified++
			}
		}
		if unverified != 1 {
			t.Errorf("%d demo enterprises await verification, want 1", unverified)
		}
		l, err := s.Authenticate(ctx, LoginInput{Phone: first.DemoAccounts[0].Phone, Password: DemoPassword})
		if err != nil || !l.User.Demo {
			t.Fatalf("demo login %+v %v", l.User, err)
		}
	})
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}
