package models

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// trainee describes one person of a test program.
type trainee struct {
	serial    int // ID number serial: the same serial is the same person across programs
	days      int
	completed bool
	employed  bool
}

// closedProgram files, approves, runs and closes a program with the given trainees; the
// reviewer approves 30 days.
func closedProgram(t *testing.T, s *Store, prov, rev User, name, start, end string, people []trainee) Program {
	t.Helper()
	ctx := context.Background()
	endDay, _ := time.ParseInLocation(DateLayout, end, China)
	now := endDay.AddDate(0, 0, 1).Add(10 * time.Hour)
	towns, _ := s.Towns(ctx)
	in := ProgramInput{Name: name, Occupation: "焊工", Mode: "project", TownID: towns[0].ID, StartOn: start, EndOn: end, PlannedDays: 30, Capacity: 50}
	p, err := s.CreateProgram(ctx, prov, in, now)
	if err != nil {
		t.Fatal(err)
	}
	thirty := 30
	if _, err := s.ApproveProgram(ctx, rev, p.ID, ApproveInput{ApprovedDays: &thirty}, now); err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(people))
	for i, tr := range people {
		e, err := s.Enrol(ctx, prov, p.ID, EnrolInput{Name: fmt.Sprintf("学员%03d", tr.serial), IDNumber: idNumber(tr.serial)}, now)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = e.ID
	}
	for d, day := range days(start, 40) {
		if day > end {
			break
		}
		var present []int64
		for i, tr := range people {
			if d < tr.days {
				present = append(present, ids[i])
			}
		}
		if _, err := s.PutRoll(ctx, prov, p.ID, day, present, now); err != nil {
			t.Fatal(err)
		}
	}
	for i, tr := range people {
		if _, err := s.ChangeEnrolment(ctx, prov, ids[i], "complete", tr.completed, now); err != nil {
			t.Fatal(err)
		}
		if tr.employed {
			if _, err := s.RecordEmployment(ctx, prov, ids[i], EmploymentInput{EmployerName: "定襄法兰厂", EvidenceType: "agreement", EvidenceNo: fmt.Sprint("HT", tr.serial), StartOn: end}, nil, now); err != nil {
				t.Fatal(err)
			}
		}
	}
	if p, err = s.CloseProgram(ctx, prov, p.ID, now); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTrainingClaims(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		prov := verifiedProvider(t, s, "13800000501", "MA0F0501")
		rev, _ := s.CreateReviewer(ctx, "13800000509", "审核员", "reviewer-pass")
		good := []trainee{{1, 12, true, true}, {2, 35, true, true}, {3, 5, true, true}, {4, 10, true, true}, {5, 3, true, false}, {6, 2, false, false}}

		t.Run("refusals by their codes", func(t *testing.T) {
			towns, _ := s.Towns(ctx)
			open, _ := s.CreateProgram(ctx, prov, ProgramInput{Name: "未结束班", Occupation: "焊工", Mode: "project", TownID: towns[0].ID, StartOn: "2025-03-03", EndOn: "2025-04-11", PlannedDays: 30, Capacity: 5}, trainingDay)
			_, err := s.SubmitTrainingClaim(ctx, prov, open.ID, trainingDay)
			mustCode(t, err, ErrRule, "program_not_closed")

			low := closedProgram(t, s, prov, rev, "未达标班", "2025-03-03", "2025-04-11", []trainee{{101, 10, true, true}, {102, 10, true, false}})
			_, err = s.SubmitTrainingClaim(ctx, prov, low.ID, trainingDay)
			mustCode(t, err, ErrRule, "employment_target_not_met")

			before := closedProgram(t, s, prov, rev, "政策前班", "2022-08-01", "2022-09-09", []trainee{{103, 10, true, true}})
			_, err = s.SubmitTrainingClaim(ctx, prov, before.ID, trainingDay)
			mustCode(t, err, ErrRule, "no_policy_in_force")

			stranger := verifiedProvider(t, s, "13800000502", "MA0F0502")
			_, err = s.SubmitTrainingClaim(ctx, stranger, low.ID, trainingDay)
			mustCode(t, err, ErrForbidden)
		})

		p := closedProgram(t, s, prov, rev, "焊工班", "2025-03-03", "2025-04-11", good)
		c, err := s.SubmitTrainingClaim(ctx, prov, p.ID, trainingDay)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("the claim's lines and total, by hand", func(t *testing.T) {
			// 12 days → 1700; 35 days capped at 30 approved → 3500; 5 → 750; 10 → 1500; 3 → 450 (completed, not employed,
			// subsidize=completed still pays); 2 days not completed → 0.
			if c.TotalYuan != 1700+3500+750+1500+450 || c.People != 5 || c.Status != ClaimSubmitted || len(c.Lines) != 6 {
				t.Fatalf("total %d people %d status %s lines %d", c.TotalYuan, c.People, c.Status, len(c.Lines))
			}
			if l := c.Lines[1]; l.SubsidizedDays != 30 || l.AmountYuan != 3500 || l.FirstDayRateYuan != 150 || l.CapPerPersonYuan != 4000 {
				t.Fatalf("line %+v", l)
			}
			if l := c.Lines[5]; l.AmountYuan != 0 || l.ExcludedReason != "not_completed" {
				t.Fatalf("line %+v", l)
			}
		})
		t.Run("a second claim for the program is a conflict", func(t *testing.T) {
			_, err := s.SubmitTrainingClaim(ctx, prov, p.ID, trainingDay)
			mustCode(t, err, ErrConflict, "claim_exists")
		})
		t.Run("the same person in another program of the year gets a 0 line", func(t *testing.T) {
			p2 := closedProgram(t, s, prov, rev, "焊工二班", "2025-05-05", "2025-06-13", []trainee{{2, 20, true, true}, {201, 20, true, true}})
			c2, err := s.SubmitTrainingClaim(ctx, prov, p2.ID, time.Date(2025, 7, 1, 9, 0, 0, 0, China))
			if err != nil {
				t.Fatal(err)
			}
			if c2.Lines[0].AmountYuan != 0 || c2.Lines[0].ExcludedReason != "already_subsidized" || c2.Lines[1].AmountYuan != 2500 || c2.TotalYuan != 2500 {
				t.Fatalf("%+v", c2.Lines)
			}
			t.Run("rejecting the first claim frees its people for a later claim", func(t *testing.T) {
				if _, err := s.RejectClaim(ctx, rev, c.ID, "材料不全", trainingDay); err != nil {
					t.Fatal(err)
				}
				o, _ := s.ProgramOutcome(ctx, prov, p.ID, func() string { return "2025-07-01" })
				if o.Lines[1].ExcludedReason != "" || o.Lines[1].AmountYuan != 3500 {
					t.Fatalf("after the rejection the person is still taken: %+v", o.Lines[1])
				}
			})
		})
		t.Run("lines never change", func(t *testing.T) {
			if err := s.db.Exec("UPDATE claim_lines SET amount_yuan = 99999").Error; err == nil {
				t.Fatal("the database let a line change")
			}
			if err := s.db.Exec("DELETE FROM claim_lines").Error; err == nil {
				t.Fatal("the database let a line be deleted")
			}
		})
		t.Run("a decided claim is not decided again", func(t *testing.T) {
			_, err := s.ApproveClaim(ctx, rev, c.ID, trainingDay)
			mustCode(t, err, ErrConflict, "claim_decided")
		})
	})
}

