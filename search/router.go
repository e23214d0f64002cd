package search

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"time"

	"portal/models"
)

// healthTimeout bounds one node's health check in Watch; a hung node is taken out of the
// rotation within one interval plus this.
const healthTimeout = 500 * time.Millisecond

// Watch keeps the router's view of the nodes current until ctx ends: every interval it checks
// each node's health and compares its positions in the outbox with the outbox heads. A node
// is caught up once it has applied every entry that existed one interval ago. A node that
// comes back is warmed with a few searches before it takes traffic again.
func (c *Client) Watch(ctx context.Context, store *models.Store, log *slog.Logger, every time.Duration) {
	c.mu.Lock()
	c.store = store
	c.mu.Unlock()
	var prev map[int]int64
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		prev = c.observe(ctx, store, log, prev)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// observe runs one round of Watch and returns the heads it read.
func (c *Client) observe(ctx context.Context, store *models.Store, log *slog.Logger, prev map[int]int64) map[int]int64 {
	var wg sync.WaitGroup
	for _, n := range c.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.checkHealth(ctx, n, log)
		}()
	}
	heads, err := store.OutboxHeads(ctx)
	var cursors map[string]map[int]int64
	if err == nil {
		cursors, err = store.AllCursors(ctx)
	}
	wg.Wait()
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("search router: outbox positions not read", "err", err)
		}
		return prev
	}
	if prev == nil {
		prev = heads
	}
	for _, n := range c.nodes {
		pos, found := cursors[n.Name()]
		if !found {
			n.caughtUp.Store(false)
			n.behind.Store(math.MaxInt64)
			continue
		}
		var behind int64
		caughtUp := true
		for _, lane := range models.Lanes {
			behind += max(0, heads[lane]-pos[lane])
			if pos[lane] < prev[lane] {
				caughtUp = false
			}
		}
		n.behind.Store(behind)
		n.caughtUp.Store(caughtUp)
	}
	return heads
}

// checkHealth marks a node up or down; a node that comes back is warmed before it is used.
func (c *Client) checkHealth(ctx context.Context, n *nodeState, log *slog.Logger) {
	hctx, cancel := context.WithTimeout(ctx, healthTimeout)
	err := n.Ready(hctx)
	cancel()
	if err != nil {
		if n.up.Swap(false) && ctx.Err() == nil {
			log.Warn("meilisearch node down; searches go to the others", "node", n.url, "err", err)
		}
		n.warm.Store(false)
		return
	}
	if !n.up.Swap(true) {
		log.Info("meilisearch node up again; warming it before it takes searches", "node", n.url)
	}
	if !n.warm.Load() && n.warming.CompareAndSwap(false, true) {
		go func() { // a slow warm-up must not hold back the health of the other nodes
			defer n.warming.Store(false)
			warm(ctx, n.Node, log)
			n.warm.Store(true)
		}()
	}
}

// warmQueries are run on a node that comes back, so the first real searches do not pay for
// loading its index from disk.
var warmQueries = []JobQuery{{}, {Q: "焊工"}, {Q: "普工 包吃住"}, {Sort: "newest"}, {Q: "技术员", Sort: "salary_desc"}}

func warm(ctx context.Context, n *Node, log *slog.Logger) {
	start := time.Now()
	for _, q := range warmQueries {
		q.Today = Day(time.Now())
		wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := n.SearchJobs(wctx, q)
		cancel()
		if err != nil {
			log.Debug("warm-up search failed", "node", n.url, "err", err)
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	_, _ = n.SearchPrograms(wctx, ProgramQuery{Today: Day(time.Now())})
	cancel()
	log.Info("meilisearch node warmed", "node", n.url, "took_ms", time.Since(start).Milliseconds())
}

// NodeStatus is what /metrics shows of one node.
type NodeStatus struct {
	URL      string
	Up       bool
	CaughtUp bool
	Lag      models.OutboxLag
}

// Status reports every node's health and its lag in the outbox (lag needs Watch running).
func (c *Client) Status(ctx context.Context, now time.Time) []NodeStatus {
	c.mu.Lock()
	store := c.store
	c.mu.Unlock()
	out := make([]NodeStatus, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = NodeStatus{URL: n.url, Up: n.up.Load(), CaughtUp: n.caughtUp.Load()}
		if store == nil {
			continue
		}
		pos, _, err := store.Cursors(ctx, n.Name())
		if err == nil {
			out[i].Lag, _ = store.LagOf(ctx, pos, now)
		}
	}
	return out
}
