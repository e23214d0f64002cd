package models

import (
	"context"
	"fmt"
	"portal/personal"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
)

// trainingDay is the clock of the training tests: after the 2025 spring program ended.
var trainingDay = time.Date(2025, 5, 1, 10, 0, 0, 0, China)

// idNumber makes a valid GB 11643 number for a serial, born 1990-01-01 in Taiyuan.
func idNumber(serial int) string {
	return personal.MakeIDNumber(fmt.Sprintf("14010519900101%03d", serial%1000))
}

// verifiedProvider makes a provider account with a verified profile.
func verifiedProvider(t *testing.T, s *Store, phone, body8 string) User {
	t.Helper()
	ctx := context.Background()
	u := newAccount(t, s, RoleProvider, phone)
	p, err := s.CreateProvider(ctx, u, ProviderInput{Name: "培训学校" + body8, Kind: "technical_school", USCC: validUSCC(body8)})
	if err != nil {
		t.Fatal(err)
	}
	rev, err := s.CreateReviewer(ctx, "1570000"+phone[7:], "审核员", "reviewer-pass")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.VerifyProvider(ctx, rev, p.ID); err != nil {
		t.Fatal(err)
	}
	return u
}

func spring2025(townID int64, partner *int64) ProgramInput {
	return ProgramInput{Name: "焊工订单班", Occupation: "焊工", Mode: "order", TownID: townID, PartnerEnterpriseID: partner,
		StartOn: "2025-03-03", EndOn: "2025-04-11", PlannedDays: 40, Capacity: 30}
}

// days lists the first n dates from start.
func days(start string, n int) []string {
	t, _ := ParseDate(start)
	out := make([]string, n)
	for i := range out {
		out[i] = t.AddDate(0, 0, i).Format(DateLayout)
	}
	return out
}