func TestOnjobClaimsAndKinds(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		owner, _ := verifiedEnterprise(t, s, "13800000601", "MA0G0601")
		day := time.Date(2025, 6, 1, 9, 0, 0, 0, China)
		in := OnjobInput{Title: "岗位练兵", TrainedOn: "2025-05-20", Trainees: []OnjobTrainee{{"张三", idNumber(1)}, {"李四", idNumber(2)}, {"张三", idNumber(1)}}}
		c, err := s.SubmitOnjobClaim(ctx, owner, in, day)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("300 yuan per eligible person, the same person once", func(t *testing.T) {
			if c.TotalYuan != 600 || c.People != 2 || c.Lines[2].ExcludedReason != "already_subsidized" {
				t.Fatalf("%+v", c)
			}
		})
		t.Run("a second on-the-job claim of the year pays nobody twice", func(t *testing.T) {
			again, err := s.SubmitOnjobClaim(ctx, owner, OnjobInput{Title: "二期", TrainedOn: "2025-05-25", Trainees: []OnjobTrainee{{"李四", idNumber(2)}, {"王五", idNumber(3)}}}, day)
			if err != nil || again.TotalYuan != 300 || again.Lines[0].AmountYuan != 0 {
				t.Fatalf("%+v %v", again, err)
			}
		})
		t.Run("the kinds are separate: a training line does not block an on-the-job line", func(t *testing.T) {
			prov := verifiedProvider(t, s, "13800000602", "MA0G0602")
			rev, _ := s.CreateReviewer(ctx, "13800000609", "审核员", "reviewer-pass")
			p := closedProgram(t, s, prov, rev, "跨类班", "2025-03-03", "2025-04-11", []trainee{{1, 10, true, true}})
			tc, err := s.SubmitTrainingClaim(ctx, prov, p.ID, trainingDay)
			if err != nil || tc.TotalYuan != 1500 {
				t.Fatalf("%+v %v", tc, err)
			}
		})
		t.Run("an enterprise outside professional towns is not eligible", func(t *testing.T) {
			u := newAccount(t, s, RoleEnterprise, "13800000603")
			e, _ := s.CreateEnterprise(ctx, u, EnterpriseInput{Name: "镇外企业", USCC: validUSCC("MA0G0603"), Industry: "x"})
			rev, _ := s.CreateReviewer(ctx, "13800000619", "审核员", "reviewer-pass")
			no := false
			s.VerifyEnterprise(ctx, rev, e.ID, VerifyInput{LeadingIndustry: &no})
			_, err := s.SubmitOnjobClaim(ctx, u, in, day)
			mustCode(t, err, ErrRule, "enterprise_not_eligible")
		})
		t.Run("training outside every policy window is refused", func(t *testing.T) {
			late := in
			late.TrainedOn = "2025-09-26"
			_, err := s.SubmitOnjobClaim(ctx, owner, late, time.Date(2025, 10, 1, 9, 0, 0, 0, China))
			mustCode(t, err, ErrRule, "no_policy_in_force")
		})
		t.Run("bad ID numbers are named by position", func(t *testing.T) {
			bad := in
			bad.Trainees = []OnjobTrainee{{"张三", idNumber(1)}, {"李四", "140105199001010000"}}
			_, err := s.SubmitOnjobClaim(ctx, owner, bad, day)
			if e := mustCode(t, err, ErrInvalid); e.Fields["trainees[1].id_number"] == "" {
				t.Fatal(e.Fields)
			}
		})
	})
}

