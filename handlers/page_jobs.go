package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"portal/models"
)

// setParam is the current query with one parameter set (and the page reset), for facet and
// paging links that keep every other filter.
func setParam(q url.Values, key, value string) string { return pathWithParam("/jobs", q, key, value) }

// pathWithParam is the address of a list page (path) with the query q, one parameter set;
// another page starts again from page 1.
func pathWithParam(path string, q url.Values, key, value string) string {
	next := url.Values{}
	for k, v := range q {
		next[k] = append([]string(nil), v...)
	}
	if key != "page" {
		next.Del("page")
	}
	next.Set(key, value)
	return path + "?" + next.Encode()
}

// searchParams echoes the query back into the form.
type searchParams struct {
	Q, TownID, Industry, Education, EmploymentType, SalaryMin, Zone, NearTownID, RadiusKm, Sort string
	Filtered                                                                                    bool
}

// pager is the paging line of a result list: 第 2 / 7 页.
type pager struct {
	Page, Pages      int
	PrevURL, NextURL string
	OutOfRange       bool // a page past the last one was asked for
	FirstURL         string
}

// newPager pages the list at path (/jobs, /programs) with the query q.
func newPager(path string, q url.Values, page, perPage int, total int64) pager {
	p := pager{Page: page, Pages: int((total + int64(perPage) - 1) / int64(max(perPage, 1)))}
	if page > 1 {
		p.PrevURL = pathWithParam(path, q, "page", strconv.Itoa(min(page-1, max(p.Pages, 1))))
	}
	if page < p.Pages {
		p.NextURL = pathWithParam(path, q, "page", strconv.Itoa(page+1))
	}
	if p.Pages > 0 && page > p.Pages || p.Pages == 0 && page > 1 {
		p.OutOfRange, p.FirstURL = true, pathWithParam(path, q, "page", "1")
	}
	return p
}

// jobsView is the search page: the form, the hits with facets and the pager.
type jobsView struct {
	Page
	Params     searchParams
	Query      url.Values
	Towns      []models.Town
	Educations []string
	Types      []string
	FacetOrder []string
	Result     *searchAnswer
	Pager      pager
}

func (a *App) jobsPage(c *fiber.Ctx) error {
	query := url.Values{}
	for k, v := range c.Queries() {
		if v != "" {
			query.Set(k, v)
		}
	}
	p := searchParams{Q: query.Get("q"), TownID: query.Get("town_id"), Industry: query.Get("industry"), Education: query.Get("education"),
		EmploymentType: query.Get("employment_type"), SalaryMin: query.Get("salary_min"), Zone: query.Get("zone"),
		NearTownID: query.Get("near_town_id"), RadiusKm: query.Get("radius_km"), Sort: query.Get("sort")}
	p.Filtered = p.TownID != "" || p.Industry != "" || p.Education != "" || p.EmploymentType != "" || p.SalaryMin != "" ||
		p.Zone != "" || p.NearTownID != "" || p.RadiusKm != ""
	v := &jobsView{Page: Page{Title: "搜索岗位"}, Params: p, Query: query, Educations: models.Educations, Types: models.EmploymentTypes,
		FacetOrder: []string{"town", "industry", "education", "employment_type"}}
	towns, err := a.store.Towns(c.UserContext())
	if err != nil {
		return err
	}
	v.Towns = towns
	status := http.StatusOK
	q, err := a.jobQuery(c)
	if err == nil {
		var res searchAnswer
		if res, err = a.runSearch(c, q); err == nil {
			v.Result = &res
			v.Pager = newPager("/jobs", query, res.Page, res.PerPage, res.Total)
		}
	}
	if err != nil {
		pp := pageProblemOf(err)
		if pp.Status >= 500 && pp.Code != models.ErrUnavailable {
			return err
		}
		status, v.Problem = pp.Status, "搜索条件有误:"+strings.Join(fieldList(pp.Fields), ";")
		if len(pp.Fields) == 0 {
			v.Problem = pp.Sentence
		}
		if pp.Code == models.ErrUnavailable {
			v.Problem = "搜索服务暂时不可用,请稍后再试。已发布的岗位不会丢失。"
		}
	}
	return a.renderStatus(c, status, "jobs", v)
}

