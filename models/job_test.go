package models

import (
	"context"
	"strings"
	"testing"
	"time"
)

// postingDay is the clock the posting tests run on.
var postingDay = time.Date(2026, 11, 26, 10, 0, 0, 0, China)

func goodJob(townID int64) JobInput {
	return JobInput{Title: "招聘电焊工", Description: "负责法兰焊接,持焊工证优先,包吃住。", Occupation: "电焊工", TownID: townID,
		SalaryMin: 6000, SalaryMax: 9000, Headcount: 5, Education: "不限", EmploymentType: "full_time", ExpiresOn: "2026-12-26"}
}

// verifiedEnterprise makes an enterprise account with a verified profile in the first town.
func verifiedEnterprise(t *testing.T, s *Store, phone, body8 string) (User, Enterprise) {
	t.Helper()
	ctx := context.Background()
	u := newAccount(t, s, RoleEnterprise, phone)
	towns, _ := s.Towns(ctx)
	e, err := s.CreateEnterprise(ctx, u, EnterpriseInput{Name: "企业" + body8, USCC: validUSCC(body8), TownID: ptr(towns[0].ID), Industry: "法兰"})
	if err != nil {
		t.Fatal(err)
	}
	rev, err := s.CreateReviewer(ctx, "1590000"+phone[7:], "审核员", "reviewer-pass")
	if err != nil {
		t.Fatal(err)
	}
	no := false
	if e, err = s.VerifyEnterprise(ctx, rev, e.ID, VerifyInput{LeadingIndustry: &no}); err != nil {
		t.Fatal(err)
	}
	return u, e
}

