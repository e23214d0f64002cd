package models

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestDemoShowsTheIntegrityStories(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, err := s.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		seeker, _ := s.userByPhone(ctx, "13900000010")
		all, err := s.SeekerEnrolments(ctx, seeker, time.Now())
		var mine []SeekerEnrolment // its enrolment on the check-in program (it is on the pages' running program too)
		for _, e := range all {
			if e.ProgramName == "【演示】法兰焊工签到班" {
				mine = append(mine, e)
			}
		}
		if err != nil || len(all) != 2 || len(mine) != 1 || len(mine[0].Checkins) != 7 || !mine[0].CheckinOpen {
			t.Fatalf("the demo seeker is a trainee who checked in: %+v %v", all, err)
		}
		rev, _ := s.userByPhone(ctx, "13900000009")
		prov, _ := s.userByPhone(ctx, "13900000020")
		var p Program
		s.db.Where("name = ?", "【演示】法兰焊工春季班(含风险提示)").First(&p)
		var submitted Claim
		s.db.Where("program_id = ? AND status = ?", p.ID, "submitted").First(&submitted)
		c, err := s.Claim(ctx, rev, submitted.ID)
		if err != nil || !c.Flagged || len(c.FlagTexts) != 3 {
			t.Fatalf("the demo program's submitted claim carries flags: %+v %v", c, err)
		}
		if _, err := s.ApproveClaim(ctx, rev, c.ID, time.Now()); ErrorCode(err) != ErrRule {
			t.Fatalf("approval without a note: %v", err)
		}
		if imps, _ := s.SocialInsuranceImports(ctx, rev); len(imps) != 1 || imps[0].Imported != 5 {
			t.Fatalf("%+v", imps)
		}
		t.Run("the order class's claim, as the browser story makes it, carries no flag", func(t *testing.T) {
			// The story places four of five without an employer code from 2025-07-20; no demo
			// extract covers that period, so the reviewer approves without a note.
			var order Program
			s.db.Where("name = ?", "【演示】法兰焊工订单班").First(&order)
			_, roster, _ := s.Roster(ctx, prov, order.ID)
			for i, e := range roster {
				if _, err := s.ChangeEnrolment(ctx, prov, e.ID, "complete", true, time.Now()); err != nil {
					t.Fatal(err)
				}
				if i < 4 {
					if _, err := s.RecordEmployment(ctx, prov, e.ID, EmploymentInput{EmployerName: "【演示】定襄宏达法兰锻造有限公司", EvidenceType: "agreement",
						EvidenceNo: fmt.Sprint("DEMO-", e.ID), StartOn: "2025-07-20"}, nil, time.Now()); err != nil {
						t.Fatal(err)
					}
				}
			}
			if _, err := s.CloseProgram(ctx, prov, order.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
			c, err := s.SubmitTrainingClaim(ctx, prov, order.ID, time.Now())
			if err != nil || c.Flagged || c.TotalYuan != 3750 {
				t.Fatalf("%+v %v", c.FlagTexts, err)
			}
			if _, err := s.ApproveClaim(ctx, rev, c.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
		})
		if _, err := s.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
