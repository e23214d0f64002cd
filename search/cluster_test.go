package search

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"portal/internal/testsvc"
	"portal/models"
	"portal/personal"
)

// clusterStore is a fresh, migrated database with one verified enterprise, for the tests
// that run the outbox into several nodes.
func clusterStore(t *testing.T, url string) (*models.Store, models.User, int64) {
	t.Helper()
	ctx := context.Background()
	s, err := models.Open(ctx, url, []byte("search-test-secret-0123456789abcdef"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SeedReference(ctx); err != nil {
		t.Fatal(err)
	}
	l, err := s.Register(ctx, models.RegisterInput{Role: models.RoleEnterprise, Phone: "13500000901", Password: "password1", Name: "企业"})
	if err != nil {
		t.Fatal(err)
	}
	towns, _ := s.Towns(ctx)
	body8 := "MA0T0901"
	e, err := s.CreateEnterprise(ctx, l.User, models.EnterpriseInput{Name: "定襄法兰厂", TownID: &towns[0].ID, Industry: "法兰",
		USCC: personal.MakeUSCC("91140000" + body8 + string(personal.MakeOrgCodeCheck(body8)))})
	if err != nil {
		t.Fatal(err)
	}
	rev, err := s.CreateReviewer(ctx, "15900000901", "审核员", "reviewer-pass")
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := s.VerifyEnterprise(ctx, rev, e.ID, models.VerifyInput{LeadingIndustry: &yes}); err != nil {
		t.Fatal(err)
	}
	return s, l.User, towns[0].ID
}

func posting(title string, townID int64) models.JobInput {
	return models.JobInput{Title: title, Description: "负责法兰焊接,包吃住。", Occupation: "电焊工", TownID: townID, SalaryMin: 5000,
		SalaryMax: 8000, Headcount: 2, Education: "不限", EmploymentType: "full_time", ExpiresOn: models.Today(time.Now().AddDate(0, 0, 30))}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// titlesOn searches one node directly (nil on error).
func titlesOn(n interface {
	SearchJobs(context.Context, JobQuery) (JobResult, error)
}, q string) []string {
	res, err := n.SearchJobs(context.Background(), JobQuery{Q: q, Today: Day(time.Now())})
	if err != nil {
		return nil
	}
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.Title)
	}
	slices.Sort(out)
	return out
}

// TestEveryNodeGetsEveryChange runs the outbox into two real Meilisearch nodes and kills one
// (SIGKILL): changes keep reaching the other, searches move to it at once, and the killed
// node catches up by itself after its restart; a node added later is built from the database.
func TestEveryNodeGetsEveryChange(t *testing.T) {
	for _, db := range testsvc.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			store, owner, town := clusterStore(t, db.Resolve(t))
			key := "cluster-test-key-0123456789"
			a, b := testsvc.RestartableMeiliWithKey(t, key), testsvc.RestartableMeiliWithKey(t, key)
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			client := NewCluster([]string{a.URL(), b.URL()}, key, "")
			nodeA, _ := client.NodeByURL(a.URL())
			nodeB, _ := client.NodeByURL(b.URL())
			go client.Watch(ctx, store, log, 100*time.Millisecond)
			go NewIndexer(store, client, nil, log).WithPoll(100 * time.Millisecond).Run(ctx)
			want := func(titles ...string) func() []string { return func() []string { return titles } }
			same := func(got []string, w func() []string) bool { return slices.Equal(got, w()) }

			first, err := store.CreateJob(ctx, owner, posting("法兰焊工 一", town), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "both nodes have the first posting", func() bool {
				return same(titlesOn(nodeA, "法兰"), want("法兰焊工 一")) && same(titlesOn(nodeB, "法兰"), want("法兰焊工 一"))
			})

			a.Kill()
			t.Run("searches move off a killed node at once", func(t *testing.T) {
				for range 6 { // the router has not noticed yet: each search that meets node a moves on
					if got := titlesOn(client, "法兰"); !slices.Equal(got, []string{"法兰焊工 一"}) {
						t.Fatalf("search answered %v", got)
					}
				}
			})
			if _, err := store.CreateJob(ctx, owner, posting("法兰焊工 二", town), time.Now()); err != nil {
				t.Fatal(err)
			}
			if _, err := store.CloseJob(ctx, owner, first.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
			t.Run("the node that is up gets the changes made while the other is down", func(t *testing.T) {
				waitFor(t, "node b has the new posting and not the closed one", func() bool {
					return same(titlesOn(nodeB, "法兰"), want("法兰焊工 二"))
				})
				waitFor(t, "searches answer from node b", func() bool { return same(titlesOn(client, "法兰"), want("法兰焊工 二")) })
			})
			t.Run("the killed node catches up by itself after its restart", func(t *testing.T) {
				a.Start()
				waitFor(t, "node a caught up", func() bool { return same(titlesOn(nodeA, "法兰"), want("法兰焊工 二")) })
				st := client.Status(ctx, time.Now())
				waitFor(t, "every node shown caught up with no lag", func() bool {
					st = client.Status(ctx, time.Now())
					return st[0].Up && st[1].Up && st[0].Lag.Entries == 0 && st[1].Lag.Entries == 0
				})
			})
			t.Run("a new node is built from the database", func(t *testing.T) {
				c := testsvc.RestartableMeiliWithKey(t, key)
				grown := NewCluster([]string{a.URL(), b.URL(), c.URL()}, key, "")
				nodeC, _ := grown.NodeByURL(c.URL())
				ix := NewIndexer(store, grown, nil, log)
				if err := ix.WaitIdle(ctx); err != nil {
					t.Fatal(err)
				}
				if got := titlesOn(nodeC, "法兰"); !slices.Equal(got, []string{"法兰焊工 二"}) {
					t.Fatalf("new node has %v", got)
				}
			})
		})
	}
}

