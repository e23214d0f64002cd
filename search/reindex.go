package search

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/meilisearch/meilisearch-go"
)

// ReindexJobs rebuilds the postings index from scratch: it fills a fresh build index with
// every batch the callback yields, then swaps it with the live index in one step, so
// searches never see a half-built index. It returns the number of documents indexed. On
// any error the build index is dropped and the live index is left as it was.
func (c *Node) ReindexJobs(ctx context.Context, batches func(yield func([]JobDoc) error) error) (int, error) {
	admin, _, err := c.clients(ctx)
	if err != nil {
		return 0, err
	}
	live := c.IndexUID(JobsIndex)
	build := c.IndexUID(JobsIndex + "_build_" + strconv.FormatInt(time.Now().UnixNano(), 10))

	n, err := c.fillBuildIndex(ctx, admin, build, batches)
	renamed := false
	if err == nil {
		renamed, err = c.swapIntoLive(ctx, admin, build, live)
	}
	if err != nil {
		if dropErr := c.dropIndex(ctx, admin, build); dropErr != nil {
			err = errors.Join(err, dropErr)
		}
		return 0, fmt.Errorf("reindex %s: %w", live, err)
	}
	if renamed {
		return n, nil
	}
	// After the swap the build uid names the old live index.
	if err := c.dropIndex(ctx, admin, build); err != nil {
		return n, fmt.Errorf("reindexed %s, but the old index stays as %s: %w", live, build, err)
	}
	return n, nil
}

// fillBuildIndex creates the build index with the live settings and adds every batch. All
// batches are enqueued before waiting, so Meilisearch can index them together; each task's
// status is then checked.
func (c *Node) fillBuildIndex(ctx context.Context, admin meilisearch.ServiceManager, build string,
	batches func(yield func([]JobDoc) error) error) (int, error) {
	sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	err := c.ensureIndex(sctx, admin, build)
	if err == nil {
		_, err = c.applyJobSettings(sctx, admin, build)
	}
	cancel()
	if err != nil {
		return 0, err
	}

	var tasks []*meilisearch.TaskInfo
	err = batches(func(docs []JobDoc) error {
		if len(docs) == 0 {
			return nil
		}
		info, err := addJobs(ctx, admin, build, docs)
		if err != nil {
			return fmt.Errorf("send batch %d: %w", len(tasks)+1, err)
		}
		tasks = append(tasks, info)
		return nil
	})
	if err != nil {
		return 0, err
	}
	for i, info := range tasks {
		wctx, cancel := context.WithTimeout(ctx, writeTimeout)
		err := c.waitTask(wctx, admin, info, nil)
		cancel()
		if err != nil {
			return 0, fmt.Errorf("batch %d: %w", i+1, err)
		}
	}

	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	stats, err := admin.Index(build).GetStats(cctx, nil)
	if err != nil {
		return 0, err
	}
	return int(stats.NumberOfDocuments), nil
}

// swapIntoLive makes the build index the live one: a swap when the live index exists, a
// rename when it does not (first reindex on an empty server), which it reports.
func (c *Node) swapIntoLive(ctx context.Context, admin meilisearch.ServiceManager, build, live string) (renamed bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	exists, err := indexExists(ctx, admin, live)
	if err != nil {
		return false, err
	}
	swap := func(rename bool) error {
		cctx, ccancel := context.WithTimeout(ctx, callTimeout)
		defer ccancel()
		pair := []string{live, build}
		if rename {
			pair = []string{build, live} // rename the first to the second
		}
		info, err := admin.SwapIndexes(cctx, []*meilisearch.SwapIndexesParams{{Indexes: pair, Rename: rename}})
		return c.waitTask(ctx, admin, info, err)
	}
	if exists {
		return false, swap(false)
	}
	if err := swap(true); err != nil {
		// The live index may have appeared meanwhile (a write creates it): swap instead.
		if exists, _ := indexExists(ctx, admin, live); exists {
			return false, swap(false)
		}
		return false, err
	}
	return true, nil
}

// dropIndex deletes an index, if it exists, and waits; it runs even when ctx is canceled,
// to clean up after a failure.
func (c *Node) dropIndex(ctx context.Context, admin meilisearch.ServiceManager, uid string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	cctx, ccancel := context.WithTimeout(ctx, callTimeout)
	info, err := admin.DeleteIndex(cctx, uid)
	ccancel()
	if err != nil {
		return err
	}
	task, err := admin.WaitForTask(ctx, info.TaskUID, 20*time.Millisecond)
	if err != nil {
		return err
	}
	if task.Status != meilisearch.TaskStatusSucceeded && task.Error.Code != meilisearch.APIErrCodeIndexNotFound {
		return fmt.Errorf("delete index %s: task %d %s: %s", uid, task.UID, task.Status, task.Error.Message)
	}
	return nil
}
