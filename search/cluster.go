package search

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"portal/models"
)

// Client is the portal's view of its Meilisearch nodes (MEILI_URL may name several). The
// community edition has no replication, so the outbox is the replication: every node gets
// every change and keeps its own position (see Indexer). Searches go to a node that is up,
// warmed and caught up, and move to another the moment one fails; writes made through the
// Client (tests, tools) go to every node. The Client embeds its first node for node-level
// calls (keys, settings) that tests make on a one-node client.
type Client struct {
	*Node
	nodes []*nodeState
	next  atomic.Uint32 // round robin among the best nodes

	mu    sync.Mutex
	store *models.Store // set by Watch: positions in the outbox decide "caught up"
}

// nodeState is what the router knows of one node. Until Watch says otherwise a node counts
// as up, warm and caught up, so a Client without Watch (tests, tools) uses every node.
type nodeState struct {
	*Node
	up, warm, caughtUp atomic.Bool
	warming            atomic.Bool
	behind             atomic.Int64 // outbox ids between the node's positions and the heads
}

// New makes a client of one node; see NewNode for prefix.
func New(url, masterKey, prefix string) *Client { return NewCluster([]string{url}, masterKey, prefix) }

// NewCluster makes a client of several nodes; nothing is sent until the first call.
func NewCluster(urls []string, masterKey, prefix string) *Client {
	c := &Client{}
	for _, u := range urls {
		n := &nodeState{Node: NewNode(u, masterKey, prefix)}
		n.up.Store(true)
		n.warm.Store(true)
		n.caughtUp.Store(true)
		c.nodes = append(c.nodes, n)
	}
	c.Node = c.nodes[0].Node
	return c
}

// Nodes lists the nodes in MEILI_URL order.
func (c *Client) Nodes() []*Node {
	out := make([]*Node, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = n.Node
	}
	return out
}

// NodeByURL finds a node by its URL (portal reindex --node).
func (c *Client) NodeByURL(url string) (*Node, bool) {
	for _, n := range c.nodes {
		if n.url == url {
			return n.Node, true
		}
	}
	return nil, false
}

// ranked returns the nodes best first: up before down, warm before cold, caught up before
// behind, then the least behind; nodes equally good take turns.
func (c *Client) ranked() []*nodeState {
	out := make([]*nodeState, len(c.nodes))
	copy(out, c.nodes)
	if len(out) > 1 {
		// Rotate first so the stable sort spreads load over equally good nodes.
		k := int(c.next.Add(1)) % len(out)
		out = append(out[k:], out[:k]...)
	}
	score := func(n *nodeState) int {
		s := 0
		if n.up.Load() {
			s += 4
		}
		if n.warm.Load() {
			s += 2
		}
		if n.caughtUp.Load() {
			s++
		}
		return s
	}
	sort.SliceStable(out, func(i, j int) bool {
		si, sj := score(out[i]), score(out[j])
		if si != sj {
			return si > sj
		}
		return !out[i].caughtUp.Load() && out[i].behind.Load() < out[j].behind.Load()
	})
	return out
}

// nodeFailed tells a node that is down (an unavailable error) from a refused query.
func nodeFailed(err error) bool {
	var me *models.Error
	if errors.As(err, &me) {
		return me.Code == models.ErrUnavailable
	}
	return err != nil
}

// routed runs a search on the best node, and on the next one whenever a node fails.
func routed[T any](ctx context.Context, c *Client, call func(*Node) (T, error)) (T, error) {
	var res T
	var err error
	for _, n := range c.ranked() {
		res, err = call(n.Node)
		if !nodeFailed(err) || ctx.Err() != nil {
			return res, err
		}
		if n.up.Swap(false) {
			n.warm.Store(false)
		}
	}
	return res, err
}

// SearchJobs runs a posting search on the best node (see Node.SearchJobs).
func (c *Client) SearchJobs(ctx context.Context, q JobQuery) (JobResult, error) {
	return routed(ctx, c, func(n *Node) (JobResult, error) { return n.SearchJobs(ctx, q) })
}

// SearchPrograms runs a program search on the best node (see Node.SearchPrograms).
func (c *Client) SearchPrograms(ctx context.Context, q ProgramQuery) (ProgramResult, error) {
	return routed(ctx, c, func(n *Node) (ProgramResult, error) { return n.SearchPrograms(ctx, q) })
}

// Recommend ranks postings for a profile on the best node (see Node.Recommend).
func (c *Client) Recommend(ctx context.Context, p models.SeekerProfile, towns map[int64]models.Town, now time.Time, limit int) ([]Recommendation, error) {
	return routed(ctx, c, func(n *Node) ([]Recommendation, error) { return n.Recommend(ctx, p, towns, now, limit) })
}

// Ready reports whether at least one node answers its health check, as soon as one does (a
// hung node must not hold a load balancer's check); when none does, the error names every
// node (for logs, never for the public).
func (c *Client) Ready(ctx context.Context) error {
	results := make(chan error, len(c.nodes))
	for _, n := range c.nodes {
		go func() {
			if err := n.Ready(ctx); err != nil {
				results <- fmt.Errorf("meilisearch node %s: %w", n.url, err)
				return
			}
			results <- nil
		}()
	}
	var down []error
	for range c.nodes {
		err := <-results
		if err == nil {
			return nil
		}
		down = append(down, err)
	}
	return errors.Join(down...)
}

// each runs a write on every node and joins the errors.
func (c *Client) each(fn func(*Node) error) error {
	var errs []error
	for _, n := range c.nodes {
		if err := fn(n.Node); err != nil {
			errs = append(errs, fmt.Errorf("node %s: %w", n.url, err))
		}
	}
	return errors.Join(errs...)
}

// EnsureIndexes creates and configures the indexes on every node.
func (c *Client) EnsureIndexes(ctx context.Context) error {
	return c.each(func(n *Node) error { return n.EnsureIndexes(ctx) })
}

// UpsertJobs writes postings to every node.
func (c *Client) UpsertJobs(ctx context.Context, docs []JobDoc) error {
	return c.each(func(n *Node) error { return n.UpsertJobs(ctx, docs) })
}

// DeleteJobs removes postings from every node.
func (c *Client) DeleteJobs(ctx context.Context, ids []int64) error {
	return c.each(func(n *Node) error { return n.DeleteJobs(ctx, ids) })
}

// UpsertPrograms writes programs to every node.
func (c *Client) UpsertPrograms(ctx context.Context, docs []ProgramDoc) error {
	return c.each(func(n *Node) error { return n.UpsertPrograms(ctx, docs) })
}

// DeletePrograms removes programs from every node.
func (c *Client) DeletePrograms(ctx context.Context, ids []int64) error {
	return c.each(func(n *Node) error { return n.DeletePrograms(ctx, ids) })
}

// DeleteExpiredJobs sweeps expired postings from every node.
func (c *Client) DeleteExpiredJobs(ctx context.Context, day int) error {
	return c.each(func(n *Node) error { return n.DeleteExpiredJobs(ctx, day) })
}

// ReindexJobs rebuilds the postings index of every node from the same batches (read once
// per node); it returns the documents indexed on the last node.
func (c *Client) ReindexJobs(ctx context.Context, batches func(yield func([]JobDoc) error) error) (int, error) {
	total := 0
	err := c.each(func(n *Node) error {
		var err error
		total, err = n.ReindexJobs(ctx, batches)
		return err
	})
	return total, err
}
