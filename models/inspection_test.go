package models

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"portal/models/policy"
)

func TestInspectionsAndNotes(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		prov := verifiedProvider(t, s, "13800000821", "MA0L0821")
		rev, _ := s.CreateReviewer(ctx, "13800000829", "审核员", "reviewer-pass")
		var claims []Claim
		for i := range 3 {
			base := 100 + i*10
			p := closedProgram(t, s, prov, rev, "抽查班", "2025-03-03", "2025-04-11", []trainee{{base, 12, true, true}, {base + 1, 12, true, true}})
			c, err := s.SubmitTrainingClaim(ctx, prov, p.ID, time.Date(2025, 4, 20+i, 10, 0, 0, 0, China))
			if err != nil {
				t.Fatal(err)
			}
			claims = append(claims, c)
		}
		insp, err := s.DrawInspection(ctx, rev, InspectionInput{SubmittedFrom: "2025-04-20", SubmittedTo: "2025-04-22", Percent: 50}, trainingDay)
		if err != nil || len(insp.Population) != 3 || len(insp.ClaimIDs) != 2 || insp.Seed == "" {
			t.Fatalf("%+v %v", insp, err)
		}
		t.Run("the draw is reproduced from its seed", func(t *testing.T) {
			if again := policy.Draw(insp.Seed, insp.Population, insp.Percent); !slices.Equal(again, insp.ClaimIDs) {
				t.Fatalf("%v vs %v", again, insp.ClaimIDs)
			}
		})
		drawn, passed := insp.ClaimIDs[0], insp.ClaimIDs[1]
		claimOf := func(id int64) Claim {
			c, err := s.Claim(ctx, rev, id)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		employ := func(claim int64, evidenceNo string) error {
			var enrolment int64
			s.db.Raw("SELECT e.id FROM enrolments e JOIN claims c ON c.program_id = e.program_id WHERE c.id = ? ORDER BY e.id LIMIT 1", claim).Scan(&enrolment)
			_, err := s.RecordEmployment(ctx, prov, enrolment, EmploymentInput{EmployerName: "定襄法兰厂", EvidenceType: "agreement", EvidenceNo: evidenceNo, StartOn: "2025-04-11"}, nil, trainingDay)
			return err
		}
		t.Run("a drawn claim waits for its result, also when a note is missing too", func(t *testing.T) {
			// flagged as well (a shared phone): the inspection is what it waits for
			s.db.Exec("UPDATE enrolments SET phone = '13922220001' WHERE program_id = (SELECT program_id FROM claims WHERE id = ?)", drawn)
			if !claimOf(drawn).Flagged {
				t.Fatal("the drawn claim should be flagged for this case")
			}
			_, err := s.ApproveClaim(ctx, rev, drawn, trainingDay)
			mustCode(t, err, ErrConflict, "under_inspection")
			if c, _ := s.Claim(ctx, rev, drawn); !c.UnderInspection {
				t.Fatal("the claim should say it is under inspection")
			}
		})
		t.Run("a passed result frees the decision", func(t *testing.T) {
			if _, err := s.RecordInspectionResult(ctx, rev, insp.ID, InspectionResultInput{ClaimID: passed, Result: "passed"}, trainingDay); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ApproveClaim(ctx, rev, passed, trainingDay); err != nil {
				t.Fatal(err)
			}
			_, err := s.RecordInspectionResult(ctx, rev, insp.ID, InspectionResultInput{ClaimID: passed, Result: "failed", Note: "再次"}, trainingDay)
			mustCode(t, err, ErrConflict, "result_recorded")
		})
		t.Run("a failed result rejects the claim and frees its people", func(t *testing.T) {
			_, err := s.RecordInspectionResult(ctx, rev, insp.ID, InspectionResultInput{ClaimID: drawn, Result: "failed"}, trainingDay)
			mustCode(t, err, ErrInvalid)
			if _, err := s.RecordInspectionResult(ctx, rev, insp.ID, InspectionResultInput{ClaimID: drawn, Result: "failed", Note: "现场核查无培训记录"}, trainingDay); err != nil {
				t.Fatal(err)
			}
			c, _ := s.Claim(ctx, rev, drawn)
			var held int64
			s.db.Model(&subsidizedPerson{}).Where("claim_id = ?", drawn).Count(&held)
			if c.Status != ClaimRejected || !strings.Contains(c.RejectReason, "现场核查无培训记录") || held != 0 {
				t.Fatalf("%+v held %d", c, held)
			}
		})
		t.Run("while a claim stands its employment records do not change; once rejected they may", func(t *testing.T) {
			mustCode(t, employ(passed, "HT-改"), ErrConflict, "claim_submitted")
			if err := employ(drawn, "HT-更正"); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("the program claimed again after its failed inspection is flagged and needs a note", func(t *testing.T) {
			again, err := s.SubmitTrainingClaim(ctx, prov, *claimOf(drawn).ProgramID, trainingDay)
			if err != nil {
				t.Fatal(err)
			}
			c := claimOf(again.ID)
			if !c.Flagged || !slices.Equal(c.ClaimFlags, []string{policy.FlagFailedInspectionBefore}) || c.FlagTexts[policy.FlagFailedInspectionBefore] == "" {
				t.Fatalf("claim flags %v, texts %v", c.ClaimFlags, c.FlagTexts)
			}
			_, err = s.ApproveClaim(ctx, rev, again.ID, trainingDay)
			mustCode(t, err, ErrRule, "note_required")
			if other := claimOf(passed); slices.Contains(other.ClaimFlags, policy.FlagFailedInspectionBefore) {
				t.Fatal("a claim of another program carries the flag")
			}
		})
		t.Run("a flagged claim is approved only with a note", func(t *testing.T) {
			var free int64
			for _, c := range claims {
				if !slices.Contains(insp.ClaimIDs, c.ID) {
					free = c.ID
				}
			}
			s.db.Exec("UPDATE enrolments SET phone = '13922220000' WHERE program_id = (SELECT program_id FROM claims WHERE id = ?)", free)
			c, _ := s.Claim(ctx, rev, free)
			if !c.Flagged || !slices.Contains(c.Lines[0].Flags, policy.FlagSharedPhone) || c.FlagTexts[policy.FlagSharedPhone] == "" {
				t.Fatalf("%+v", c)
			}
			_, err := s.ApproveClaim(ctx, rev, free, trainingDay)
			mustCode(t, err, ErrRule, "note_required")
			if c, err = s.ApproveClaimWithNote(ctx, rev, free, "同一家庭成员共用手机,已电话核实", trainingDay); err != nil || c.ApproveNote == "" {
				t.Fatalf("%+v %v", c, err)
			}
		})
	})
}

func TestPublicProviderOutcomes(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		rev, _ := s.CreateReviewer(ctx, "13800000839", "审核员", "reviewer-pass")
		small, big := verifiedProvider(t, s, "13800000831", "MA0L0831"), verifiedProvider(t, s, "13800000832", "MA0L0832")
		group := func(n, base int) []trainee {
			var ts []trainee
			for i := range n {
				ts = append(ts, trainee{base + i, 12, true, true})
			}
			return ts
		}
		closedProgram(t, s, small, rev, "小班", "2025-03-03", "2025-04-11", group(4, 200))
		closedProgram(t, s, big, rev, "大班", "2025-03-03", "2025-04-11", group(6, 300))
		list, err := s.ProviderOutcomes(ctx, 0)
		if err != nil || len(list) != 2 {
			t.Fatalf("%+v %v", list, err)
		}
		b, _ := json.Marshal(list)
		if strings.Contains(string(b), "学员") || strings.Contains(string(b), idNumber(200)[:10]) {
			t.Fatalf("personal data published: %s", b)
		}
		var got []struct {
			Years []map[string]any `json:"years"`
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		four, six := got[0].Years[0], got[1].Years[0]
		if four["enrolled"] != "<5" || four["employed"] != "<5" || four["employment_rate"] != nil || four["programs_closed"] != 1.0 {
			t.Fatalf("a group of 4 must be hidden: %v", four)
		}
		if six["enrolled"] != 6.0 || six["completed"] != 6.0 || six["employment_rate"] != 100.0 || six["year"] != 2025.0 {
			t.Fatalf("a group of 6 is shown: %v", six)
		}
		if _, err := s.ProviderOutcomes(ctx, 999); ErrorCode(err) != ErrNotFound {
			t.Fatalf("unknown provider: %v", err)
		}
	})
}
