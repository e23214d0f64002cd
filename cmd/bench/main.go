// Command bench measures the portal against the Meilisearch under it (issue 3 part 10): the
// bulk import against Meilisearch's own indexing of the same documents, search latency and
// throughput through the API against the same searches sent straight to Meilisearch,
// freshness (201 → searchable) and the memory of `portal serve`. It starts its own
// Meilisearch and portal on free 127.0.0.1 ports with a fresh SQLite database, writes
// var/bench/report.md and report.json and prints the table. Missed targets are reported,
// not failed: only a real error exits non-zero.
//
//	go run ./cmd/bench                      # 100,000 postings, several minutes
//	go run ./cmd/bench -n 2000 -duration 2s # a quick run
//	go run ./cmd/bench -generate-only -n 1000 -o postings.csv
package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"portal/models"
	"portal/search"
)

// options are the flags.
type options struct {
	n            int
	seed         int64
	rounds       int
	warmup       int
	duration     time.Duration
	clients      int
	fresh        int
	rawBatch     int
	out          string
	generateOnly bool
	csvPath      string
	keep         bool
	database     string // sqlite or postgres
	pgAdmin      string // a PostgreSQL URL the bench may create a database with
	meiliMemory  string // Meilisearch's --max-indexing-memory; empty: its own default
}

// The latency and freshness runs are sized by -duration unless -rounds and -fresh say
// otherwise: at the default 10 s, about requestsPerSide timed searches each way and
// freshPer10s new postings; a quick run (-duration 2s) makes proportionally fewer.
const (
	requestsPerSide = 2000
	freshPer10s     = 50
	minFresh        = 10
)