// importWaiting is a node built from the database, then an import of n postings titled
// 批量导入岗位 waiting in the bulk lane.
func importWaiting(t *testing.T, name string, n int) (*models.Store, models.User, int64, *Client, *Indexer, []models.JobInput) {
	t.Helper()
	ctx := context.Background()
	store, owner, town := clusterStore(t, testsvc.Databases(t)[0].URL)
	url, key := testsvc.Meili(t)
	client := New(url, key, testsvc.UniqueName(t, name)+"_")
	if err := client.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	ix := NewIndexer(store, client, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := ix.WaitIdle(ctx); err != nil { // builds the node: positions at the heads
		t.Fatal(err)
	}
	ent, err := store.EnterpriseOf(ctx, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]models.JobInput, n)
	for i := range rows {
		rows[i] = posting("批量导入岗位", town)
	}
	if _, err := store.ImportJobs(ctx, owner.ID, ent, rows, time.Now()); err != nil {
		t.Fatal(err)
	}
	return store, owner, town, client, ix, rows
}

// TestAPIChangesGoBeforeAnImport: with an import waiting in the bulk lane, the next round of
// a node applies the change made through the API first.
func TestAPIChangesGoBeforeAnImport(t *testing.T) {
	ctx := context.Background()
	store, owner, town, client, ix, rows := importWaiting(t, "lane", 3*bulkYielding)
	if _, err := store.CreateJob(ctx, owner, posting("急招法兰焊工", town), time.Now()); err != nil {
		t.Fatal(err)
	}
	n, err := ix.drainRound(ctx, client.Node)
	if err != nil || n != 1 {
		t.Fatalf("first round applied %d entries (%v), want the one API change", n, err)
	}
	if got := titlesOn(client, "急招"); !slices.Equal(got, []string{"急招法兰焊工"}) {
		t.Fatalf("the API change is not searchable after the first round: %v", got)
	}
	if err := ix.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := client.SearchJobs(ctx, JobQuery{Q: "批量导入岗位", Today: Day(time.Now())})
	if err != nil || res.Total != int64(len(rows)) {
		t.Fatalf("import: %d hits, %v", res.Total, err)
	}
}

