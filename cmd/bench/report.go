package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// report is every figure of one run; it is written as JSON and as markdown.
type report struct {
	Date     string             `json:"date"`
	Machine  machine            `json:"machine"`
	Settings settings           `json:"settings"`
	Indexing indexing           `json:"indexing"`
	Latency  latency            `json:"latency"`
	Queries  []queryRow         `json:"queries"`
	Through  throughputs        `json:"throughput"`
	Fresh    freshness          `json:"freshness"`
	More     freshnessScenarios `json:"freshness_scenarios"`
	Disk     disk               `json:"disk"`
	Memory   memoryMB           `json:"memory"`
	Targets  []target           `json:"targets"`
}

// machine says where the figures were taken.
type machine struct {
	CPUs        int    `json:"cpus"`
	CPU         string `json:"cpu"`
	Go          string `json:"go"`
	Meilisearch string `json:"meilisearch"`
	LoadBefore  string `json:"load_average_before"` // of the whole machine, when the measurements began
	LoadAfter   string `json:"load_average_after"`
}

// settings are the flags of the run.
type settings struct {
	Postings        int     `json:"postings"`
	Seed            int64   `json:"seed"`
	Queries         int     `json:"queries"`
	WarmupRounds    int     `json:"warmup_rounds"`
	Rounds          int     `json:"rounds"`
	Clients         int     `json:"clients"`
	DurationSeconds float64 `json:"throughput_seconds"`
	FreshPostings   int     `json:"fresh_postings"`
	Database        string  `json:"database"`
	MeiliMemory     string  `json:"meili_max_indexing_memory"`
}

// indexing compares the bulk import with Meilisearch indexing the same documents alone.
type indexing struct {
	Rows                 int     `json:"rows"`
	ImportSeconds        float64 `json:"import_seconds"`
	ImportStoreSeconds   float64 `json:"import_store_seconds"`
	ImportIndexSeconds   float64 `json:"import_index_seconds"`
	ImportTasks          int     `json:"import_meili_tasks"`
	ImportMeiliBusy      float64 `json:"import_meili_busy_seconds"`
	ImportTaskFirst      float64 `json:"import_task_seconds_first_tenth"`
	ImportTaskLast       float64 `json:"import_task_seconds_last_tenth"`
	RawSeconds           float64 `json:"raw_seconds"`
	RawBatches           int     `json:"raw_batches"`
	RawBatchSize         int     `json:"raw_batch_size"`
	RawMeiliSpanSeconds  float64 `json:"raw_meili_span_seconds"`
	RawMeiliBusySeconds  float64 `json:"raw_meili_busy_seconds"`
	ImportOtherCPUs      float64 `json:"import_other_cpus"`
	RawOtherCPUs         float64 `json:"raw_other_cpus"`
	ImportToRaw          float64 `json:"import_to_raw"`
	ImportIndexToRawRate float64 `json:"import_index_phase_to_raw"`
}

// latency is the one-client, side-by-side run.
type latency struct {
	API      summary `json:"api"`
	Raw      summary `json:"raw"`
	P50Ratio float64 `json:"p50_ratio"`
	P95Ratio float64 `json:"p95_ratio"`
	P99Ratio float64 `json:"p99_ratio"`
	// OtherCPUs is how many processors other programs on the machine kept busy meanwhile.
	OtherCPUs float64 `json:"other_cpus"`
}

// queryRow is one query's figures.
type queryRow struct {
	queryCheck
	APIP50 float64 `json:"api_p50_ms"`
	RawP50 float64 `json:"raw_p50_ms"`
	APIP99 float64 `json:"api_p99_ms"`
	RawP99 float64 `json:"raw_p99_ms"`
}

// throughputs are the concurrent runs both ways.
type throughputs struct {
	API   throughput `json:"api"`
	Raw   throughput `json:"raw"`
	Ratio float64    `json:"ratio"`
}

// memoryMB is the resident memory of the processes after the load.
type memoryMB struct {
	PortalRSS  float64 `json:"portal_rss_mb"`
	PortalPeak float64 `json:"portal_peak_mb"`
	MeiliRSS   float64 `json:"meilisearch_rss_mb"`
}

// target is one goal of issue 3 part 10 and whether this run met it.
type target struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Limit  string  `json:"limit"`
	Passed bool    `json:"passed"`
}

// figures is what the measurements produced, for newReport.
type figures struct {
	machine   machine
	settings  settings
	imp       importResult
	raw       rawIndexResult
	checks    []queryCheck
	lat       latencyRun
	thrAPI    throughput
	thrRaw    throughput
	fresh     freshness
	portal    memory
	meili     memory
	scenarios freshnessScenarios
	disk      disk
}

