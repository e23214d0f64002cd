package models

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"portal/personal"
)

// insuranceExtract is a CSV extract of n rows: valid ID numbers, 100 employers, one year each.
func insuranceExtract(n int) []byte {
	var buf bytes.Buffer
	buf.WriteString("name,id_number,employer_uscc,employer_name,from_month,to_month\n")
	employers := make([]string, 100)
	for i := range employers {
		employers[i] = validUSCC(fmt.Sprintf("MA%06d", i))
	}
	born := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
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
// and check-ins, each employed, with 100,000 social-insurance records stored (target 200 ms).
func BenchmarkOutcomeWithCheckinsAndInsurance(b *testing.B) {
	s := openTestStore(b, "sqlite://"+b.TempDir()+"/bench.db")
	p, prov := bigProgram(b, s, 1000, 40)
	ctx := context.Background()
	var es []Enrolment
	s.db.Where("program_id = ?", p.ID).Order("id").Find(&es)
	var checkins []Checkin
	var jobs []EmploymentRecord
	employer := validUSCC("MA0Q0999")
	for i, e := range es {
		id := idNumber(i)
		enc, _ := s.Sealer.Encrypt(id)
		s.db.Model(&Enrolment{}).Where("id = ?", e.ID).Updates(map[string]any{"id_number_enc": enc, "id_number_hash": s.Sealer.Hash(fmt.Sprint(id, i))})
		for _, d := range days(p.StartOn, 40) {
			checkins = append(checkins, Checkin{EnrolmentID: e.ID, Day: d, ProgramID: p.ID, CheckedInAt: trainingDay})
		}
		jobs = append(jobs, EmploymentRecord{EnrolmentID: e.ID, EmployerName: "某厂", EmployerUSCC: employer, EvidenceType: "agreement",
			EvidenceNo: fmt.Sprint("HT", i), StartOn: p.EndOn, FileSHA256: fmt.Sprintf("%064d", i), CreatedAt: trainingDay, UpdatedAt: trainingDay})
	}
	if err := s.db.CreateInBatches(checkins, 2000).Error; err != nil {
		b.Fatal(err)
	}
	if err := s.db.CreateInBatches(jobs, 500).Error; err != nil {
		b.Fatal(err)
	}
	rev, _ := s.CreateReviewer(ctx, "13800000998", "审核员", "reviewer-pass")
	if imp, err := s.ImportSocialInsurance(ctx, rev, "extract.csv", insuranceExtract(100_000), trainingDay); err != nil || imp.Imported != 100_000 {
		b.Fatal(err)
	}
	today := func() string { return Today(trainingDay) }
	b.ResetTimer()
	start, n := time.Now(), 0
	for b.Loop() {
		if _, err := s.ProgramOutcome(ctx, prov, p.ID, today); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.Logf("outcome of 1000 trainees × 40 days with check-ins and 100000 insurance records: %.1f ms", float64(time.Since(start).Microseconds())/1000/float64(n))
}
