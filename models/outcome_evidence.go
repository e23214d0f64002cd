package models

import (
	"context"
	"fmt"

	"portal/models/policy"
)

// programEvidence is everything beyond the roster that a program's outcome reads: rolls,
// check-ins, employment, social-insurance spans and what the flag rules compare with other
// programs. A fixed number of queries whatever the number of trainees.
type programEvidence struct {
	roll, checkin, rollOnly map[int64]int // days per enrolment
	anyCheckin              bool
	employment              map[int64]EmploymentRecord
	insured                 map[string][]policy.InsuredSpan // by person hash
	extracts                []policy.MonthSpan              // the months each social-insurance import covers
	evidenceElsewhere       map[string]bool                 // evidence files also on trainees of other programs
	otherPrograms           map[string][]policy.Window
	sharedDevice            map[int64]bool // trainees who checked in from a device another trainee of the program used
	providerUSCC            string
}

type dayCount struct {
	EnrolmentID int64
	N           int
}

func countsOf(rows []dayCount) map[int64]int {
	m := make(map[int64]int, len(rows))
	for _, r := range rows {
		m[r.EnrolmentID] = r.N
	}
	return m
}

func (s *Store) programEvidence(ctx context.Context, p Program, last string) (programEvidence, error) {
	db := s.db.WithContext(ctx)
	ev := programEvidence{employment: map[int64]EmploymentRecord{}, insured: map[string][]policy.InsuredSpan{},
		evidenceElsewhere: map[string]bool{}, otherPrograms: map[string][]policy.Window{}}
	// One pass over the rolls counts each trainee's roll days and those without a check-in.
	var rolls []struct {
		EnrolmentID   int64
		Roll, NoCheck int
	}
	if err := db.Raw(`SELECT a.enrolment_id, COUNT(*) AS roll, SUM(CASE WHEN c.day IS NULL THEN 1 ELSE 0 END) AS no_check
		FROM attendance a LEFT JOIN checkins c ON c.enrolment_id = a.enrolment_id AND c.day = a.day
		WHERE a.program_id = ? AND a.day >= ? AND a.day <= ? GROUP BY a.enrolment_id`, p.ID, p.StartOn, last).Scan(&rolls).Error; err != nil {
		return ev, fmt.Errorf("models: rolls of program %d: %w", p.ID, err)
	}
	var checkin []dayCount
	if err := db.Raw(`SELECT enrolment_id, COUNT(*) AS n FROM checkins
		WHERE program_id = ? AND day >= ? AND day <= ? GROUP BY enrolment_id`, p.ID, p.StartOn, last).Scan(&checkin).Error; err != nil {
		return ev, fmt.Errorf("models: check-ins of program %d: %w", p.ID, err)
	}
	ev.roll, ev.rollOnly = make(map[int64]int, len(rolls)), make(map[int64]int, len(rolls))
	for _, r := range rolls {
		ev.roll[r.EnrolmentID], ev.rollOnly[r.EnrolmentID] = r.Roll, r.NoCheck
	}
	ev.checkin = countsOf(checkin)
	ev.anyCheckin = len(checkin) > 0
	var sharing []int64
	if err := db.Raw(`SELECT DISTINCT enrolment_id FROM checkins WHERE program_id = ? AND device IN
		(SELECT device FROM checkins WHERE program_id = ? AND device <> '' GROUP BY device HAVING COUNT(DISTINCT enrolment_id) > 1)`,
		p.ID, p.ID).Scan(&sharing).Error; err != nil {
		return ev, fmt.Errorf("models: check-in devices of program %d: %w", p.ID, err)
	}
	ev.sharedDevice = make(map[int64]bool, len(sharing))
	for _, id := range sharing {
		ev.sharedDevice[id] = true
	}

	var recs []EmploymentRecord
	if err := db.Where("enrolment_id IN (SELECT id FROM enrolments WHERE program_id = ?)", p.ID).Find(&recs).Error; err != nil {
		return ev, err
	}
	var files []string
	for _, r := range recs {
		ev.employment[r.EnrolmentID] = r
		if r.FileSHA256 != "" {
			files = append(files, r.FileSHA256)
		}
	}
	if len(files) > 0 {
		var shared []string
		if err := db.Model(&EmploymentRecord{}).Where("file_sha256 IN ? AND enrolment_id NOT IN (SELECT id FROM enrolments WHERE program_id = ?)", files, p.ID).
			Distinct().Pluck("file_sha256", &shared).Error; err != nil {
			return ev, err
		}
		for _, f := range shared {
			ev.evidenceElsewhere[f] = true
		}
	}

	var spans []struct {
		PersonHash, EmployerUSCC, FromMonth, ToMonth string
	}
	if err := db.Raw(`SELECT person_hash, employer_uscc, from_month, to_month FROM si_records
		WHERE person_hash IN (SELECT id_number_hash FROM enrolments WHERE program_id = ?)`, p.ID).Scan(&spans).Error; err != nil {
		return ev, fmt.Errorf("models: social insurance of program %d: %w", p.ID, err)
	}
	for _, sp := range spans {
		from, _ := policy.ParseMonth(sp.FromMonth)
		to, _ := policy.ParseMonth(sp.ToMonth)
		ev.insured[sp.PersonHash] = append(ev.insured[sp.PersonHash], policy.InsuredSpan{EmployerUSCC: sp.EmployerUSCC, From: from, To: to})
	}
	var covered []struct{ FromMonth, ToMonth string }
	if err := db.Model(&SocialInsuranceImport{}).Where("from_month IS NOT NULL AND to_month IS NOT NULL").Select("from_month, to_month").Scan(&covered).Error; err != nil {
		return ev, fmt.Errorf("models: social-insurance imports: %w", err)
	}
	for _, c := range covered {
		from, ok1 := policy.ParseMonth(c.FromMonth)
		to, ok2 := policy.ParseMonth(c.ToMonth)
		if ok1 && ok2 {
			ev.extracts = append(ev.extracts, policy.MonthSpan{From: from, To: to})
		}
	}
	// Another program counts only where the person is on it: enrolled or completed, not an
	// application, a withdrawal or a failure.
	var others []struct{ IDNumberHash, StartOn, EndOn string }
	if err := db.Raw(`SELECT e.id_number_hash, p.start_on, p.end_on FROM enrolments e JOIN programs p ON p.id = e.program_id
		WHERE e.program_id <> ? AND e.status IN ? AND e.id_number_hash IN (SELECT id_number_hash FROM enrolments WHERE program_id = ?)`,
		p.ID, []string{EnrolEnrolled, EnrolCompleted}, p.ID).Scan(&others).Error; err != nil {
		return ev, err
	}
	for _, o := range others {
		start, _ := policy.ParseDate(o.StartOn)
		end, _ := policy.ParseDate(o.EndOn)
		ev.otherPrograms[o.IDNumberHash] = append(ev.otherPrograms[o.IDNumberHash], policy.Window{Start: start, End: end})
	}
	var uscc []string
	if err := db.Model(&Provider{}).Where("id = ?", p.ProviderID).Pluck("uscc", &uscc).Error; err != nil {
		return ev, err
	}
	if len(uscc) > 0 {
		ev.providerUSCC = uscc[0]
	}
	return ev, nil
}
