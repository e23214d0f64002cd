package search

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"portal/internal/testsvc"
)

// TestNotifyNeverWaitsForAHungRedis: a Redis that accepts connections and never answers (as
// one stopped with SIGSTOP does) holds no request: Notify returns at once, whatever the
// client's own timeouts, and the publication gives up on its own deadline.
func TestNotifyNeverWaitsForAHungRedis(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // read nothing, answer nothing
		}
	}()
	rdb := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second,
		ContextTimeoutEnabled: true, MaxRetries: -1})
	defer rdb.Close()
	url, key := testsvc.Meili(t)
	store, _, _ := clusterStore(t, testsvc.Databases(t)[0].URL)
	ix := NewIndexer(store, New(url, key, testsvc.UniqueName(t, "n")+"_"), rdb, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for range 5 {
		start := time.Now()
		ix.Notify(context.Background())
		if d := time.Since(start); d > 300*time.Millisecond {
			t.Fatalf("Notify held the request %v on a hung Redis", d)
		}
	}
	waitFor(t, "the background publication gives up", func() bool { return !ix.publishing.Load() })
}