func TestTrainingStoryWithHandComputedFigures(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		prov := verifiedProvider(t, s, "13800000101", "MA0Q0101")
		_, partner := verifiedEnterprise(t, s, "13800000102", "MA0Q0102")
		rev, _ := s.CreateReviewer(ctx, "13800000109", "审核员", "reviewer-pass")
		towns, _ := s.Towns(ctx)

		t.Run("order training needs its partner enterprise", func(t *testing.T) {
			_, err := s.CreateProgram(ctx, prov, spring2025(towns[0].ID, nil), trainingDay)
			if e := mustCode(t, err, ErrInvalid); e.Fields["partner_enterprise_id"] == "" {
				t.Fatal(e)
			}
		})
		p, err := s.CreateProgram(ctx, prov, spring2025(towns[0].ID, &partner.ID), trainingDay)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != ProgramPending || !p.Backfiled {
			t.Fatalf("a program filed after its start is pending and marked back-filed: %+v", p)
		}
		t.Run("no roll before approval", func(t *testing.T) {
			_, err := s.PutRoll(ctx, prov, p.ID, "2025-03-03", nil, trainingDay)
			mustCode(t, err, ErrRule, "program_not_approved")
		})
		approved := 35
		if p, err = s.ApproveProgram(ctx, rev, p.ID, ApproveInput{ApprovedDays: &approved}, trainingDay); err != nil || *p.ApprovedDays != 35 {
			t.Fatalf("%+v %v", p, err)
		}

		names := []string{"甲", "乙", "丙", "丁", "戊", "己", "庚"}
		ids := map[string]int64{}
		for i, n := range names {
			e, err := s.Enrol(ctx, prov, p.ID, EnrolInput{Name: "学员" + n, IDNumber: idNumber(i + 1), Phone: fmt.Sprintf("1391000000%d", i)}, trainingDay)
			if err != nil {
				t.Fatal(err)
			}
			if e.IDNumberMasked != idNumber(i + 1)[:6]+"********"+idNumber(i + 1)[14:] || strings.Contains(e.IDNumberEnc, idNumber(i+1)) {
				t.Fatalf("the ID number is not protected: %+v", e)
			}
			ids[n] = e.ID
		}
		t.Run("the same person twice is a conflict", func(t *testing.T) {
			_, err := s.Enrol(ctx, prov, p.ID, EnrolInput{Name: "学员甲", IDNumber: strings.ToLower(idNumber(1))}, trainingDay)
			mustCode(t, err, ErrConflict, "already_enrolled")
		})
		// attended days: 甲 36 (two of them repeated), 乙 11, 丙 10, 丁 1, 戊 0, 庚 20; 己 withdraws.
		attend := map[string]int{"甲": 36, "乙": 11, "丙": 10, "丁": 1, "庚": 20}
		for _, day := range days("2025-03-03", 40) {
			var present []int64
			for n, k := range attend {
				if day < days("2025-03-03", k+1)[k] {
					present = append(present, ids[n])
				}
			}
			if _, err := s.PutRoll(ctx, prov, p.ID, day, present, trainingDay); err != nil {
				t.Fatal(err)
			}
		}
		t.Run("a roll is idempotent and replaces the day", func(t *testing.T) {
			roll, _ := s.Roll(ctx, p.ID, "2025-03-03")
			if _, err := s.PutRoll(ctx, prov, p.ID, "2025-03-03", roll, trainingDay); err != nil {
				t.Fatal(err)
			}
			again, _ := s.Roll(ctx, p.ID, "2025-03-03")
			if fmt.Sprint(again) != fmt.Sprint(roll) {
				t.Fatalf("%v vs %v", again, roll)
			}
		})
		t.Run("rolls outside the window, in the future or of strangers are refused", func(t *testing.T) {
			other := verifiedProvider(t, s, "13800000103", "MA0Q0103")
			cases := []struct {
				who  User
				day  string
				ids  []int64
				code string
			}{
				{prov, "2025-03-02", nil, ErrInvalid},
				{prov, "2025-04-12", nil, ErrInvalid},
				{prov, "2025-04-11", []int64{999999}, ErrInvalid},
				{other, "2025-03-04", nil, ErrForbidden},
			}
			for _, c := range cases {
				_, err := s.PutRoll(ctx, c.who, p.ID, c.day, c.ids, trainingDay)
				mustCode(t, err, c.code)
			}
			_, err := s.PutRoll(ctx, prov, p.ID, "2025-04-11", nil, time.Date(2025, 4, 10, 9, 0, 0, 0, China))
			mustCode(t, err, ErrInvalid)
		})
		for n, passed := range map[string]bool{"甲": true, "乙": true, "丙": true, "丁": false, "戊": true, "庚": true} {
			if _, err := s.ChangeEnrolment(ctx, prov, ids[n], "complete", passed, trainingDay); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.ChangeEnrolment(ctx, prov, ids["己"], "withdraw", false, trainingDay); err != nil {
			t.Fatal(err)
		}
		t.Run("employment is recorded only for completers", func(t *testing.T) {
			_, err := s.RecordEmployment(ctx, prov, ids["丁"], EmploymentInput{EmployerName: "x", EvidenceType: "agreement", EvidenceNo: "1", StartOn: "2025-04-20"}, nil, trainingDay)
			mustCode(t, err, ErrRule, "not_completed")
		})
		employ := func(n, kind, start string) {
			t.Helper()
			if _, err := s.RecordEmployment(ctx, prov, ids[n], EmploymentInput{EmployerName: "定襄法兰厂", EvidenceType: kind, EvidenceNo: "HT-" + n, StartOn: start}, nil, trainingDay); err != nil {
				t.Fatal(err)
			}
		}
		employ("甲", "agreement", "2025-04-15")
		employ("乙", "agreement", "2025-04-20")
		employ("戊", "certificate", "2025-10-08") // end_on + 180: the window's last day
		employ("庚", "certificate", "2025-10-09") // one day late

		today := func() string { return Today(trainingDay) }
		o, err := s.ProgramOutcome(ctx, prov, p.ID, today)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("below the line: 3 of 5 completers employed, one more needed", func(t *testing.T) {
			if o.Enrolled != 6 || o.Completed != 5 || o.Employed != 3 || o.MeetsTarget || o.EmployedNeeded != 1 || o.EmploymentRate != 60 || o.TargetRate != 80 {
				t.Fatalf("%+v", o)
			}
		})
		t.Run("every line by hand: days capped at 35, the tiered amounts, the reasons", func(t *testing.T) {
			want := map[string]struct {
				attended, subsidized, amount int
				employed                     bool
				reason                       string
			}{
				"甲": {36, 35, 4000, true, ""}, "乙": {11, 11, 1600, true, ""}, "丙": {10, 10, 1500, false, ""},
				"丁": {1, 1, 0, false, "not_completed"}, "戊": {0, 0, 0, true, ""}, "己": {0, 0, 0, false, "not_completed"},
				"庚": {20, 20, 2500, false, ""},
			}
			for _, l := range o.Lines {
				w := want[strings.TrimPrefix(l.Name, "学员")]
				if l.AttendedDays != w.attended || l.SubsidizedDays != w.subsidized || l.AmountYuan != w.amount || l.Employed != w.employed || l.ExcludedReason != w.reason {
					t.Errorf("%s: got %+v, want %+v", l.Name, l, w)
				}
			}
			if o.ProjectedSubsidyYuan != 9600 {
				t.Fatalf("projected %d, want 9600", o.ProjectedSubsidyYuan)
			}
		})
		t.Run("one more placement reaches exactly 80%", func(t *testing.T) {
			employ("丙", "agreement", "2025-05-01")
			o, _ := s.ProgramOutcome(ctx, prov, p.ID, today)
			if !o.MeetsTarget || o.Employed != 4 || o.EmployedNeeded != 0 || o.EmploymentRate != 80 {
				t.Fatalf("%+v", o)
			}
		})
		t.Run("another provider cannot see the outcome; a reviewer can", func(t *testing.T) {
			other, _ := s.CreateReviewer(ctx, "13800000119", "审核员乙", "reviewer-pass")
			if _, err := s.ProgramOutcome(ctx, other, p.ID, today); err != nil {
				t.Fatal(err)
			}
			stranger := newAccount(t, s, RoleProvider, "13800000104")
			_, err := s.ProgramOutcome(ctx, stranger, p.ID, today)
			mustCode(t, err, ErrForbidden)
		})
		t.Run("a reviewer reveals a full ID number, audited", func(t *testing.T) {
			n, err := s.RevealIDNumber(ctx, rev, ids["甲"], "核对身份证复印件")
			if err != nil || n != idNumber(1) {
				t.Fatalf("%q %v", n, err)
			}
			trail, _ := s.AuditTrail(ctx, "enrolment", ids["甲"])
			if trail[len(trail)-1].Action != "enrolment.reveal_id" {
				t.Fatal("the reveal was not audited")
			}
		})
		t.Run("closing waits for the last day", func(t *testing.T) {
			_, err := s.CloseProgram(ctx, prov, p.ID, time.Date(2025, 4, 10, 9, 0, 0, 0, China))
			mustCode(t, err, ErrRule, "program_not_ended")
			if c, err := s.CloseProgram(ctx, prov, p.ID, trainingDay); err != nil || c.Status != ProgramClosed {
				t.Fatalf("%+v %v", c, err)
			}
		})
	})
}

