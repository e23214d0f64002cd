package search

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"portal/models"
)

// TestTheDemoAlertIsOneTheAlerterWouldSend runs the demo seeker's saved search through the
// alerter's own matching: the posting of its seeded alert is among what the search finds.
func TestTheDemoAlertIsOneTheAlerterWouldSend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := models.Open(ctx, "sqlite://"+t.TempDir()+"/portal.db", []byte("search-test-secret-0123456789abcdef"), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SeedReference(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	c := newTestClient(t)
	if err := c.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	jobs, err := store.Jobs(ctx, models.JobFilter{})
	if err != nil {
		t.Fatal(err)
	}
	docs := make([]JobDoc, len(jobs))
	for i, j := range jobs {
		docs[i] = DocumentOf(j)
	}
	if err := c.UpsertJobs(ctx, docs); err != nil {
		t.Fatal(err)
	}

	var seeker models.User
	if err := store.DB(ctx).Where("phone = ?", "13900000010").First(&seeker).Error; err != nil {
		t.Fatal(err)
	}
	saved, err := store.SavedSearches(ctx, seeker)
	if err != nil || len(saved) != 1 {
		t.Fatalf("saved searches %+v %v", saved, err)
	}
	ns, err := store.Notifications(ctx, seeker)
	if err != nil || len(ns) != 1 {
		t.Fatalf("notifications %+v %v", ns, err)
	}
	found, err := NewAlerter(store, c, log, time.Now).Matches(ctx, saved[0], 0, time.Now(), 50)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, j := range found {
		titles = append(titles, j.Title)
	}
	if !slices.ContainsFunc(found, func(j models.Job) bool { return j.ID == ns[0].JobID }) {
		t.Fatalf("the alert is for %q; the saved search %q (%s) finds %v", ns[0].Title, saved[0].Name, saved[0].Query, titles)
	}
}
