package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"portal/models"
)

var appStatusNames = map[string]string{
	models.AppSubmitted: "已投递", models.AppViewed: "已查看", models.AppInterview: "邀请面试", models.AppOffered: "已发录用",
	models.AppHired: "已入职", models.AppRejected: "未通过", models.AppWithdrawn: "已撤回",
}

var appActionNames = map[string]string{
	models.AppViewed: "标为已查看", models.AppInterview: "邀请面试", models.AppOffered: "发录用", models.AppHired: "确认入职", models.AppRejected: "不合适",
}

var levelNames = map[string]string{"provincial": "省直部门举办", "municipal": "市级举办", "other": "其他单位举办"}

func init() {
	pageFuncs["appStatus"] = func(s string) string { return appStatusNames[s] }
	pageFuncs["appAction"] = func(s string) string { return appActionNames[s] }
	pageFuncs["nextMoves"] = models.NextMoves
	pageFuncs["canWithdraw"] = func(s string) bool {
		return s != models.AppHired && s != models.AppRejected && s != models.AppWithdrawn
	}
	pageFuncs["fmtTime"] = func(t time.Time) string { return t.In(models.China).Format("2006-01-02 15:04") }
	pageFuncs["join"] = func(s []string) string { return strings.Join(s, ",") }
	pageFuncs["hasID"] = func(ids []int64, id int64) bool {
		for _, x := range ids {
			if x == id {
				return true
			}
		}
		return false
	}
	pageFuncs["levelName"] = func(l string) string { return levelNames[l] }
}

// seekerConsole loads the seeker's own console: profile, applications, recommendations,
// saved searches and notifications.
func (a *App) seekerConsole(c *fiber.Ctx, data fiber.Map) error {
	ctx, u := c.UserContext(), currentUser(c)
	towns, err := a.store.Towns(ctx)
	if err != nil {
		return err
	}
	data["Towns"], data["Educations"] = towns, models.Educations
	if _, ok := data["Profile"]; !ok {
		p, err := a.store.Profile(ctx, u, u.ID)
		switch {
		case err == nil:
			data["Profile"] = p
			if recs, err := a.recommend(c); err == nil {
				data["Recommendations"] = recs
			} else {
				data["RecProblem"] = "推荐暂时不可用,请稍后再试。"
			}
		case models.ErrorCode(err) == models.ErrNotFound:
			data["Profile"] = models.SeekerProfile{Education: "不限"}
			data["RecProblem"] = "填写求职资料后,这里会推荐适合你的岗位。"
		default:
			return err
		}
	}
	if data["Applications"], err = a.store.MyApplications(ctx, u); err != nil {
		return err
	}
	ss, err := a.store.SavedSearches(ctx, u)
	if err != nil {
		return err
	}
	views := make([]savedView, len(ss))
	for i, s := range ss {
		views[i] = savedSearchView(s)
	}
	data["Saved"] = views
	ns, err := a.store.Notifications(ctx, u)
	if err != nil {
		return err
	}
	data["Notifications"], data["Unread"] = ns, models.Unread(ns)
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\uFF0C' || r == '、' || r == ';' }) {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (a *App) profileSubmit(c *fiber.Ctx) error {
	in := models.ProfileInput{DesiredOccupations: splitList(c.FormValue("desired_occupations")), Skills: splitList(c.FormValue("skills")),
		Education: c.FormValue("education"), Resume: strings.TrimSpace(c.FormValue("resume"))}
	in.ExpectedSalary, _ = strconv.Atoi(strings.TrimSpace(c.FormValue("expected_salary")))
	for _, v := range c.Context().PostArgs().PeekMulti("desired_town_ids") {
		if id, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			in.DesiredTownIDs = append(in.DesiredTownIDs, id)
		}
	}
	if _, err := a.store.SaveProfile(c.UserContext(), currentUser(c), in); err != nil {
		data := fiber.Map{"Title": "求职者工作台", "Profile": models.SeekerProfile{DesiredOccupations: in.DesiredOccupations,
			DesiredTownIDs: in.DesiredTownIDs, ExpectedSalary: in.ExpectedSalary, Education: in.Education, Skills: in.Skills, Resume: in.Resume}}
		if derr := a.seekerConsole(c, data); derr != nil {
			return derr
		}
		return a.formProblem(c, "console", data, err)
	}
	return c.Redirect("/console", http.StatusSeeOther)
}

