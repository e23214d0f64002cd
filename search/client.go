// Package search keeps the Meilisearch indexes of the portal: the nodes and their keys, index
// settings, documents, filter building, the outbox worker and reindexing.
package search

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/meilisearch/meilisearch-go"
)

// Node talks to one Meilisearch server. Writes use the admin API key and searches the
// search API key; the master key is used only to look those keys up, on first need, so the
// portal starts (and accepts postings) while Meilisearch is still down.
type Node struct {
	url       string
	masterKey string
	prefix    string // index uid prefix, so tests can share a server
	hc        *http.Client
	health    meilisearch.ServiceManager

	mu     sync.Mutex
	admin  meilisearch.ServiceManager
	search meilisearch.ServiceManager
}

// callTimeout bounds every call: the SDK's own http.Client has none.
const callTimeout = 5 * time.Second

// newHTTPClient returns a client without gzip: with compression on a reused connection each
// search stalls about 44 ms (STYLE.md).
func newHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		DisableCompression:  true,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	}}
}

// NewNode makes a client for the server at url; prefix is prepended to every index uid (""
// in production). Nothing is sent until the first call.
func NewNode(url, masterKey, prefix string) *Node {
	hc := newHTTPClient()
	return &Node{url: url, masterKey: masterKey, prefix: prefix, hc: hc,
		health: meilisearch.New(url, meilisearch.WithCustomClient(hc))}
}

// clients returns the admin and search clients, looking the API keys up with the master key
// the first time it succeeds. A server without a master key (development) takes none.
func (c *Node) clients(ctx context.Context) (admin, search meilisearch.ServiceManager, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.admin != nil {
		return c.admin, c.search, nil
	}
	if c.masterKey == "" {
		c.admin, c.search = c.health, c.health
		return c.admin, c.search, nil
	}
	master := meilisearch.New(c.url, meilisearch.WithAPIKey(c.masterKey), meilisearch.WithCustomClient(c.hc))
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	keys, err := master.GetKeys(ctx, &meilisearch.KeysQuery{Limit: 100})
	if err != nil {
		return nil, nil, fmt.Errorf("meilisearch at %s: cannot list API keys with MEILI_MASTER_KEY: %w", c.url, err)
	}
	var adminKey, searchKey string
	for _, k := range keys.Results {
		switch k.Name {
		case "Default Admin API Key":
			adminKey = k.Key
		case "Default Search API Key":
			searchKey = k.Key
		}
	}
	if adminKey == "" || searchKey == "" {
		return nil, nil, errors.New("meilisearch: the server has no default admin and search API keys")
	}
	c.admin = meilisearch.New(c.url, meilisearch.WithAPIKey(adminKey), meilisearch.WithCustomClient(c.hc))
	c.search = meilisearch.New(c.url, meilisearch.WithAPIKey(searchKey), meilisearch.WithCustomClient(c.hc))
	return c.admin, c.search, nil
}

// Ready reports whether the server answers its health check.
func (c *Node) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	h, err := c.health.Health(ctx)
	if err != nil {
		return err
	}
	if h.Status != "available" {
		return fmt.Errorf("meilisearch status %q", h.Status)
	}
	return nil
}

// URL is the node's address, as MEILI_URL names it.
func (c *Node) URL() string { return c.url }

// Name is the node's key in the outbox cursors: its URL, and the index prefix when there is
// one (tests share a server under several prefixes).
func (c *Node) Name() string {
	if c.prefix == "" {
		return c.url
	}
	return c.url + "#" + c.prefix
}

// IndexUID is the uid of a logical index ("jobs", "programs") on this client.
func (c *Node) IndexUID(name string) string { return c.prefix + name }

// waitTask waits for an asynchronous task and turns a failed task into an error: a 202 can
// still end as failed.
func (c *Node) waitTask(ctx context.Context, admin meilisearch.ServiceManager, info *meilisearch.TaskInfo, err error) error {
	if err != nil {
		return err
	}
	return c.waitTasks(ctx, admin, []int64{info.TaskUID}, nil)
}

// errYielded is a batch that gave way to live changes: Meilisearch cancelled it unfinished.
var errYielded = errors.New("search: batch cancelled to let live changes through")

// yieldCheck is how often a batch that may give way asks whether it should.
const yieldCheck = 50 * time.Millisecond

