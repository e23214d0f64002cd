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

// maxSheetColumns bounds the cells of one row. A row is read whole before its columns are
// picked, and a cell in a far column makes it that wide: excelize pads a row to its last
// cell (a cell in column XFD, 16,384, is 0.45 MB of empty strings) and a CSV line of commas
// is as many fields, so 6,000 such rows in a 32 KB upload took 3 GB before this bound.
const maxSheetColumns = 256

// readSheet reads an xlsx workbook (its first sheet) or a CSV file (UTF-8, with or without
// BOM) and maps the header through aliases (any header → canonical column name). Of each
// data row it keeps only the columns the header maps, so the rows held are as narrow as what
// the import reads, whatever else the sheet carries.
func readSheet(data []byte, aliases map[string]string) (sheet, error) {
	workbook := bytes.HasPrefix(data, []byte("PK\x03\x04"))
	var rows rowSource
	var err error
	if workbook {
		rows, err = xlsxRows(data)
	} else {
		rows, err = csvRows(data)
	}
	if err != nil {
		return sheet{}, err
	}
	defer rows.close()
	header, ok, err := rows.next()
	if err != nil {
		return sheet{}, err
	}
	if !ok {
		return sheet{}, FieldError("file", "is empty: the first row names the columns")
	}
	if len(header) > maxSheetColumns {
		return sheet{}, tooWide(1)
	}
	sh := sheet{columns: map[string]int{}, workbook: workbook, date1904: rows.date1904()}
	var keep []int // the raw index of each kept column, in the order of sh.columns' indexes
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if name, ok := aliases[h]; ok {
			if _, dup := sh.columns[name]; !dup {
				sh.columns[name] = len(keep)
				keep = append(keep, i)
			}
		}
	}
	for line := 2; ; line++ {
		raw, ok, err := rows.next()
		if err != nil {
			return sheet{}, err
		}
		if !ok {
			return sh, nil
		}
		if len(raw) > maxSheetColumns {
			return sheet{}, tooWide(line)
		}
		if len(sh.rows) == maxSheetRows {
			return sheet{}, FieldError("file", fmt.Sprintf("has more than %d rows; split it", maxSheetRows))
		}
		row := make([]string, len(keep))
		for j, i := range keep {
			if i < len(raw) {
				row[j] = raw[i]
			}
		}
		sh.rows = append(sh.rows, row)
	}
}

func tooWide(line int) error {
	return FieldError("file", fmt.Sprintf("row %d has more than %d columns", line, maxSheetColumns))
}

// rowSource gives a sheet's rows one at a time.
type rowSource interface {
	next() ([]string, bool, error)
	date1904() bool // a workbook counting its date serials from 1904
	close()
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

// csvSource reads CSV records, after csvRows has checked that none is wider than
// maxSheetColumns (encoding/csv reads a record whole, so a line of ten million commas would
// be ten million fields before any check could see it).
type csvSource struct{ r *csv.Reader }

func csvRows(data []byte) (rowSource, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if line := wideCSVRecord(data); line > 0 {
		return nil, tooWide(line)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	return csvSource{r}, nil
}

func (c csvSource) next() ([]string, bool, error) {
	rec, err := c.r.Read()
	if errors.Is(err, io.EOF) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, FieldError("file", "is neither an xlsx workbook nor readable CSV: "+err.Error())
	}
	return rec, true, nil
}

func (csvSource) date1904() bool { return false }
func (csvSource) close()         {}

// wideCSVRecord is the line of the first record with more than maxSheetColumns fields (0 when
// none has): commas outside double quotes counted, a quoted field's newlines inside its record.
func wideCSVRecord(data []byte) int {
	line, record, fields, quoted := 1, 1, 1, false
	for _, b := range data {
		switch {
		case b == '"':
			quoted = !quoted // "" inside a quoted field toggles twice
		case b == ',' && !quoted:
			if fields++; fields > maxSheetColumns {
				return record
			}
		case b == '\n':
			line++
			if !quoted {
				record, fields = line, 1
			}
		}
	}
	return 0
}

// xlsxSource reads the first sheet's stored values, not their formatted text: a date cell
// reads as its serial number (its format may show 3/4/25 as well as 2025-03-04), and
// date1904 tells which epoch the serials count from.
type xlsxSource struct {
	f      *excelize.File
	it     *excelize.Rows
	is1904 bool
}

func xlsxRows(data []byte) (rowSource, error) {
	// A worksheet or string table over 16 MiB is unzipped to a temporary file and read from
	// there, not held; a workbook unzipping to more than 200 MiB is refused.
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 200 << 20, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return nil, FieldError("file", "is not a readable xlsx workbook")
	}
	src := &xlsxSource{f: f}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		src.close()
		return nil, FieldError("file", "has no sheet")
	}
	props, err := f.GetWorkbookProps()
	if err != nil {
		src.close()
		return nil, FieldError("file", "is not a readable xlsx workbook")
	}
	src.is1904 = props.Date1904 != nil && *props.Date1904
	if src.it, err = f.Rows(sheets[0]); err != nil {
		src.close()
		return nil, FieldError("file", "its first sheet cannot be read")
	}
	return src, nil
}

func (x *xlsxSource) next() ([]string, bool, error) {
	if !x.it.Next() {
		if err := x.it.Error(); err != nil {
			return nil, false, FieldError("file", "its first sheet cannot be read")
		}
		return nil, false, nil
	}
	cols, err := x.it.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, false, FieldError("file", "its first sheet cannot be read")
	}
	return cols, true, nil
}

func (x *xlsxSource) date1904() bool { return x.is1904 }

func (x *xlsxSource) close() {
	if x.it != nil {
		_ = x.it.Close()
	}
	_ = x.f.Close()
}
