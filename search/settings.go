package search

import (
	"context"
	"errors"
	"time"

	"github.com/meilisearch/meilisearch-go"
)

// JobsIndex is the logical name of the postings index.
const JobsIndex = "jobs"

// EnsureIndexes creates the indexes if they are missing and applies their settings; it is
// idempotent, so every start-up runs it.
func (c *Client) EnsureIndexes(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	admin, _, err := c.clients(ctx)
	if err != nil {
		return err
	}
	return c.ensureIndex(ctx, admin, c.IndexUID(JobsIndex))
}

func (c *Client) ensureIndex(ctx context.Context, admin meilisearch.ServiceManager, uid string) error {
	if _, err := admin.GetIndex(ctx, uid); err != nil {
		var me *meilisearch.Error
		if !errors.As(err, &me) || me.StatusCode != 404 {
			return err
		}
		info, err := admin.CreateIndex(ctx, &meilisearch.IndexConfig{Uid: uid, PrimaryKey: "id"})
		if err := c.waitTask(ctx, admin, info, err); err != nil {
			return err
		}
	}
	return nil
}
