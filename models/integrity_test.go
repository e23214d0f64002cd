package models

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"portal/models/policy"
	"portal/personal"
)

// siCSV is a social-insurance extract with Chinese headers.
func siCSV(rows ...string) []byte {
	return []byte("姓名,身份证号,统一社会信用代码,单位名称,起始年月,终止年月\n" + strings.Join(rows, "\n") + "\n")
}

func lineOf(o Outcome, id int64) OutcomeLine {
	for _, l := range o.Lines {
		if l.EnrolmentID == id {
			return l
		}
	}
	return OutcomeLine{}
}

func TestOutcomeUnderCheckinAndSocialInsurance(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		prov := verifiedProvider(t, s, "13800000801", "MA0L0801")
		rev, _ := s.CreateReviewer(ctx, "13800000809", "审核员", "reviewer-pass")
		_, employer := verifiedEnterprise(t, s, "13800000802", "MA0L0802")
		p := closedProgram(t, s, prov, rev, "签到班", "2025-03-03", "2025-04-11", []trainee{{1, 10, true, true}, {2, 10, true, true}})
		_, es, _ := s.Roster(ctx, prov, p.ID)
		for _, d := range days("2025-03-03", 4) { // trainee 1 checked in on 4 of its 10 roll days
			if err := s.db.Create(&Checkin{EnrolmentID: es[0].ID, Day: d, ProgramID: p.ID, CheckedInAt: time.Now()}).Error; err != nil {
				t.Fatal(err)
			}
		}
		for _, e := range es {
			if _, err := s.RecordEmployment(ctx, prov, e.ID, EmploymentInput{EmployerName: employer.Name, EmployerUSCC: employer.USCC, EvidenceType: "agreement",
				EvidenceNo: fmt.Sprint("HT", e.ID), StartOn: "2025-04-15"}, nil, trainingDay); err != nil {
				t.Fatal(err)
			}
		}
		today := func() string { return "2025-05-01" }
		o, _ := s.ProgramOutcome(ctx, prov, p.ID, today)
		if l := lineOf(o, es[0].ID); l.RollDays != 10 || l.CheckinDays != 4 || l.AttendedDays != 10 || l.AmountYuan != 1500 ||
			!slices.Contains(l.Flags, policy.FlagRollWithoutCheckin) || o.FlagTexts[policy.FlagRollWithoutCheckin] == "" {
			t.Fatalf("under roll the roll counts, the missing check-ins are flagged: %+v", l)
		}
		t.Run("under checkin a roll-only day pays nothing", func(t *testing.T) {
			s.db.Exec("UPDATE policy_versions SET attendance_proof = 'checkin'")
			defer s.db.Exec("UPDATE policy_versions SET attendance_proof = 'roll'")
			o, _ := s.ProgramOutcome(ctx, prov, p.ID, today)
			if l := lineOf(o, es[0].ID); l.AttendedDays != 4 || l.AmountYuan != 600 {
				t.Fatalf("4 check-ins pay 4 days: %+v", l)
			}
			if l := lineOf(o, es[1].ID); l.RollDays != 10 || l.AttendedDays != 0 || l.AmountYuan != 0 {
				t.Fatalf("roll-only days pay nothing: %+v", l)
			}
		})
		imp, err := s.ImportSocialInsurance(ctx, rev, "社保.csv", siCSV(
			"学员001,"+idNumber(1)+","+employer.USCC+",企业,2025-04,2025-12",
			"学员002,"+idNumber(2)+","+validUSCC("MA0L0803")+",别的企业,2025-01,2025-12",
			"坏行,123,"+employer.USCC+",企业,2025-01,2025-12",
			"坏月,"+idNumber(51)+","+employer.USCC+",企业,2025-13,2025-12"), trainingDay)
		if err != nil || imp.Rows != 4 || imp.Imported != 2 || len(imp.BadRows) != 2 || imp.BadRows[0].Line != 4 || imp.BadRows[1].Line != 5 ||
			!strings.HasPrefix(imp.BadRows[1].Error, "from_month") {
			t.Fatalf("%+v %v", imp, err)
		}
		var stored []string
		s.db.Raw("SELECT person_hash FROM si_records ORDER BY id").Scan(&stored)
		if b, _ := json.Marshal(stored); strings.Contains(string(b), idNumber(1)) || stored[0] != s.Sealer.Hash(idNumber(1)) {
			t.Fatalf("the ID number must be kept only as its keyed hash: %v", stored)
		}
		o, _ = s.ProgramOutcome(ctx, prov, p.ID, today)
		one, two := lineOf(o, es[0].ID), lineOf(o, es[1].ID)
		if !one.EmploymentVerified || two.EmploymentVerified || !slices.Contains(two.Flags, policy.FlagEmploymentNotVerified) ||
			slices.Contains(one.Flags, policy.FlagEmploymentNotVerified) || o.Employed != 2 || o.Confirmed != 1 {
			t.Fatalf("one confirmed, the other flagged: %+v %+v %+v", o, one, two)
		}
		t.Run("under social_insurance an unconfirmed employment is not employed", func(t *testing.T) {
			s.db.Exec("UPDATE policy_versions SET employment_proof = 'social_insurance'")
			defer s.db.Exec("UPDATE policy_versions SET employment_proof = 'evidence'")
			o, _ := s.ProgramOutcome(ctx, prov, p.ID, today)
			if o.Employed != 1 || o.EmploymentRate != 50 || o.MeetsTarget || lineOf(o, es[1].ID).Employed {
				t.Fatalf("the rate falls to 50%%: %+v", o)
			}
		})
	})
}

