package handlers

import (
	"encoding/xml"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"portal/models"
	"portal/search"
)

func (a *App) putProfile(c *fiber.Ctx) error {
	var in models.ProfileInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := a.store.SaveProfile(c.UserContext(), currentUser(c), in)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (a *App) getProfile(c *fiber.Ctx) error {
	u := currentUser(c)
	p, err := a.store.Profile(c.UserContext(), u, u.ID)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (a *App) myApplications(c *fiber.Ctx) error {
	as, err := a.store.MyApplications(c.UserContext(), currentUser(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"applications": as})
}

func (a *App) recommendations(c *fiber.Ctx) error {
	recs, err := a.recommend(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"recommendations": recs})
}

// recommend ranks postings for the caller's profile.
func (a *App) recommend(c *fiber.Ctx) ([]search.Recommendation, error) {
	u := currentUser(c)
	p, err := a.store.Profile(c.UserContext(), u, u.ID)
	if err != nil {
		if models.ErrorCode(err) == models.ErrNotFound {
			return nil, models.RuleError("profile_missing", "fill in your profile (PUT /me/profile) to get recommendations")
		}
		return nil, err
	}
	byID, err := a.townsByID(c.UserContext())
	if err != nil {
		return nil, err
	}
	recs, err := a.search.Recommend(c.UserContext(), p, byID, a.now(), 20)
	if err != nil {
		return nil, searchUnavailable(a, c, err)
	}
	return recs, nil
}

// searchUnavailable turns a failing Meilisearch into a 503 problem (bad queries stay 400).
func searchUnavailable(a *App, c *fiber.Ctx, err error) error {
	if models.ErrorCode(err) == models.ErrMalformed {
		return err
	}
	a.log.Warn("search unavailable", "err", err, "request_id", requestID(c))
	return models.Errorf(models.ErrUnavailable, "search is unavailable for a moment; postings are kept and will be found again shortly")
}

func (a *App) saveSearch(c *fiber.Ctx) error {
	var in models.SavedSearchInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ss, err := a.saveSearchQuery(c, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(savedSearchView(ss))
}

// saveSearchQuery checks the query like a search would, then keeps its canonical form.
func (a *App) saveSearchQuery(c *fiber.Ctx, in models.SavedSearchInput) (models.SavedSearch, error) {
	v, err := url.ParseQuery(strings.TrimPrefix(in.Query, "?"))
	if err != nil {
		return models.SavedSearch{}, &models.Error{Code: models.ErrInvalid, Message: "query is not a query string", Fields: map[string]string{"query": "must be a query string like q=焊工&town_id=3"}}
	}
	// The query's own values are text too (a search refuses ?q=%00; so does its saved form).
	for k, vs := range v {
		for _, s := range append(vs, k) {
			if !cleanText([]byte(s)) {
				return models.SavedSearch{}, textRefused(map[string]string{"query": textProblem})
			}
		}
	}
	_, canonical, err := search.ParseJobQuery(v, a.townList(c.UserContext()), search.Day(a.now()))
	if err != nil {
		return models.SavedSearch{}, err
	}
	return a.store.SaveSearch(c.UserContext(), currentUser(c), in, canonical, a.now())
}

type savedView struct {
	models.SavedSearch
	FeedURL   string `json:"feed_url"`
	SearchURL string `json:"search_url"`
}

func savedSearchView(ss models.SavedSearch) savedView {
	return savedView{SavedSearch: ss, FeedURL: "/feeds/saved/" + ss.FeedToken + ".atom", SearchURL: "/jobs?" + ss.Query}
}

func (a *App) listSavedSearches(c *fiber.Ctx) error {
	ss, err := a.store.SavedSearches(c.UserContext(), currentUser(c))
	if err != nil {
		return err
	}
	views := make([]savedView, len(ss))
	for i, s := range ss {
		views[i] = savedSearchView(s)
	}
	return c.JSON(fiber.Map{"saved_searches": views})
}

func (a *App) deleteSavedSearch(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := a.store.DeleteSavedSearch(c.UserContext(), currentUser(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *App) notifications(c *fiber.Ctx) error {
	ns, err := a.store.Notifications(c.UserContext(), currentUser(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"notifications": ns, "unread": models.Unread(ns)})
}

func (a *App) markRead(c *fiber.Ctx) error {
	var in struct {
		IDs []int64 `json:"ids"`
	}
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	if err := a.store.MarkNotificationsRead(c.UserContext(), currentUser(c), in.IDs, a.now()); err != nil {
		return err
	}
	return a.notifications(c)
}

// atomFeed is the private feed of a saved search (RFC 4287).
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Link    atomLink    `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
}

type atomEntry struct {
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Link    atomLink `xml:"link"`
	Summary string   `xml:"summary"`
}

func (a *App) savedFeed(c *fiber.Ctx) error {
	token := strings.TrimSuffix(c.Params("token"), ".atom")
	ss, err := a.store.SavedSearchByToken(c.UserContext(), token)
	if err != nil {
		return err
	}
	jobs, err := search.NewAlerter(a.store, a.search, a.log, a.now).Matches(c.UserContext(), ss, 0, a.now(), 30)
	if err != nil {
		return searchUnavailable(a, c, err)
	}
	base := a.siteURL(c)
	feed := atomFeed{ID: base + "/feeds/saved/" + strconv.FormatInt(ss.ID, 10), Title: "专业镇人才服务平台 · " + ss.Name,
		Updated: a.now().UTC().Format(time.RFC3339), Link: atomLink{Href: base + "/jobs?" + ss.Query, Rel: "alternate"}}
	for _, j := range jobs {
		feed.Entries = append(feed.Entries, atomEntry{ID: base + "/jobs/" + strconv.FormatInt(j.ID, 10), Title: j.Title,
			Updated: j.UpdatedAt.UTC().Format(time.RFC3339), Link: atomLink{Href: base + "/jobs/" + strconv.FormatInt(j.ID, 10)},
			Summary: strconv.Itoa(j.SalaryMin) + "–" + strconv.Itoa(j.SalaryMax) + " 元/月 · " + j.Enterprise.Name})
	}
	out, err := xml.MarshalIndent(feed, "", "  ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/atom+xml; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "private, max-age=60")
	return c.Send(append([]byte(xml.Header), out...))
}
