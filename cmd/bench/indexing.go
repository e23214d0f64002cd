package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"portal/search"
)

// importResult is `portal import jobs` timed end to end, with Meilisearch's view of it.
type importResult struct {
	Rows, BadRows int
	Total         time.Duration // the whole command, start to exit
	Indexing      time.Duration // the "indexed in" part it prints: draining the outbox
	Storing       time.Duration // the rest: reading, checking and storing the rows
	Meili         taskStats     // the document tasks the drain made
	OtherCPUs     float64       // processors other programs on the machine kept busy meanwhile
}

var (
	importedLine = regexp.MustCompile(`imported (\d+) postings for .*; (\d+) bad rows skipped`)
	indexedLine  = regexp.MustCompile(`indexed in (\S+)`)
)

// timeImport runs `portal import jobs FILE --enterprise ID --quiet` and times it.
func timeImport(ctx context.Context, sup *supervisor, portalBin, logPath string, env []string, csvPath string,
	enterpriseID int64, meili meiliServer) (importResult, error) {
	var res importResult
	clock := cpuClock{meili: meili.proc.pid(), self: os.Getpid()}
	before := clock.read()
	started := time.Now()
	proc, out, err := sup.run(ctx, "portal import", logPath, env, portalBin, "import", "jobs", csvPath,
		"--enterprise", strconv.FormatInt(enterpriseID, 10), "--quiet")
	res.Total = time.Since(started)
	if err != nil {
		return res, err
	}
	after := clock.read()
	after.used[0] = proc.cpu() // the import counts as "portal"
	res.OtherCPUs = before.to(after).otherCPUs()
	m := importedLine.FindStringSubmatch(out)
	ix := indexedLine.FindStringSubmatch(out)
	if m == nil || ix == nil {
		return res, fmt.Errorf("portal import printed neither the imported count nor the indexing time:\n%s", tail(out, 20))
	}
	res.Rows, _ = strconv.Atoi(m[1])
	res.BadRows, _ = strconv.Atoi(m[2])
	if res.Indexing, err = time.ParseDuration(ix[1]); err != nil {
		return res, fmt.Errorf("indexing time %q: %w", ix[1], err)
	}
	res.Storing = res.Total - res.Indexing
	if res.BadRows > 0 {
		return res, fmt.Errorf("portal import refused %d generated rows:\n%s", res.BadRows, tail(out, 20))
	}
	res.Meili, err = documentTasks(ctx, meili, search.JobsIndex, started)
	return res, err
}

// taskStats is what Meilisearch tells of the document tasks of one run.
type taskStats struct {
	Tasks int
	Busy  time.Duration // time during which at least one of them was being processed
	Span  time.Duration // first enqueued → last finished
	// FirstTenth and LastTenth are the mean processing time of the first and the last tenth
	// of the tasks: how the cost of a batch grows with the index (tasks processed together
	// share one batch's time, so these mean something for tasks processed one by one).
	FirstTenth, LastTenth time.Duration
}

