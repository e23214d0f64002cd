package search

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"portal/models"
)

// rebuild fills a node from the database (a fresh index swapped in) and sets its positions
// to the outbox heads read before the first posting was: entries committed later have higher
// ids (models.lockOutboxOrder) and are applied after it, entries committed earlier are in the
// rows it read. The caller holds the node's lock.
func (ix *Indexer) rebuild(ctx context.Context, n *Node) (int, error) {
	heads, err := ix.store.OutboxHeads(ctx)
	if err != nil {
		return 0, err
	}
	started := time.Now()
	day := dayString(ix.now())
	count, err := n.ReindexJobs(ctx, func(yield func([]JobDoc) error) error {
		return ix.store.EachJobBatch(ctx, 2000, func(jobs []models.Job) error {
			docs := make([]JobDoc, 0, len(jobs))
			for _, j := range jobs {
				if j.Searchable(day) {
					docs = append(docs, DocumentOf(j))
				}
			}
			if len(docs) == 0 {
				return nil
			}
			return yield(docs)
		})
	})
	if err != nil {
		return 0, fmt.Errorf("rebuild node %s: %w", n.URL(), err)
	}
	err = ix.store.EachProgram(ctx, func(ps []models.Program) error {
		ids := make([]int64, len(ps))
		for i, p := range ps {
			ids[i] = p.ID
		}
		return n.syncPrograms(ctx, ps, ids, day)
	})
	if err != nil {
		return count, fmt.Errorf("rebuild node %s: programs: %w", n.URL(), err)
	}
	for _, lane := range models.Lanes {
		if err := ix.store.SetCursor(ctx, n.Name(), lane, heads[lane]); err != nil {
			return count, err
		}
	}
	ix.log.Info("meilisearch node rebuilt from the database", "node", n.URL(), "postings", count, "took_ms", time.Since(started).Milliseconds())
	return count, nil
}

// Reindex rebuilds every node from the database into a fresh index and swaps it in, one node
// at a time, so the others keep answering; it returns the postings indexed on the last one.
func (ix *Indexer) Reindex(ctx context.Context) (int, error) {
	n := 0
	for _, node := range ix.client.Nodes() {
		var err error
		if n, err = ix.ReindexNode(ctx, node); err != nil {
			return n, err
		}
	}
	return n, nil
}

// ReindexNode rebuilds one node, waiting for the process that drains it to let go, then
// applies what changed meanwhile.
func (ix *Indexer) ReindexNode(ctx context.Context, n *Node) (int, error) {
	if err := n.EnsureIndexes(ctx); err != nil {
		return 0, fmt.Errorf("node %s: %w", n.URL(), err)
	}
	mu := &ix.nodes[n.Name()].mu
	mu.Lock()
	count := 0
	for {
		ran, err := ix.store.WithNodeLock(ctx, n.Name(), func() error {
			var err error
			count, err = ix.rebuild(ctx, n)
			return err
		})
		if err != nil || ran {
			mu.Unlock()
			if err != nil {
				return count, err
			}
			break
		}
		select {
		case <-ctx.Done():
			mu.Unlock()
			return 0, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	_, err := ix.DrainNode(ctx, n)
	return count, err
}

// WaitIdle drains until every node has applied the whole outbox, or ctx ends; tests and the
// import use it.
func (ix *Indexer) WaitIdle(ctx context.Context) error {
	for {
		if _, err := ix.Drain(ctx); err != nil {
			return err
		}
		idle, err := ix.idle(ctx)
		if err != nil || idle {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.New("outbox not drained: " + ctx.Err().Error())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// idle reports whether every node's positions have reached the outbox heads.
func (ix *Indexer) idle(ctx context.Context) (bool, error) {
	heads, err := ix.store.OutboxHeads(ctx)
	if err != nil {
		return false, err
	}
	for _, n := range ix.client.Nodes() {
		pos, found, err := ix.store.Cursors(ctx, n.Name())
		if err != nil || !found {
			return false, err
		}
		for _, lane := range models.Lanes {
			if pos[lane] < heads[lane] {
				return false, nil
			}
		}
	}
	return true, nil
}

// processHolder names this process in job leases.
var processHolder = func() string {
	host, _ := os.Hostname()
	return host + ":" + strconv.Itoa(os.Getpid()) + ":" + strconv.FormatInt(time.Now().UnixNano(), 36)
}()

// SweepExpired removes expired postings from every node every interval until ctx ends, in
// one process of all (a lease); search already filters them out, this keeps the indexes small.
func (ix *Indexer) SweepExpired(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		mine, err := ix.store.TryLease(ctx, "sweep-expired-postings", processHolder, 2*every, time.Now())
		if err != nil || !mine {
			continue
		}
		if err := ix.client.DeleteExpiredJobs(ctx, Day(ix.now())); err != nil {
			ix.log.Warn("expired postings not swept from every node", "err", err)
		}
	}
}

// DeleteExpiredJobs removes the postings whose validity ended before day (yyyymmdd).
func (c *Node) DeleteExpiredJobs(ctx context.Context, day int) error {
	admin, _, err := c.clients(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	info, err := admin.Index(c.IndexUID(JobsIndex)).DeleteDocumentsByFilter(ctx, "expires_on < "+strconv.Itoa(day), nil)
	return c.waitTask(ctx, admin, info, err)
}