func TestPostingRules(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		owner, ent := verifiedEnterprise(t, s, "13500000001", "MA0J0001")
		towns, _ := s.Towns(ctx)
		t.Run("a verified enterprise posts for free, with an outbox row", func(t *testing.T) {
			before, _ := s.OutboxPending(ctx)
			j, err := s.CreateJob(ctx, owner, goodJob(towns[0].ID), postingDay)
			if err != nil {
				t.Fatal(err)
			}
			if j.PostingFeeYuan != 0 || j.Status != JobOpen || j.EnterpriseID != ent.ID || j.Enterprise.Name != ent.Name {
				t.Fatalf("%+v", j)
			}
			after, _ := s.OutboxPending(ctx)
			if after != before+1 {
				t.Fatalf("outbox %d → %d", before, after)
			}
		})
		t.Run("an unverified enterprise cannot post", func(t *testing.T) {
			u := newAccount(t, s, RoleEnterprise, "13500000002")
			if _, err := s.CreateEnterprise(ctx, u, EnterpriseInput{Name: "未认证厂", USCC: validUSCC("MA0J0002"), Industry: "x"}); err != nil {
				t.Fatal(err)
			}
			_, err := s.CreateJob(ctx, u, goodJob(towns[0].ID), postingDay)
			mustCode(t, err, ErrRule, "enterprise_not_verified")
		})
		cases := []struct {
			name   string
			change func(*JobInput)
			field  string
		}{
			{"the salary range must not be upside down", func(in *JobInput) { in.SalaryMax = 5000 }, "salary_max"},
			{"the salary range must be a real range", func(in *JobInput) { in.SalaryMin, in.SalaryMax = 1000, 9000 }, "salary_max"},
			{"basic pay must be stated", func(in *JobInput) { in.SalaryMin = 0 }, "salary_min"},
			{"headcount must be stated", func(in *JobInput) { in.Headcount = 0 }, "headcount"},
			{"the job content must be stated", func(in *JobInput) { in.Description = "焊工" }, "description"},
			{"the validity may not pass 90 days", func(in *JobInput) { in.ExpiresOn = "2027-02-25" }, "expires_on"},
			{"the validity may not be in the past", func(in *JobInput) { in.ExpiresOn = "2026-11-25" }, "expires_on"},
			{"education must be one of the listed", func(in *JobInput) { in.Education = "小学" }, "education"},
			{"employment type must be one of the listed", func(in *JobInput) { in.EmploymentType = "gig" }, "employment_type"},
			{"the work place must be a known town", func(in *JobInput) { in.TownID = 0 }, "town_id"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				in := goodJob(towns[0].ID)
				c.change(&in)
				_, err := s.CreateJob(ctx, owner, in, postingDay)
				if e := mustCode(t, err, ErrInvalid); e.Fields[c.field] == "" {
					t.Fatalf("%s not named: %v", c.field, e.Fields)
				}
			})
		}
		t.Run("an unknown town is named with the posting's other problems", func(t *testing.T) {
			in := goodJob(999999)
			in.Headcount, in.Description = 0, "负责法兰焊接,限男性,包吃住。"
			_, err := s.CreateJob(ctx, owner, in, postingDay)
			e := mustCode(t, err, ErrInvalid)
			if e.Fields["town_id"] != "no such town" || e.Fields["headcount"] == "" || !strings.Contains(e.Fields["description"], "限男性") {
				t.Fatalf("fields %v", e.Fields)
			}
		})
		t.Run("the last allowed day is 90 days ahead", func(t *testing.T) {
			in := goodJob(towns[0].ID)
			in.ExpiresOn = "2027-02-24"
			if _, err := s.CreateJob(ctx, owner, in, postingDay); err != nil {
				t.Fatal(err)
			}
		})
		for _, term := range []struct{ text, term string }{{"限男性,能吃苦", "限男性"}, {"要求已婚已育", "已婚已育"}, {"限 本地 户口", "限本地户口"}, {"仅限汉族", "仅限汉族"}} {
			t.Run("a discriminatory term is refused by name: "+term.term, func(t *testing.T) {
				in := goodJob(towns[0].ID)
				in.Description = "负责焊接工作," + term.text
				_, err := s.CreateJob(ctx, owner, in, postingDay)
				e := mustCode(t, err, ErrRule, "discriminatory_term")
				if !strings.Contains(e.Message, term.term) || !strings.Contains(e.Fields["description"], term.term) {
					t.Fatalf("term not named: %v", e)
				}
			})
		}
		t.Run("another enterprise cannot edit or close the posting", func(t *testing.T) {
			j, _ := s.CreateJob(ctx, owner, goodJob(towns[0].ID), postingDay)
			rival, _ := verifiedEnterprise(t, s, "13500000003", "MA0J0003")
			_, err := s.UpdateJob(ctx, rival, j.ID, goodJob(towns[0].ID), postingDay)
			mustCode(t, err, ErrForbidden)
			_, err = s.CloseJob(ctx, rival, j.ID, postingDay)
			mustCode(t, err, ErrForbidden)
			got, _ := s.Job(ctx, j.ID)
			if got.Status != JobOpen {
				t.Fatal("the posting changed")
			}
		})
		t.Run("the owner edits, then closes; a closed posting is not edited and its trail is audited", func(t *testing.T) {
			j, _ := s.CreateJob(ctx, owner, goodJob(towns[0].ID), postingDay)
			in := goodJob(towns[1].ID)
			in.Title = "招聘氩弧焊工"
			got, err := s.UpdateJob(ctx, owner, j.ID, in, postingDay)
			if err != nil || got.Title != "招聘氩弧焊工" || got.TownID != towns[1].ID {
				t.Fatalf("%+v %v", got, err)
			}
			closed, err := s.CloseJob(ctx, owner, j.ID, postingDay)
			if err != nil || closed.Status != JobClosed || closed.ClosedAt == nil || !closed.Closed("2026-11-26") {
				t.Fatalf("%+v %v", closed, err)
			}
			_, err = s.UpdateJob(ctx, owner, j.ID, in, postingDay)
			mustCode(t, err, ErrRule, "job_not_open")
			trail, _ := s.AuditTrail(ctx, "job", j.ID)
			var actions []string
			for _, e := range trail {
				actions = append(actions, e.Action)
			}
			if strings.Join(actions, ",") != "job.create,job.update,job.close" {
				t.Fatalf("audit %v", actions)
			}
		})
		t.Run("a posting is searchable only while open, unexpired and of a verified enterprise", func(t *testing.T) {
			j, _ := s.CreateJob(ctx, owner, goodJob(towns[0].ID), postingDay)
			if !j.Searchable("2026-12-26") || j.Searchable("2026-12-27") {
				t.Fatal("expiry: the last valid day is expires_on")
			}
			j.Enterprise.Verified = false
			if j.Searchable("2026-11-26") {
				t.Fatal("an unverified enterprise's posting is searchable")
			}
		})
	})
}

