package search

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/meilisearch/meilisearch-go"
)

// JobDoc is one posting as the index holds it.
type JobDoc struct {
	ID             int64    `json:"id"`
	Title          string   `json:"title"`
	Description    string   `json:"description"`
	EnterpriseID   int64    `json:"enterprise_id"`
	EnterpriseName string   `json:"enterprise_name"`
	TownID         int64    `json:"town_id"`
	TownName       string   `json:"town_name"`
	County         string   `json:"county"`
	Industry       string   `json:"industry"`
	Occupation     string   `json:"occupation"`
	SalaryMin      int      `json:"salary_min"`
	SalaryMax      int      `json:"salary_max"`
	Education      string   `json:"education"`
	EmploymentType string   `json:"employment_type"`
	Headcount      int      `json:"headcount"`
	PostedAt       int64    `json:"posted_at"`  // unix seconds
	ExpiresOn      int      `json:"expires_on"` // yyyymmdd as an integer, e.g. 20261231
	Zone           []string `json:"zone"`       // ["professional_town"] for enterprises of a professional town
	// No _geo: a posting is at its town's point, and radius searches go by town (geo.go).
}

// Geo is a point in degrees: a town's, and the _geo field of program documents.
type Geo struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// ZoneProfessionalTown is the zone of postings of professional-town enterprises (专业镇专区).
const ZoneProfessionalTown = "professional_town"

// writeTimeout bounds sending a batch and waiting for Meilisearch to index it. Each request
// has its own callTimeout; this bounds the wait for a task Meilisearch has accepted, which
// is long on purpose: giving up on a task still in its queue and sending the same documents
// again only adds work to a node that is already slow (one node's wait holds back no other,
// and searches go to nodes that are caught up meanwhile).
const writeTimeout = 10 * time.Minute

// indexedJob is what is sent to Meilisearch: the posting plus derived search text.
type indexedJob struct {
	JobDoc
	Bigrams string `json:"bigrams"`
}

// upsertChunk bounds the postings sent in one request.
const upsertChunk = 2500

// UpsertJobs adds or replaces postings and waits until Meilisearch has indexed them; a
// batch that Meilisearch refuses (one bad document fails them all) is an error. Large sets
// go in chunks that are all enqueued before the first wait, so Meilisearch can batch them
// together instead of paying its per-task cost for each.
func (c *Node) UpsertJobs(ctx context.Context, docs []JobDoc) error {
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	tasks, err := c.enqueueJobs(ctx, docs)
	if err == nil {
		err = c.wait(ctx, tasks, nil)
	}
	if err != nil {
		return fmt.Errorf("index %d postings: %w", len(docs), err)
	}
	return nil
}

// enqueueJobs sends postings in chunks and returns the tasks, without waiting for them.
func (c *Node) enqueueJobs(ctx context.Context, docs []JobDoc) ([]int64, error) {
	if len(docs) == 0 {
		return nil, nil
	}
	admin, _, err := c.clients(ctx)
	if err != nil {
		return nil, err
	}
	var tasks []int64
	for part := range slices.Chunk(docs, upsertChunk) {
		info, err := addJobs(ctx, admin, c.IndexUID(JobsIndex), part)
		if err != nil {
			return tasks, err
		}
		tasks = append(tasks, info.TaskUID)
	}
	return tasks, nil
}

// DeleteJobs removes postings from the index and waits until they are gone.
func (c *Node) DeleteJobs(ctx context.Context, ids []int64) error {
	return c.deleteDocuments(ctx, JobsIndex, "postings", ids)
}

// deleteDocuments removes documents by id from a logical index and waits for the task.
func (c *Node) deleteDocuments(ctx context.Context, index, what string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	task, err := c.enqueueDeletion(ctx, index, ids)
	if err == nil {
		err = c.wait(ctx, []int64{task}, nil)
	}
	if err != nil {
		return fmt.Errorf("delete %d %s: %w", len(ids), what, err)
	}
	return nil
}

// enqueueDeletion asks for documents of a logical index to be removed and returns the task.
func (c *Node) enqueueDeletion(ctx context.Context, index string, ids []int64) (int64, error) {
	admin, _, err := c.clients(ctx)
	if err != nil {
		return 0, err
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = strconv.FormatInt(id, 10)
	}
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	info, err := admin.Index(c.IndexUID(index)).DeleteDocuments(cctx, keys, nil)
	if err != nil {
		return 0, err
	}
	return info.TaskUID, nil
}

// addJobs enqueues a batch of postings into index uid; the caller waits for the task.
func addJobs(ctx context.Context, admin meilisearch.ServiceManager, uid string, docs []JobDoc) (*meilisearch.TaskInfo, error) {
	batch := make([]indexedJob, len(docs))
	for i, d := range docs {
		batch[i] = toIndexed(d)
	}
	primaryKey := "id"
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return admin.Index(uid).AddDocuments(ctx, batch, &meilisearch.DocumentOptions{PrimaryKey: &primaryKey})
}

// toIndexed cleans a posting's text and derives its bigrams.
func toIndexed(d JobDoc) indexedJob {
	for _, s := range []*string{&d.Title, &d.Description, &d.EnterpriseName, &d.TownName, &d.County,
		&d.Industry, &d.Occupation, &d.Education, &d.EmploymentType} {
		*s = stripPrivateUse(*s)
	}
	zone := make([]string, len(d.Zone))
	for i, z := range d.Zone {
		zone[i] = stripPrivateUse(z)
	}
	d.Zone = zone
	return indexedJob{JobDoc: d, Bigrams: hanBigrams(d.Title, d.Occupation, d.EnterpriseName, d.TownName,
		d.County, d.Industry, d.Description)}
}

// stripPrivateUse removes private-use characters, which the search uses as highlight
// markers, so a posting cannot forge its own markup.
func stripPrivateUse(s string) string {
	if !strings.ContainsFunc(s, isPrivateUse) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isPrivateUse(r) {
			return -1
		}
		return r
	}, s)
}

func isPrivateUse(r rune) bool {
	return (r >= 0xE000 && r <= 0xF8FF) || r >= 0xF0000
}

// hanBigrams returns the distinct overlapping pairs of Han characters of the texts, space
// separated (a lone character stands for itself). Meilisearch segments Chinese into dictionary
// words, so 老陈醋 is one word and a search for 陈醋 would miss it; the pairs make any word
// of the text findable, and rank below the real attributes.
func hanBigrams(texts ...string) string {
	seen := map[string]bool{}
	var b strings.Builder
	emit := func(piece string) {
		if seen[piece] {
			return
		}
		seen[piece] = true
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(piece)
	}
	for _, text := range texts {
		var run []rune
		flush := func() {
			switch {
			case len(run) == 1:
				emit(string(run))
			case len(run) > 1:
				for i := 0; i+1 < len(run); i++ {
					emit(string(run[i : i+2]))
				}
			}
			run = run[:0]
		}
		for _, r := range text {
			if unicode.Is(unicode.Han, r) {
				run = append(run, r)
			} else {
				flush()
			}
		}
		flush()
	}
	return b.String()
}
