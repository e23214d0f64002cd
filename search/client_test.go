package search

import (
	"context"
	"os"
	"testing"

	"github.com/meilisearch/meilisearch-go"

	"portal/internal/testsvc"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testsvc.StopAll()
	os.Exit(code)
}

func TestClientBootstrapsTheIndex(t *testing.T) {
	url, key := testsvc.Meili(t)
	ctx := context.Background()
	c := New(url, key, testsvc.UniqueName(t, "s")+"_")
	if err := c.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	t.Run("the index is created once; running again changes nothing", func(t *testing.T) {
		for range 2 {
			if err := c.EnsureIndexes(ctx); err != nil {
				t.Fatal(err)
			}
		}
		admin, _, err := c.clients(ctx)
		if err != nil {
			t.Fatal(err)
		}
		idx, err := admin.GetIndex(ctx, c.IndexUID(JobsIndex))
		if err != nil || idx.PrimaryKey != "id" {
			t.Fatalf("index %+v %v", idx, err)
		}
	})
	t.Run("writes and searches use API keys, never the master key", func(t *testing.T) {
		_, search, err := c.clients(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := search.Index(c.IndexUID(JobsIndex)).Search(ctx, "", &meilisearch.SearchRequest{}); err != nil {
			t.Fatalf("the search key cannot search: %v", err)
		}
		if _, err := search.CreateIndex(ctx, &meilisearch.IndexConfig{Uid: c.IndexUID("forbidden")}); err == nil {
			t.Fatal("the search key could create an index")
		}
	})
	t.Run("a wrong master key is reported, not hidden", func(t *testing.T) {
		bad := New(url, "wrong-master-key-0000000000000000", "x_")
		if err := bad.EnsureIndexes(ctx); err == nil {
			t.Fatal("a wrong master key was accepted")
		}
	})
	t.Run("a server that is down is not ready", func(t *testing.T) {
		if err := New("http://127.0.0.1:1", "", "").Ready(ctx); err == nil {
			t.Fatal("ready with nothing listening")
		}
	})
}
