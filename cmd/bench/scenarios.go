package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to create the bench database
)

// freshnessScenarios are the freshness runs beside the steady one (SPEC §4: also while a bulk
// import runs and right after a Meilisearch node restarts).
type freshnessScenarios struct {
	DuringImport       freshness `json:"during_import"`
	ImportRows         int       `json:"during_import_rows"`
	ImportStillRunning bool      `json:"import_still_running_at_end"`
	AfterRestart       freshness `json:"after_restart"`
	RestartSeconds     float64   `json:"restart_to_ready_seconds"`
}

// measureDuringImport starts `portal import jobs` of rows more postings in the background and
// measures freshness through the API while it runs; then waits for the import to end.
func measureDuringImport(ctx context.Context, o options, env environment, tmp, base string, cat catalog, sup *supervisor, p progress) (freshnessScenarios, error) {
	var sc freshnessScenarios
	sc.ImportRows = max(2000, o.n/5)
	path := filepath.Join(tmp, "during.csv")
	if err := writePostingsFile(path, cat, sc.ImportRows, o.seed+1, time.Now()); err != nil {
		return sc, err
	}
	p.step("freshness during an import of %d rows: %d postings", sc.ImportRows, o.fresh)
	imp, err := sup.start("portal import (during)", filepath.Join(tmp, "import-during.log"), childEnv(env.vars), tmp, env.portalBin,
		"import", "jobs", path, "--enterprise", strconv.FormatInt(env.employer.EnterpriseID, 10), "--quiet")
	if err != nil {
		return sc, err
	}
	time.Sleep(2 * time.Second) // let the import store its first batches and start indexing them
	if sc.DuringImport, err = measureFreshness(ctx, base, env.employer, o.fresh, o.seed+2); err != nil {
		return sc, err
	}
	sc.ImportStillRunning = !imp.exited()
	select {
	case <-imp.done:
	case <-ctx.Done():
		return sc, ctx.Err()
	}
	if imp.err != nil {
		out, _ := os.ReadFile(imp.logPath)
		return sc, fmt.Errorf("import during freshness: %w\n%s", imp.err, tail(string(out), 10))
	}
	// Let the portal's own outbox loop finish the import's tail before the next run.
	return sc, waitCaughtUp(ctx, base, 10*time.Minute)
}

// waitCaughtUp polls the portal's /metrics until every node's outbox lag is zero.
func waitCaughtUp(ctx context.Context, base string, timeout time.Duration) error {
	hc := plainHTTPClient(1)
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
		if resp, err := hc.Do(req); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			lagging, seen := false, false
			for _, line := range strings.Split(string(body), "\n") {
				if strings.HasPrefix(line, "portal_search_node_lag_entries{") {
					seen = true
					lagging = lagging || !strings.HasSuffix(line, " 0")
				}
			}
			if seen && !lagging {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return fmt.Errorf("the portal's search nodes did not catch up within %s", timeout)
}

// measureAfterRestart restarts the Meilisearch node and measures freshness as soon as the
// portal is ready again.
func measureAfterRestart(ctx context.Context, o options, env *environment, base string, srv *process, sup *supervisor, p progress, sc *freshnessScenarios) error {
	p.step("restarting Meilisearch, then freshness: %d postings", max(minFresh, o.fresh/2))
	started := time.Now()
	if err := env.meili.restart(ctx, sup); err != nil {
		return err
	}
	if err := waitOK(ctx, base+"/readyz", srv, time.Minute); err != nil {
		return err
	}
	sc.RestartSeconds = time.Since(started).Seconds()
	var err error
	sc.AfterRestart, err = measureFreshness(ctx, base, env.employer, max(minFresh, o.fresh/2), o.seed+3)
	return err
}

// disk is the space the database and the Meilisearch node take after the run.
type disk struct {
	DatabaseMB float64 `json:"database_mb"`
	MeiliMB    float64 `json:"meilisearch_mb"`
}

func measureDisk(ctx context.Context, databaseURL, meiliDir string) disk {
	var d disk
	d.MeiliMB = dirMB(meiliDir)
	if path, ok := strings.CutPrefix(databaseURL, "sqlite://"); ok {
		d.DatabaseMB = dirMB(filepath.Dir(path)) // the file with its WAL
		return d
	}
	db, err := sql.Open("pgx", databaseURL)
	if err != nil {
		return d
	}
	defer db.Close()
	var bytes int64
	if db.QueryRowContext(ctx, "SELECT pg_database_size(current_database())").Scan(&bytes) == nil {
		d.DatabaseMB = float64(bytes) / (1 << 20)
	}
	return d
}

func dirMB(dir string) float64 {
	var total int64
	_ = filepath.WalkDir(dir, func(_ string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			if info, err := e.Info(); err == nil {
				total += info.Size()
			}
		}
		return nil
	})
	return float64(total) / (1 << 20)
}

// createPostgresDatabase makes a fresh database on the server of adminURL and returns its URL
// and a function that drops it.
func createPostgresDatabase(ctx context.Context, adminURL string) (string, func(), error) {
	db, err := sql.Open("pgx", adminURL)
	if err != nil {
		return "", nil, fmt.Errorf("-pg %s: %w", adminURL, err)
	}
	name := "portal_bench_" + randomHex(5)
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = db.ExecContext(dctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		db.Close()
	}
	return u.String(), drop, nil
}
