package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"time"

	"github.com/redis/go-redis/v9"

	"portal/config"
	"portal/handlers"
	"portal/search"
)

// serve runs the web server until ctx ends (SIGTERM or SIGINT), then drains the requests in
// flight and closes its connections.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	store, err := openCurrent(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	if os.Getenv("GOGC") == "" {
		// The server's heap stays near 50 MB; collecting half as often buys search CPU
		// (garbage collection was 11% of it under load) for memory well under the target.
		debug.SetGCPercent(200)
	}

	var rdb *redis.Client
	if cfg.RedisURL != "" {
		rdb, err = handlers.NewRedisClient(cfg.RedisURL)
		if err != nil {
			return err
		}
		defer rdb.Close()
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		if err := rdb.Ping(pctx).Err(); err != nil {
			log.Warn("redis is not answering; counting in process until it does", "err", err)
		}
		cancel()
	}

	// Every node gets its own outbox loop (which creates its indexes and rebuilds it when
	// it has none); the router watches which nodes are up and caught up. On PostgreSQL each
	// node's loop runs in one process at a time (an advisory lock), the alerts and sweeps in
	// one process of all (a lease).
	meili := search.NewCluster(cfg.MeiliURLs, cfg.MeiliMasterKey, "")
	indexer := search.NewIndexer(store, meili, rdb, log)
	workers, stopWorkers := context.WithCancel(context.Background())
	defer stopWorkers()
	go meili.Watch(workers, store, log, 250*time.Millisecond)
	go indexer.Run(workers)
	go indexer.SweepExpired(workers, 5*time.Minute)
	// Alerts are checked every 20 s so a match arrives within a minute even when the
	// process holding the lease dies and another takes over.
	go search.NewAlerter(store, meili, log, time.Now).Run(workers, 20*time.Second)

	app, err := handlers.New(handlers.Deps{Store: store, Search: meili, Redis: rdb, Log: log, Indexer: indexer, FilesDir: cfg.FilesDir,
		TrustedProxies: cfg.TrustedProxies, SecureCookies: cfg.SecureCookies,
		Operator: cfg.Operator, Hotline: cfg.Hotline, ICP: cfg.ICP})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("PORTAL_ADDR: cannot listen on %s: %w", cfg.Addr, err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Fiber.Listener(newSilentListener(ln)) }()
	fmt.Fprintf(stdout, "Portal is running at http://%s/\n", ln.Addr())
	log.Info("listening", "addr", ln.Addr().String())

	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests in flight")
	if err := app.Fiber.ShutdownWithTimeout(10 * time.Second); err != nil {
		return err
	}
	<-done
	log.Info("stopped")
	return nil
}