func (a *App) applySubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if _, err := a.store.Apply(c.UserContext(), currentUser(c), id, a.now()); err != nil && models.ErrorCode(err) != models.ErrConflict {
		return err
	}
	return c.Redirect("/jobs/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (a *App) withdrawSubmit(c *fiber.Ctx) error {
	return a.moveSubmit(c, models.AppWithdrawn, "/console")
}

func (a *App) moveApplicationSubmit(c *fiber.Ctx) error {
	return a.moveSubmit(c, c.FormValue("status"), "")
}

func (a *App) moveSubmit(c *fiber.Ctx, status, back string) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	app, err := a.store.MoveApplication(c.UserContext(), currentUser(c), id, status, a.now())
	if err != nil {
		return err
	}
	if back == "" {
		back = "/console/jobs/" + strconv.FormatInt(app.JobID, 10) + "/applicants"
	}
	return c.Redirect(back, http.StatusSeeOther)
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
	return a.render(c, "applicants", fiber.Map{"Title": "应聘者", "Job": j, "Applications": apps, "Stats": stats})
}

func (a *App) saveSearchSubmit(c *fiber.Ctx) error {
	if _, err := a.saveSearchQuery(c, models.SavedSearchInput{Query: c.FormValue("query")}); err != nil {
		return err
	}
	return c.Redirect("/console#saved-h", http.StatusSeeOther)
}

func (a *App) deleteSavedSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := a.store.DeleteSavedSearch(c.UserContext(), currentUser(c), id); err != nil {
		return err
	}
	return c.Redirect("/console", http.StatusSeeOther)
}

func (a *App) readSubmit(c *fiber.Ctx) error {
	if err := a.store.MarkNotificationsRead(c.UserContext(), currentUser(c), nil, a.now()); err != nil {
		return err
	}
	return c.Redirect("/console", http.StatusSeeOther)
}

func (a *App) fairsPage(c *fiber.Ctx) error {
	return a.renderFairs(c, http.StatusOK, fiber.Map{})
}

func (a *App) renderFairs(c *fiber.Ctx, status int, data fiber.Map) error {
	fs, err := a.store.Fairs(c.UserContext())
	if err != nil {
		return err
	}
	data["Title"], data["Fairs"] = "现场招聘会", fs
	return a.renderStatus(c, status, "fairs", data)
}

func (a *App) bookSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	b, err := a.store.BookBooth(c.UserContext(), currentUser(c), id, a.now())
	if err != nil {
		p := problemOf(err)
		if p.Status >= 500 {
			return err
		}
		return a.renderFairs(c, p.Status, fiber.Map{"Problem": p.Detail})
	}
	return a.renderFairs(c, http.StatusOK, fiber.Map{"Booked": b})
}

func (a *App) createFairSubmit(c *fiber.Ctx) error {
	fee, ferr := strconv.Atoi(strings.TrimSpace(c.FormValue("standard_booth_fee_yuan")))
	var capacity *int // an empty field means no limit
	if n, err := strconv.Atoi(strings.TrimSpace(c.FormValue("booth_capacity"))); err == nil {
		capacity = &n
	}
	in := models.FairInput{Name: strings.TrimSpace(c.FormValue("name")), OrganizerLevel: c.FormValue("organizer_level"),
		HeldOn: c.FormValue("held_on"), Venue: strings.TrimSpace(c.FormValue("venue")), BoothCapacity: capacity}
	if ferr == nil {
		in.StandardBoothFeeYuan = &fee
	}
	if _, err := a.store.CreateFair(c.UserContext(), currentUser(c), in); err != nil {
		return err
	}
	return c.Redirect("/fairs", http.StatusSeeOther)
}