func TestFlagsOnOutcomeLines(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		prov := verifiedProvider(t, s, "13800000811", "MA0L0811")
		provider, _ := s.ProviderOf(ctx, prov.ID)
		rev, _ := s.CreateReviewer(ctx, "13800000819", "审核员", "reviewer-pass")
		towns, _ := s.Towns(ctx)
		now := time.Date(2025, 3, 20, 9, 0, 0, 0, China)
		program := func(name, start, end string) Program {
			p, err := s.CreateProgram(ctx, prov, ProgramInput{Name: name, Occupation: "焊工", Mode: "project", TownID: towns[0].ID, StartOn: start, EndOn: end, PlannedDays: 10, Capacity: 20}, now)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.ApproveProgram(ctx, rev, p.ID, ApproveInput{}, now); err != nil {
				t.Fatal(err)
			}
			return p
		}
		p, other := program("风险班", "2025-03-03", "2025-03-28"), program("重叠班", "2025-03-20", "2025-04-20")
		young := personal.MakeIDNumber("14010520100101001") // 15 on 2025-03-03
		cases := []struct {
			name, id, phone, flag string
			uscc                  string
			file                  string
			withdrawn             bool   // withdrawn from this program
			other                 string // the person's status on the overlapping program ("": not on it)
		}{
			{name: "clean", id: idNumber(1), phone: "13911110001"},
			{name: "young", id: young, phone: "13911110002", flag: policy.FlagAgeOutsideWorkingAge},
			{name: "phone a", id: idNumber(3), phone: "13911119999", flag: policy.FlagSharedPhone},
			{name: "phone b", id: idNumber(4), phone: "13911119999", flag: policy.FlagSharedPhone},
			{name: "own employer", id: idNumber(5), phone: "13911110005", flag: policy.FlagEmployerIsProvider, uscc: provider.USCC},
			{name: "file a", id: idNumber(6), phone: "13911110006", flag: policy.FlagSharedEvidenceFile, file: "abc"},
			{name: "file b", id: idNumber(7), phone: "13911110007", flag: policy.FlagSharedEvidenceFile, file: "abc"},
			{name: "overlap enrolled", id: idNumber(8), phone: "13911110008", flag: policy.FlagOverlappingProgram, other: EnrolEnrolled},
			{name: "overlap completed", id: idNumber(9), phone: "13911110009", flag: policy.FlagOverlappingProgram, other: EnrolCompleted},
			{name: "overlap withdrawn", id: idNumber(10), phone: "13911110010", other: EnrolWithdrawn},
			{name: "overlap failed", id: idNumber(11), phone: "13911110011", other: EnrolFailed},
			{name: "overlap applied", id: idNumber(12), phone: "13911110012", other: EnrolApplied},
			{name: "phone c", id: idNumber(13), phone: "13911118888"}, // shares its phone only with a withdrawn trainee
			{name: "phone d", id: idNumber(14), phone: "13911118888", withdrawn: true},
		}
		ids := map[string]int64{}
		for _, c := range cases {
			e, err := s.Enrol(ctx, prov, p.ID, EnrolInput{Name: "学员" + c.name, IDNumber: c.id, Phone: c.phone}, now)
			if err != nil {
				t.Fatal(err)
			}
			ids[c.name] = e.ID
			if c.withdrawn {
				if _, err := s.ChangeEnrolment(ctx, prov, e.ID, "withdraw", false, now); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if _, err := s.ChangeEnrolment(ctx, prov, e.ID, "complete", true, now); err != nil {
				t.Fatal(err)
			}
			var file *EvidenceFile
			if c.file != "" {
				file = &EvidenceFile{SHA256: c.file, Type: "application/pdf", Name: "协议.pdf"}
			}
			if _, err := s.RecordEmployment(ctx, prov, e.ID, EmploymentInput{EmployerName: "某厂", EmployerUSCC: c.uscc, EvidenceType: "agreement", EvidenceNo: "HT" + c.name, StartOn: "2025-03-29"}, file, now); err != nil {
				t.Fatal(err)
			}
		}
		for i, c := range cases {
			switch c.other {
			case "":
				continue
			case EnrolApplied: // the person applied to the other program itself and was not accepted
				seeker := newAccount(t, s, RoleSeeker, fmt.Sprintf("139222200%02d", i))
				if _, _, err := s.SetIdentity(ctx, seeker, IdentityInput{Name: "学员" + c.name, IDNumber: c.id}, now); err != nil {
					t.Fatal(err)
				}
				if _, err := s.Enrol(ctx, seeker, other.ID, EnrolInput{}, now); err != nil {
					t.Fatal(err)
				}
				continue
			}
			e, err := s.Enrol(ctx, prov, other.ID, EnrolInput{Name: "学员" + c.name, IDNumber: c.id}, now)
			if err != nil {
				t.Fatal(err)
			}
			action, passed := map[string]string{EnrolCompleted: "complete", EnrolFailed: "complete", EnrolWithdrawn: "withdraw"}[c.other], c.other == EnrolCompleted
			if action != "" {
				if _, err := s.ChangeEnrolment(ctx, prov, e.ID, action, passed, now); err != nil {
					t.Fatal(err)
				}
			}
		}
		o, err := s.ProgramOutcome(ctx, prov, p.ID, func() string { return "2025-03-20" })
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				want := []string{}
				if c.flag != "" {
					want = []string{c.flag}
				}
				if got := lineOf(o, ids[c.name]).Flags; !slices.Equal(got, want) {
					t.Fatalf("flags %v, want %v", got, want)
				}
			})
		}
	})
}

