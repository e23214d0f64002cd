package handlers

import (
	"bytes"
	"encoding/csv"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"portal/models"
)

// claimSheet is a claim as rows: a header, a line per person with its computation, a total.
func (a *App) claimSheet(c *fiber.Ctx) (models.Claim, [][]any, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return models.Claim{}, nil, err
	}
	u := currentUser(c)
	claim, err := a.store.Claim(c.UserContext(), u, id)
	if err != nil {
		return claim, nil, err
	}
	var full map[int64]string
	if c.QueryBool("full_ids") {
		if full, err = a.store.RevealClaimIDs(c.UserContext(), u, claim); err != nil {
			return claim, nil, err
		}
	}
	rows := [][]any{{"序号", "姓名", "身份证号", "出勤天数", "补贴天数", "前段天数", "前段日标准(元)", "后段日标准(元)", "每人上限(元)", "每人标准(元)", "就业", "补贴金额(元)", "不计补贴原因"}}
	for i, l := range claim.Lines {
		id := l.IDNumberMasked
		if full != nil {
			id = full[l.ID]
		}
		employed := "否"
		if l.Employed {
			employed = "是"
		}
		rows = append(rows, []any{i + 1, l.Name, id, l.AttendedDays, l.SubsidizedDays, l.FirstDays, l.FirstDayRateYuan, l.LaterDayRateYuan,
			l.CapPerPersonYuan, l.RateYuan, employed, l.AmountYuan, excludedNames[l.ExcludedReason]})
	}
	rows = append(rows, []any{"合计", "", "", "", "", "", "", "", "", "", "", claim.TotalYuan, strconv.Itoa(claim.People) + " 人获补贴"})
	return claim, rows, nil
}

var excludedNames = map[string]string{"": "", "not_completed": "未结业合格", "not_employed": "未就业", "already_subsidized": "本年度已享受同类补贴", "no_policy_in_force": "无有效政策"}

// claimXLSX exports one claim as a workbook: the amounts are numbers and the total a SUM
// formula, so it opens in a spreadsheet program with the right total.
func (a *App) claimXLSX(c *fiber.Ctx) error {
	claim, rows, err := a.claimSheet(c)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := "补贴申请"
	f.SetSheetName("Sheet1", sheet)
	title := claim.Title + "(申请编号 " + strconv.FormatInt(claim.ID, 10) + ")"
	_ = f.SetCellValue(sheet, "A1", title)
	for r, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return err
		}
	}
	last := len(rows) + 1
	sum, _ := excelize.CoordinatesToCellName(12, last)
	from, _ := excelize.CoordinatesToCellName(12, 3)
	to, _ := excelize.CoordinatesToCellName(12, last-1)
	if err := f.SetCellFormula(sheet, sum, "SUM("+from+":"+to+")"); err != nil {
		return err
	}
	_ = f.SetColWidth(sheet, "B", "C", 20)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return err
	}
	return sendDownload(c, buf.Bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "claim-"+strconv.FormatInt(claim.ID, 10)+".xlsx")
}

func (a *App) claimCSV(c *fiber.Ctx) error {
	claim, rows, err := a.claimSheet(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff") // spreadsheet programs read UTF-8 with a BOM
	w := csv.NewWriter(&buf)
	for _, row := range rows {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = csvCell(v)
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return sendDownload(c, buf.Bytes(), "text/csv; charset=utf-8", "claim-"+strconv.FormatInt(claim.ID, 10)+".csv")
}

// csvCell writes a value, defusing text a spreadsheet would run as a formula.
func csvCell(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x)
	case string:
		if x != "" && (x[0] == '=' || x[0] == '+' || x[0] == '-' || x[0] == '@') {
			return "'" + x
		}
		return x
	}
	return ""
}

// claimsXLSX is the finance office's list of claims by status and period.
func (a *App) claimsXLSX(c *fiber.Ctx) error {
	flt, err := claimFilter(c)
	if err != nil {
		return err
	}
	cs, err := a.store.Claims(c.UserContext(), currentUser(c), flt)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := "补贴申请汇总"
	f.SetSheetName("Sheet1", sheet)
	_ = f.SetSheetRow(sheet, "A1", &[]any{"申请编号", "类型", "项目或名称", "申请单位", "专业镇", "人数", "金额(元)", "状态", "提交时间", "支付凭证"})
	for i, cl := range cs {
		applicant, town := "", ""
		if cl.Program != nil && cl.Program.Provider != nil {
			applicant = cl.Program.Provider.Name
		} else if cl.Enterprise != nil {
			applicant = cl.Enterprise.Name
		}
		if cl.Town != nil {
			town = cl.Town.Name
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		_ = f.SetSheetRow(sheet, cell, &[]any{cl.ID, claimKindNames[cl.Kind], cl.Title, applicant, town, cl.People, cl.TotalYuan,
			claimStatusNames[cl.Status], cl.SubmittedAt.In(models.China).Format("2006-01-02 15:04"), cl.PaymentRef})
	}
	total, _ := excelize.CoordinatesToCellName(7, len(cs)+2)
	_ = f.SetCellFormula(sheet, total, "SUM(G2:G"+strconv.Itoa(len(cs)+1)+")")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return err
	}
	return sendDownload(c, buf.Bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "claims.xlsx")
}

var (
	claimKindNames   = map[string]string{models.ClaimTraining: "培训补贴", models.ClaimOnjob: "在岗培训补贴"}
	claimStatusNames = map[string]string{models.ClaimSubmitted: "待审核", models.ClaimApproved: "已批准(公示)", models.ClaimRejected: "已驳回", models.ClaimPaid: "已支付"}
)

func sendDownload(c *fiber.Ctx, body []byte, contentType, name string) error {
	c.Set(fiber.HeaderContentType, contentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(body)
}
