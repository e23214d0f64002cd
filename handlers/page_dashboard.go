package handlers

import (
	"github.com/gofiber/fiber/v2"

	"portal/models"
)

// dashboardView is the reviewer's dashboard: totals, three charts and their tables.
type dashboardView struct {
	Page
	Stats                                 models.Stats
	ApprovedYuan, PaidYuan                string
	ProgramSummary                        string // the programs' figure in words
	Subsidies                             []dashboardSubsidy
	RateChart, SubsidyChart, PostingChart *barChart
}

// dashboardPage draws the figures as inline SVG charts, each followed by its table, so the page
// needs no JavaScript and a screen reader gets the numbers.
func (a *App) dashboardPage(c *fiber.Ctx) error {
	st, err := a.store.DashboardStats(c.UserContext(), a.today())
	if err != nil {
		return err
	}
	subsidies := make([]dashboardSubsidy, len(st.Subsidies))
	for i, m := range st.Subsidies {
		subsidies[i] = dashboardSubsidy{Month: m.Month, Town: chartTown(m.Town), Approved: chartYuan(m.ApprovedYuan), Paid: chartYuan(m.PaidYuan)}
	}
	return a.render(c, "dashboard", &dashboardView{Page: Page{Title: "数据看板"}, Stats: st, ApprovedYuan: chartYuan(st.Totals.ClaimsApprovedYuan),
		PaidYuan: chartYuan(st.Totals.ClaimsPaidYuan), ProgramSummary: programSummary(st.Programs), Subsidies: subsidies, RateChart: rateChart(st.Programs),
		SubsidyChart: subsidyChart(st.Subsidies), PostingChart: postingChart(st.Postings)})
}