func TestReportsAndTakeDown(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		owner, _ := verifiedEnterprise(t, s, "13500000011", "MA0R0001")
		towns, _ := s.Towns(ctx)
		j, _ := s.CreateJob(ctx, owner, goodJob(towns[0].ID), postingDay)
		r, err := s.ReportJob(ctx, j.ID, ReportInput{Reason: "虚假招聘,实为收费培训"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ReportJob(ctx, 999999, ReportInput{Reason: "不存在"}); ErrorCode(err) != ErrNotFound {
			t.Fatalf("report of a missing posting: %v", err)
		}
		rev, _ := s.CreateReviewer(ctx, "15900000019", "审核员", "reviewer-pass")
		yes := true
		t.Run("only reviewers resolve", func(t *testing.T) {
			_, err := s.ResolveReport(ctx, owner, r.ID, ResolveInput{TakeDown: &yes}, postingDay)
			mustCode(t, err, ErrForbidden)
		})
		t.Run("taking down closes the posting, queues it for the index and is audited", func(t *testing.T) {
			if _, err := s.ResolveReport(ctx, rev, r.ID, ResolveInput{TakeDown: &yes}, postingDay); err != nil {
				t.Fatal(err)
			}
			got, _ := s.Job(ctx, j.ID)
			if got.Status != JobTakenDown || got.Searchable("2026-11-26") {
				t.Fatalf("%+v", got)
			}
			trail, _ := s.AuditTrail(ctx, "job", j.ID)
			if trail[len(trail)-1].Action != "job.take_down" {
				t.Fatalf("audit %+v", trail)
			}
		})
		t.Run("a resolved report is not resolved twice", func(t *testing.T) {
			_, err := s.ResolveReport(ctx, rev, r.ID, ResolveInput{TakeDown: &yes}, postingDay)
			mustCode(t, err, ErrConflict, "report_resolved")
		})
	})
}

func TestOnePostingRefusalNamesEveryProblem(t *testing.T) {
	// The usability review's form: four problems and three terms, which took four submits.
	bad := goodJob(1)
	bad.Title = "招聘电焊工限男性"
	bad.Description = "负责法兰焊接,要求已婚已育,限本地户籍,包吃住。"
	bad.Headcount, bad.SalaryMin, bad.SalaryMax, bad.ExpiresOn = 0, 9000, 6000, "2020-01-01"
	want := map[string]string{
		"title":       "contains the discriminatory term 「限男性」",
		"description": "contains the discriminatory terms 「已婚已育」「限本地户籍」",
		"headcount":   "must be at least 1",
		"salary_max":  "must not be below salary_min",
		"expires_on":  "must not be in the past",
	}
	t.Run("every failing field is named in one refusal, the same one each time", func(t *testing.T) {
		var first string
		for range 50 {
			e := mustCode(t, CheckJob(bad, postingDay), ErrInvalid)
			if len(e.Fields) != len(want) {
				t.Fatalf("fields %v, want %v", e.Fields, want)
			}
			for field, msg := range want {
				if e.Fields[field] != msg {
					t.Fatalf("%s: %q, want %q (all: %v)", field, e.Fields[field], msg, e.Fields)
				}
			}
			if first == "" {
				first = e.Message
			} else if e.Message != first {
				t.Fatalf("the message changed between runs: %q, then %q", first, e.Message)
			}
		}
	})
	t.Run("terms alone stay the discriminatory_term rule, naming every field that has one", func(t *testing.T) {
		in := goodJob(1)
		in.Title, in.Description = "招聘电焊工限男性", "负责法兰焊接,要求已婚已育,包吃住。"
		for range 50 {
			e := mustCode(t, CheckJob(in, postingDay), ErrRule, "discriminatory_term")
			if e.Fields["title"] != "contains the discriminatory term 「限男性」" || e.Fields["description"] != "contains the discriminatory term 「已婚已育」" || len(e.Fields) != 2 {
				t.Fatalf("fields %v", e.Fields)
			}
			if !strings.Contains(e.Message, "限男性") || !strings.Contains(e.Message, "已婚已育") {
				t.Fatalf("message %q", e.Message)
			}
		}
	})
	t.Run("a headcount of 0 is below the minimum, not missing", func(t *testing.T) {
		in := goodJob(1)
		in.Headcount = 0
		if e := mustCode(t, CheckJob(in, postingDay), ErrInvalid); e.Fields["headcount"] != "must be at least 1" {
			t.Fatalf("headcount: %q", e.Fields["headcount"])
		}
	})
	t.Run("the terms are read in one order on every load", func(t *testing.T) {
		first := strings.Join(loadTerms(), ",")
		for range 20 {
			if got := strings.Join(loadTerms(), ","); got != first {
				t.Fatalf("the term list changed order between loads")
			}
		}
	})
}
