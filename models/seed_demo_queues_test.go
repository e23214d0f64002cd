package models

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestDemoFillsEveryQueue(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, err := s.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		counts := func() [4]int {
			seeker, _ := s.userByPhone(ctx, "13900000010")
			apps, _ := s.MyApplications(ctx, seeker)
			no := false
			waiting, _ := s.Enterprises(ctx, EnterpriseFilter{Verified: &no})
			pending, _ := s.Programs(ctx, ProgramFilter{Status: ProgramPending})
			open, _ := s.Reports(ctx, "open")
			return [4]int{len(apps), len(waiting), len(pending), len(open)}
		}
		if got := counts(); got != [4]int{2, 1, 1, 1} {
			t.Fatalf("applications, enterprises awaiting verification, programs awaiting approval, open reports: %v, want [2 1 1 1]", got)
		}

		t.Run("the seeker applied and one application moved to an interview", func(t *testing.T) {
			seeker, _ := s.userByPhone(ctx, "13900000010")
			apps, _ := s.MyApplications(ctx, seeker)
			byTitle := map[string]Application{}
			for _, a := range apps {
				byTitle[a.Job.Title] = a
			}
			welding, lathe := byTitle["【演示】招聘电焊工"], byTitle["【演示】数控车工"]
			var steps []string
			for _, e := range welding.Events {
				steps = append(steps, e.Status)
			}
			if welding.Status != AppInterview || strings.Join(steps, ",") != "submitted,viewed,interview" || lathe.Status != AppSubmitted {
				t.Fatalf("the welding application %s (%v), the lathe one %q", welding.Status, steps, lathe.Status)
			}
			ent, _ := s.userByPhone(ctx, "13900000001")
			applicants, err := s.JobApplications(ctx, ent, welding.JobID)
			if err != nil || len(applicants) != 1 || applicants[0].Applicant.Phone != "13900000010" {
				t.Fatalf("the enterprise's applicants: %+v %v", applicants, err)
			}
			st, err := s.DashboardStats(ctx, Today(time.Now()))
			if err != nil || st.Totals.Applications != 2 {
				t.Fatalf("the dashboard counts %d applications (%v), want 2", st.Totals.Applications, err)
			}
		})
		t.Run("the reviewer's queues hold demo items", func(t *testing.T) {
			no := false
			waiting, _ := s.Enterprises(ctx, EnterpriseFilter{Verified: &no})
			pending, _ := s.Programs(ctx, ProgramFilter{Status: ProgramPending})
			open, _ := s.Reports(ctx, "open")
			if !waiting[0].Demo || !strings.HasPrefix(waiting[0].Name, "【演示】") || pending[0].Name != demoPendingProgramName ||
				open[0].Job == nil || !open[0].Job.Demo || !strings.HasPrefix(open[0].Reason, "【演示】") {
				t.Fatalf("%+v / %+v / %+v", waiting[0], pending[0], open[0])
			}
			// The pending program is the provider's last: the demo's stories open its first programs.
			prov, _ := s.userByPhone(ctx, "13900000020")
			p, _ := s.ProviderOf(ctx, prov.ID)
			mine, _ := s.Programs(ctx, ProgramFilter{ProviderID: p.ID})
			if mine[len(mine)-1].Name != demoPendingProgramName {
				t.Errorf("the provider's programs end with %s", mine[len(mine)-1].Name)
			}
		})
		t.Run("seeding again adds nothing", func(t *testing.T) {
			rep, err := s.SeedDemo(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := counts(); got != [4]int{2, 1, 1, 1} {
				t.Fatalf("after a second seed: %v", got)
			}
			if last := rep.DemoAccounts[len(rep.DemoAccounts)-1]; last.Phone != demoPendingEnterprisePhone || last.Role != RoleEnterprise {
				t.Errorf("the enterprise awaiting verification is not among the printed accounts: %+v", last)
			}
		})
	})
}
