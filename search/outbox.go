package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"portal/models"
)

// Indexer applies the outbox to every Meilisearch node. Each node has its own loop and its
// own positions in the outbox, so a node that is down or slow holds back no other, and one
// that was down, lost its data or is new catches up (or is rebuilt from the database) by
// itself. Changes made through the API (the live lane) are applied before the next batch of
// a bulk import. The loops wake at once when a posting changes (in process, and through
// Redis pub/sub when several portal processes run) and retry with backoff while a node is
// down. The database stays the source of truth: documents are rebuilt from the current rows,
// never from the outbox.
type Indexer struct {
	store  *models.Store
	client *Client
	rdb    *redis.Client
	log    *slog.Logger
	now    func() time.Time
	poll   time.Duration

	wakeMu sync.Mutex
	wakes  []chan struct{} // one per running node loop

	nodes      map[string]*nodeDrain // by node name; the map is not written after NewIndexer
	bulkBatch  int                   // bulkBatch; tests make it small
	publishing atomic.Bool           // a Redis wake-up is being sent
	again      atomic.Bool           // another was asked for meanwhile
	lastPrune  atomic.Int64
	applied    atomic.Bool  // entries were applied since the last prune
	lastLive   atomic.Int64 // unix ms of the last live batch seen: bulk batches yield after it
}

// nodeDrain is what this process keeps of one node's drain (under mu).
type nodeDrain struct {
	mu        sync.Mutex // one drain of the node at a time in this process
	queued    *bulkRound // the bulk batch sent ahead
	livePos   int64      // the live position last read, to see another process apply live changes
	liveSeen  bool       // livePos was read
	heldSince time.Time  // when the bulk lane began to wait for the API to pause
}

// The batch sizes. A live batch is what the API changed since the last round. A bulk batch
// is large while nobody changes postings through the API (an import goes fastest in large
// tasks), and when a live change arrives while one is being indexed, it is cancelled so the
// change does not wait behind it (Meilisearch works on one batch at a time). For a while
// after a live change, bulk batches are small, run to their end, and start only once the
// API has been quiet for liveGap (another change often follows the first) or the bulk lane
// has waited bulkMaxPause: an import still advances under steady live traffic.
const (
	liveBatch     = 1000
	bulkBatch     = 40000
	bulkYielding  = 200
	liveQuietTime = 30 * time.Second
	liveGap       = time.Second
	bulkMaxPause  = 5 * time.Second
)

// wakeChannel is the Redis pub/sub channel that tells every process the outbox has rows.
const wakeChannel = "portal:outbox"

// redisCallTimeout bounds every Redis call of this package (SPEC §7: a hung Redis never
// holds a request more than 300 ms; wake-ups are also sent off the request's path).
const redisCallTimeout = 250 * time.Millisecond

// NewIndexer makes an indexer for every node of client; rdb may be nil.
func NewIndexer(store *models.Store, client *Client, rdb *redis.Client, log *slog.Logger) *Indexer {
	ix := &Indexer{store: store, client: client, rdb: rdb, log: log, now: time.Now, poll: time.Second,
		nodes: map[string]*nodeDrain{}, bulkBatch: bulkBatch}
	for _, n := range client.Nodes() {
		ix.nodes[n.Name()] = &nodeDrain{}
	}
	return ix
}

// WithPoll sets how often Run looks at the outbox without a wake-up (a second by default);
// tests lengthen it to prove the wake-ups arrive.
func (ix *Indexer) WithPoll(d time.Duration) *Indexer {
	ix.poll = d
	return ix
}

// WithClock sets the clock that decides which postings have expired.
func (ix *Indexer) WithClock(now func() time.Time) *Indexer {
	ix.now = now
	return ix
}

// Notify wakes the indexer of this process and, through Redis, of the others. It never
// waits for Redis: the publication goes out in the background with its own deadline.
func (ix *Indexer) Notify(context.Context) {
	ix.wakeLocal()
	if ix.rdb == nil {
		return
	}
	ix.again.Store(true)
	if !ix.publishing.CompareAndSwap(false, true) {
		return // the sender in flight sends once more for this one
	}
	go func() {
		defer ix.publishing.Store(false)
		for ix.again.Swap(false) {
			ctx, cancel := context.WithTimeout(context.Background(), redisCallTimeout)
			if err := ix.rdb.Publish(ctx, wakeChannel, "1").Err(); err != nil {
				ix.log.Debug("outbox wake-up not published", "err", err)
			}
			cancel()
		}
	}()
}

