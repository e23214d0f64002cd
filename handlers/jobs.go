package handlers

import (
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"portal/models"
	"portal/search"
)

func (a *App) createJob(c *fiber.Ctx) error {
	var in models.JobInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	j, err := a.store.CreateJob(c.UserContext(), currentUser(c), in, a.now())
	if err != nil {
		return err
	}
	a.indexer.Notify(c.UserContext())
	return c.Status(fiber.StatusCreated).JSON(j)
}

// ownJob loads the posting the route's :id names and checks that the caller owns it, once
// for the API and the pages.
func (a *App) ownJob(c *fiber.Ctx) (models.Job, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return models.Job{}, err
	}
	j, err := a.store.Job(c.UserContext(), id)
	if err != nil {
		return models.Job{}, err
	}
	return j, models.RequireOwner(currentUser(c), j)
}

// patchJob applies the fields sent over the posting's current values, then checks the
// whole posting again.
func (a *App) patchJob(c *fiber.Ctx) error {
	j, err := a.ownJob(c)
	if err != nil {
		return err
	}
	id := j.ID
	in := j.Input()
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	j, err = a.store.UpdateJob(c.UserContext(), currentUser(c), id, in, a.now())
	if err != nil {
		return err
	}
	a.indexer.Notify(c.UserContext())
	return c.JSON(j)
}

func (a *App) closeJob(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	j, err := a.store.CloseJob(c.UserContext(), currentUser(c), id, a.now())
	if err != nil {
		return err
	}
	a.indexer.Notify(c.UserContext())
	return c.JSON(j)
}

// jobView is a posting as the public sees it: with whether it is closed today.
type jobView struct {
	models.Job
	Closed bool `json:"closed"`
}

// visibleJob loads a posting the caller may see: a posting of an unverified enterprise is
// visible to its owner and reviewers only.
func (a *App) visibleJob(c *fiber.Ctx) (jobView, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return jobView{}, err
	}
	j, err := a.store.Job(c.UserContext(), id)
	if err != nil {
		return jobView{}, err
	}
	u := currentUser(c)
	if !j.Enterprise.Verified && u.Role != models.RoleReviewer && models.RequireOwner(u, j) != nil {
		return jobView{}, models.NotFound("job")
	}
	return jobView{Job: j, Closed: j.Closed(a.today())}, nil
}

func (a *App) getJob(c *fiber.Ctx) error {
	v, err := a.visibleJob(c)
	if err != nil {
		return err
	}
	a.countView(c, v.Job)
	return c.JSON(v)
}

// countView adds a view to the posting's statistics unless its own enterprise is looking.
func (a *App) countView(c *fiber.Ctx, j models.Job) {
	if models.RequireOwner(currentUser(c), j) == nil {
		return
	}
	if err := a.store.CountView(c.UserContext(), j.ID); err != nil {
		a.log.Warn("view not counted", "job_id", j.ID, "err", err)
	}
}

func (a *App) myJobs(c *fiber.Ctx) error {
	ent, err := a.store.EnterpriseOf(c.UserContext(), currentUser(c).ID)
	if err != nil {
		return err
	}
	jobs, err := a.store.Jobs(c.UserContext(), models.JobFilter{EnterpriseID: ent.ID})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"jobs": jobs})
}

func (a *App) searchJobs(c *fiber.Ctx) error {
	q, err := a.jobQuery(c)
	if err != nil {
		return err
	}
	res, err := a.runSearch(c, q)
	if err != nil {
		return err
	}
	return c.JSON(res)
}

// searchAnswer is the search result with town facets named.
type searchAnswer struct {
	search.JobResult
	Facets map[string][]facetValue `json:"facets"`
}

type facetValue struct {
	Value string `json:"value"`
	Label string `json:"label"`
	Count int64  `json:"count"`
}

func (a *App) runSearch(c *fiber.Ctx, q search.JobQuery) (searchAnswer, error) {
	res, err := a.search.SearchJobs(c.UserContext(), q)
	if err != nil {
		if models.ErrorCode(err) == models.ErrMalformed {
			return searchAnswer{}, err
		}
		a.log.Warn("search unavailable", "err", err, "request_id", requestID(c))
		return searchAnswer{}, models.Errorf(models.ErrUnavailable, "search is unavailable for a moment; postings are kept and will be found again shortly")
	}
	names, err := a.townNames(c)
	if err != nil {
		return searchAnswer{}, err
	}
	ans := searchAnswer{JobResult: res, Facets: map[string][]facetValue{}}
	for facet, counts := range res.Facets {
		vals := make([]facetValue, 0, len(counts))
		for v, n := range counts {
			label := v
			if facet == "town" {
				id, _ := strconv.ParseInt(v, 10, 64)
				label = names[id]
			} else if facet == "employment_type" {
				label = employmentTypeNames[v]
			}
			vals = append(vals, facetValue{Value: v, Label: label, Count: n})
		}
		sortFacet(vals)
		ans.Facets[facet] = vals
	}
	return ans, nil
}

var employmentTypeNames = map[string]string{"full_time": "全职", "part_time": "兼职", "internship": "实习", "seasonal": "季节工"}

func sortFacet(vals []facetValue) {
	for i := 1; i < len(vals); i++ {
		for k := i; k > 0 && (vals[k].Count > vals[k-1].Count || (vals[k].Count == vals[k-1].Count && vals[k].Value < vals[k-1].Value)); k-- {
			vals[k], vals[k-1] = vals[k-1], vals[k]
		}
	}
}

func (a *App) townNames(c *fiber.Ctx) (map[int64]string, error) {
	towns, err := a.townsByID(c.UserContext())
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(towns))
	for id, t := range towns {
		names[id] = t.Name
	}
	return names, nil
}

// jobQuery reads the search parameters of the request.
func (a *App) jobQuery(c *fiber.Ctx) (search.JobQuery, error) {
	v := url.Values{}
	for k, val := range c.Queries() {
		v.Set(k, val)
	}
	q, _, err := search.ParseJobQuery(v, a.townList(c.UserContext()), search.Day(a.now()))
	return q, err
}

func badParam(name, msg string) error {
	return &models.Error{Code: models.ErrMalformed, Message: name + " " + msg, Fields: map[string]string{name: msg}}
}

func (a *App) reportJob(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := a.limitByIP(c, "report", 20); err != nil {
		return err
	}
	var in models.ReportInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	r, err := a.store.ReportJob(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

func (a *App) listReports(c *fiber.Ctx) error {
	status := c.Query("status", "open")
	if status != "open" && status != "resolved" && status != "all" {
		return badParam("status", "must be open, resolved or all")
	}
	if status == "all" {
		status = ""
	}
	rs, err := a.store.Reports(c.UserContext(), status)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"reports": rs})
}

func (a *App) resolveReport(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in models.ResolveInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	r, err := a.store.ResolveReport(c.UserContext(), currentUser(c), id, in, a.now())
	if err != nil {
		return err
	}
	a.indexer.Notify(c.UserContext())
	return c.JSON(r)
}

// limitByIP allows perHour public submissions of a kind (reports, objections) per address.
func (a *App) limitByIP(c *fiber.Ctx, kind string, perHour int) error {
	if ok, retry, _ := a.limiter.Allow(c.UserContext(), kind+":ip:"+clientIP(c), perHour, time.Hour); !ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(retry.Seconds())+1))
		return models.Errorf(models.ErrRateLimited, "too many submissions from this address; try again later")
	}
	return nil
}
