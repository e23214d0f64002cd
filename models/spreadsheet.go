package models

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

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
// a function that yields each data row with its line number.
type sheet struct {
	columns map[string]int
	rows    [][]string
}

// readSheet reads an xlsx workbook (its first sheet) or a CSV file (UTF-8, with or without
// BOM) and maps the header through aliases (any header → canonical column name).
func readSheet(data []byte, aliases map[string]string) (sheet, error) {
	var rows [][]string
	var err error
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		rows, err = xlsxRows(data)
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
	sh := sheet{columns: map[string]int{}, rows: rows[1:]}
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

func xlsxRows(data []byte) ([][]string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 200 << 20, UnzipXMLSizeLimit: 100 << 20})
	if err != nil {
		return nil, FieldError("file", "is not a readable xlsx workbook")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, FieldError("file", "has no sheet")
	}
	it, err := f.Rows(sheets[0])
	if err != nil {
		return nil, FieldError("file", "its first sheet cannot be read")
	}
	defer it.Close()
	var rows [][]string
	for it.Next() {
		cols, err := it.Columns()
		if err != nil {
			return nil, FieldError("file", "its first sheet cannot be read")
		}
		rows = append(rows, cols)
		if len(rows) > maxSheetRows+1 {
			break
		}
	}
	return rows, nil
}