func (ix *Indexer) wakeLocal() {
	ix.wakeMu.Lock()
	defer ix.wakeMu.Unlock()
	for _, w := range ix.wakes {
		select {
		case w <- struct{}{}:
		default:
		}
	}
}

func (ix *Indexer) subscribe() chan struct{} {
	w := make(chan struct{}, 1)
	ix.wakeMu.Lock()
	ix.wakes = append(ix.wakes, w)
	ix.wakeMu.Unlock()
	return w
}

// Run keeps every node up to date until ctx ends.
func (ix *Indexer) Run(ctx context.Context) {
	if ix.rdb != nil {
		go ix.listen(ctx)
	}
	var wg sync.WaitGroup
	for _, n := range ix.client.Nodes() {
		wg.Add(1)
		w := ix.subscribe()
		go func() {
			defer wg.Done()
			ix.runNode(ctx, n, w)
		}()
	}
	wg.Wait()
}

// runNode drains the outbox into one node on every wake-up and poll; after a failure it
// backs off and checks the node's indexes again (it may have restarted without its data).
func (ix *Indexer) runNode(ctx context.Context, n *Node, wake chan struct{}) {
	backoff := time.Duration(0)
	poll := time.NewTicker(ix.poll)
	defer poll.Stop()
	prepared := false
	for {
		var err error
		if !prepared {
			err = ix.prepare(ctx, n)
			prepared = err == nil
		}
		if err == nil {
			_, err = ix.DrainNode(ctx, n)
		}
		if err != nil && ctx.Err() == nil {
			prepared = false
			backoff = min(max(backoff*2, 100*time.Millisecond), 5*time.Second)
			ix.log.Warn("search outbox not applied to a node; retrying", "node", n.URL(), "err", err, "in", backoff.String())
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			continue
		}
		backoff = 0
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-poll.C:
		}
	}
}

// prepare ensures a node's indexes; a node whose postings index was missing forgets its
// positions, so the next drain rebuilds it from the database.
func (ix *Indexer) prepare(ctx context.Context, n *Node) error {
	missing, err := n.prepare(ctx)
	if err != nil {
		return err
	}
	// A node that just started pays for loading its index and the Chinese segmenter on the
	// first task and search; pay it here rather than in the first change a user waits for.
	warm(ctx, n, ix.log)
	if missing {
		ix.log.Info("meilisearch node has no postings index; rebuilding it from the database", "node", n.URL())
		return ix.store.DropCursors(ctx, n.Name())
	}
	return nil
}

