package models

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// BadRow is a spreadsheet row that was refused, by its line number (the header is line 1).
type BadRow struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
}

// maxSheetRows bounds an uploaded spreadsheet.
const maxSheetRows = 200_000

// sheet is an uploaded table: its header mapped to column indexes by canonical name, and
// its data rows (the first is line 2).
type sheet struct {
	columns map[string]int
	rows    [][]string
	// workbook says the rows hold a workbook's stored values, where a date cell is its serial
	// number whatever format shows it; date1904 is the workbook's date system.
	workbook, date1904 bool
}

// readSheet reads an xlsx workbook (its first sheet) or a CSV file (UTF-8, with or without
// BOM) and maps the header through aliases (any header → canonical column name).
func readSheet(data []byte, aliases map[string]string) (sheet, error) {
	var rows [][]string
	var err error
	workbook, date1904 := bytes.HasPrefix(data, []byte("PK\x03\x04")), false
	if workbook {
		rows, date1904, err = xlsxRows(data)
	} else {
		rows, err = csvRows(data)
	}
	if err != nil {
		return sheet{}, err
	}
	if len(rows) == 0 {
		return sheet{}, FieldError("file", "is empty: the first row names the columns")
	}
	if len(rows) > maxSheetRows+1 {
		return sheet{}, FieldError("file", fmt.Sprintf("has more than %d rows; split it", maxSheetRows))
	}
	sh := sheet{columns: map[string]int{}, rows: rows[1:], workbook: workbook, date1904: date1904}
	for i, h := range rows[0] {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if name, ok := aliases[h]; ok {
			if _, dup := sh.columns[name]; !dup {
				sh.columns[name] = i
			}
		}
	}
	return sh, nil
}

// cell is the trimmed value of a canonical column in a row ("" when absent).
func (sh sheet) cell(row []string, name string) string {
	i, ok := sh.columns[name]
	if !ok || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

// date is the value of a date column: a workbook's date cell written YYYY-MM-DD, any other
// value as it is written (for the caller to check).
func (sh sheet) date(row []string, name string) string {
	v := sh.cell(row, name)
	if t, ok := sh.serialDate(v); ok {
		return t.Format(DateLayout)
	}
	return v
}

// month is the value of a month column: a workbook's date cell written YYYY-MM (Excel makes
// "2025-04" typed in a cell a date, the 1st of the month), any other value as it is written.
func (sh sheet) month(row []string, name string) string {
	v := sh.cell(row, name)
	if t, ok := sh.serialDate(v); ok {
		return t.Format("2006-01")
	}
	return v
}

// serialDate reads a workbook's date serial number (days since the workbook's epoch, the
// fraction being the time of day); text and CSV values are not serials.
func (sh sheet) serialDate(v string) (time.Time, bool) {
	if !sh.workbook {
		return time.Time{}, false
	}
	serial, err := strconv.ParseFloat(v, 64)
	if err != nil || !(serial >= 1 && serial < 2958466) { // Excel's dates end on 9999-12-31
		return time.Time{}, false
	}
	t, err := excelize.ExcelDateToTime(serial, sh.date1904)
	return t, err == nil
}

// require names the columns the header lacks, as a field error on file.
func (sh sheet) require(names ...string) error {
	var missing []string
	for _, n := range names {
		if _, ok := sh.columns[n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return FieldError("file", "the header lacks the column(s) "+strings.Join(missing, ", "))
	}
	return nil
}

func blank(row []string) bool {
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func csvRows(data []byte) ([][]string, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	var rows [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, FieldError("file", "is neither an xlsx workbook nor readable CSV: "+err.Error())
		}
		rows = append(rows, rec)
		if len(rows) > maxSheetRows+1 {
			return rows, nil
		}
	}
}

// xlsxRows reads the first sheet's stored values, not their formatted text: a date cell
// reads as its serial number (its format may show 3/4/25 as well as 2025-03-04), and
// date1904 tells which epoch the serials count from.
func xlsxRows(data []byte) (rows [][]string, date1904 bool, err error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 200 << 20, UnzipXMLSizeLimit: 100 << 20})
	if err != nil {
		return nil, false, FieldError("file", "is not a readable xlsx workbook")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, false, FieldError("file", "has no sheet")
	}
	props, err := f.GetWorkbookProps()
	if err != nil {
		return nil, false, FieldError("file", "is not a readable xlsx workbook")
	}
	date1904 = props.Date1904 != nil && *props.Date1904
	it, err := f.Rows(sheets[0])
	if err != nil {
		return nil, false, FieldError("file", "its first sheet cannot be read")
	}
	defer it.Close()
	for it.Next() {
		cols, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, false, FieldError("file", "its first sheet cannot be read")
		}
		rows = append(rows, cols)
		if len(rows) > maxSheetRows+1 {
			break
		}
	}
	return rows, date1904, nil
}