func TestEnrolmentUnderConcurrency(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		prov := verifiedProvider(t, s, "13800000201", "MA0Q0201")
		towns, _ := s.Towns(ctx)
		in := spring2025(towns[0].ID, nil)
		in.Mode, in.Capacity = "project", 5
		p, err := s.CreateProgram(ctx, prov, in, trainingDay)
		if err != nil {
			t.Fatal(err)
		}
		run := func(n int, id func(i int) string) (ok, conflicts int) {
			var wg sync.WaitGroup
			var mu sync.Mutex
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := s.Enrol(ctx, prov, p.ID, EnrolInput{Name: "学员", IDNumber: id(i)}, trainingDay)
					mu.Lock()
					defer mu.Unlock()
					switch ErrorCode(err) {
					case "":
						ok++
					case ErrInternal:
						if err == nil {
							ok++
						} else {
							t.Errorf("enrol: %v", err)
						}
					case ErrConflict:
						conflicts++
					default:
						t.Errorf("enrol: %v", err)
					}
				}()
			}
			wg.Wait()
			return ok, conflicts
		}
		t.Run("the same person ten times at once is enrolled once", func(t *testing.T) {
			ok, conflicts := run(10, func(int) string { return idNumber(7) })
			if ok != 1 || conflicts != 9 {
				t.Fatalf("ok %d conflicts %d", ok, conflicts)
			}
		})
		t.Run("twelve people racing for four places: four get in", func(t *testing.T) {
			ok, conflicts := run(12, func(i int) string { return idNumber(100 + i) })
			if ok != 4 || conflicts != 8 {
				t.Fatalf("ok %d conflicts %d", ok, conflicts)
			}
		})
	})
}