// wait is waitTasks with the node's admin client.
func (c *Node) wait(ctx context.Context, uids []int64, yield func() bool) error {
	if len(uids) == 0 {
		return nil
	}
	admin, _, err := c.clients(ctx)
	if err != nil {
		return err
	}
	return c.waitTasks(ctx, admin, uids, yield)
}

// waitTasks waits for tasks in the order Meilisearch processes them; a failed task is an
// error. When yield says so, the tasks not finished are cancelled (Meilisearch interrupts
// the one it is processing) and, if one of them ended cancelled, the answer is errYielded.
func (c *Node) waitTasks(ctx context.Context, admin meilisearch.ServiceManager, uids []int64, yield func() bool) error {
	p := taskPoller{yield: yield, lastCheck: time.Now()}
	for len(uids) > 0 {
		task, err := getTask(ctx, admin, uids[0])
		if err != nil {
			return err
		}
		switch task.Status {
		case meilisearch.TaskStatusSucceeded:
			uids = uids[1:]
			continue
		case meilisearch.TaskStatusFailed, meilisearch.TaskStatusCanceled:
			return fmt.Errorf("meilisearch task %d %s: %s", task.UID, task.Status, task.Error.Message)
		}
		giveWay, err := p.next(ctx)
		if err != nil {
			return err
		}
		if giveWay {
			return c.cancelTasks(ctx, admin, uids)
		}
	}
	return nil
}

// waitTaken waits until Meilisearch has taken a task into a batch (it is processing or has
// finished), so what is sent after it goes into the next batch; errYielded when yield says
// so first. A failed task is left to the wait for it.
func (c *Node) waitTaken(ctx context.Context, uid int64, yield func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	admin, _, err := c.clients(ctx)
	if err != nil {
		return err
	}
	p := taskPoller{yield: yield, lastCheck: time.Now()}
	for {
		task, err := getTask(ctx, admin, uid)
		if err != nil || task.Status != meilisearch.TaskStatusEnqueued {
			return err
		}
		giveWay, err := p.next(ctx)
		if err != nil {
			return err
		}
		if giveWay {
			return errYielded
		}
	}
}

// taskPoller paces a wait on Meilisearch's tasks: a read every taskPoll, and yield (when not
// nil) asked every yieldCheck whether the wait should give way.
type taskPoller struct {
	yield     func() bool
	lastCheck time.Time
}

// taskPoll is how often a waited task is read again.
const taskPoll = 20 * time.Millisecond

// next waits until the next read; true when yield says to give way instead.
func (p *taskPoller) next(ctx context.Context) (bool, error) {
	if p.yield != nil && time.Since(p.lastCheck) >= yieldCheck {
		p.lastCheck = time.Now()
		if p.yield() {
			return true, nil
		}
	}
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case <-time.After(taskPoll):
		return false, nil
	}
}

// cancel is cancelTasks with the node's admin client.
func (c *Node) cancel(ctx context.Context, uids []int64) error {
	admin, _, err := c.clients(ctx)
	if err != nil {
		return err
	}
	return c.cancelTasks(ctx, admin, uids)
}

// cancelTasks cancels tasks and waits for the cancellation; errYielded when one of them
// ended cancelled rather than finished first.
func (c *Node) cancelTasks(ctx context.Context, admin meilisearch.ServiceManager, uids []int64) error {
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	info, err := admin.CancelTasks(cctx, &meilisearch.CancelTasksQuery{UIDS: uids})
	cancel()
	if err := c.waitTask(ctx, admin, info, err); err != nil {
		return fmt.Errorf("cancel tasks %v: %w", uids, err)
	}
	yielded := false
	for _, uid := range uids {
		task, err := getTask(ctx, admin, uid)
		if err != nil {
			return err
		}
		switch task.Status {
		case meilisearch.TaskStatusCanceled:
			yielded = true
		case meilisearch.TaskStatusFailed:
			return fmt.Errorf("meilisearch task %d failed: %s", task.UID, task.Error.Message)
		}
	}
	if yielded {
		return errYielded
	}
	return nil
}

func getTask(ctx context.Context, admin meilisearch.ServiceManager, uid int64) (*meilisearch.Task, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return admin.GetTask(ctx, uid)
}