// listen turns Redis wake-ups from other processes into local ones; it resubscribes after
// Redis comes back.
func (ix *Indexer) listen(ctx context.Context) {
	for ctx.Err() == nil {
		sub := ix.rdb.Subscribe(ctx, wakeChannel)
		stop := context.AfterFunc(ctx, func() { sub.Close() }) // ends the range below when ctx ends
		for range sub.Channel() {
			ix.wakeLocal()
		}
		stop()
		sub.Close()
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// Drain applies every pending outbox entry to every node and returns how many entries it
// applied in all; the nodes' errors are joined.
func (ix *Indexer) Drain(ctx context.Context) (int, error) {
	total := 0
	var errs []error
	for _, n := range ix.client.Nodes() {
		k, err := ix.DrainNode(ctx, n)
		total += k
		if err != nil {
			errs = append(errs, err)
		}
	}
	return total, errors.Join(errs...)
}

// DrainNode brings one node up to date: it rebuilds a node without positions, then applies
// the live lane, then one batch of the bulk lane, and again, until both are empty. It does
// nothing while another process holds the node's lock.
func (ix *Indexer) DrainNode(ctx context.Context, n *Node) (int, error) {
	d := ix.nodes[n.Name()]
	d.mu.Lock()
	defer d.mu.Unlock()
	total := 0
	for {
		k := 0
		ran, err := ix.store.WithNodeLock(ctx, n.Name(), func() error {
			var err error
			k, err = ix.drainRound(ctx, n)
			return err
		})
		total += k
		if err != nil || !ran {
			ix.dropQueued(ctx, n)
		}
		if err != nil {
			return total, err
		}
		if !ran || k == 0 {
			if total > 0 {
				ix.applied.Store(true)
			}
			ix.prune(ctx)
			return total, nil
		}
	}
}

// drainRound applies one batch to a node, the live lane first, and returns its size.
func (ix *Indexer) drainRound(ctx context.Context, n *Node) (int, error) {
	pos, found, err := ix.store.Cursors(ctx, n.Name())
	if err != nil {
		return 0, err
	}
	d := ix.nodes[n.Name()]
	if !found {
		ix.dropQueued(ctx, n)
		d.liveSeen = false // the rebuild moves the positions to the heads
		k, err := ix.rebuild(ctx, n)
		return max(k, 1), err
	}
	if d.liveSeen && d.livePos != pos[models.LaneLive] {
		ix.lastLive.Store(time.Now().UnixMilli()) // live changes were applied (maybe by another process)
	}
	d.livePos, d.liveSeen = pos[models.LaneLive], true
	live, err := ix.store.OutboxAfter(ctx, models.LaneLive, pos[models.LaneLive], liveBatch)
	if err != nil {
		return 0, err
	}
	if len(live) > 0 {
		ix.lastLive.Store(time.Now().UnixMilli())
		ix.dropQueued(ctx, n) // queued bulk work would be indexed before the change
		tasks, err := ix.enqueue(ctx, n, live, nil)
		if err == nil {
			err = ix.finish(ctx, n, live, tasks, nil)
		}
		if err != nil {
			return 0, err
		}
		return len(live), ix.store.SetCursor(ctx, n.Name(), models.LaneLive, live[len(live)-1].ID)
	}
	return ix.drainBulk(ctx, n, pos)
}

// holding says whether the bulk lane waits for the API to pause: for liveGap after the last
// live change, but at most bulkMaxPause in a row.
func (d *nodeDrain) holding(sinceLive time.Duration) bool {
	if sinceLive >= liveGap {
		d.heldSince = time.Time{}
		return false
	}
	if d.heldSince.IsZero() {
		d.heldSince = time.Now()
	}
	if time.Since(d.heldSince) < bulkMaxPause {
		return true
	}
	d.heldSince = time.Time{}
	return false
}

// bulkRound is a batch of the bulk lane sent to a node and not yet known to be indexed.
type bulkRound struct {
	from    int64 // the bulk position it follows
	entries []models.OutboxEntry
	tasks   []int64
}

// last is the position the node reaches once the round is indexed.
func (r *bulkRound) last() int64 { return r.entries[len(r.entries)-1].ID }

// drainBulk applies one batch of the bulk lane. While nobody changes postings through the
// API it sends the next batch as soon as Meilisearch has started on this one, so it never
// idles between batches and takes each one whole; either gives way to a live change (both
// are cancelled, the position stays). For a while after a live change batches are small,
// sent one at a time and run to their end.
func (ix *Indexer) drainBulk(ctx context.Context, n *Node, pos map[int]int64) (int, error) {
	d := ix.nodes[n.Name()]
	current := d.queued
	d.queued = nil
	if current != nil && current.from != pos[models.LaneBulk] {
		ix.cancel(ctx, n, current) // another process moved the position meanwhile
		current = nil
	}
	sinceLive := time.Since(time.UnixMilli(ix.lastLive.Load()))
	quiet := sinceLive >= liveQuietTime
	if current == nil && d.holding(sinceLive) {
		return 0, nil // the next poll or wake-up goes on, once the API is quiet
	}
	limit, yield := bulkYielding, (func() bool)(nil) // small batches run to their end
	if quiet {
		limit, yield = ix.bulkBatch, ix.liveWaiting(ctx, pos[models.LaneLive])
	}
	var err error
	if current == nil {
		if current, err = ix.sendRound(ctx, n, pos[models.LaneBulk], limit, yield); err != nil {
			ix.cancel(ctx, n, current)
			return ix.yielded(n, 0, err)
		}
		if current == nil {
			return 0, nil
		}
	}
	var next *bulkRound
	if quiet {
		// The next batch is sent once Meilisearch has taken the whole of this one: sent
		// earlier, it would join this one, and Meilisearch would idle after both.
		if len(current.tasks) > 0 {
			if err := n.waitTaken(ctx, current.tasks[len(current.tasks)-1], yield); err != nil {
				ix.cancel(ctx, n, current)
				return ix.yielded(n, len(current.entries), err)
			}
		}
		if next, err = ix.sendRound(ctx, n, current.last(), limit, yield); err != nil {
			ix.cancel(ctx, n, current)
			ix.cancel(ctx, n, next)
			return ix.yielded(n, len(current.entries), err)
		}
	}
	if err := ix.finish(ctx, n, current.entries, current.tasks, yield); err != nil {
		ix.cancel(ctx, n, next)
		return ix.yielded(n, len(current.entries), err)
	}
	d.queued = next
	return len(current.entries), ix.store.SetCursor(ctx, n.Name(), models.LaneBulk, current.last())
}

// sendRound reads up to limit bulk entries after position and sends their documents; nil
// when there are none.
func (ix *Indexer) sendRound(ctx context.Context, n *Node, position int64, limit int, yield func() bool) (*bulkRound, error) {
	entries, err := ix.store.OutboxAfter(ctx, models.LaneBulk, position, limit)
	if err != nil || len(entries) == 0 {
		return nil, err
	}
	tasks, err := ix.enqueue(ctx, n, entries, yield)
	return &bulkRound{from: position, entries: entries, tasks: tasks}, err
}

// yielded turns a bulk batch that gave way to a live change into a round of one entry (the
// next round applies the live lane; the bulk lane goes on from where it was, in small
// batches for a while); other errors pass.
func (ix *Indexer) yielded(n *Node, entries int, err error) (int, error) {
	if !errors.Is(err, errYielded) {
		return 0, err
	}
	ix.lastLive.Store(time.Now().UnixMilli())
	ix.log.Info("bulk batch cancelled to let a live change through", "node", n.URL(), "entries", entries)
	return 1, nil
}

// dropQueued cancels the bulk batch sent ahead on a node, if any: its position stays, so
// it is sent again later.
func (ix *Indexer) dropQueued(ctx context.Context, n *Node) {
	d := ix.nodes[n.Name()]
	ix.cancel(ctx, n, d.queued)
	d.queued = nil
}

// cancel cancels what Meilisearch has not finished of a bulk batch; a failure only wastes
// work (the batch is indexed and sent again), so it is logged.
func (ix *Indexer) cancel(ctx context.Context, n *Node, r *bulkRound) {
	if r == nil || len(r.tasks) == 0 {
		return
	}
	if err := n.cancel(ctx, r.tasks); err != nil && !errors.Is(err, errYielded) {
		ix.log.Warn("bulk batch sent ahead not cancelled", "node", n.URL(), "err", err)
	}
}

// liveWaiting reports whether the live lane has entries after position: a large bulk batch
// in flight gives way to them.
func (ix *Indexer) liveWaiting(ctx context.Context, position int64) func() bool {
	return func() bool {
		es, err := ix.store.OutboxAfter(ctx, models.LaneLive, position, 1)
		return err == nil && len(es) > 0
	}
}

// prune drops the entries every node has applied, at most once a second; the loops call it
// after every drain, so the last prune after a burst comes with the next poll.
func (ix *Indexer) prune(ctx context.Context) {
	now := time.Now().UnixMilli()
	last := ix.lastPrune.Load()
	if !ix.applied.Load() || now-last < 1000 || !ix.lastPrune.CompareAndSwap(last, now) {
		return
	}
	ix.applied.Store(false)
	names := make([]string, 0, len(ix.nodes))
	for name := range ix.nodes {
		names = append(names, name)
	}
	if _, err := ix.store.PruneOutbox(ctx, names); err != nil {
		ix.log.Warn("outbox not pruned", "err", err)
	}
}

// enqueue sends, to one node, the documents that outbox entries name, rebuilt from the
// current rows, and returns Meilisearch's tasks. The postings are read and sent a chunk at
// a time (Meilisearch batches the chunks together; the portal holds one in memory); when
// yield says so between chunks, what was sent is cancelled (errYielded).
func (ix *Indexer) enqueue(ctx context.Context, n *Node, entries []models.OutboxEntry, yield func() bool) ([]int64, error) {
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	day := dayString(ix.now())
	var tasks, gone []int64
	send := func(jobs []models.Job) error {
		if yield != nil && len(tasks) > 0 && yield() {
			if err := n.cancel(ctx, tasks); err != nil && !errors.Is(err, errYielded) {
				return err
			}
			tasks = nil
			return errYielded
		}
		docs := make([]JobDoc, 0, len(jobs))
		for _, j := range jobs {
			if j.Searchable(day) {
				docs = append(docs, DocumentOf(j))
			} else {
				gone = append(gone, j.ID)
			}
		}
		sent, err := n.enqueueJobs(ctx, docs)
		tasks = append(tasks, sent...)
		if err != nil {
			return fmt.Errorf("index %d postings: %w", len(docs), err)
		}
		return nil
	}
	for chunk := range slices.Chunk(entries, upsertChunk) {
		jobs, missing, err := ix.store.JobsForIndex(ctx, chunk)
		if err != nil {
			return tasks, err
		}
		gone = append(gone, missing...)
		if err := send(jobs); err != nil {
			return tasks, err
		}
		for _, e := range chunk {
			if e.Entity == "enterprise" {
				if err := ix.store.EachJobOfEnterprise(ctx, e.EntityID, upsertChunk, send); err != nil {
					return tasks, err
				}
			}
		}
	}
	if len(gone) > 0 {
		task, err := n.enqueueDeletion(ctx, JobsIndex, gone)
		if err != nil {
			return tasks, fmt.Errorf("delete %d postings: %w", len(gone), err)
		}
		tasks = append(tasks, task)
	}
	return tasks, nil
}

// finish waits until a node has indexed what enqueue sent for entries (yield, when not nil,
// may cancel it: errYielded), then applies their programs.
func (ix *Indexer) finish(ctx context.Context, n *Node, entries []models.OutboxEntry, tasks []int64, yield func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	if err := n.wait(ctx, tasks, yield); err != nil {
		if errors.Is(err, errYielded) {
			return err
		}
		return fmt.Errorf("apply %d outbox entries: %w", len(entries), err)
	}
	return ix.applyPrograms(ctx, n, entries, dayString(ix.now()))
}

// applyPrograms rebuilds the program documents named by outbox entries: approved programs
// that have not ended are searchable, the others leave the index.
func (ix *Indexer) applyPrograms(ctx context.Context, n *Node, entries []models.OutboxEntry, day string) error {
	var ids []int64
	for _, e := range entries {
		if e.Entity == "program" {
			ids = append(ids, e.EntityID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	programs, err := ix.store.ProgramsForIndex(ctx, ids)
	if err != nil {
		return err
	}
	return n.syncPrograms(ctx, programs, ids, day)
}

// syncPrograms upserts the searchable programs of a batch and deletes the rest of ids.
func (c *Node) syncPrograms(ctx context.Context, programs []models.Program, ids []int64, day string) error {
	var docs []ProgramDoc
	keep := map[int64]bool{}
	for _, p := range programs {
		if p.Status == models.ProgramApproved && p.EndOn >= day {
			docs = append(docs, ProgramDocumentOf(p))
			keep[p.ID] = true
		}
	}
	var gone []int64
	for _, id := range ids {
		if !keep[id] {
			gone = append(gone, id)
		}
	}
	if len(docs) > 0 {
		if err := c.UpsertPrograms(ctx, docs); err != nil {
			return err
		}
	}
	if len(gone) > 0 {
		return c.DeletePrograms(ctx, gone)
	}
	return nil
}
