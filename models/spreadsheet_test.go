package models

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// excelDate is a real date cell, as Excel stores a date a user types or picks: its serial
// number, shown in the number format (excelize's default date format when "").
type excelDate struct {
	day    time.Time
	format string
}

func dateCell(year int, month time.Month, day int, format string) excelDate {
	return excelDate{time.Date(year, month, day, 0, 0, 0, 0, time.UTC), format}
}

// workbook is an xlsx file whose first sheet holds the rows; date1904 sets the workbook's
// date system to the one Excel for Mac used to default to.
func workbook(t *testing.T, date1904 bool, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}); err != nil {
		t.Fatal(err)
	}
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			d, isDate := v.(excelDate)
			if isDate {
				v = d.day
			}
			if err := f.SetCellValue("Sheet1", cell, v); err != nil {
				t.Fatal(err)
			}
			if isDate && d.format != "" {
				style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &d.format})
				if err != nil {
					t.Fatal(err)
				}
				if err := f.SetCellStyle("Sheet1", cell, cell, style); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// openProgram is an approved program from 2025-03-03 to 2025-04-11 with two enrolled
// trainees (ID number serials 1 and 2).
func openProgram(t *testing.T, s *Store, phone, body8 string) (User, Program, [2]int64) {
	t.Helper()
	ctx := context.Background()
	prov := verifiedProvider(t, s, phone, body8)
	rev, err := s.CreateReviewer(ctx, "1590000"+phone[7:], "审核员", "reviewer-pass")
	if err != nil {
		t.Fatal(err)
	}
	towns, _ := s.Towns(ctx)
	p, err := s.CreateProgram(ctx, prov, ProgramInput{Name: "点名班", Occupation: "焊工", Mode: "project", TownID: towns[0].ID,
		StartOn: "2025-03-03", EndOn: "2025-04-11", PlannedDays: 30, Capacity: 20}, trainingDay)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApproveProgram(ctx, rev, p.ID, ApproveInput{}, trainingDay); err != nil {
		t.Fatal(err)
	}
	var ids [2]int64
	for i := range ids {
		e, err := s.Enrol(ctx, prov, p.ID, EnrolInput{Name: fmt.Sprintf("学员%03d", i+1), IDNumber: idNumber(i + 1)}, trainingDay)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = e.ID
	}
	return prov, p, ids
}

func TestWorkbookDateCellsReadAsDates(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		prov, p, ids := openProgram(t, s, "13800000961", "MA0R0961")
		rollOf := func(day string) []int64 {
			t.Helper()
			roll, err := s.Roll(ctx, p.ID, day)
			if err != nil {
				t.Fatal(err)
			}
			return roll
		}
		t.Run("a roll whose dates Excel made date cells, in any format", func(t *testing.T) {
			book := workbook(t, false, []any{"日期", "学员编号", "出勤"},
				[]any{dateCell(2025, 3, 4, "yy-mm-dd"), ids[0], 1},
				[]any{dateCell(2025, 3, 5, "m/d/yy"), ids[0], 1},
				[]any{dateCell(2025, 3, 6, "yyyy\"年\"m\"月\"d\"日\""), ids[1], 1},
				[]any{dateCell(2025, 3, 7, ""), ids[1], 1},
				[]any{"2025-03-10", ids[0], "1"})
			got, err := s.ImportRoll(ctx, prov, p.ID, book, trainingDay)
			if err != nil || got.Days != 5 || got.Marks != 5 || len(got.BadRows) != 0 {
				t.Fatalf("every row is good: %+v %v", got, err)
			}
			for day, want := range map[string]int64{"2025-03-04": ids[0], "2025-03-05": ids[0], "2025-03-06": ids[1], "2025-03-07": ids[1], "2025-03-10": ids[0]} {
				if roll := rollOf(day); !slices.Equal(roll, []int64{want}) {
					t.Errorf("%s: %v, want [%d]", day, roll, want)
				}
			}
		})
		t.Run("a workbook in the 1904 date system", func(t *testing.T) {
			book := workbook(t, true, []any{"date", "enrolment_id", "present"}, []any{dateCell(2025, 3, 11, "yy-mm-dd"), ids[1], 1})
			got, err := s.ImportRoll(ctx, prov, p.ID, book, trainingDay)
			if err != nil || got.Days != 1 || len(got.BadRows) != 0 || !slices.Equal(rollOf("2025-03-11"), []int64{ids[1]}) {
				t.Fatalf("the serial counts from 1904-01-01: %+v %v, roll %v", got, err, rollOf("2025-03-11"))
			}
		})
		t.Run("a number in a CSV date column is no date", func(t *testing.T) {
			serial := "45730" // 2025-03-13 as a workbook's serial
			got, err := s.ImportRoll(ctx, prov, p.ID, fmt.Appendf(nil, "date,enrolment_id,present\n%s,%d,1\n", serial, ids[0]), trainingDay)
			if err != nil || got.Days != 0 || len(got.BadRows) != 1 || got.BadRows[0].Error != "date: must be a date written YYYY-MM-DD" {
				t.Fatalf("%+v %v", got, err)
			}
		})
		t.Run("social-insurance months that Excel made date cells", func(t *testing.T) {
			rev, _ := s.CreateReviewer(ctx, "13800000969", "审核员", "reviewer-pass")
			uscc := validUSCC("MA0R0962")
			book := workbook(t, false, []any{"姓名", "身份证号", "统一社会信用代码", "单位名称", "起始年月", "终止年月"},
				[]any{"学员001", idNumber(1), uscc, "企业", dateCell(2025, 4, 1, "yyyy-mm"), dateCell(2025, 12, 1, "mmm-yy")},
				[]any{"学员002", idNumber(2), uscc, "企业", "2025-01", dateCell(2025, 6, 1, "")})
			imp, err := s.ImportSocialInsurance(ctx, rev, "社保.xlsx", book, trainingDay)
			if err != nil || imp.Imported != 2 || len(imp.BadRows) != 0 || *imp.FromMonth != "2025-01" || *imp.ToMonth != "2025-12" {
				t.Fatalf("both rows are good: %+v %v", imp, err)
			}
			var spans []string
			s.db.Raw("SELECT from_month || ' ' || to_month FROM si_records WHERE import_id = ? ORDER BY id", imp.ID).Scan(&spans)
			if !slices.Equal(spans, []string{"2025-04 2025-12", "2025-01 2025-06"}) {
				t.Fatalf("the months are stored as YYYY-MM: %v", spans)
			}
		})
	})
}

func TestWideCSVRecord(t *testing.T) {
	wide := strings.Repeat(",", maxSheetColumns) // maxSheetColumns+1 fields
	tests := []struct {
		name string
		data string
		want int
	}{
		{"a plain sheet", "a,b,c\n1,2,3\n", 0},
		{"exactly the most fields", "a\n" + strings.Repeat(",", maxSheetColumns-1) + "\n", 0},
		{"one field more, on line 2", "a\n" + wide + "\n", 2},
		{"commas inside quotes are one field", "a\n\"" + wide + "\"\n", 0},
		{"a quoted newline keeps the record's first line", "a\n\"x\ny\"" + wide + "\n", 2},
		{"escaped quotes inside a quoted field", "a\n\"say \"\"hi\"\"" + wide + "\"\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := wideCSVRecord([]byte(tt.data)); got != tt.want {
				t.Fatalf("wideCSVRecord = %d, want %d", got, tt.want)
			}
		})
	}
}