// TestALargeBulkBatchGivesWayToAnAPIChange: a change made through the API while Meilisearch
// indexes a full-size bulk batch does not wait for it: the batch is cancelled, the change
// is applied next, and the import goes on from where it was, nothing lost.
func TestALargeBulkBatchGivesWayToAnAPIChange(t *testing.T) {
	ctx := context.Background()
	store, owner, town, client, ix, rows := importWaiting(t, "yield", 4*upsertChunk)
	before, _, _ := store.Cursors(ctx, client.Node.Name())

	type round struct {
		n   int
		err error
	}
	done := make(chan round, 1)
	go func() {
		n, err := ix.drainRound(ctx, client.Node)
		done <- round{n, err}
	}()
	admin, _, err := client.Node.clients(ctx)
	if err != nil {
		t.Fatal(err)
	}
	uid := client.Node.IndexUID(JobsIndex)
	waitFor(t, "Meilisearch is indexing the bulk batch", func() bool {
		page, err := admin.GetTasks(ctx, &meilisearch.TasksQuery{IndexUIDS: []string{uid},
			Statuses: []meilisearch.TaskStatus{meilisearch.TaskStatusProcessing}})
		return err == nil && len(page.Results) > 0
	})
	if _, err := store.CreateJob(ctx, owner, posting("急招法兰焊工", town), time.Now()); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || r.n != 1 {
		t.Fatalf("the bulk round applied %d entries (%v), want it to give way", r.n, r.err)
	}
	if after, _, _ := store.Cursors(ctx, client.Node.Name()); after[models.LaneBulk] != before[models.LaneBulk] {
		t.Fatalf("the bulk position moved from %d to %d though its batch was cancelled", before[models.LaneBulk], after[models.LaneBulk])
	}
	canceled, err := admin.GetTasks(ctx, &meilisearch.TasksQuery{IndexUIDS: []string{uid},
		Statuses: []meilisearch.TaskStatus{meilisearch.TaskStatusCanceled}})
	if err != nil || len(canceled.Results) == 0 {
		t.Fatalf("no cancelled task on the node (%v)", err)
	}
	if n, err := ix.drainRound(ctx, client.Node); err != nil || n != 1 {
		t.Fatalf("the next round applied %d entries (%v), want the API change", n, err)
	}
	if got := titlesOn(client, "急招"); !slices.Equal(got, []string{"急招法兰焊工"}) {
		t.Fatalf("the API change is not searchable after its round: %v", got)
	}
	if err := ix.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := client.SearchJobs(ctx, JobQuery{Q: "批量导入岗位", Today: Day(time.Now())})
	if err != nil || res.Total != int64(len(rows)) {
		t.Fatalf("import: %d of %d postings searchable, %v", res.Total, len(rows), err)
	}
}

