package models

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"portal/models/policy"
	"portal/personal"
)

// extractRow is one person's row in a generated extract.
type extractRow struct{ id, uscc, from, to string }

// benchEmployers are the 100 employers of a generated extract.
func benchEmployers() []string {
	employers := make([]string, 100)
	for i := range employers {
		employers[i] = validUSCC(fmt.Sprintf("MA%06d", i))
	}
	return employers
}

// insuranceExtract is a CSV extract of n rows: the given rows first, then made-up people
// (born from 1970, so none is a test trainee) at 100 employers, each from a month of 2025 to
// 2025-12.
func insuranceExtract(n int, first ...extractRow) []byte {
	var buf bytes.Buffer
	buf.WriteString("name,id_number,employer_uscc,employer_name,from_month,to_month\n")
	for i, r := range first[:min(n, len(first))] {
		fmt.Fprintf(&buf, "学员%d,%s,%s,单位,%s,%s\n", i, r.id, r.uscc, r.from, r.to)
	}
	employers := benchEmployers()
	born := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n - min(n, len(first)) {
		id := personal.MakeIDNumber("140105" + born.AddDate(0, 0, i/1000).Format("20060102") + fmt.Sprintf("%03d", i%1000))
		fmt.Fprintf(&buf, "参保人%d,%s,%s,单位%d,2025-%02d,2025-12\n", i, id, employers[i%100], i%100, 1+i%12)
	}
	return buf.Bytes()
}

// BenchmarkSocialInsuranceImport imports an extract of 100,000 rows into SQLite (target < 30 s).
func BenchmarkSocialInsuranceImport(b *testing.B) {
	data := insuranceExtract(100_000)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		s := openTestStore(b, "sqlite://"+b.TempDir()+"/bench.db")
		rev, _ := s.CreateReviewer(ctx, "13800000999", "审核员", "reviewer-pass")
		b.StartTimer()
		start := time.Now()
		imp, err := s.ImportSocialInsurance(ctx, rev, "extract.csv", data, trainingDay)
		if err != nil || imp.Imported != 100_000 {
			b.Fatalf("%d imported, %v (bad: %v)", imp.Imported, err, imp.BadRows[:min(3, len(imp.BadRows))])
		}
		b.Logf("imported %d rows (%.1f MB) in %s", imp.Imported, float64(len(data))/1e6, time.Since(start).Round(time.Millisecond))
	}
}

// BenchmarkOutcomeWithCheckinsAndInsurance is the outcome of 1,000 trainees × 40 days of rolls
// and check-ins, each employed on evidence at one of 100 employers, with an extract of 100,000
// social-insurance records that holds the trainees' own numbers (target 200 ms): 980 are
// confirmed by a record at their employer, 10 are insured elsewhere and 10 have no record
// at all, and those 20 are flagged employment_not_verified.
func BenchmarkOutcomeWithCheckinsAndInsurance(b *testing.B) {
	s := openTestStore(b, "sqlite://"+b.TempDir()+"/bench.db")
	p, prov := bigProgram(b, s, 1000, 40)
	ctx := context.Background()
	var es []Enrolment
	s.db.Where("program_id = ?", p.ID).Order("id").Find(&es)
	var checkins []Checkin
	var jobs []EmploymentRecord
	var rows []extractRow
	employers := benchEmployers()
	elsewhere := validUSCC("MA0Q0998")
	for i, e := range es {
		id := idNumber(i)
		enc, _ := s.Sealer.Encrypt(id)
		s.db.Model(&Enrolment{}).Where("id = ?", e.ID).Updates(map[string]any{"id_number_enc": enc, "id_number_hash": s.Sealer.Hash(id)})
		for _, d := range days(p.StartOn, 40) {
			// each from the trainee's own phone, so shared_checkin_device reads 40,000 digests
			checkins = append(checkins, Checkin{EnrolmentID: e.ID, Day: d, ProgramID: p.ID, CheckedInAt: trainingDay, Device: s.Sealer.Hash(fmt.Sprint("phone ", i))})
		}
		employer := employers[i%100]
		jobs = append(jobs, EmploymentRecord{EnrolmentID: e.ID, EmployerName: fmt.Sprint("单位", i%100), EmployerUSCC: employer, EvidenceType: "agreement",
			EvidenceNo: fmt.Sprint("HT", i), StartOn: p.EndOn, FileSHA256: fmt.Sprintf("%064d", i), CreatedAt: trainingDay, UpdatedAt: trainingDay})
		switch {
		case i%100 == 7: // insured elsewhere during the employment period
			rows = append(rows, extractRow{id, elsewhere, "2025-01", "2025-12"})
		case i%100 == 8: // no record at all: the plain fake
		default:
			rows = append(rows, extractRow{id, employer, p.EndOn[:7], "2025-12"})
		}
	}
	if err := s.db.CreateInBatches(checkins, 2000).Error; err != nil {
		b.Fatal(err)
	}
	if err := s.db.CreateInBatches(jobs, 500).Error; err != nil {
		b.Fatal(err)
	}
	rev, _ := s.CreateReviewer(ctx, "13800000998", "审核员", "reviewer-pass")
	if imp, err := s.ImportSocialInsurance(ctx, rev, "extract.csv", insuranceExtract(100_000, rows...), trainingDay); err != nil || imp.Imported != 100_000 {
		b.Fatal(imp.Imported, err)
	}
	today := func() string { return Today(trainingDay) }
	b.ResetTimer()
	start, n := time.Now(), 0
	var o Outcome
	for b.Loop() {
		var err error
		if o, err = s.ProgramOutcome(ctx, prov, p.ID, today); err != nil {
			b.Fatal(err)
		}
		n++
	}
	elapsed := time.Since(start)
	verified, notVerified := 0, 0
	for _, l := range o.Lines {
		if l.EmploymentVerified {
			verified++
		}
		if slices.Contains(l.Flags, policy.FlagEmploymentNotVerified) {
			notVerified++
		}
	}
	if verified != 980 || notVerified != 20 || o.Confirmed != 980 {
		b.Fatalf("confirmed %d (outcome says %d), flagged employment_not_verified %d; want 980, 980, 20", verified, o.Confirmed, notVerified)
	}
	b.Logf("outcome of 1000 trainees × 40 days with check-ins and 100000 insurance records: %.1f ms; %d employments confirmed, %d flagged employment_not_verified",
		float64(elapsed.Microseconds())/1000/float64(n), verified, notVerified)
}
