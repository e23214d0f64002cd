package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// rollCSV is a roll sheet with the columns date, enrolment_id, id_number, present.
func rollCSV(rows ...string) []byte {
	return []byte("date,enrolment_id,id_number,present\n" + strings.Join(rows, "\n") + "\n")
}

func TestRollImportRefusesContradictoryRows(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		prov, p, ids := openProgram(t, s, "13800000971", "MA0R0971")
		one, two := fmt.Sprint(ids[0]), fmt.Sprint(ids[1])
		got, err := s.ImportRoll(ctx, prov, p.ID, rollCSV(
			"2025-03-04,"+one+",,1",               // line 2
			"2025-03-04,"+one+",,1",               // line 3: the same again is fine
			"2025-03-04,,"+idNumber(1)+",0",       // line 4: the same trainee by ID number, absent
			"2025-03-05,"+two+",,0",               // line 5
			"2025-03-05,"+two+",,是",               // line 6: present after absent
			"2025-03-05,"+one+",,1"), trainingDay) // line 7
		want := []BadRow{
			{Line: 4, Error: "present: contradicts line 2 for the same trainee and day"},
			{Line: 6, Error: "present: contradicts line 5 for the same trainee and day"},
		}
		if err != nil || got.Days != 2 || got.Marks != 2 || !slices.Equal(got.BadRows, want) {
			t.Fatalf("%+v %v, want bad rows %+v", got, err, want)
		}
		for day, want := range map[string][]int64{"2025-03-04": {ids[0]}, "2025-03-05": {ids[0]}} {
			if roll, _ := s.Roll(ctx, p.ID, day); !slices.Equal(roll, want) {
				t.Errorf("%s: %v, want %v: the first row of a trainee's day holds", day, roll, want)
			}
		}
	})
}

func TestRollImportIsAllOrNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		prov, p, ids := openProgram(t, s, "13800000981", "MA0R0981")
		one, two := fmt.Sprint(ids[0]), fmt.Sprint(ids[1])
		if _, err := s.ImportRoll(ctx, prov, p.ID, rollCSV("2025-03-04,"+one+",,1"), trainingDay); err != nil {
			t.Fatal(err)
		}
		rollPuts := func() int {
			t.Helper()
			trail, err := s.AuditTrail(ctx, "program", p.ID)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, e := range trail {
				if e.Action == "attendance.put" {
					n++
				}
			}
			return n
		}
		puts := rollPuts()
		sheet := rollCSV("2025-03-04,"+two+",,1", "2025-03-05,"+one+",,1", "2025-03-06,"+one+",,1")
		// The database refuses the last day's marks (as a full disk or a lost connection
		// would): nothing in the rows or the rules of a roll can fail after the first day.
		refuseDay(t, s, "2025-03-06")
		if _, err := s.ImportRoll(ctx, prov, p.ID, sheet, trainingDay); err == nil {
			t.Fatal("the import succeeded although its last day could not be written")
		}
		for day, want := range map[string][]int64{"2025-03-04": {ids[0]}, "2025-03-05": {}, "2025-03-06": {}} {
			if roll, _ := s.Roll(ctx, p.ID, day); !slices.Equal(roll, want) {
				t.Errorf("%s: %v, want %v as before the failed import", day, roll, want)
			}
		}
		if n := rollPuts(); n != puts {
			t.Errorf("%d roll entries in the audit trail after a failed import, want %d", n, puts)
		}
		allowDays(t, s)
		got, err := s.ImportRoll(ctx, prov, p.ID, sheet, trainingDay)
		if err != nil || got.Days != 3 || got.Marks != 3 {
			t.Fatalf("%+v %v", got, err)
		}
		if roll, _ := s.Roll(ctx, p.ID, "2025-03-04"); !slices.Equal(roll, []int64{ids[1]}) || rollPuts() != puts+3 {
			t.Fatalf("the three days apply with one audit entry each: %v, %d entries", roll, rollPuts()-puts)
		}
	})
}

// refuseDay makes the database refuse attendance marks of the day, until allowDays.
func refuseDay(t *testing.T, s *Store, day string) {
	t.Helper()
	statements := []string{`CREATE TRIGGER refuse_day BEFORE INSERT ON attendance WHEN NEW.day = '` + day + `'
		BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`}
	if s.dialect == "postgres" {
		statements = []string{`CREATE FUNCTION refuse_day() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN IF NEW.day = '` + day + `' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`,
			`CREATE TRIGGER refuse_day BEFORE INSERT ON attendance FOR EACH ROW EXECUTE FUNCTION refuse_day()`}
	}
	for _, q := range statements {
		if err := s.db.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// allowDays drops refuseDay's trigger.
func allowDays(t *testing.T, s *Store) {
	t.Helper()
	q := "DROP TRIGGER refuse_day"
	if s.dialect == "postgres" {
		q = "DROP FUNCTION refuse_day() CASCADE"
	}
	if err := s.db.Exec(q).Error; err != nil {
		t.Fatal(err)
	}
}