// TestAnImportIsSentABatchAhead: while nobody changes postings through the API, a node is
// sent the next bulk batch before the current one is waited for (Meilisearch never idles
// between batches), the position counts only batches it has indexed, and an API change
// still goes first: the batch sent ahead is dropped and sent again later, nothing lost or
// doubled.
func TestAnImportIsSentABatchAhead(t *testing.T) {
	ctx := context.Background()
	const batch = 300
	store, owner, town, client, ix, rows := importWaiting(t, "ahead", 3*batch)
	ix.bulkBatch = batch
	before, _, _ := store.Cursors(ctx, client.Node.Name())
	first, err := store.OutboxAfter(ctx, models.LaneBulk, before[models.LaneBulk], batch)
	if err != nil || len(first) != batch {
		t.Fatalf("%d bulk entries (%v)", len(first), err)
	}

	n, err := ix.drainRound(ctx, client.Node)
	if err != nil || n != batch {
		t.Fatalf("first round applied %d entries (%v), want %d", n, err, batch)
	}
	after, _, _ := store.Cursors(ctx, client.Node.Name())
	if want := first[batch-1].ID; after[models.LaneBulk] != want {
		t.Fatalf("the bulk position is %d after the first round, want %d (the end of its batch)", after[models.LaneBulk], want)
	}
	if res, err := client.SearchJobs(ctx, JobQuery{Q: "批量导入岗位", Today: Day(time.Now())}); err != nil || res.Total < batch {
		t.Fatalf("after the first round %d postings are searchable (%v), want at least %d", res.Total, err, batch)
	}
	admin, _, err := client.Node.clients(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sent, err := admin.GetTasks(ctx, &meilisearch.TasksQuery{IndexUIDS: []string{client.Node.IndexUID(JobsIndex)},
		Types: []meilisearch.TaskType{meilisearch.TaskTypeDocumentAdditionOrUpdate}})
	if err != nil || len(sent.Results) < 2 {
		t.Fatalf("%d document tasks on the node after the first round (%v): the second batch was not sent ahead", len(sent.Results), err)
	}

	if _, err := store.CreateJob(ctx, owner, posting("急招法兰焊工", town), time.Now()); err != nil {
		t.Fatal(err)
	}
	if n, err := ix.drainRound(ctx, client.Node); err != nil || n != 1 {
		t.Fatalf("the round after the API change applied %d entries (%v), want the change", n, err)
	}
	if got := titlesOn(client, "急招"); !slices.Equal(got, []string{"急招法兰焊工"}) {
		t.Fatalf("the API change is not searchable after its round: %v", got)
	}
	if now, _, _ := store.Cursors(ctx, client.Node.Name()); now[models.LaneBulk] != after[models.LaneBulk] {
		t.Fatalf("the bulk position moved from %d to %d with the API change", after[models.LaneBulk], now[models.LaneBulk])
	}
	if err := ix.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := client.SearchJobs(ctx, JobQuery{Q: "批量导入岗位", Today: Day(time.Now())})
	if err != nil || res.Total != int64(len(rows)) {
		t.Fatalf("import: %d of %d postings searchable, %v", res.Total, len(rows), err)
	}
}

// TestAnEnterpriseChangeReachesEveryPosting: an enterprise with more postings than one page
// is renamed (its postings leave search until a reviewer verifies it again), then verified:
// every posting comes back under the new name, read a page at a time.
func TestAnEnterpriseChangeReachesEveryPosting(t *testing.T) {
	ctx := context.Background()
	store, owner, _, client, ix, rows := importWaiting(t, "rename", upsertChunk+100)
	if err := ix.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	ent, err := store.EnterpriseOf(ctx, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	in := models.EnterpriseInput{Name: "定襄法兰锻造集团", USCC: ent.USCC, TownID: ent.TownID, Industry: ent.Industry}
	if _, err := store.UpdateEnterprise(ctx, owner, ent.ID, in); err != nil {
		t.Fatal(err)
	}
	if err := ix.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	today := Day(time.Now())
	if res, err := client.SearchJobs(ctx, JobQuery{Q: "批量导入岗位", Today: today}); err != nil || res.Total != 0 {
		t.Fatalf("%d postings of the renamed, unverified enterprise are still searchable (%v)", res.Total, err)
	}
	rev, err := store.CreateReviewer(ctx, "15900000902", "复核员", "reviewer-pass")
	if err != nil {
		t.Fatal(err)
	}
	no := false
	if _, err := store.VerifyEnterprise(ctx, rev, ent.ID, models.VerifyInput{LeadingIndustry: &no}); err != nil {
		t.Fatal(err)
	}
	if err := ix.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := client.SearchJobs(ctx, JobQuery{Q: "定襄法兰锻造集团", Today: today})
	if err != nil || res.Total != int64(len(rows)) {
		t.Fatalf("%d of %d postings searchable under the new name (%v)", res.Total, len(rows), err)
	}
}

// TestAnImportWaitsForTheAPIToPause: right after a change made through the API, the bulk
// lane holds back (another change often follows, and must not wait behind a bulk batch);
// once the API has been quiet for liveGap the import goes on in small batches.
func TestAnImportWaitsForTheAPIToPause(t *testing.T) {
	ctx := context.Background()
	store, owner, town, client, ix, _ := importWaiting(t, "gap", 3*bulkYielding)
	if _, err := store.CreateJob(ctx, owner, posting("急招法兰焊工", town), time.Now()); err != nil {
		t.Fatal(err)
	}
	if n, err := ix.drainRound(ctx, client.Node); err != nil || n != 1 {
		t.Fatalf("first round applied %d entries (%v), want the API change", n, err)
	}
	before, _, _ := store.Cursors(ctx, client.Node.Name())
	if n, err := ix.drainRound(ctx, client.Node); err != nil || n != 0 {
		t.Fatalf("right after the API change the import applied %d entries (%v), want it to wait", n, err)
	}
	time.Sleep(liveGap)
	if n, err := ix.drainRound(ctx, client.Node); err != nil || n != bulkYielding {
		t.Fatalf("after a quiet second the import applied %d entries (%v), want a small batch of %d", n, err, bulkYielding)
	}
	if after, _, _ := store.Cursors(ctx, client.Node.Name()); after[models.LaneBulk] == before[models.LaneBulk] {
		t.Fatal("the bulk position did not move after the pause")
	}
}
