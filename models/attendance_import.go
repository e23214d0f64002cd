package models

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/personal"
)

// RollImport is what a roll spreadsheet changed: the days it replaced, the present marks on
// them, and the rows refused by line.
type RollImport struct {
	Days    int      `json:"days"`
	Marks   int      `json:"marks"`
	BadRows []BadRow `json:"bad_rows"`
}

// rollColumns maps the English and Chinese headers of a roll sheet.
var rollColumns = map[string]string{
	"date": "date", "日期": "date",
	"enrolment_id": "enrolment_id", "enrollment_id": "enrolment_id", "学员编号": "enrolment_id", "报名编号": "enrolment_id",
	"id_number": "id_number", "身份证号": "id_number", "身份证号码": "id_number",
	"present": "present", "出勤": "present", "到课": "present",
}

// presentValues reads the present column.
var presentValues = map[string]bool{"1": true, "true": true, "yes": true, "y": true, "是": true, "出勤": true, "到": true, "√": true, "✓": true,
	"0": false, "false": false, "no": false, "n": false, "否": false, "缺勤": false, "缺": false, "": false}

// ImportRoll applies a day-by-day roll from a spreadsheet (columns date, enrolment_id or
// id_number, present): every day the sheet names gets the roll of its present rows, under
// the rules of PutRoll, all days in one transaction (a failure applies none); refused rows
// are reported by line and leave their day to the rest. A row that marks a trainee's day
// otherwise than an earlier row is refused; a repeated row is not.
func (s *Store) ImportRoll(ctx context.Context, owner User, programID int64, data []byte, now time.Time) (RollImport, error) {
	p, roster, err := s.Roster(ctx, owner, programID)
	if err != nil {
		return RollImport{}, err
	}
	if p.Status != ProgramApproved {
		return RollImport{}, RuleError("program_not_approved", "attendance is kept for an approved, open program; this one is "+p.Status)
	}
	sh, err := readSheet(data, rollColumns)
	if err != nil {
		return RollImport{}, err
	}
	if err := sh.require("date", "present"); err != nil {
		return RollImport{}, err
	}
	_, byID := sh.columns["enrolment_id"]
	_, byNumber := sh.columns["id_number"]
	if !byID && !byNumber {
		return RollImport{}, FieldError("file", "the header needs an enrolment_id or an id_number column")
	}
	onRosterByID, byHash := map[int64]bool{}, map[string]int64{}
	for _, e := range roster {
		if slices.Contains(onRoster, e.Status) {
			onRosterByID[e.ID] = true
			byHash[e.IDNumberHash] = e.ID
		}
	}
	out := RollImport{BadRows: []BadRow{}}
	marks := map[string]map[int64]rollMark{} // day → trainee → the first row that marked it
	today := Today(now)
	for i, row := range sh.rows {
		if blank(row) {
			continue
		}
		bad := func(msg string) {
			if len(out.BadRows) < maxBadRows {
				out.BadRows = append(out.BadRows, BadRow{Line: i + 2, Error: msg})
			}
		}
		day := sh.date(row, "date")
		if _, err := ParseDate(day); err != nil {
			bad("date: must be a date written YYYY-MM-DD")
			continue
		}
		switch {
		case day < p.StartOn || day > p.EndOn:
			bad("date: must lie between " + p.StartOn + " and " + p.EndOn)
			continue
		case day > today:
			bad("date: must not be in the future")
			continue
		}
		present, ok := presentValues[strings.ToLower(sh.cell(row, "present"))]
		if !ok {
			bad("present: must be 1 or 0 (是/否)")
			continue
		}
		id, problem := rollTrainee(sh, row, onRosterByID, byHash, s.Sealer.Hash)
		if problem != "" {
			bad(problem)
			continue
		}
		if marks[day] == nil {
			marks[day] = map[int64]rollMark{}
		}
		if first, seen := marks[day][id]; seen {
			if first.present != present {
				bad("present: contradicts line " + itoa(first.line) + " for the same trainee and day")
			}
			continue
		}
		marks[day][id] = rollMark{present: present, line: i + 2}
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		for _, day := range slices.Sorted(maps.Keys(marks)) {
			ids := []int64{} // an empty day's audit entry says present: [], as PutRoll's
			for id, m := range marks[day] {
				if m.present {
					ids = append(ids, id)
				}
			}
			slices.Sort(ids)
			if err := putRoll(tx, s.dialect, owner, programID, day, ids, now); err != nil {
				return withContext(err, "import roll of "+day)
			}
			out.Days++
			out.Marks += len(ids)
		}
		return nil
	})
	if err != nil {
		return RollImport{}, err
	}
	return out, nil
}

// rollMark is what the first row naming a trainee's day said, and its line.
type rollMark struct {
	present bool
	line    int
}

// rollTrainee finds the enrolment a row names, by enrolment id or ID number.
func rollTrainee(sh sheet, row []string, onRosterByID map[int64]bool, byHash map[string]int64, hash func(string) string) (int64, string) {
	if v := sh.cell(row, "enrolment_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || !onRosterByID[id] {
			return 0, "enrolment_id: is not an enrolment on this program's roster"
		}
		return id, ""
	}
	n := personal.NormalizeIDNumber(sh.cell(row, "id_number"))
	if err := personal.ValidIDNumber(n); err != nil {
		return 0, "id_number: " + err.Error()
	}
	id, ok := byHash[hash(n)]
	if !ok {
		return 0, "id_number: nobody with this number is on this program's roster"
	}
	return id, ""
}