func main() {
	var o options
	flag.IntVar(&o.n, "n", 100000, "synthetic postings to generate and import")
	flag.Int64Var(&o.seed, "seed", 1, "generator seed: the same seed gives the same postings on the same day")
	flag.IntVar(&o.rounds, "rounds", 0, fmt.Sprintf("timed rounds of every query each way (0: about %d requests a side per 10 s of -duration)", requestsPerSide))
	flag.IntVar(&o.warmup, "warmup", 3, "untimed rounds of every query each way before the timed ones")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each throughput run; also sizes the latency and freshness runs")
	flag.IntVar(&o.clients, "clients", 8, "concurrent clients of the throughput runs")
	flag.IntVar(&o.fresh, "fresh", 0, fmt.Sprintf("postings created through the API to measure freshness (0: %d per 10 s of -duration, at least %d)", freshPer10s, minFresh))
	flag.IntVar(&o.rawBatch, "raw-batch", 10000, "documents per request when Meilisearch indexes on its own")
	flag.StringVar(&o.out, "out", "var/bench", "report folder, relative to the repository root")
	flag.BoolVar(&o.generateOnly, "generate-only", false, "only write the postings CSV (see -o), with town ids as a fresh 'portal seed' numbers them")
	flag.StringVar(&o.csvPath, "o", "postings.csv", "with -generate-only: the CSV file to write")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary folder (database, Meilisearch data, logs)")
	flag.StringVar(&o.database, "database", "sqlite", "sqlite (a fresh file) or postgres (a fresh database on the -pg server, dropped afterwards)")
	flag.StringVar(&o.pgAdmin, "pg", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "with -database postgres: the server to create the database on")
	flag.StringVar(&o.meiliMemory, "meili-memory", "512MiB", "Meilisearch's --max-indexing-memory, as the project's scripts start it (empty: Meilisearch's default, two thirds of RAM)")
	flag.Parse()
	if o.database != "sqlite" && o.database != "postgres" {
		fmt.Fprintln(os.Stderr, "bench: -database must be sqlite or postgres")
		os.Exit(2)
	}
	if o.n < 1 || o.clients < 1 || o.rawBatch < 1 || o.duration <= 0 || o.fresh < 0 || o.rounds < 0 || o.warmup < 0 {
		fmt.Fprintln(os.Stderr, "bench: -n, -clients, -raw-batch and -duration must be positive, -fresh, -rounds and -warmup not negative")
		os.Exit(2)
	}
	if o.fresh == 0 {
		o.fresh = max(minFresh, int(math.Round(freshPer10s*o.duration.Seconds()/10)))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run generates the postings, or runs the whole benchmark.
func run(ctx context.Context, o options, stdout, stderr io.Writer) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	cat, err := loadCatalog(root)
	if err != nil {
		return err
	}
	if o.generateOnly {
		if err := writePostingsFile(o.csvPath, cat, o.n, o.seed, time.Now()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %d postings to %s\n", o.n, o.csvPath)
		return nil
	}
	tmp, err := os.MkdirTemp("", "portal-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(stderr, "bench: keeping", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	sup := newSupervisor()
	defer sup.stopAll()
	rep, err := benchmark(ctx, o, root, tmp, cat, sup, progress{w: stderr, start: time.Now()})
	if err != nil {
		return err
	}
	dir := filepath.Join(root, o.out)
	if err := rep.write(dir); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%s\nreport: %s\n", rep.table(), filepath.Join(dir, "report.md"))
	return nil
}

// progress prints what the benchmark is doing, with the time since it started.
type progress struct {
	w     io.Writer
	start time.Time
}

func (p progress) step(format string, args ...any) {
	fmt.Fprintf(p.w, "bench %6.1fs  %s\n", time.Since(p.start).Seconds(), fmt.Sprintf(format, args...))
}

// benchmark sets everything up in tmp and takes every measurement in turn.
func benchmark(ctx context.Context, o options, root, tmp string, cat catalog, sup *supervisor, p progress) (report, error) {
	loadBefore := loadAverage()
	env, err := setUp(ctx, o, root, tmp, cat, sup, p)
	if err != nil {
		return report{}, err
	}
	p.step("timing portal import jobs")
	imp, err := timeImport(ctx, sup, env.portalBin, filepath.Join(tmp, "import.log"), childEnv(env.vars), env.csvPath, env.employer.EnterpriseID, env.meili)
	if err != nil {
		return report{}, err
	}
	p.step("imported %d rows in %s (indexing %s); timing Meilisearch indexing the same documents", imp.Rows, imp.Total.Round(time.Millisecond), imp.Indexing)
	raw, err := timeRawIndexing(ctx, env.meili, o.rawBatch)
	if err != nil {
		return report{}, err
	}
	p.step("Meilisearch indexed them in %s; starting portal serve", raw.Wall.Round(time.Millisecond))

	addr, err := freeAddr()
	if err != nil {
		return report{}, err
	}
	env.vars["PORTAL_ADDR"] = addr
	srv, err := sup.start("portal serve", filepath.Join(tmp, "serve.log"), childEnv(env.vars), tmp, env.portalBin, "serve")
	if err != nil {
		return report{}, err
	}
	base := "http://" + addr
	if err := waitOK(ctx, base+"/readyz", srv, time.Minute); err != nil {
		return report{}, err
	}
	f, err := measureSearch(ctx, o, env, base, srv, p)
	if err != nil {
		return report{}, err
	}
	p.step("freshness: %d postings through POST /api/v1/jobs, then closed", o.fresh)
	if f.fresh, err = measureFreshness(ctx, base, env.employer, o.fresh, o.seed); err != nil {
		return report{}, err
	}
	if f.portal, err = readMemory(srv.pid()); err != nil {
		return report{}, fmt.Errorf("portal memory: %w", err)
	}
	f.meili, _ = readMemory(env.meili.proc.pid())
	if f.scenarios, err = measureDuringImport(ctx, o, env, tmp, base, cat, sup, p); err != nil {
		return report{}, err
	}
	if err := measureAfterRestart(ctx, o, &env, base, srv, sup, p, &f.scenarios); err != nil {
		return report{}, err
	}
	f.disk = measureDisk(ctx, env.vars["DATABASE_URL"], env.meili.dir)
	p.step("done")

	f.imp, f.raw = imp, raw
	f.machine = machine{CPUs: runtime.NumCPU(), CPU: cpuModel(), Go: runtime.Version(), Meilisearch: env.meili.version,
		LoadBefore: loadBefore, LoadAfter: loadAverage()}
	f.settings.Postings, f.settings.Seed, f.settings.FreshPostings, f.settings.Database = o.n, o.seed, o.fresh, o.database
	return newReport(f, time.Now()), nil
}

// environment is what the measurements run against.
type environment struct {
	portalBin string
	meili     meiliServer
	vars      map[string]string // the portal's environment variables
	employer  employer
	towns     []models.Town
	csvPath   string
}

// setUp builds the portal, starts Meilisearch, prepares a fresh database with the
// employer and writes the postings to import.
func setUp(ctx context.Context, o options, root, tmp string, cat catalog, sup *supervisor, p progress) (environment, error) {
	var env environment
	var err error
	p.step("building the portal")
	if env.portalBin, err = buildPortal(ctx, root, tmp); err != nil {
		return env, err
	}
	p.step("starting Meilisearch")
	if env.meili, err = startMeili(ctx, sup, root, filepath.Join(tmp, "meili"), o.meiliMemory); err != nil {
		return env, err
	}
	secret := randomHex(24)
	databaseURL := "sqlite://" + filepath.Join(tmp, "db", "portal.db")
	if err := os.MkdirAll(filepath.Join(tmp, "db"), 0o755); err != nil {
		return env, err
	}
	if o.database == "postgres" {
		url, drop, err := createPostgresDatabase(ctx, o.pgAdmin)
		if err != nil {
			return env, err
		}
		if !o.keep {
			sup.onStop(drop)
		}
		databaseURL = url
	}
	env.vars = map[string]string{"DATABASE_URL": databaseURL, "MEILI_URL": env.meili.url, "MEILI_MASTER_KEY": env.meili.masterKey,
		"PORTAL_SECRET": secret, "PORTAL_VAR": filepath.Join(tmp, "var"), "FILES_DIR": filepath.Join(tmp, "files")}

	p.step("migrating and seeding a fresh %s database", o.database)
	for _, cmd := range []string{"migrate", "seed"} {
		if _, _, err := sup.run(ctx, "portal "+cmd, filepath.Join(tmp, cmd+".log"), childEnv(env.vars), env.portalBin, cmd); err != nil {
			return env, err
		}
	}
	// A running portal has applied the index settings before anyone imports.
	index := search.New(env.meili.url, env.meili.masterKey, "")
	if err := index.EnsureIndexes(ctx); err != nil {
		return env, fmt.Errorf("index settings: %w", err)
	}
	if env.employer, env.towns, err = createEmployer(ctx, databaseURL, []byte(secret), index); err != nil {
		return env, err
	}
	if err := cat.useTownIDs(env.towns); err != nil {
		return env, err
	}
	p.step("generating %d postings (seed %d)", o.n, o.seed)
	env.csvPath = filepath.Join(tmp, "postings.csv")
	return env, writePostingsFile(env.csvPath, cat, o.n, o.seed, time.Now())
}

// measureSearch checks that both ways find the same, then times them: one client side by
// side, then each way under concurrent clients.
func measureSearch(ctx context.Context, o options, env environment, base string, srv *process, p progress) (figures, error) {
	var f figures
	qs, err := prepareQueries(benchQueries, env.towns, search.Day(time.Now()))
	if err != nil {
		return f, err
	}
	api, raw := apiSearcher(base, 1), rawSearcher(env.meili, search.JobsIndex, 1)
	if f.checks, err = checkEquivalence(ctx, api, raw, qs); err != nil {
		return f, err
	}
	rounds := o.rounds
	if rounds == 0 {
		perSide := requestsPerSide * o.duration.Seconds() / 10
		rounds = max(3, int(math.Ceil(perSide/float64(len(qs)))))
	}
	f.settings = settings{MeiliMemory: cmp.Or(o.meiliMemory, "default"), Queries: len(qs), WarmupRounds: o.warmup, Rounds: rounds, Clients: o.clients, DurationSeconds: o.duration.Seconds()}
	clock := cpuClock{portal: srv.pid(), meili: env.meili.proc.pid(), self: os.Getpid()}
	p.step("search latency: %d queries × %d rounds each way, one client", len(qs), rounds)
	before := clock.read()
	if f.lat, err = measureLatency(ctx, api, raw, qs, o.warmup, rounds); err != nil {
		return f, err
	}
	f.lat.OtherCPUs = before.to(clock.read()).otherCPUs()
	p.step("throughput: %d clients, %s each way in alternating slices", o.clients, o.duration)
	f.thrAPI, f.thrRaw, err = measureThroughput(ctx, apiSearcher(base, 2*o.clients), rawSearcher(env.meili, search.JobsIndex, 2*o.clients),
		qs, o.clients, o.duration, clock)
	return f, err
}

// repoRoot finds the folder of the portal module's go.mod, from the working directory up.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			if first, _, _ := strings.Cut(string(b), "\n"); strings.TrimSpace(first) == "module portal" {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run the benchmark inside the portal repository (no go.mod of module portal found)")
		}
		dir = parent
	}
}

// cpuModel names the processor, from /proc/cpuinfo where there is one.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// loadAverage is the machine's 1, 5 and 15 minute load averages: other work on the machine
// shows in the figures.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " / ")
}
