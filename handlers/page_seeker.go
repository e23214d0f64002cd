package handlers

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"portal/models"
	"portal/search"
)

// seekerConsoleView is the job seeker's console: alerts, applications, training,
// recommendations, saved searches and the profile.
type seekerConsoleView struct {
	Page
	Profile         profileForm
	DesiredTownIDs  []int64
	Towns           []models.Town
	Educations      []string
	Applications    []models.Application
	Trainings       []training
	Recommendations []search.Recommendation
	RecProblem      string
	Saved           []savedView
	Notifications   []alertView
	Unread          int
	Identity        *models.Identity // the real-name identity, nil until stated
	IdentityForm    identityForm
}

// alertView is a new-posting alert with the saved search it came from.
type alertView struct {
	models.Notification
	Search *savedView // nil only if the search went between the two reads
}

// training is one of the seeker's enrolments with its program, for 我的培训.
type training struct {
	Enrolment  models.SeekerEnrolment
	Program    models.Program
	Ended      bool
	CanCheckIn bool // the program is approved and runs today: the class code is accepted
}

// loadSeekerConsole fills everything but the profile form.
func (a *App) loadSeekerConsole(c *fiber.Ctx, v *seekerConsoleView) error {
	ctx, u := c.UserContext(), currentUser(c)
	v.Title, v.Educations = "求职者工作台", models.Educations
	var err error
	if v.Towns, err = a.store.Towns(ctx); err != nil {
		return err
	}
	if v.Applications, err = a.store.MyApplications(ctx, u); err != nil {
		return err
	}
	ens, err := a.store.SeekerEnrolments(ctx, u, a.now())
	if err != nil {
		return err
	}
	for _, e := range ens {
		p, err := a.store.Program(ctx, e.ProgramID)
		if err != nil {
			return err
		}
		today := a.today()
		v.Trainings = append(v.Trainings, training{Enrolment: e, Program: p, Ended: p.EndOn < today, CanCheckIn: e.CheckinOpen})
	}
	ss, err := a.store.SavedSearches(ctx, u)
	if err != nil {
		return err
	}
	for _, s := range ss {
		v.Saved = append(v.Saved, savedSearchView(s))
	}
	ns, err := a.store.Notifications(ctx, u)
	if err != nil {
		return err
	}
	for _, n := range ns {
		al := alertView{Notification: n}
		for i := range v.Saved {
			if v.Saved[i].ID == n.SavedSearchID {
				al.Search = &v.Saved[i]
			}
		}
		v.Notifications = append(v.Notifications, al)
	}
	v.Unread = models.Unread(ns)
	switch idn, err := a.store.IdentityOf(ctx, u.ID); {
	case err == nil:
		v.Identity = &idn
	case models.ErrorCode(err) != models.ErrNotFound:
		return err
	}
	return nil
}

func (a *App) seekerConsolePage(c *fiber.Ctx) error {
	v := &seekerConsoleView{}
	if err := a.loadSeekerConsole(c, v); err != nil {
		return err
	}
	if err := a.fillSeekerProfile(c, v); err != nil {
		return err
	}
	return a.render(c, "console_seeker", v)
}

// fillSeekerProfile fills the profile form from the saved profile, and the recommendations.
func (a *App) fillSeekerProfile(c *fiber.Ctx, v *seekerConsoleView) error {
	u := currentUser(c)
	p, err := a.store.Profile(c.UserContext(), u, u.ID)
	switch {
	case err == nil:
		v.Profile = profileForm{DesiredOccupations: joinList(p.DesiredOccupations), ExpectedSalary: numberText(p.ExpectedSalary),
			Education: p.Education, Skills: joinList(p.Skills), Resume: p.Resume}
		v.DesiredTownIDs = p.DesiredTownIDs
		if recs, err := a.recommend(c); err == nil {
			v.Recommendations = recs
		} else {
			v.RecProblem = "推荐暂时不可用,请稍后再试。"
		}
	case models.ErrorCode(err) == models.ErrNotFound:
		v.Profile = profileForm{Education: "不限"}
		v.RecProblem = "填写下面的求职资料后,这里会推荐适合你的岗位。"
	default:
		return err
	}
	return nil
}