// TestEmploymentNotVerifiedReadsTheExtracts: the flag is raised when an imported extract
// covers a month of the employment period and no record of the person confirms it — also for
// a person with no record at all (the plain fake); an extract of other months says nothing.
func TestEmploymentNotVerifiedReadsTheExtracts(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		prov := verifiedProvider(t, s, "13800000821", "MA0L0821")
		rev, _ := s.CreateReviewer(ctx, "13800000829", "审核员", "reviewer-pass")
		_, employer := verifiedEnterprise(t, s, "13800000822", "MA0L0822")
		p := closedProgram(t, s, prov, rev, "社保核验班", "2025-03-03", "2025-04-11",
			[]trainee{{1, 10, true, false}, {2, 10, true, false}, {3, 10, true, false}, {4, 10, true, false}})
		_, es, _ := s.Roster(ctx, prov, p.ID)
		for _, e := range es[:3] { // the fourth is not employed on evidence
			if _, err := s.RecordEmployment(ctx, prov, e.ID, EmploymentInput{EmployerName: employer.Name, EmployerUSCC: employer.USCC, EvidenceType: "agreement",
				EvidenceNo: fmt.Sprint("HT", e.ID), StartOn: "2025-04-15"}, nil, trainingDay); err != nil { // period 2025-04 … 2025-10
				t.Fatal(err)
			}
		}
		flagged := func() []bool {
			o, err := s.ProgramOutcome(ctx, prov, p.ID, func() string { return "2025-05-01" })
			if err != nil {
				t.Fatal(err)
			}
			out := make([]bool, len(es))
			for i, e := range es {
				out[i] = slices.Contains(lineOf(o, e.ID).Flags, policy.FlagEmploymentNotVerified)
			}
			return out
		}
		if got := flagged(); slices.Contains(got, true) {
			t.Fatalf("no extract imported: nothing to say, got %v", got)
		}
		other := validUSCC("MA0L0823")
		if _, err := s.ImportSocialInsurance(ctx, rev, "2024.csv", siCSV("他人,"+idNumber(60)+","+other+",别的企业,2024-01,2025-03"), trainingDay); err != nil {
			t.Fatal(err)
		}
		if got := flagged(); slices.Contains(got, true) {
			t.Fatalf("an extract of 2024-01 … 2025-03 does not cover 2025-04 … 2025-10: %v", got)
		}
		if _, err := s.ImportSocialInsurance(ctx, rev, "2025.csv", siCSV("学员001,"+idNumber(1)+","+employer.USCC+",企业,2025-05,2025-12",
			"学员002,"+idNumber(2)+","+other+",别的企业,2025-01,2025-12"), trainingDay); err != nil {
			t.Fatal(err)
		}
		if got, want := flagged(), []bool{false, true, true, false}; !slices.Equal(got, want) {
			t.Fatalf("confirmed, insured elsewhere, no record at all, not employed: flagged %v, want %v", got, want)
		}
		o, _ := s.ProgramOutcome(ctx, prov, p.ID, func() string { return "2025-05-01" })
		if !lineOf(o, es[0].ID).EmploymentVerified || lineOf(o, es[2].ID).EmploymentVerified || o.Confirmed != 1 || o.Employed != 3 {
			t.Fatalf("%+v", o)
		}
	})
}
