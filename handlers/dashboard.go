package handlers

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"portal/models"
)

// statsAPI serves the figures behind the reviewer's dashboard (GET /api/v1/stats).
func (a *App) statsAPI(c *fiber.Ctx) error {
	st, err := a.store.DashboardStats(c.UserContext(), a.today())
	if err != nil {
		return err
	}
	return c.JSON(st)
}

// dashboardSubsidy is a line of the subsidy table, amounts written for reading.
type dashboardSubsidy struct{ Month, Town, Approved, Paid string }

// barChart is a horizontal bar chart laid out for an inline SVG (the "barchart" partial draws
// it; html/template escapes every label). Each row has its label on a line of its own with its
// bars under it, so long Chinese names fit on a phone; the value is written after each bar, so
// colour never carries the meaning alone.
type barChart struct {
	ID, Title, Desc string
	Width, Height   int
	Keys            []chartKey
	Rows            []chartRow
}

// chartKey is a legend entry: a swatch (or, for a target, a short line) and its text.
type chartKey struct {
	X, MidX, TextX int
	Class, Text    string
	Line           bool
}

// chartRow is one labelled group of bars with an optional target mark across them.
type chartRow struct {
	Label  string
	LabelY int
	Bars   []chartBar
	Target *chartTarget
}

// chartBar is one bar: the caller gives Value, Class, Text (written after the bar) and Title
// (the tooltip); addRow lays it out.
type chartBar struct {
	Value              float64
	Class, Text, Title string
	Y, H, TextY        int
	W, TextX           float64
}

// chartTarget is the vertical line of a target within one row.
type chartTarget struct {
	X      float64
	Y1, Y2 int
}

// The geometry in SVG user units; the SVG scales to the page's width.
const (
	chartWidth        = 360 // a phone draws it near 1:1, so 14-unit text stays 14 px
	chartBarArea      = 230 // the length of the longest bar; values are written after it
	chartBarHeight    = 18
	chartBarGap       = 5
	chartLabelHeight  = 22
	chartRowGap       = 14
	chartLegendHeight = 34
	chartLabelRunes   = 22
)

func newBarChart(id, title, desc string, keys ...chartKey) *barChart {
	x := 0
	for i := range keys {
		keys[i].X, keys[i].MidX, keys[i].TextX = x, x+7, x+20
		x += 20 + chartTextWidth(keys[i].Text) + 18
	}
	return &barChart{ID: id, Title: title, Desc: desc, Width: chartWidth, Height: chartLegendHeight, Keys: keys}
}

// addRow appends a labelled row of bars, each Value drawn against scale (a full-length bar).
func (ch *barChart) addRow(label string, scale float64, bars ...chartBar) *chartRow {
	row := chartRow{Label: chartTruncate(label, chartLabelRunes), LabelY: ch.Height + 16}
	y := ch.Height + chartLabelHeight
	for _, b := range bars {
		w := 0.0
		if scale > 0 {
			w = b.Value / scale * chartBarArea
		}
		if b.Value > 0 && w < 2 {
			w = 2 // a small value stays visible
		}
		b.W, b.Y, b.H, b.TextX, b.TextY = chartRound(w), y, chartBarHeight, chartRound(w+6), y+chartBarHeight-4
		row.Bars = append(row.Bars, b)
		y += chartBarHeight + chartBarGap
	}
	ch.Height = y + chartRowGap
	ch.Rows = append(ch.Rows, row)
	return &ch.Rows[len(ch.Rows)-1]
}

// rateTarget is the employment target the chart's legend and the totals name: the first
// program's, or the policy's 80% when none has one.
func rateTarget(programs []models.ProgramRate) int {
	if len(programs) > 0 && programs[0].TargetRate > 0 {
		return programs[0].TargetRate
	}
	return 80
}

// programSummary says in words what the programs' headline figure counts: how many met the
// target, how many have nobody completed yet (no verdict) and how many fell short.
func programSummary(programs []models.ProgramRate) string {
	var met, awaiting, below int
	for _, p := range programs {
		switch {
		case p.MeetsTarget:
			met++
		case p.AwaitingCompletion:
			awaiting++
		default:
			below++
		}
	}
	if len(programs) == 0 {
		return "还没有已审批的培训项目"
	}
	s := fmt.Sprintf("其中 %d 个就业率达到 %d%%", met, rateTarget(programs))
	if awaiting > 0 {
		s += fmt.Sprintf(",%d 个尚无结业学员", awaiting)
	}
	if below > 0 {
		s += fmt.Sprintf(",%d 个未达标", below)
	}
	return s
}