func (a *App) profileSubmit(c *fiber.Ctx) error {
	f, err := readForm[profileForm](c)
	if err != nil {
		return err
	}
	in, bad := f.input()
	err = bad.refusal()
	if err == nil {
		_, err = a.store.SaveProfile(c.UserContext(), currentUser(c), in)
	} else {
		err = mergeRefusals(models.Validate(in), err)
	}
	if err != nil {
		v := &seekerConsoleView{Profile: f, DesiredTownIDs: in.DesiredTownIDs}
		if lerr := a.loadSeekerConsole(c, v); lerr != nil {
			return lerr
		}
		return a.formProblem(c, "console_seeker", v, err)
	}
	return a.done(c, "/console#profile-h", "profile_saved")
}

func (a *App) applySubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if _, err := a.store.Apply(c.UserContext(), currentUser(c), id, a.now()); err != nil && models.ErrorCode(err) != models.ErrConflict {
		return a.refused(c, "/jobs/"+itoa64(id), err)
	}
	return a.done(c, "/jobs/"+itoa64(id), "applied")
}

func (a *App) withdrawSubmit(c *fiber.Ctx) error {
	return a.moveSubmit(c, models.AppWithdrawn, "/console#apps-h", "withdrawn")
}

// moveForm is an enterprise's step on an application; JobID names the applicants page the
// step was taken on, to return to it with a refusal.
type moveForm struct {
	Status string `form:"status"`
	JobID  string `form:"job_id"`
}

func (a *App) moveApplicationSubmit(c *fiber.Ctx) error {
	f, err := readForm[moveForm](c)
	if err != nil {
		return err
	}
	back := "/console"
	if jobID, perr := strconv.ParseInt(f.JobID, 10, 64); perr == nil && jobID > 0 {
		back = "/console/jobs/" + itoa64(jobID) + "/applicants"
	}
	return a.moveSubmit(c, f.Status, back, "application_moved")
}

// moveSubmit moves an application and returns to back: the posting's applicants page after
// an enterprise's step (known once moved), or the page it was taken on after a refusal.
func (a *App) moveSubmit(c *fiber.Ctx, status, back, flash string) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	app, err := a.store.MoveApplication(c.UserContext(), currentUser(c), id, status, a.now())
	if err != nil {
		return a.refused(c, back, err)
	}
	if status != models.AppWithdrawn {
		back = "/console/jobs/" + itoa64(app.JobID) + "/applicants"
	}
	return a.done(c, back, flash)
}

// applicantsView is an enterprise's list of the applicants of one posting.
type applicantsView struct {
	Page
	Job          models.Job
	Applications []models.Application
	Stats        models.JobStats
}

func (a *App) applicantsPage(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ctx, u := c.UserContext(), currentUser(c)
	apps, err := a.store.JobApplications(ctx, u, id)
	if err != nil {
		return err
	}
	stats, err := a.store.Stats(ctx, u, id)
	if err != nil {
		return err
	}
	j, err := a.store.Job(ctx, id)
	if err != nil {
		return err
	}
	return a.render(c, "applicants", &applicantsView{Page: Page{Title: "应聘者"}, Job: j, Applications: apps, Stats: stats})
}

// savedSearchForm is the seeker's 订阅该搜索 button on the results page: the query it shows.
type savedSearchForm struct {
	Query string `form:"query"`
}

func (a *App) saveSearchSubmit(c *fiber.Ctx) error {
	f, err := readForm[savedSearchForm](c)
	if err != nil {
		return err
	}
	if _, err := a.saveSearchQuery(c, models.SavedSearchInput{Query: f.Query}); err != nil {
		back := "/console#saved-h"
		if q, perr := url.ParseQuery(strings.TrimPrefix(f.Query, "?")); perr == nil {
			back = "/jobs?" + q.Encode() // re-encoded: it stays a query of /jobs
		}
		return a.refused(c, back, err)
	}
	return a.done(c, "/console#saved-h", "search_saved")
}

func (a *App) deleteSavedSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := a.store.DeleteSavedSearch(c.UserContext(), currentUser(c), id); err != nil {
		return err
	}
	return a.done(c, "/console#saved-h", "search_deleted")
}

func (a *App) readSubmit(c *fiber.Ctx) error {
	if err := a.store.MarkNotificationsRead(c.UserContext(), currentUser(c), nil, a.now()); err != nil {
		return err
	}
	return a.done(c, "/console", "read")
}

func joinList(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

func numberText(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
