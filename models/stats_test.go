package models

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// TestDashboardStatsByHand builds a small county by hand — postings in two towns, applications,
// two approved programs and one pending, claims in every status — and checks every figure.
func TestDashboardStatsByHand(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		towns, _ := s.Towns(ctx)
		town0, town1 := towns[0], towns[1]
		rev, err := s.CreateReviewer(ctx, "13300000909", "审核员", "reviewer-pass")
		if err != nil {
			t.Fatal(err)
		}

		// Postings on 2026-11-26; the figures are read on 2026-12-02.
		owner, _ := verifiedEnterprise(t, s, "13300000901", "MA0D0901")
		post := func(townID int64, expires string) int64 {
			t.Helper()
			in := goodJob(townID)
			in.ExpiresOn = expires
			j, err := s.CreateJob(ctx, owner, in, postingDay)
			if err != nil {
				t.Fatal(err)
			}
			return j.ID
		}
		open0 := post(town0.ID, "2026-12-26")
		expired0 := post(town0.ID, "2026-12-01") // expired by the reading day
		open1 := post(town1.ID, "2026-12-26")
		closed1 := post(town1.ID, "2026-12-26")
		for i, jobs := range [][]int64{{open0, expired0}, {open0, closed1}} {
			seeker := newAccount(t, s, RoleSeeker, fmt.Sprintf("1330000091%d", i))
			for _, j := range jobs {
				if _, err := s.Apply(ctx, seeker, j, postingDay); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := s.CloseJob(ctx, owner, closed1, postingDay); err != nil {
			t.Fatal(err)
		}
		_ = open1

		// Two approved programs in town1: 4 of 5 completers employed (80%, met) and 1 of 3 (33.33%).
		prov := verifiedProvider(t, s, "13300000902", "MA0D0902")
		serial := 0
		program := func(name string, completers, employed int) int64 {
			t.Helper()
			in := spring2025(town1.ID, nil)
			in.Name, in.Mode = name, "project"
			p, err := s.CreateProgram(ctx, prov, in, trainingDay)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.ApproveProgram(ctx, rev, p.ID, ApproveInput{}, trainingDay); err != nil {
				t.Fatal(err)
			}
			for i := range completers {
				serial++
				e, err := s.Enrol(ctx, prov, p.ID, EnrolInput{Name: "学员" + fmt.Sprint(serial), IDNumber: idNumber(serial)}, trainingDay)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.ChangeEnrolment(ctx, prov, e.ID, "complete", true, trainingDay); err != nil {
					t.Fatal(err)
				}
				if i < employed {
					if _, err := s.RecordEmployment(ctx, prov, e.ID, EmploymentInput{EmployerName: "定襄法兰厂", EvidenceType: "agreement",
						EvidenceNo: fmt.Sprint("HT-", serial), StartOn: "2025-04-20"}, nil, trainingDay); err != nil {
						t.Fatal(err)
					}
				}
			}
			return p.ID
		}
		met := program("焊工订单班", 5, 4)
		below := program("电工项目班", 3, 1)
		pendingIn := spring2025(town1.ID, nil)
		pendingIn.Mode = "project"
		if _, err := s.CreateProgram(ctx, prov, pendingIn, trainingDay); err != nil { // pending: not on the dashboard
			t.Fatal(err)
		}

		// Claims written directly: the claims store is not this test's concern.
		var policyID int64
		if err := s.db.Raw("SELECT id FROM policy_versions ORDER BY id LIMIT 1").Scan(&policyID).Error; err != nil {
			t.Fatal(err)
		}
		utc := func(s string) *time.Time {
			v, err := time.Parse(time.RFC3339, s)
			if err != nil {
				t.Fatal(err)
			}
			return &v
		}
		claim := func(townID int64, status string, total int, decided, paid *time.Time) {
			t.Helper()
			if err := s.db.Exec(`INSERT INTO claims (kind, town_id, policy_version_id, title, subsidy_year, status, people, total_yuan,
				submitted_by, submitted_at, decided_by, decided_at, paid_at) VALUES ('onjob', ?, ?, '岗位培训', 2025, ?, 1, ?, ?, ?, ?, ?, ?)`,
				townID, policyID, status, total, rev.ID, *utc("2025-05-01T02:00:00Z"), rev.ID, decided, paid).Error; err != nil {
				t.Fatal(err)
			}
		}
		claim(town0.ID, "approved", 12000, utc("2025-05-31T16:30:00Z"), nil)                    // 2025-06-01 00:30 in China
		claim(town0.ID, "paid", 3000, utc("2025-06-10T02:00:00Z"), utc("2025-06-30T16:30:00Z")) // paid 2025-07-01 in China
		claim(town1.ID, "paid", 900, utc("2025-05-20T02:00:00Z"), utc("2025-05-25T02:00:00Z"))  // both in May
		claim(town1.ID, "submitted", 5000, nil, nil)                                            // not decided
		claim(town1.ID, "rejected", 7000, utc("2025-05-21T02:00:00Z"), nil)                     // never counts

		st, err := s.DashboardStats(ctx, "2026-12-02")
		if err != nil {
			t.Fatal(err)
		}
		t.Run("programs: approved ones only, each rate against the 80% target", func(t *testing.T) {
			want := []ProgramRate{
				{ID: met, Name: "焊工订单班", Town: town1.Name, Completed: 5, Employed: 4, EmploymentRate: 80, TargetRate: 80, MeetsTarget: true},
				{ID: below, Name: "电工项目班", Town: town1.Name, Completed: 3, Employed: 1, EmploymentRate: 33.33, TargetRate: 80},
			}
			if !reflect.DeepEqual(st.Programs, want) {
				t.Fatalf("got  %+v\nwant %+v", st.Programs, want)
			}
		})
		t.Run("subsidies: approved by decision month, paid by payment month, in China time", func(t *testing.T) {
			want := []TownSubsidy{
				{Month: "2025-05", TownID: town1.ID, Town: town1.Name, ApprovedYuan: 900, PaidYuan: 900},
				{Month: "2025-06", TownID: town0.ID, Town: town0.Name, ApprovedYuan: 15000},
				{Month: "2025-07", TownID: town0.ID, Town: town0.Name, PaidYuan: 3000},
			}
			if !reflect.DeepEqual(st.Subsidies, want) {
				t.Fatalf("got  %+v\nwant %+v", st.Subsidies, want)
			}
		})
		t.Run("postings: open and unexpired only; applications to every posting of the town", func(t *testing.T) {
			want := []TownPostings{
				{TownID: town0.ID, Town: town0.Name, PostingsOpen: 1, Applications: 3},
				{TownID: town1.ID, Town: town1.Name, PostingsOpen: 1, Applications: 1},
			}
			if !reflect.DeepEqual(st.Postings, want) {
				t.Fatalf("got  %+v\nwant %+v", st.Postings, want)
			}
		})
		t.Run("totals", func(t *testing.T) {
			want := StatsTotals{PostingsOpen: 2, Applications: 4, Programs: 2, ProgramsMeetingTarget: 1, ClaimsApprovedYuan: 15900, ClaimsPaidYuan: 3900}
			if st.Totals != want || st.Today != "2026-12-02" {
				t.Fatalf("got %+v, want %+v", st.Totals, want)
			}
		})
		t.Run("once every posting has expired, the towns keep their applications", func(t *testing.T) {
			st, err := s.DashboardStats(ctx, "2027-01-01")
			if err != nil || st.Totals.PostingsOpen != 0 || st.Totals.Applications != 4 || len(st.Postings) != 2 {
				t.Fatalf("%+v %v", st, err)
			}
		})
	})
}
