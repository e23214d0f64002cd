package handlers

import (
	"errors"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"

	"portal/models"
)

// importColumns are the columns of the import sheets as their Chinese headers name them.
var importColumns = map[string]string{
	"date": "日期", "enrolment_id": "学员编号", "id_number": "身份证号", "present": "出勤", "name": "姓名",
	"employer_uscc": "统一社会信用代码", "employer_name": "单位名称", "from_month": "起始年月", "to_month": "终止年月", "file": "文件",
}

// importProblem names the missing columns of a refused sheet by their Chinese headers.
func importProblem(err error) error {
	var e *models.Error
	if !errors.As(err, &e) || e.Fields == nil {
		return err
	}
	if cols, ok := strings.CutPrefix(e.Fields["file"], "the header lacks the column(s) "); ok {
		names := strings.Split(cols, ", ")
		for i, n := range names {
			if label, known := importColumns[n]; known {
				names[i] = label
			}
		}
		c := *e
		c.Fields = map[string]string{"file": "表头缺少必需的列:" + strings.Join(names, "、")}
		return &c
	}
	return err
}

// badLine is one refused row of an import as a page shows it.
type badLine struct {
	Line int
	Text string
}

// badLines says each refused row's problem in Chinese: the column, then what is wrong.
func badLines(rows []models.BadRow) []badLine {
	out := make([]badLine, 0, len(rows))
	for _, r := range rows {
		col, msg, ok := strings.Cut(r.Error, ": ")
		text := fieldSentence(r.Error)
		if ok {
			if label, known := importColumns[col]; known {
				text = label + ":" + fieldSentence(msg)
			}
		}
		out = append(out, badLine{Line: r.Line, Text: text})
	}
	return out
}

// rollImportView is what a roll spreadsheet changed, shown on the program's page after the
// upload's redirect: it travels in the flash cookie, so it holds at most reportedBadRows.
type rollImportView struct {
	Days, Marks int
	Bad         []badLine // the first reportedBadRows refused rows
	BadTotal    int       // how many rows were refused in all
}

// reportedBadRows bounds the refused rows a roll import's report lists (the flash cookie
// carries them; a browser keeps a cookie of about 4 KB).
const reportedBadRows = 20

// rollReport is the report of a roll import, its refused rows cut to reportedBadRows.
func rollReport(res models.RollImport) *rollImportView {
	bad := badLines(res.BadRows)
	return &rollImportView{Days: res.Days, Marks: res.Marks, Bad: bad[:min(len(bad), reportedBadRows)], BadTotal: len(bad)}
}

// rollImportSubmit applies the provider's uploaded roll (xlsx or csv) and returns to the
// program's page (post → redirect → get, so a refresh uploads nothing) with its report: the
// days it updated and the refused rows by line.
func (a *App) rollImportSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	_, data, err := uploadedSheet(c)
	var res models.RollImport
	if err == nil {
		res, err = a.store.ImportRoll(c.UserContext(), currentUser(c), id, data, a.now())
	}
	if err != nil {
		return a.afterProgramAction(c, id, "", "", importProblem(err))
	}
	return a.doneWith(c, "/console/programs/"+itoa64(id)+"#roll-h", flashNote{Key: "roll_imported", Roll: rollReport(res)})
}

// socialInsuranceView is the reviewer's page of social-insurance imports: the upload and
// every import with its refused rows.
type socialInsuranceView struct {
	Page
	Imports []siImport
	Tasks   []reviewTask
}

// siImport is one import with its bad rows in Chinese.
type siImport struct {
	models.SocialInsuranceImport
	Bad  []badLine
	File string // the file's name without its extension, and what kind of sheet it was
}

// sheetLabel names an uploaded sheet as "名称(CSV 表格)" or "名称(Excel 表格)".
func sheetLabel(name string) string {
	ext := strings.ToLower(path.Ext(name))
	base := strings.TrimSuffix(name, path.Ext(name))
	switch ext {
	case ".csv":
		return base + "(CSV 表格)"
	case ".xlsx", ".xls":
		return base + "(Excel 表格)"
	}
	return name
}

func (a *App) socialInsuranceView(c *fiber.Ctx) (*socialInsuranceView, error) {
	imps, err := a.store.SocialInsuranceImports(c.UserContext(), currentUser(c))
	if err != nil {
		return nil, err
	}
	v := &socialInsuranceView{Page: Page{Title: "社保数据导入"}, Tasks: a.taskBar(c, "social-insurance")}
	for _, imp := range imps {
		v.Imports = append(v.Imports, siImport{SocialInsuranceImport: imp, Bad: badLines(imp.BadRows), File: sheetLabel(imp.FileName)})
	}
	return v, nil
}

func (a *App) socialInsurancePage(c *fiber.Ctx) error {
	v, err := a.socialInsuranceView(c)
	if err != nil {
		return err
	}
	return a.render(c, "review_social_insurance", v)
}

func (a *App) socialInsuranceSubmit(c *fiber.Ctx) error {
	name, data, err := uploadedSheet(c)
	if err == nil {
		_, err = a.store.ImportSocialInsurance(c.UserContext(), currentUser(c), name, data, a.now())
	}
	if err != nil {
		v, verr := a.socialInsuranceView(c)
		if verr != nil {
			return verr
		}
		return a.formProblem(c, "review_social_insurance", v, importProblem(err))
	}
	return a.done(c, "/console/review/social-insurance", "si_imported")
}
