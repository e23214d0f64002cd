package handlers

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"portal/models"
	"portal/search"
)

// card is what a posting shows in a list; highlights are already HTML-escaped by the search
// package with <mark> as their only markup.
type card struct {
	ID                                   int64
	Title                                string
	HighlightTitle, HighlightDescription template.HTML
	SalaryMin, SalaryMax                 int
	TownName, Education, EmploymentType  string
	EnterpriseName, Industry             string
}

var facetNames = map[string]string{"town": "专业镇", "industry": "行业", "education": "学历", "employment_type": "用工类型"}

func init() {
	pageFuncs["typeName"] = func(t string) string { return employmentTypeNames[t] }
	pageFuncs["facetName"] = func(f string) string { return facetNames[f] }
	pageFuncs["facetParam"] = func(f string) string {
		if f == "town" {
			return "town_id"
		}
		return f
	}
	pageFuncs["setParam"] = setParam
	pageFuncs["inc"] = func(n int) int { return n + 1 }
	pageFuncs["dec"] = func(n int) int { return n - 1 }
	pageFuncs["mul"] = func(a, b int) int64 { return int64(a) * int64(b) }
	pageFuncs["hitCard"] = func(h search.JobHit) card {
		return card{ID: h.ID, Title: h.Title, HighlightTitle: template.HTML(h.Highlight.Title), // #nosec: escaped by search
			HighlightDescription: template.HTML(h.Highlight.Description), SalaryMin: h.SalaryMin, SalaryMax: h.SalaryMax,
			TownName: h.TownName, Education: h.Education, EmploymentType: h.EmploymentType, EnterpriseName: h.EnterpriseName, Industry: h.Industry}
	}
	pageFuncs["jobCard"] = func(j models.Job) card {
		c := card{ID: j.ID, Title: j.Title, SalaryMin: j.SalaryMin, SalaryMax: j.SalaryMax, Education: j.Education, EmploymentType: j.EmploymentType}
		if j.Town != nil {
			c.TownName = j.Town.Name
		}
		if j.Enterprise != nil {
			c.EnterpriseName, c.Industry = j.Enterprise.Name, j.Enterprise.Industry
		}
		return c
	}
	pageFuncs["jobStatus"] = func(status, expires, today string) string {
		switch {
		case status == models.JobTakenDown:
			return "已下架"
		case status == models.JobClosed:
			return "已关闭"
		case expires < today:
			return "已过期"
		default:
			return "招聘中"
		}
	}
}

// setParam is the current query with one parameter set (and the page reset), for facet and
// paging links that keep every other filter.
func setParam(q url.Values, key, value string) string {
	next := url.Values{}
	for k, v := range q {
		next[k] = append([]string(nil), v...)
	}
	if key != "page" {
		next.Del("page")
	}
	next.Set(key, value)
	return "/jobs?" + next.Encode()
}

// searchParams echoes the query back into the form.
type searchParams struct {
	Q, TownID, Industry, Education, EmploymentType, SalaryMin, Zone, NearTownID, RadiusKm, Sort string
	Filtered                                                                                    bool
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
	p.Filtered = len(query) > 1 || (len(query) == 1 && p.Q == "")
	data := fiber.Map{"Title": "搜索岗位", "Params": p, "Query": query, "Action": "/jobs",
		"Educations": models.Educations, "Types": models.EmploymentTypes, "FacetOrder": []string{"town", "industry", "education", "employment_type"}}
	towns, err := a.store.Towns(c.UserContext())
	if err != nil {
		return err
	}
	data["Towns"] = towns
	status := http.StatusOK
	q, err := a.jobQuery(c)
	if err == nil {
		var res searchAnswer
		if res, err = a.runSearch(c, q); err == nil {
			data["Result"] = res
		}
	}
	if err != nil {
		pr := problemOf(err)
		if pr.Status >= 500 && pr.Code != models.ErrUnavailable {
			return err
		}
		status, data["Problem"] = pr.Status, pr.Detail
		if pr.Code == models.ErrUnavailable {
			data["Problem"] = "搜索服务暂时不可用,请稍后再试。已发布的岗位不会丢失。"
		}
	}
	return a.renderStatus(c, status, "jobs", data)
}

func (a *App) jobPage(c *fiber.Ctx) error {
	v, err := a.visibleJob(c)
	if err != nil {
		return err
	}
	a.countView(c, v.Job)
	applied := false
	if u := currentUser(c); u.Role == models.RoleSeeker {
		if applied, err = a.store.HasApplied(c.UserContext(), u.ID, v.ID); err != nil {
			return err
		}
	}
	return a.render(c, "job", fiber.Map{"Title": v.Title, "Job": v.Job, "Closed": v.Closed, "Applied": applied})
}