// documentTasks reads the document tasks of an index enqueued after since.
func documentTasks(ctx context.Context, meili meiliServer, uid string, since time.Time) (taskStats, error) {
	admin := meilisearch.New(meili.url, meilisearch.WithAPIKey(meili.adminKey), meilisearch.WithCustomClient(plainHTTPClient(2)))
	q := &meilisearch.TasksQuery{IndexUIDS: []string{uid}, Types: []meilisearch.TaskType{meilisearch.TaskTypeDocumentAdditionOrUpdate},
		AfterEnqueuedAt: since.Add(-time.Second), Limit: 1000}
	var tasks []meilisearch.Task
	for {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		page, err := admin.GetTasks(cctx, q)
		cancel()
		if err != nil {
			return taskStats{}, fmt.Errorf("meilisearch tasks of %s: %w", uid, err)
		}
		tasks = append(tasks, page.Results...)
		if page.Next == 0 || len(page.Results) == 0 {
			break
		}
		q.From = page.Next
	}
	if len(tasks) == 0 {
		return taskStats{}, nil
	}
	slices.SortFunc(tasks, func(a, b meilisearch.Task) int { return cmp.Compare(a.UID, b.UID) })
	st := taskStats{Tasks: len(tasks)}
	first, last := tasks[0].EnqueuedAt, tasks[0].FinishedAt
	var busyUntil time.Time
	for _, t := range tasks {
		first, last = minTime(first, t.EnqueuedAt), maxTime(last, t.FinishedAt)
		// Tasks of one batch overlap: count each stretch of work once.
		start := maxTime(t.StartedAt, busyUntil)
		if t.FinishedAt.After(start) {
			st.Busy += t.FinishedAt.Sub(start)
		}
		busyUntil = maxTime(busyUntil, t.FinishedAt)
	}
	st.Span = last.Sub(first)
	tenth := max(1, len(tasks)/10)
	mean := func(ts []meilisearch.Task) time.Duration {
		var sum time.Duration
		for _, t := range ts {
			sum += t.FinishedAt.Sub(t.StartedAt)
		}
		return sum / time.Duration(len(ts))
	}
	st.FirstTenth, st.LastTenth = mean(tasks[:tenth]), mean(tasks[len(tasks)-tenth:])
	return st, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// rawIndexResult is Meilisearch indexing the same documents on its own: every batch sent
// at once, then every task waited for.
type rawIndexResult struct {
	Documents int
	BatchSize int
	Batches   int
	Wall      time.Duration // first batch sent → last task succeeded
	Meili     taskStats
	OtherCPUs float64 // processors other programs on the machine kept busy meanwhile
}

// rawIndexPrefix names the second index the raw indexing fills.
const rawIndexPrefix = "benchraw_"

// timeRawIndexing reads back the documents the import indexed (exactly what the portal sent:
// the posting plus its derived bigrams) and adds them to a second index with the same
// settings, straight through the SDK. The second index is deleted afterwards, so it does
// not weigh on the search measurements.
func timeRawIndexing(ctx context.Context, meili meiliServer, batchSize int) (rawIndexResult, error) {
	res := rawIndexResult{BatchSize: batchSize}
	docs, err := fetchDocuments(ctx, meili, search.JobsIndex, batchSize)
	if err != nil {
		return res, err
	}
	raw := search.New(meili.url, meili.masterKey, rawIndexPrefix)
	if err := raw.EnsureIndexes(ctx); err != nil {
		return res, fmt.Errorf("raw index settings: %w", err)
	}
	uid := raw.IndexUID(search.JobsIndex)
	admin := meilisearch.New(meili.url, meilisearch.WithAPIKey(meili.adminKey), meilisearch.WithCustomClient(plainHTTPClient(2)))
	idx := admin.Index(uid)
	primaryKey := "id"

	clock := cpuClock{meili: meili.proc.pid(), self: os.Getpid()}
	before := clock.read()
	started := time.Now()
	var tasks []int64
	for _, batch := range docs {
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		info, err := idx.AddDocuments(cctx, batch, &meilisearch.DocumentOptions{PrimaryKey: &primaryKey})
		cancel()
		if err != nil {
			return res, fmt.Errorf("send batch %d: %w", len(tasks)+1, err)
		}
		tasks = append(tasks, info.TaskUID)
		res.Documents += len(batch)
	}
	for _, uidTask := range tasks {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		task, err := admin.WaitForTask(wctx, uidTask, 20*time.Millisecond)
		cancel()
		if err != nil {
			return res, fmt.Errorf("wait for task %d: %w", uidTask, err)
		}
		if task.Status != meilisearch.TaskStatusSucceeded {
			return res, fmt.Errorf("meilisearch task %d %s: %s", uidTask, task.Status, task.Error.Message)
		}
	}
	res.Wall = time.Since(started)
	res.OtherCPUs = before.to(clock.read()).otherCPUs()
	res.Batches = len(tasks)
	if res.Meili, err = documentTasks(ctx, meili, uid, started); err != nil {
		return res, err
	}
	dctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	info, err := admin.DeleteIndex(dctx, uid)
	if err == nil {
		_, err = admin.WaitForTask(dctx, info.TaskUID, 50*time.Millisecond)
	}
	if err != nil {
		return res, fmt.Errorf("delete %s: %w", uid, err)
	}
	return res, nil
}

// fetchDocuments reads every document of an index, as stored, in pages of size.
func fetchDocuments(ctx context.Context, meili meiliServer, uid string, size int) ([][]json.RawMessage, error) {
	hc := plainHTTPClient(1)
	var pages [][]json.RawMessage
	for offset := 0; ; offset += size {
		url := fmt.Sprintf("%s/indexes/%s/documents?limit=%d&offset=%d", meili.url, uid, size, offset)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+meili.adminKey)
		resp, err := hc.Do(req)
		if err != nil {
			return nil, err
		}
		var page struct {
			Results []json.RawMessage `json:"results"`
			Total   int               `json:"total"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil {
			return nil, fmt.Errorf("read documents of %s: %s %v", uid, resp.Status, err)
		}
		if len(page.Results) > 0 {
			pages = append(pages, page.Results)
		}
		if offset+len(page.Results) >= page.Total || len(page.Results) == 0 {
			return pages, nil
		}
	}
}
