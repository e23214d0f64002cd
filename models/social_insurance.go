package models

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"portal/models/policy"
	"portal/personal"
)

// SocialInsuranceImport is one extract imported from the social-insurance system (社保缴费记录).
type SocialInsuranceImport struct {
	ID         int64     `json:"id"`
	FileName   string    `json:"file_name"`
	Rows       int       `json:"rows"`
	Imported   int       `json:"imported"`
	BadRows    []BadRow  `json:"bad_rows" gorm:"-"`
	BadRowsRaw string    `json:"-" gorm:"column:bad_rows"`
	FromMonth  *string   `json:"from_month"` // the earliest month the imported records cover
	ToMonth    *string   `json:"to_month"`   // the latest
	ImportedBy int64     `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
}

// TableName names the imports table.
func (SocialInsuranceImport) TableName() string { return "si_imports" }

// insuranceRecord is one contribution span; the person is only its keyed hash.
type insuranceRecord struct {
	ID           int64
	ImportID     int64
	PersonHash   string
	EmployerUSCC string `gorm:"column:employer_uscc"`
	FromMonth    string
	ToMonth      string
}

func (insuranceRecord) TableName() string { return "si_records" }

// insuranceColumns maps the English and Chinese headers of an extract (SPEC §6).
var insuranceColumns = map[string]string{
	"name": "name", "姓名": "name",
	"id_number": "id_number", "身份证号": "id_number", "身份证号码": "id_number",
	"employer_uscc": "employer_uscc", "统一社会信用代码": "employer_uscc",
	"employer_name": "employer_name", "单位名称": "employer_name",
	"from_month": "from_month", "起始年月": "from_month",
	"to_month": "to_month", "终止年月": "to_month",
}

// maxBadRows bounds the bad rows kept in an import's report.
const maxBadRows = 1000

// ImportSocialInsurance stores an extract's good rows and reports the bad ones by line; the
// ID numbers are kept only as their keyed hash, names are not kept at all.
func (s *Store) ImportSocialInsurance(ctx context.Context, reviewer User, fileName string, data []byte, now time.Time) (SocialInsuranceImport, error) {
	if reviewer.Role != RoleReviewer {
		return SocialInsuranceImport{}, Errorf(ErrForbidden, "only reviewers import social-insurance records")
	}
	sh, err := readSheet(data, insuranceColumns)
	if err != nil {
		return SocialInsuranceImport{}, err
	}
	if err := sh.require("name", "id_number", "employer_uscc", "from_month", "to_month"); err != nil {
		return SocialInsuranceImport{}, err
	}
	imp := SocialInsuranceImport{FileName: fileName, BadRows: []BadRow{}, ImportedBy: reviewer.ID, CreatedAt: now.UTC()}
	recs := make([]insuranceRecord, 0, len(sh.rows))
	for i, row := range sh.rows {
		if blank(row) {
			continue
		}
		imp.Rows++
		rec, problem := s.insuranceRow(sh, row)
		if problem != "" {
			if len(imp.BadRows) < maxBadRows {
				imp.BadRows = append(imp.BadRows, BadRow{Line: i + 2, Error: problem})
			}
			continue
		}
		recs = append(recs, rec)
		if imp.FromMonth == nil || rec.FromMonth < *imp.FromMonth {
			imp.FromMonth = &rec.FromMonth
		}
		if imp.ToMonth == nil || rec.ToMonth > *imp.ToMonth {
			imp.ToMonth = &rec.ToMonth
		}
	}
	imp.Imported = len(recs)
	bad, _ := json.Marshal(imp.BadRows)
	imp.BadRowsRaw = string(bad)
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&imp).Error; err != nil {
			return err
		}
		for i := range recs {
			recs[i].ImportID = imp.ID
		}
		if len(recs) > 0 {
			if err := tx.CreateInBatches(recs, 2000).Error; err != nil {
				return err
			}
		}
		return audit(tx, reviewer.ID, "social_insurance.import", "si_import", imp.ID, nil, map[string]any{"file_name": fileName, "rows": imp.Rows, "imported": imp.Imported})
	})
	if err != nil {
		return SocialInsuranceImport{}, withContext(err, fmt.Sprintf("import social insurance %q", fileName))
	}
	return imp, nil
}

// insuranceRow checks one row and gives its record, or what is wrong with it.
func (s *Store) insuranceRow(sh sheet, row []string) (insuranceRecord, string) {
	if sh.cell(row, "name") == "" {
		return insuranceRecord{}, "name: is empty"
	}
	id := personal.NormalizeIDNumber(sh.cell(row, "id_number"))
	if err := personal.ValidIDNumber(id); err != nil {
		return insuranceRecord{}, "id_number: " + err.Error()
	}
	uscc := personal.NormalizeUSCC(sh.cell(row, "employer_uscc"))
	if err := personal.ValidUSCC(uscc); err != nil {
		return insuranceRecord{}, "employer_uscc: " + err.Error()
	}
	fromS, toS := sh.month(row, "from_month"), sh.month(row, "to_month")
	from, ok1 := policy.ParseMonth(fromS)
	to, ok2 := policy.ParseMonth(toS)
	switch {
	case !ok1:
		return insuranceRecord{}, "from_month: must be a month written YYYY-MM"
	case !ok2:
		return insuranceRecord{}, "to_month: must be a month written YYYY-MM"
	case to < from:
		return insuranceRecord{}, "to_month: must not be before from_month"
	}
	return insuranceRecord{PersonHash: s.Sealer.Hash(id), EmployerUSCC: uscc, FromMonth: fromS, ToMonth: toS}, ""
}

// SocialInsuranceImports lists the imports, newest first, with their bad-row reports.
func (s *Store) SocialInsuranceImports(ctx context.Context, reviewer User) ([]SocialInsuranceImport, error) {
	if reviewer.Role != RoleReviewer {
		return nil, Errorf(ErrForbidden, "only reviewers see social-insurance imports")
	}
	var out []SocialInsuranceImport
	if err := s.db.WithContext(ctx).Order("id DESC").Limit(200).Find(&out).Error; err != nil {
		return nil, err
	}
	for i := range out {
		out[i].BadRows = []BadRow{}
		_ = json.Unmarshal([]byte(out[i].BadRowsRaw), &out[i].BadRows)
	}
	return out, nil
}