func (a *App) reportSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := a.limitByIP(c, "report", 20); err != nil {
		return err
	}
	if _, err := a.store.ReportJob(c.UserContext(), id, models.ReportInput{Reason: strings.TrimSpace(c.FormValue("reason")), Contact: strings.TrimSpace(c.FormValue("contact"))}); err != nil {
		return err
	}
	v, err := a.visibleJob(c)
	if err != nil {
		return err
	}
	return a.render(c, "job", fiber.Map{"Title": v.Title, "Job": v.Job, "Closed": v.Closed, "Flash": "举报已提交,审核员会尽快处理。"})
}

func (a *App) zonePage(c *fiber.Ctx) error {
	towns, err := a.store.Towns(c.UserContext())
	if err != nil {
		return err
	}
	jobs, err := a.store.Jobs(c.UserContext(), models.JobFilter{OpenOn: a.today(), Zone: true, Limit: 20})
	if err != nil {
		return err
	}
	return a.render(c, "zone", fiber.Map{"Title": "专业镇专区", "Towns": towns, "Jobs": jobs})
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
	return a.render(c, "zone", fiber.Map{"Title": t.Name, "Town": t, "Jobs": jobs})
}

// jobForm reads the posting form; unparsable numbers stay 0 and are refused by validation.
func jobForm(c *fiber.Ctx) models.JobInput {
	num := func(k string) int { n, _ := strconv.Atoi(strings.TrimSpace(c.FormValue(k))); return n }
	town, _ := strconv.ParseInt(c.FormValue("town_id"), 10, 64)
	return models.JobInput{Title: strings.TrimSpace(c.FormValue("title")), Description: strings.TrimSpace(c.FormValue("description")),
		Occupation: strings.TrimSpace(c.FormValue("occupation")), TownID: town, SalaryMin: num("salary_min"), SalaryMax: num("salary_max"),
		Headcount: num("headcount"), Education: c.FormValue("education"), EmploymentType: c.FormValue("employment_type"), ExpiresOn: c.FormValue("expires_on")}
}

func (a *App) jobFormPage(c *fiber.Ctx, status int, job *models.Job, in models.JobInput, err error) error {
	towns, terr := a.store.Towns(c.UserContext())
	if terr != nil {
		return terr
	}
	occ, oerr := a.store.Occupations(c.UserContext())
	if oerr != nil {
		return oerr
	}
	data := fiber.Map{"Title": "发布岗位", "Form": in, "Towns": towns, "Occupations": occ, "Educations": models.Educations, "Types": models.EmploymentTypes}
	if job != nil {
		data["Job"], data["Title"] = job, "修改岗位"
	}
	if err != nil {
		return a.formProblem(c, "jobform", data, err)
	}
	return a.renderStatus(c, status, "jobform", data)
}

func (a *App) newJobPage(c *fiber.Ctx) error {
	return a.jobFormPage(c, http.StatusOK, nil, models.JobInput{Education: "不限", EmploymentType: "full_time",
		ExpiresOn: a.now().In(models.China).AddDate(0, 0, 30).Format(models.DateLayout)}, nil)
}

func (a *App) createJobSubmit(c *fiber.Ctx) error {
	in := jobForm(c)
	j, err := a.store.CreateJob(c.UserContext(), currentUser(c), in, a.now())
	if err != nil {
		return a.jobFormPage(c, 0, nil, in, err)
	}
	a.indexer.Notify(c.UserContext())
	return c.Redirect("/jobs/"+strconv.FormatInt(j.ID, 10), http.StatusSeeOther)
}

func (a *App) editJobPage(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	j, err := a.store.Job(c.UserContext(), id)
	if err != nil {
		return err
	}
	if err := models.RequireOwner(currentUser(c), j); err != nil {
		return err
	}
	return a.jobFormPage(c, http.StatusOK, &j, j.Input(), nil)
}

func (a *App) updateJobSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	in := jobForm(c)
	j, err := a.store.UpdateJob(c.UserContext(), currentUser(c), id, in, a.now())
	if err != nil {
		if code := models.ErrorCode(err); code == models.ErrForbidden || code == models.ErrNotFound {
			return err
		}
		return a.jobFormPage(c, 0, &models.Job{ID: id}, in, err)
	}
	a.indexer.Notify(c.UserContext())
	return c.Redirect("/jobs/"+strconv.FormatInt(j.ID, 10), http.StatusSeeOther)
}

func (a *App) closeJobSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if _, err := a.store.CloseJob(c.UserContext(), currentUser(c), id, a.now()); err != nil {
		return err
	}
	a.indexer.Notify(c.UserContext())
	return c.Redirect("/console", http.StatusSeeOther)
}

func (a *App) resolveReportSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	takeDown := c.FormValue("take_down") == "true"
	if _, err := a.store.ResolveReport(c.UserContext(), currentUser(c), id, models.ResolveInput{TakeDown: &takeDown}, a.now()); err != nil {
		return err
	}
	a.indexer.Notify(c.UserContext())
	return c.Redirect("/console", http.StatusSeeOther)
}