// TestTwoClaimsRacingForOnePerson: many claims submitted at once for the same person pay one
// line; the register's primary key decides, not a read before the write.
func TestTwoClaimsRacingForOnePerson(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		var owners []User
		for i := range 6 {
			u, _ := verifiedEnterprise(t, s, fmt.Sprintf("1380000070%d", i), fmt.Sprintf("MA0H070%d", i))
			owners = append(owners, u)
		}
		day := time.Date(2025, 6, 1, 9, 0, 0, 0, China)
		var wg sync.WaitGroup
		totals := make(chan int, len(owners))
		for _, u := range owners {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := s.SubmitOnjobClaim(ctx, u, OnjobInput{Title: "抢人", TrainedOn: "2025-05-20", Trainees: []OnjobTrainee{{"同一人", idNumber(9)}}}, day)
				if err != nil {
					t.Error(err)
					return
				}
				totals <- c.TotalYuan
			}()
		}
		wg.Wait()
		close(totals)
		paid := 0
		for total := range totals {
			paid += total
		}
		if paid != 300 {
			t.Fatalf("the person was paid %d yuan across the racing claims, want 300", paid)
		}
	})
}

func TestAnnouncementObjectionsAndPayment(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		owner, _ := verifiedEnterprise(t, s, "13800000801", "MA0K0801")
		rev, _ := s.CreateReviewer(ctx, "13800000809", "审核员", "reviewer-pass")
		submit := func(serial int) Claim {
			c, err := s.SubmitOnjobClaim(ctx, owner, OnjobInput{Title: "练兵", TrainedOn: "2025-05-20", Trainees: []OnjobTrainee{{"某人", idNumber(serial)}}}, time.Date(2025, 6, 1, 9, 0, 0, 0, China))
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		approvedOn := time.Date(2025, 6, 2, 9, 0, 0, 0, China)
		on := func(day int) time.Time { return time.Date(2025, 6, day, 10, 0, 0, 0, China) }
		c := submit(1)
		c, err := s.ApproveClaim(ctx, rev, c.ID, approvedOn)
		if err != nil || *c.AnnouncedFrom != "2025-06-02" || *c.AnnouncedUntil != "2025-06-06" {
			t.Fatalf("5 days of announcement: %+v %v", c, err)
		}
		t.Run("the public sees it without personal data", func(t *testing.T) {
			pub, _ := s.PublicClaims(ctx, on(3))
			if len(pub) != 1 || pub[0].TotalYuan != 300 || pub[0].People != 1 || !pub[0].ObjectionsOpen {
				t.Fatalf("%+v", pub)
			}
		})
		t.Run("no payment during the announcement", func(t *testing.T) {
			_, err := s.PayClaim(ctx, rev, c.ID, "BANK-1", on(6))
			mustCode(t, err, ErrRule, "announcement_open")
		})
		o, err := s.LodgeObjection(ctx, c.ID, ObjectionInput{Text: "该企业未实际组织培训", Contact: "13000000000"}, on(6))
		if err != nil {
			t.Fatal(err)
		}
		t.Run("objections only inside the window", func(t *testing.T) {
			_, err := s.LodgeObjection(ctx, c.ID, ObjectionInput{Text: "迟到的异议内容"}, on(7))
			mustCode(t, err, ErrRule, "announcement_closed")
		})
		t.Run("no payment while an objection is open", func(t *testing.T) {
			_, err := s.PayClaim(ctx, rev, c.ID, "BANK-1", on(8))
			mustCode(t, err, ErrRule, "objection_open")
		})
		no := false
		if _, err := s.ResolveObjection(ctx, rev, o.ID, ResolveObjectionInput{Upheld: &no, Note: "经核查培训属实"}, on(8)); err != nil {
			t.Fatal(err)
		}
		t.Run("after the window with no objection open, the payment is recorded", func(t *testing.T) {
			paid, err := s.PayClaim(ctx, rev, c.ID, "BANK-2025-06-001", on(8))
			if err != nil || paid.Status != ClaimPaid || paid.PaymentRef != "BANK-2025-06-001" {
				t.Fatalf("%+v %v", paid, err)
			}
			_, err = s.PayClaim(ctx, rev, c.ID, "again", on(9))
			mustCode(t, err, ErrRule, "claim_not_approved")
		})
		t.Run("an upheld objection revokes an unpaid approval and frees the person", func(t *testing.T) {
			c2 := submit(2)
			c2, _ = s.ApproveClaim(ctx, rev, c2.ID, on(10))
			o2, _ := s.LodgeObjection(ctx, c2.ID, ObjectionInput{Text: "名单中人员未参加培训"}, on(11))
			yes := true
			if _, err := s.ResolveObjection(ctx, rev, o2.ID, ResolveObjectionInput{Upheld: &yes, Note: "核实属实"}, on(12)); err != nil {
				t.Fatal(err)
			}
			got, _ := s.Claim(ctx, rev, c2.ID)
			if got.Status != ClaimRejected {
				t.Fatalf("%+v", got)
			}
			again := submit(2)
			if again.TotalYuan != 300 {
				t.Fatalf("the person was not freed: %+v", again)
			}
		})
		t.Run("every step is audited with its actor", func(t *testing.T) {
			trail, _ := s.AuditTrail(ctx, "claim", c.ID)
			var actions []string
			for _, e := range trail {
				actions = append(actions, e.Action)
			}
			if fmt.Sprint(actions) != "[claim.submit claim.approve objection.lodge objection.resolve claim.pay]" {
				t.Fatalf("%v", actions)
			}
		})
	})
}