// searchFieldNames name the search form's fields in a refusal.
var searchFieldNames = map[string]string{"q": "关键词", "town_id": "专业镇", "industry": "行业", "education": "学历", "employment_type": "类型",
	"salary_min": "最低月薪", "zone": "专区", "near_town_id": "距离专业镇", "radius_km": "半径", "sort": "排序", "page": "页码", "per_page": "每页条数"}

func fieldList(fields map[string]string) []string {
	var out []string
	for _, k := range []string{"q", "town_id", "industry", "education", "employment_type", "salary_min", "zone", "near_town_id", "radius_km", "sort", "page", "per_page"} {
		if msg, ok := fields[k]; ok {
			out = append(out, searchFieldNames[k]+msg)
		}
	}
	return out
}

// jobPageView is a posting's page.
type jobPageView struct {
	Page
	Job     models.Job
	Closed  bool
	Applied bool
	Report  reportForm
}

func (a *App) jobPage(c *fiber.Ctx) error {
	v, err := a.visibleJob(c)
	if err != nil {
		return err
	}
	a.countView(c, v.Job)
	pv := &jobPageView{Page: Page{Title: v.Title}, Job: v.Job, Closed: v.Closed}
	if u := currentUser(c); u.Role == models.RoleSeeker {
		if pv.Applied, err = a.store.HasApplied(c.UserContext(), u.ID, v.ID); err != nil {
			return err
		}
	}
	return a.render(c, "job", pv)
}

func (a *App) reportSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := a.limitByIP(c, "report", 20); err != nil {
		return err
	}
	f, err := readForm[reportForm](c)
	if err != nil {
		return err
	}
	if _, err := a.store.ReportJob(c.UserContext(), id, models.ReportInput{Reason: strings.TrimSpace(f.Reason), Contact: strings.TrimSpace(f.Contact)}); err != nil {
		v, verr := a.visibleJob(c)
		if verr != nil {
			return verr
		}
		return a.formProblem(c, "job", &jobPageView{Page: Page{Title: v.Title}, Job: v.Job, Closed: v.Closed, Report: f}, err)
	}
	return a.done(c, "/jobs/"+itoa64(id), "reported")
}

// townCard is a town of the zone with what a job seeker looks for first.
type townCard struct {
	models.Town
	OpenPostings int64
}

// zoneView is the professional-town zone: every town as a card, and the newest postings.
type zoneView struct {
	Page
	Towns []townCard
	Jobs  []models.Job
}

func (a *App) zonePage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	towns, err := a.store.Towns(ctx)
	if err != nil {
		return err
	}
	st, err := a.store.DashboardStats(ctx, a.today())
	if err != nil {
		return err
	}
	open := map[int64]int64{}
	for _, p := range st.Postings {
		open[p.TownID] = p.PostingsOpen
	}
	cards := make([]townCard, len(towns))
	for i, t := range towns {
		cards[i] = townCard{Town: t, OpenPostings: open[t.ID]}
	}
	jobs, err := a.store.Jobs(ctx, models.JobFilter{OpenOn: a.today(), Zone: true, Limit: 20})
	if err != nil {
		return err
	}
	return a.render(c, "zone", &zoneView{Page: Page{Title: "专业镇专区"}, Towns: cards, Jobs: jobs})
}

// townView is one professional town's page with its open postings.
type townView struct {
	Page
	Town models.Town
	Jobs []models.Job
}

func (a *App) townPage(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	t, err := a.store.Town(c.UserContext(), id)
	if err != nil {
		return err
	}
	jobs, err := a.store.Jobs(c.UserContext(), models.JobFilter{OpenOn: a.today(), TownID: id, Limit: 50})
	if err != nil {
		return err
	}
	return a.render(c, "town", &townView{Page: Page{Title: t.Name}, Town: t, Jobs: jobs})
}