// TestOutcomeQueriesAreBounded: 1,000 trainees and 40 days of rolls take a fixed number of
// queries (none per trainee).
func TestOutcomeQueriesAreBounded(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		p, prov := bigProgram(t, s, 1000, 40)
		var queries int
		var mu sync.Mutex
		_ = s.db.Callback().Query().After("gorm:query").Register("count_queries", func(*gorm.DB) { mu.Lock(); queries++; mu.Unlock() })
		_ = s.db.Callback().Raw().After("gorm:raw").Register("count_raw", func(*gorm.DB) { mu.Lock(); queries++; mu.Unlock() })
		o, err := s.ProgramOutcome(context.Background(), prov, p.ID, func() string { return Today(trainingDay) })
		if err != nil {
			t.Fatal(err)
		}
		if o.Enrolled != 1000 || o.Lines[999].AttendedDays != 40 {
			t.Fatalf("enrolled %d, attended %d", o.Enrolled, o.Lines[999].AttendedDays)
		}
		if queries > 10 {
			t.Fatalf("%d queries for 1,000 trainees", queries)
		}
	})
}

// bigProgram files and approves a program with n trainees, each present on every one of
// `days` days (written in bulk, as a test fixture).
func bigProgram(t testing.TB, s *Store, n, dayCount int) (Program, User) {
	ctx := context.Background()
	u, err := s.Register(ctx, RegisterInput{Role: RoleProvider, Phone: "13800000301", Password: "password1", Name: "大培训学校"})
	if err != nil {
		t.Fatal(err)
	}
	prov, err := s.CreateProvider(ctx, u.User, ProviderInput{Name: "大培训学校", Kind: "vocational_college", USCC: validUSCC("MA0Q0301")})
	if err != nil {
		t.Fatal(err)
	}
	rev, _ := s.CreateReviewer(ctx, "13800000309", "审核员", "reviewer-pass")
	if _, err := s.VerifyProvider(ctx, rev, prov.ID); err != nil {
		t.Fatal(err)
	}
	towns, _ := s.Towns(ctx)
	in := spring2025(towns[0].ID, nil)
	in.Mode, in.Capacity = "project", n
	p, err := s.CreateProgram(ctx, u.User, in, trainingDay)
	if err != nil {
		t.Fatal(err)
	}
	if p, err = s.ApproveProgram(ctx, rev, p.ID, ApproveInput{}, trainingDay); err != nil {
		t.Fatal(err)
	}
	enrolments := make([]Enrolment, n)
	for i := range enrolments {
		num := fmt.Sprintf("%06d", i)
		enrolments[i] = Enrolment{ProgramID: p.ID, Name: "学员" + num, IDNumberEnc: "x", IDNumberHash: "hash-" + num, IDNumberMasked: "140105********" + num[2:],
			Status: EnrolCompleted, CreatedAt: trainingDay, UpdatedAt: trainingDay}
	}
	if err := s.db.CreateInBatches(enrolments, 500).Error; err != nil {
		t.Fatal(err)
	}
	var rows []Attendance
	for _, d := range days(p.StartOn, dayCount) {
		for _, e := range enrolments {
			rows = append(rows, Attendance{ProgramID: p.ID, EnrolmentID: e.ID, Day: d, RecordedAt: trainingDay})
		}
	}
	if err := s.db.CreateInBatches(rows, 2000).Error; err != nil {
		t.Fatal(err)
	}
	return p, u.User
}

// BenchmarkOutcome measures the outcome of a program with 1,000 trainees and 40 days of
// rolls on SQLite (the target is 200 ms).
func BenchmarkOutcome(b *testing.B) {
	s := openTestStore(b, "sqlite://"+b.TempDir()+"/bench.db")
	p, prov := bigProgram(b, s, 1000, 40)
	ctx := context.Background()
	today := func() string { return Today(trainingDay) }
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.ProgramOutcome(ctx, prov, p.ID, today); err != nil {
			b.Fatal(err)
		}
	}
}