// rateChart draws each program's employment rate on a 0–100% scale with its target marked:
// green when met, amber when not; a program nobody has completed yet has no bar and says so.
func rateChart(programs []models.ProgramRate) *barChart {
	target := rateTarget(programs)
	ch := newBarChart("rate-chart", "各培训项目就业率与目标线",
		fmt.Sprintf("横向条形图:%d 个培训项目的就业率,竖线为就业率目标 %d%%;数据见下表。", len(programs), target),
		chartKey{Class: "bar-met", Text: "达标"}, chartKey{Class: "bar-below", Text: "未达标"},
		chartKey{Class: "chart-target", Text: fmt.Sprintf("目标 %d%%", target), Line: true})
	for _, p := range programs {
		class, verdict := "bar-below", "未达标"
		if p.MeetsTarget {
			class, verdict = "bar-met", "达标"
		}
		rate := chartPercent(p.EmploymentRate)
		bar := chartBar{Value: p.EmploymentRate, Class: class, Text: rate + " " + verdict,
			Title: fmt.Sprintf("%s:就业率 %s(%d/%d),目标 %d%%,%s", p.Name, rate, p.Employed, p.Completed, p.TargetRate, verdict)}
		if p.AwaitingCompletion {
			bar = chartBar{Class: "bar-pending", Text: "进行中 · 尚无结业学员", Title: fmt.Sprintf("%s:进行中,尚无结业学员,目标 %d%%", p.Name, p.TargetRate)}
		}
		row := ch.addRow(p.Name+" · "+p.Town, 100, bar)
		if p.TargetRate > 0 {
			b := row.Bars[0]
			row.Target = &chartTarget{X: chartRound(float64(p.TargetRate) / 100 * chartBarArea), Y1: b.Y - 4, Y2: b.Y + b.H + 4}
		}
	}
	return ch
}

// subsidyChart draws the amounts approved and paid in each town and month, on one scale.
func subsidyChart(months []models.TownSubsidy) *barChart {
	ch := newBarChart("subsidy-chart", "各专业镇每月批准与拨付的补贴",
		fmt.Sprintf("分组条形图:%d 组“月份 · 专业镇”的批准金额与拨付金额(元);数据见下表。", len(months)),
		chartKey{Class: "bar-approved", Text: "批准"}, chartKey{Class: "bar-paid", Text: "拨付"})
	scale := 0.0
	for _, m := range months {
		scale = max(scale, float64(m.ApprovedYuan), float64(m.PaidYuan))
	}
	for _, m := range months {
		label := m.Month + " · " + chartTown(m.Town)
		approved, paid := "批准 "+chartYuan(m.ApprovedYuan)+" 元", "拨付 "+chartYuan(m.PaidYuan)+" 元"
		ch.addRow(label, scale,
			chartBar{Value: float64(m.ApprovedYuan), Class: "bar-approved", Text: approved, Title: label + " " + approved},
			chartBar{Value: float64(m.PaidYuan), Class: "bar-paid", Text: paid, Title: label + " " + paid})
	}
	return ch
}

// postingChart draws each town's open postings and the applications to its postings.
func postingChart(towns []models.TownPostings) *barChart {
	ch := newBarChart("posting-chart", "各专业镇在招岗位与求职投递",
		fmt.Sprintf("分组条形图:%d 个专业镇的在招岗位数与投递数;数据见下表。", len(towns)),
		chartKey{Class: "bar-postings", Text: "在招岗位"}, chartKey{Class: "bar-applications", Text: "投递"})
	scale := 0.0
	for _, t := range towns {
		scale = max(scale, float64(t.PostingsOpen), float64(t.Applications))
	}
	for _, t := range towns {
		postings, applications := "在招岗位 "+strconv.FormatInt(t.PostingsOpen, 10), "投递 "+strconv.FormatInt(t.Applications, 10)
		ch.addRow(t.Town, scale,
			chartBar{Value: float64(t.PostingsOpen), Class: "bar-postings", Text: postings, Title: t.Town + " " + postings},
			chartBar{Value: float64(t.Applications), Class: "bar-applications", Text: applications, Title: t.Town + " " + applications})
	}
	return ch
}

// chartPercent writes a rate without trailing zeros: 80%, 85.71%.
func chartPercent(rate float64) string { return strconv.FormatFloat(rate, 'f', -1, 64) + "%" }

// chartYuan writes an amount with thousands separators: 15,900.
func chartYuan(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return sign + s
}

// chartTown names the town of a claim that has none (an enterprise outside the towns).
func chartTown(name string) string {
	if name == "" {
		return "未归属专业镇"
	}
	return name
}

// chartTruncate shortens a label to n runes with an ellipsis; the tables keep the full text.
func chartTruncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// chartTextWidth estimates a legend text's width at 14 units: CJK full width, the rest about half.
func chartTextWidth(s string) int {
	w := 0
	for _, r := range s {
		if r >= 0x2e80 {
			w += 14
		} else {
			w += 8
		}
	}
	return w
}

func chartRound(f float64) float64 { return float64(int(f*10+0.5)) / 10 }