// jobFormView is the form posting or editing a vacancy.
type jobFormView struct {
	Page
	JobID       int64 // 0 for a new posting
	Form        jobForm
	Towns       []models.Town
	Occupations []models.Occupation
	Educations  []string
	Types       []string
}

func (a *App) jobFormPage(c *fiber.Ctx, jobID int64, f jobForm, err error) error {
	towns, terr := a.store.Towns(c.UserContext())
	if terr != nil {
		return terr
	}
	occ, oerr := a.store.Occupations(c.UserContext())
	if oerr != nil {
		return oerr
	}
	v := &jobFormView{Page: Page{Title: "发布岗位"}, JobID: jobID, Form: f, Towns: towns, Occupations: occ, Educations: models.Educations, Types: models.EmploymentTypes}
	if jobID != 0 {
		v.Title = "修改岗位"
	}
	if err != nil {
		return a.formProblem(c, "jobform", v, err)
	}
	return a.render(c, "jobform", v)
}

func (a *App) newJobPage(c *fiber.Ctx) error {
	return a.jobFormPage(c, 0, jobForm{Education: "不限", EmploymentType: "full_time",
		ExpiresOn: a.now().In(models.China).AddDate(0, 0, 30).Format(models.DateLayout)}, nil)
}

func (a *App) createJobSubmit(c *fiber.Ctx) error {
	f, err := readForm[jobForm](c)
	if err != nil {
		return err
	}
	in, bad := f.input()
	if err := bad.refusal(); err != nil {
		return a.jobFormPage(c, 0, f, mergeRefusals(models.CheckJob(in, a.now()), err))
	}
	j, err := a.store.CreateJob(c.UserContext(), currentUser(c), in, a.now())
	if err != nil {
		return a.jobFormPage(c, 0, f, err)
	}
	a.indexer.Notify(c.UserContext())
	return a.done(c, "/jobs/"+itoa64(j.ID), "job_posted")
}

func (a *App) editJobPage(c *fiber.Ctx) error {
	j, err := a.ownJob(c)
	if err != nil {
		return err
	}
	return a.jobFormPage(c, j.ID, jobFormOf(j.Input()), nil)
}

func (a *App) updateJobSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	f, err := readForm[jobForm](c)
	if err != nil {
		return err
	}
	in, bad := f.input()
	if err := bad.refusal(); err != nil {
		return a.jobFormPage(c, id, f, mergeRefusals(models.CheckJob(in, a.now()), err))
	}
	j, err := a.store.UpdateJob(c.UserContext(), currentUser(c), id, in, a.now())
	if err != nil {
		return a.jobFormPage(c, id, f, err)
	}
	a.indexer.Notify(c.UserContext())
	return a.done(c, "/jobs/"+itoa64(j.ID), "job_saved")
}

func (a *App) closeJobSubmit(c *fiber.Ctx) error {
	j, err := a.ownJob(c)
	if err != nil {
		return err
	}
	id := j.ID
	if !confirmed(c) {
		return a.confirm(c, confirmView{Question: "确认关闭岗位“" + j.Title + "”?", Details: []string{"关闭后求职者搜不到这个岗位,也不能再投递;已收到的投递仍可在“应聘者”中处理。", "关闭后不能重新打开,如需继续招聘请重新发布。"},
			Button: "确认关闭岗位", Back: "/console"})
	}
	if _, err := a.store.CloseJob(c.UserContext(), currentUser(c), id, a.now()); err != nil {
		return a.refused(c, "/console", err)
	}
	a.indexer.Notify(c.UserContext())
	return a.done(c, "/console", "job_closed")
}

// mergeRefusals joins the fields of two refusals of one form into one, so a person sees
// every field's error at once; the second's sentence wins for a field both name.
func mergeRefusals(first, second error) error {
	if first == nil {
		return second
	}
	fa, fb := problemOf(first), problemOf(second)
	fields := map[string]string{}
	for k, v := range fa.Errors {
		fields[k] = v
	}
	for k, v := range fb.Errors {
		fields[k] = v
	}
	return &models.Error{Code: models.ErrInvalid, Message: "form refused", Fields: fields}
}