// newReport computes the ratios and judges the targets.
func newReport(f figures, now time.Time) report {
	r := report{Date: now.Format(time.RFC3339), Machine: f.machine, Settings: f.settings, Fresh: f.fresh, More: f.scenarios, Disk: f.disk}
	r.Indexing = indexing{
		Rows: f.imp.Rows, ImportSeconds: f.imp.Total.Seconds(), ImportStoreSeconds: f.imp.Storing.Seconds(),
		ImportIndexSeconds: f.imp.Indexing.Seconds(), ImportTasks: f.imp.Meili.Tasks, ImportMeiliBusy: f.imp.Meili.Busy.Seconds(),
		ImportTaskFirst: f.imp.Meili.FirstTenth.Seconds(), ImportTaskLast: f.imp.Meili.LastTenth.Seconds(),
		RawSeconds: f.raw.Wall.Seconds(), RawBatches: f.raw.Batches, RawBatchSize: f.raw.BatchSize,
		RawMeiliSpanSeconds: f.raw.Meili.Span.Seconds(), RawMeiliBusySeconds: f.raw.Meili.Busy.Seconds(),
		ImportOtherCPUs: f.imp.OtherCPUs, RawOtherCPUs: f.raw.OtherCPUs,
		ImportToRaw: ratio(f.imp.Total.Seconds(), f.raw.Wall.Seconds()), ImportIndexToRawRate: ratio(f.imp.Indexing.Seconds(), f.raw.Wall.Seconds()),
	}
	api, raw := summarize(flatten(f.lat.API)), summarize(flatten(f.lat.Raw))
	r.Latency = latency{API: api, Raw: raw, P50Ratio: ratio(api.P50, raw.P50), P95Ratio: ratio(api.P95, raw.P95), P99Ratio: ratio(api.P99, raw.P99),
		OtherCPUs: f.lat.OtherCPUs}
	for i, c := range f.checks {
		a, w := summarize(f.lat.API[i]), summarize(f.lat.Raw[i])
		r.Queries = append(r.Queries, queryRow{queryCheck: c, APIP50: a.P50, RawP50: w.P50, APIP99: a.P99, RawP99: w.P99})
	}
	r.Through = throughputs{API: f.thrAPI, Raw: f.thrRaw, Ratio: ratio(f.thrAPI.PerSecond, f.thrRaw.PerSecond)}
	r.Memory = memoryMB{PortalRSS: mb(f.portal.RSSKB), PortalPeak: mb(f.portal.PeakKB), MeiliRSS: mb(f.meili.RSSKB)}
	r.Targets = []target{
		{"API p50 / raw p50", r.Latency.P50Ratio, "≤ 1.25×", r.Latency.P50Ratio <= 1.25},
		{"API p99 / raw p99", r.Latency.P99Ratio, "≤ 1.5×", r.Latency.P99Ratio <= 1.5},
		{"API throughput / raw", r.Through.Ratio, "≥ 0.80", r.Through.Ratio >= 0.8},
		{"bulk import / raw indexing", r.Indexing.ImportToRaw, "≤ 1.25×", r.Indexing.ImportToRaw <= 1.25},
		{"freshness p99 (s)", f.fresh.Delay.P99 / 1000, "≤ 1 s", f.fresh.Found == f.fresh.Postings && f.fresh.Delay.P99 <= 1000},
		{"closing p99 (s)", f.fresh.Close.P99 / 1000, "≤ 1 s", f.fresh.Gone == f.fresh.Postings && f.fresh.Close.P99 <= 1000},
		{"freshness p99 during an import (s)", f.scenarios.DuringImport.Delay.P99 / 1000, "≤ 1 s",
			f.scenarios.DuringImport.Found == f.scenarios.DuringImport.Postings && f.scenarios.DuringImport.Delay.P99 <= 1000},
		{"freshness p99 after a node restart (s)", f.scenarios.AfterRestart.Delay.P99 / 1000, "≤ 1 s",
			f.scenarios.AfterRestart.Found == f.scenarios.AfterRestart.Postings && f.scenarios.AfterRestart.Delay.P99 <= 1000},
		{"portal RSS after load (MB)", r.Memory.PortalRSS, "≤ 150 MB", r.Memory.PortalRSS <= 150},
	}
	return r
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func mb(kb int64) float64 { return float64(kb) / 1024 }

func verdict(passed bool) string {
	if passed {
		return "PASS"
	}
	return "MISS"
}

// table is the headline figures with the targets beside them.
func (r report) table() string {
	var b strings.Builder
	t := func(i int) (string, string) { return r.Targets[i].Limit, verdict(r.Targets[i].Passed) }
	row := func(name, portal, raw, rat, limit, result string) {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", name, portal, raw, rat, limit, result)
	}
	b.WriteString("| figure | portal | raw Meilisearch | ratio | target | result |\n|---|---|---|---|---|---|\n")
	ix := r.Indexing
	limit, res := t(3)
	row(fmt.Sprintf("bulk import, %d rows", ix.Rows), fmt.Sprintf("%.1f s (store %.1f s + index %.1f s)", ix.ImportSeconds, ix.ImportStoreSeconds, ix.ImportIndexSeconds),
		fmt.Sprintf("%.1f s", ix.RawSeconds), fmt.Sprintf("%.2f×", ix.ImportToRaw), limit, res)
	l := r.Latency
	limit, res = t(0)
	row("search p50, 1 client", fmt.Sprintf("%.2f ms", l.API.P50), fmt.Sprintf("%.2f ms", l.Raw.P50), fmt.Sprintf("%.2f×", l.P50Ratio), limit, res)
	row("search p95, 1 client", fmt.Sprintf("%.2f ms", l.API.P95), fmt.Sprintf("%.2f ms", l.Raw.P95), fmt.Sprintf("%.2f×", l.P95Ratio), "—", "")
	limit, res = t(1)
	row("search p99, 1 client", fmt.Sprintf("%.2f ms", l.API.P99), fmt.Sprintf("%.2f ms", l.Raw.P99), fmt.Sprintf("%.2f×", l.P99Ratio), limit, res)
	th := r.Through
	limit, res = t(2)
	row(fmt.Sprintf("throughput, %d clients", th.API.Clients), fmt.Sprintf("%.0f req/s", th.API.PerSecond), fmt.Sprintf("%.0f req/s", th.Raw.PerSecond),
		fmt.Sprintf("%.0f%%", th.Ratio*100), limit, res)
	fr := r.Fresh
	row("freshness p50, 201 → searchable", fmt.Sprintf("%.0f ms", fr.Delay.P50), "", "", "—", "")
	limit, res = t(4)
	row("freshness p99, 201 → searchable", fmt.Sprintf("%.0f ms (%d/%d found)", fr.Delay.P99, fr.Found, fr.Postings), "", "", limit, res)
	limit, res = t(5)
	row("closing p99, close → gone", fmt.Sprintf("%.0f ms (p50 %.0f ms, %d/%d gone)", fr.Close.P99, fr.Close.P50, fr.Gone, fr.Postings), "", "", limit, res)
	di, ar := r.More.DuringImport, r.More.AfterRestart
	limit, res = t(6)
	row(fmt.Sprintf("freshness p99 during an import of %d rows", r.More.ImportRows), fmt.Sprintf("%.0f ms (p50 %.0f ms, %d/%d found)", di.Delay.P99, di.Delay.P50, di.Found, di.Postings), "", "", limit, res)
	limit, res = t(7)
	row("freshness p99 right after a node restart", fmt.Sprintf("%.0f ms (p50 %.0f ms, %d/%d found)", ar.Delay.P99, ar.Delay.P50, ar.Found, ar.Postings), "", "", limit, res)
	limit, res = t(8)
	row("portal RSS after load", fmt.Sprintf("%.0f MB (peak %.0f MB)", r.Memory.PortalRSS, r.Memory.PortalPeak), "", "", limit, res)
	return b.String()
}

// markdown is the whole report: the table, then the detail behind it.
func (r report) markdown() string {
	var b strings.Builder
	s, m := r.Settings, r.Machine
	fmt.Fprintf(&b, "# Portal benchmark, %s\n\n", r.Date)
	fmt.Fprintf(&b, "%d CPUs (%s), %s, Meilisearch %s; load average %s before, %s after. %d postings (seed %d); %d queries × %d rounds each way after %d warm-up rounds, one client, interleaved; throughput %d clients × %.0f s each way, the ways alternating in slices; %d postings for freshness; Meilisearch --max-indexing-memory %s.\n\n",
		m.CPUs, m.CPU, m.Go, m.Meilisearch, m.LoadBefore, m.LoadAfter, s.Postings, s.Seed, s.Queries, s.Rounds, s.WarmupRounds, s.Clients, s.DurationSeconds, s.FreshPostings, s.MeiliMemory)
	b.WriteString(r.table())

	ix := r.Indexing
	b.WriteString("\n## Indexing\n\n")
	fmt.Fprintf(&b, "- `portal import jobs --quiet`: %.1f s in all; storing the rows %.1f s, draining the outbox into Meilisearch %.1f s in %d tasks, of which Meilisearch was busy %.1f s. A task took %.2f s on average among the first tenth, %.2f s among the last tenth.\n",
		ix.ImportSeconds, ix.ImportStoreSeconds, ix.ImportIndexSeconds, ix.ImportTasks, ix.ImportMeiliBusy, ix.ImportTaskFirst, ix.ImportTaskLast)
	fmt.Fprintf(&b, "- Meilisearch alone, the same %d documents (read back from the portal's index) into a second index with the same settings, sent at once in %d requests of up to %d documents: %.1f s (first task enqueued → last finished %.1f s, busy %.1f s).\n",
		ix.Rows, ix.RawBatches, ix.RawBatchSize, ix.RawSeconds, ix.RawMeiliSpanSeconds, ix.RawMeiliBusySeconds)
	fmt.Fprintf(&b, "- The import's indexing phase alone is %.2f× the raw indexing. Other programs on the machine (and kernel work such as disk writeback) kept %.2f CPUs busy on average during the import, %.2f during the raw indexing.\n",
		ix.ImportIndexToRawRate, ix.ImportOtherCPUs, ix.RawOtherCPUs)

	l := r.Latency
	b.WriteString("\n## Search latency by query (ms)\n\n")
	fmt.Fprintf(&b, "All queries: API p50 %.2f / p95 %.2f / p99 %.2f / max %.2f; raw p50 %.2f / p95 %.2f / p99 %.2f / max %.2f (n = %d each).\n\n",
		l.API.P50, l.API.P95, l.API.P99, l.API.Max, l.Raw.P50, l.Raw.P95, l.Raw.P99, l.Raw.Max, l.API.N)
	b.WriteString("| query | hits | same hits both ways | API p50 | raw p50 | API p99 | raw p99 |\n|---|---|---|---|---|---|---|\n")
	for _, q := range r.Queries {
		same := "yes"
		if !q.Same {
			same = fmt.Sprintf("NO (raw %d)", q.RawTotal)
		}
		label := q.Label
		if label == "" {
			label = "(no words)"
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %.2f | %.2f | %.2f | %.2f |\n", label, q.APITotal, same, q.APIP50, q.RawP50, q.APIP99, q.RawP99)
	}

	th, fr := r.Through, r.Fresh
	b.WriteString("\n## Throughput, freshness, memory\n\n")
	fmt.Fprintf(&b, "- %d clients: API %d requests in %.1f s (%d errors), raw %d in %.1f s (%d errors).\n",
		th.API.Clients, th.API.Requests, th.API.Seconds, th.API.Errors, th.Raw.Requests, th.Raw.Seconds, th.Raw.Errors)
	fmt.Fprintf(&b, "- CPU per search (ms): API run — portal %.2f, Meilisearch %.2f, benchmark client %.2f; raw run — portal %.2f, Meilisearch %.2f, benchmark client %.2f.\n",
		th.API.CPU.Portal, th.API.CPU.Meilisearch, th.API.CPU.Client, th.Raw.CPU.Portal, th.Raw.CPU.Meilisearch, th.Raw.CPU.Client)
	fmt.Fprintf(&b, "- Other programs on the machine kept %.2f CPUs busy on average during the latency run, %.2f during the API throughput run and %.2f during the raw one.\n",
		r.Latency.OtherCPUs, th.API.OtherCPUs, th.Raw.OtherCPUs)
	fmt.Fprintf(&b, "- Freshness over %d postings: p50 %.0f ms, p99 %.0f ms, max %.0f ms; the POST itself p50 %.1f ms.\n",
		fr.Postings, fr.Delay.P50, fr.Delay.P99, fr.Delay.Max, fr.Create.P50)
	fmt.Fprintf(&b, "- During the import of %d more rows (still running when the last posting was found: %v): freshness p50 %.0f ms, p99 %.0f ms, max %.0f ms; closing p99 %.0f ms.\n",
		r.More.ImportRows, r.More.ImportStillRunning, r.More.DuringImport.Delay.P50, r.More.DuringImport.Delay.P99, r.More.DuringImport.Delay.Max, r.More.DuringImport.Close.P99)
	fmt.Fprintf(&b, "- Meilisearch restarted (SIGTERM, start on its data, portal ready again in %.1f s): freshness p50 %.0f ms, p99 %.0f ms, max %.0f ms.\n",
		r.More.RestartSeconds, r.More.AfterRestart.Delay.P50, r.More.AfterRestart.Delay.P99, r.More.AfterRestart.Delay.Max)
	fmt.Fprintf(&b, "- Disk after the run: database (%s) %.0f MB, Meilisearch node %.0f MB (both indexes of the run).\n", r.Settings.Database, r.Disk.DatabaseMB, r.Disk.MeiliMB)
	fmt.Fprintf(&b, "- `portal serve` VmRSS %.1f MB, VmHWM %.1f MB; Meilisearch VmRSS %.0f MB.\n", r.Memory.PortalRSS, r.Memory.PortalPeak, r.Memory.MeiliRSS)
	return b.String()
}

// write puts report.md and report.json into dir.
func (r report) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "report.md"), []byte(r.markdown()), 0o644)
}
