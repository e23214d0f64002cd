package search

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/meilisearch/meilisearch-go"
)

func job(id int64, title string) JobDoc {
	return JobDoc{ID: id, Title: title, TownID: 1, Education: "不限", EmploymentType: "full_time",
		SalaryMin: 3000, SalaryMax: 5000, PostedAt: 1000 + id, ExpiresOn: 20261231}
}

// yieldAll is a ReindexJobs callback that yields each batch in turn.
func yieldAll(batches ...[]JobDoc) func(func([]JobDoc) error) error {
	return func(yield func([]JobDoc) error) error {
		for _, b := range batches {
			if err := yield(b); err != nil {
				return err
			}
		}
		return nil
	}
}

func TestReindexJobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := indexedClient(t, []JobDoc{job(1, "旧岗位 A")})
	live := []string{c.IndexUID(JobsIndex), c.IndexUID(ProgramsIndex)}

	t.Run("the rebuilt index replaces the live one", func(t *testing.T) {
		n, err := c.ReindexJobs(ctx, yieldAll([]JobDoc{job(2, "招聘电焊工 B")}, nil, []JobDoc{job(3, "老陈醋酿造工 C")}))
		if err != nil || n != 2 {
			t.Fatalf("ReindexJobs = %d, %v; want 2", n, err)
		}
		if got := sortedIDs(search(t, c, JobQuery{})); !slices.Equal(got, []int64{2, 3}) {
			t.Fatalf("hits %v, want [2 3] and not the old 1", got)
		}
		if got := indexesOf(t, c); !slices.Equal(got, live) {
			t.Fatalf("indexes %v, want only %v", got, live)
		}
	})
	t.Run("the rebuilt index has the settings", func(t *testing.T) {
		if got := ids(search(t, c, JobQuery{Q: "焊工"})); !slices.Equal(got, []int64{2}) {
			t.Errorf("q=焊工 (synonym of 电焊工): %v", got)
		}
		if got := ids(search(t, c, JobQuery{Q: "陈醋"})); !slices.Equal(got, []int64{3}) {
			t.Errorf("q=陈醋: %v", got)
		}
		if got := ids(search(t, c, JobQuery{Sort: "newest"})); !slices.Equal(got, []int64{3, 2}) {
			t.Errorf("newest: %v", got)
		}
	})
	t.Run("a failing callback leaves the live index untouched", func(t *testing.T) {
		boom := errors.New("database went away")
		_, err := c.ReindexJobs(ctx, func(yield func([]JobDoc) error) error {
			if err := yield([]JobDoc{job(4, "D")}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err %v, want the callback's", err)
		}
		if got := sortedIDs(search(t, c, JobQuery{})); !slices.Equal(got, []int64{2, 3}) {
			t.Fatalf("hits %v after a failed reindex", got)
		}
		if got := indexesOf(t, c); !slices.Equal(got, live) {
			t.Fatalf("indexes %v, the build index was left behind", got)
		}
	})
}

func TestReindexJobsOnAnEmptyServer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newTestClient(t)
	n, err := c.ReindexJobs(ctx, yieldAll([]JobDoc{job(1, "招聘电焊工")}))
	if err != nil || n != 1 {
		t.Fatalf("ReindexJobs = %d, %v", n, err)
	}
	t.Run("the build index becomes the live one", func(t *testing.T) {
		if got := indexesOf(t, c); !slices.Equal(got, []string{c.IndexUID(JobsIndex)}) {
			t.Fatalf("indexes %v", got)
		}
	})
	t.Run("with its settings", func(t *testing.T) {
		if got := ids(search(t, c, JobQuery{Q: "焊工"})); !slices.Equal(got, []int64{1}) {
			t.Fatalf("q=焊工: %v", got)
		}
	})
}

func TestUpsertAndDeleteJobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := indexedClient(t, []JobDoc{job(1, "焊工"), job(2, "车工")})

	t.Run("an added posting is found, a deleted one is gone", func(t *testing.T) {
		if err := c.UpsertJobs(ctx, []JobDoc{job(3, "钳工")}); err != nil {
			t.Fatal(err)
		}
		if got := ids(search(t, c, JobQuery{Q: "钳工"})); !slices.Equal(got, []int64{3}) {
			t.Fatalf("q=钳工: %v", got)
		}
		if err := c.DeleteJobs(ctx, []int64{3}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("an upsert replaces the posting", func(t *testing.T) {
		if err := c.UpsertJobs(ctx, []JobDoc{job(2, "数控车工")}); err != nil {
			t.Fatal(err)
		}
		res := search(t, c, JobQuery{Q: "数控车工"})
		if len(res.Hits) != 1 || res.Hits[0].Title != "数控车工" {
			t.Fatalf("hits %+v", res.Hits)
		}
	})
	t.Run("a deleted posting is no longer found", func(t *testing.T) {
		if err := c.DeleteJobs(ctx, []int64{1}); err != nil {
			t.Fatal(err)
		}
		if got := sortedIDs(search(t, c, JobQuery{})); !slices.Equal(got, []int64{2}) {
			t.Fatalf("hits %v", got)
		}
	})
	t.Run("a task that fails after its 202 is an error", func(t *testing.T) {
		other := newTestClient(t)
		admin, _, err := other.clients(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// An index keyed on another attribute refuses the batch only when it processes it.
		info, err := admin.CreateIndex(ctx, &meilisearch.IndexConfig{Uid: other.IndexUID(JobsIndex), PrimaryKey: "uid"})
		if err := other.waitTask(ctx, admin, info, err); err != nil {
			t.Fatal(err)
		}
		err = other.UpsertJobs(ctx, []JobDoc{job(1, "焊工")})
		if err == nil || !strings.Contains(err.Error(), "primary key") {
			t.Fatalf("UpsertJobs into a mis-keyed index = %v, want the failed task's error", err)
		}
	})
	t.Run("empty batches are no-ops", func(t *testing.T) {
		if err := c.UpsertJobs(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if err := c.DeleteJobs(ctx, nil); err != nil {
			t.Fatal(err)
		}
	})
}
