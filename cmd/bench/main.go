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
}

// requestsPerSide is about how many timed searches each way the latency run makes when
// -rounds is not given, at the default -duration of 10 s; a shorter -duration (a quick run)
// makes proportionally fewer.
const requestsPerSide = 2000

func main() {
	var o options
	flag.IntVar(&o.n, "n", 100000, "synthetic postings to generate and import")
	flag.Int64Var(&o.seed, "seed", 1, "generator seed: the same seed gives the same postings on the same day")
	flag.IntVar(&o.rounds, "rounds", 0, fmt.Sprintf("timed rounds of every query each way (0: about %d requests a side per 10 s of -duration)", requestsPerSide))
	flag.IntVar(&o.warmup, "warmup", 3, "untimed rounds of every query each way before the timed ones")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each throughput run")
	flag.IntVar(&o.clients, "clients", 8, "concurrent clients of the throughput runs")
	flag.IntVar(&o.fresh, "fresh", 50, "postings created through the API to measure freshness")
	flag.IntVar(&o.rawBatch, "raw-batch", 10000, "documents per request when Meilisearch indexes on its own")
	flag.StringVar(&o.out, "out", "var/bench", "report folder, relative to the repository root")
	flag.BoolVar(&o.generateOnly, "generate-only", false, "only write the postings CSV (see -o), with town ids as a fresh `portal seed` numbers them")
	flag.StringVar(&o.csvPath, "o", "postings.csv", "with -generate-only: the CSV file to write")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary folder (database, Meilisearch data, logs)")
	flag.Parse()
	if o.n < 1 || o.clients < 1 || o.fresh < 1 || o.rawBatch < 1 || o.duration <= 0 || o.rounds < 0 || o.warmup < 0 {
		fmt.Fprintln(os.Stderr, "bench: -n, -clients, -fresh, -raw-batch and -duration must be positive, -rounds and -warmup not negative")
		os.Exit(2)
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
	p.step("building the portal")
	bin, err := buildPortal(ctx, root, tmp)
	if err != nil {
		return report{}, err
	}
	p.step("starting Meilisearch")
	meili, err := startMeili(ctx, sup, root, filepath.Join(tmp, "meili"))
	if err != nil {
		return report{}, err
	}
	secret := randomHex(24)
	databaseURL := "sqlite://" + filepath.Join(tmp, "portal.db")
	vars := map[string]string{"DATABASE_URL": databaseURL, "MEILI_URL": meili.url, "MEILI_MASTER_KEY": meili.masterKey,
		"PORTAL_SECRET": secret, "PORTAL_VAR": filepath.Join(tmp, "var"), "FILES_DIR": filepath.Join(tmp, "files")}
	env := childEnv(vars)

	p.step("migrating and seeding a fresh SQLite database")
	for _, cmd := range []string{"migrate", "seed"} {
		if _, err := sup.run(ctx, "portal "+cmd, filepath.Join(tmp, cmd+".log"), env, bin, cmd); err != nil {
			return report{}, err
		}
	}
	// A running portal has applied the index settings before anyone imports.
	index := search.New(meili.url, meili.masterKey, "")
	if err := index.EnsureIndexes(ctx); err != nil {
		return report{}, fmt.Errorf("index settings: %w", err)
	}
	emp, towns, err := createEmployer(ctx, databaseURL, []byte(secret), index)
	if err != nil {
		return report{}, err
	}
	if err := cat.useTownIDs(towns); err != nil {
		return report{}, err
	}
	p.step("generating %d postings (seed %d)", o.n, o.seed)
	csvPath := filepath.Join(tmp, "postings.csv")
	if err := writePostingsFile(csvPath, cat, o.n, o.seed, time.Now()); err != nil {
		return report{}, err
	}

	p.step("timing portal import jobs")
	imp, err := timeImport(ctx, sup, bin, filepath.Join(tmp, "import.log"), env, csvPath, emp.EnterpriseID, meili)
	if err != nil {
		return report{}, err
	}
	p.step("imported %d rows in %s (indexing %s); timing Meilisearch indexing the same documents", imp.Rows, imp.Total.Round(time.Millisecond), imp.Indexing)
	raw, err := timeRawIndexing(ctx, meili, o.rawBatch)
	if err != nil {
		return report{}, err
	}
	p.step("Meilisearch indexed them in %s; starting portal serve", raw.Wall.Round(time.Millisecond))

	addr, err := freeAddr()
	if err != nil {
		return report{}, err
	}
	vars["PORTAL_ADDR"] = addr
	srv, err := sup.start("portal serve", filepath.Join(tmp, "serve.log"), childEnv(vars), tmp, bin, "serve")
	if err != nil {
		return report{}, err
	}
	base := "http://" + addr
	if err := waitOK(ctx, base+"/readyz", srv, time.Minute); err != nil {
		return report{}, err
	}

	qs, err := prepareQueries(benchQueries, towns, search.Day(time.Now()))
	if err != nil {
		return report{}, err
	}
	api, rawS := apiSearcher(base, 1), rawSearcher(meili, search.JobsIndex, 1)
	checks, err := checkEquivalence(ctx, api, rawS, qs)
	if err != nil {
		return report{}, err
	}
	rounds := o.rounds
	if rounds == 0 {
		perSide := requestsPerSide * o.duration.Seconds() / 10
		rounds = max(3, int(math.Ceil(perSide/float64(len(qs)))))
	}
	p.step("search latency: %d queries × %d rounds each way, one client", len(qs), rounds)
	lat, err := measureLatency(ctx, api, rawS, qs, o.warmup, rounds)
	if err != nil {
		return report{}, err
	}
	p.step("throughput straight to Meilisearch: %d clients for %s", o.clients, o.duration)
	clock := cpuClock{portal: srv.pid(), meili: meili.proc.pid(), self: os.Getpid()}
	thrRaw, err := measureThroughput(ctx, rawSearcher(meili, search.JobsIndex, 2*o.clients), qs, o.clients, o.duration, clock)
	if err != nil {
		return report{}, err
	}
	p.step("throughput through the portal API: %d clients for %s", o.clients, o.duration)
	thrAPI, err := measureThroughput(ctx, apiSearcher(base, 2*o.clients), qs, o.clients, o.duration, clock)
	if err != nil {
		return report{}, err
	}
	p.step("freshness: %d postings through POST /api/v1/jobs", o.fresh)
	fresh, err := measureFreshness(ctx, base, emp, o.fresh, o.seed)
	if err != nil {
		return report{}, err
	}
	portalMem, err := readMemory(srv.pid())
	if err != nil {
		return report{}, fmt.Errorf("portal memory: %w", err)
	}
	meiliMem, _ := readMemory(meili.proc.pid())
	p.step("done")

	f := figures{
		machine: machine{CPUs: runtime.NumCPU(), CPU: cpuModel(), Go: runtime.Version(), Meilisearch: meili.version,
			LoadBefore: loadBefore, LoadAfter: loadAverage()},
		settings: settings{Postings: o.n, Seed: o.seed, Queries: len(qs), WarmupRounds: o.warmup, Rounds: rounds,
			Clients: o.clients, DurationSeconds: o.duration.Seconds(), FreshPostings: o.fresh},
		imp: imp, raw: raw, checks: checks, lat: lat, thrAPI: thrAPI, thrRaw: thrRaw, fresh: fresh, portal: portalMem, meili: meiliMem,
	}
	return newReport(f, time.Now()), nil
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
