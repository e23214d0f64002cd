package models

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDemoAlertIsForAPostingItsSavedSearchFinds(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, err := s.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		seeker, _ := s.userByPhone(ctx, "13900000010")
		saved, err := s.SavedSearches(ctx, seeker)
		if err != nil || len(saved) != 1 || saved[0].Name != "定襄的焊工岗位" {
			t.Fatalf("the demo seeker's saved searches: %+v %v", saved, err)
		}
		ns, err := s.Notifications(ctx, seeker)
		if err != nil || len(ns) != 1 || ns[0].SavedSearchID != saved[0].ID {
			t.Fatalf("one alert from the saved search: %+v %v", ns, err)
		}
		j, err := s.Job(ctx, ns[0].JobID)
		if err != nil {
			t.Fatal(err)
		}
		q, _ := url.ParseQuery(saved[0].Query)
		if town := strconv.FormatInt(j.TownID, 10); town != q.Get("town_id") {
			t.Errorf("the alert's posting is in town %s, the search asks for %s", town, q.Get("town_id"))
		}
		if !strings.Contains(j.Occupation, q.Get("q")) || !strings.Contains(j.Title, q.Get("q")) {
			t.Errorf("the alert's posting %s (%s) is not a %s posting", j.Title, j.Occupation, q.Get("q"))
		}
		if !j.Searchable(Today(time.Now())) || ns[0].Title != j.Title {
			t.Errorf("the alert names %q for an open posting; the posting is %q, open %v", ns[0].Title, j.Title, j.Searchable(Today(time.Now())))
		}
	})
}
