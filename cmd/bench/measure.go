package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sync"
	"time"
)

// searcher sends a prepared query one way: through the portal API or straight to Meilisearch.
type searcher struct {
	name       string
	hc         *http.Client
	newRequest func(ctx context.Context, q preparedQuery) (*http.Request, error)
}

// apiSearcher sends GET /api/v1/jobs?… to the portal at base.
func apiSearcher(base string, conns int) searcher {
	return searcher{name: "api", hc: plainHTTPClient(conns), newRequest: func(ctx context.Context, q preparedQuery) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, base+q.APIPath, nil)
	}}
}

// rawSearcher posts the equivalent search to Meilisearch with the search API key.
func rawSearcher(meili meiliServer, uid string, conns int) searcher {
	endpoint := meili.url + "/indexes/" + uid + "/search"
	return searcher{name: "raw", hc: plainHTTPClient(conns), newRequest: func(ctx context.Context, q preparedQuery) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(q.RawBody))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+meili.searchKey)
		return req, nil
	}}
}

// send runs one search and reads the whole answer; the body is returned when keep is set.
func (s searcher) send(ctx context.Context, q preparedQuery, keep bool) ([]byte, error) {
	req, err := s.newRequest(ctx, q)
	if err != nil {
		return nil, err
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s search %q: %w", s.name, q.Label, err)
	}
	defer resp.Body.Close()
	var body []byte
	if keep || resp.StatusCode != http.StatusOK {
		body, err = io.ReadAll(resp.Body)
	} else {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	if err != nil {
		return nil, fmt.Errorf("%s search %q: %w", s.name, q.Label, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s search %q: %s %s", s.name, q.Label, resp.Status, tail(string(body), 3))
	}
	return body, nil
}

// idHit is a search hit as far as the benchmark looks at it.
type idHit struct {
	ID int64 `json:"id"`
}

// queryCheck is what both ways found for one query.
type queryCheck struct {
	Label    string `json:"label"`
	APITotal int64  `json:"api_total"`
	RawTotal int64  `json:"raw_total"`
	Same     bool   `json:"same_hits"` // same total and the same ids in the same order
}

// checkEquivalence sends every query both ways once and compares totals and hit ids, to
// show the raw requests ask Meilisearch what the portal asks.
func checkEquivalence(ctx context.Context, api, raw searcher, qs []preparedQuery) ([]queryCheck, error) {
	checks := make([]queryCheck, len(qs))
	for i, q := range qs {
		a, err := api.send(ctx, q, true)
		if err != nil {
			return nil, err
		}
		r, err := raw.send(ctx, q, true)
		if err != nil {
			return nil, err
		}
		var ans struct {
			Total int64   `json:"total"`
			Hits  []idHit `json:"hits"`
		}
		var meili struct {
			TotalHits int64   `json:"totalHits"`
			Hits      []idHit `json:"hits"`
		}
		if err := json.Unmarshal(a, &ans); err != nil {
			return nil, fmt.Errorf("api answer to %q: %w", q.Label, err)
		}
		if err := json.Unmarshal(r, &meili); err != nil {
			return nil, fmt.Errorf("meilisearch answer to %q: %w", q.Label, err)
		}
		same := ans.Total == meili.TotalHits && len(ans.Hits) == len(meili.Hits)
		for k := 0; same && k < len(ans.Hits); k++ {
			same = ans.Hits[k].ID == meili.Hits[k].ID
		}
		checks[i] = queryCheck{Label: q.Label, APITotal: ans.Total, RawTotal: meili.TotalHits, Same: same}
	}
	return checks, nil
}

// latencyRun holds every timed request of the side-by-side run, by query.
type latencyRun struct {
	API, Raw  [][]time.Duration // [query][round]
	OtherCPUs float64           // processors other programs kept busy meanwhile
}

// measureLatency sends every query through both ways, one request at a time: warm-up rounds
// first, then rounds whose times are kept. Which way goes first alternates by round, so
// neither always meets a cache the other just warmed.
func measureLatency(ctx context.Context, api, raw searcher, qs []preparedQuery, warmup, rounds int) (latencyRun, error) {
	run := latencyRun{API: make([][]time.Duration, len(qs)), Raw: make([][]time.Duration, len(qs))}
	timed := func(s searcher, q preparedQuery) (time.Duration, error) {
		start := time.Now()
		_, err := s.send(ctx, q, false)
		return time.Since(start), err
	}
	for round := -warmup; round < rounds; round++ {
		for i, q := range qs {
			first, second := api, raw
			if round%2 != 0 {
				first, second = raw, api
			}
			d1, err := timed(first, q)
			if err != nil {
				return run, err
			}
			d2, err := timed(second, q)
			if err != nil {
				return run, err
			}
			if round < 0 {
				continue
			}
			if first.name == "api" {
				run.API[i], run.Raw[i] = append(run.API[i], d1), append(run.Raw[i], d2)
			} else {
				run.Raw[i], run.API[i] = append(run.Raw[i], d1), append(run.API[i], d2)
			}
		}
	}
	return run, nil
}

// summary is a latency distribution in milliseconds.
type summary struct {
	N    int     `json:"n"`
	P50  float64 `json:"p50_ms"`
	P95  float64 `json:"p95_ms"`
	P99  float64 `json:"p99_ms"`
	Mean float64 `json:"mean_ms"`
	Max  float64 `json:"max_ms"`
}

// summarize takes nearest-rank percentiles of ds.
func summarize(ds []time.Duration) summary {
	if len(ds) == 0 {
		return summary{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := func(p float64) float64 {
		i := int(math.Ceil(p/100*float64(len(s)))) - 1
		return ms(s[max(i, 0)])
	}
	var total time.Duration
	for _, d := range s {
		total += d
	}
	return summary{N: len(s), P50: rank(50), P95: rank(95), P99: rank(99), Mean: ms(total / time.Duration(len(s))), Max: ms(s[len(s)-1])}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// flatten joins the per-query durations.
func flatten(byQuery [][]time.Duration) []time.Duration {
	var all []time.Duration
	for _, ds := range byQuery {
		all = append(all, ds...)
	}
	return all
}

// throughput is how many searches a number of clients completed in a fixed time, and the
// CPU each process spent on one of them.
type throughput struct {
	Clients   int     `json:"clients"`
	Seconds   float64 `json:"seconds"`
	Requests  int     `json:"requests"`
	Errors    int     `json:"errors"`
	PerSecond float64 `json:"per_second"`
	CPU       cpuUse  `json:"cpu_ms_per_request"`
	// OtherCPUs is how many processors other programs on the machine kept busy on average.
	OtherCPUs float64 `json:"other_cpus"`
}

// throughputSlices is how many turns each way takes in the throughput run: the ways
// alternate, so that load from other programs on the machine falls on both alike.
const throughputSlices = 5

// measureThroughput has clients search each way for d in all, in alternating slices of at
// least a second, and sums each way's slices.
func measureThroughput(ctx context.Context, api, raw searcher, qs []preparedQuery, clients int, d time.Duration, clock cpuClock) (apiT, rawT throughput, err error) {
	turns := max(1, min(throughputSlices, int(d/time.Second)))
	slice := d / time.Duration(turns)
	var apiSum, rawSum throughputSum
	for turn := range turns {
		ways := []searcher{raw, api}
		if turn%2 == 1 {
			ways = []searcher{api, raw}
		}
		for _, s := range ways {
			sum := &rawSum
			if s.name == api.name {
				sum = &apiSum
			}
			if err := sum.run(ctx, s, qs, clients, slice, clock); err != nil {
				return apiT, rawT, err
			}
		}
	}
	return apiSum.result(clients), rawSum.result(clients), nil
}

// throughputSum adds up the slices of one way.
type throughputSum struct {
	requests, errors int
	cpu              cpuSpent
}

// run has clients send the queries in turn, back to back, for d; each client starts at a
// different query. A request in flight at the end is completed and counted.
func (t *throughputSum) run(ctx context.Context, s searcher, qs []preparedQuery, clients int, d time.Duration, clock cpuClock) error {
	var wg sync.WaitGroup
	counts := make([]int, clients)
	errs := make([]int, clients)
	var firstErr error
	var once sync.Once
	before := clock.read()
	end := before.at.Add(d)
	for c := range clients {
		wg.Go(func() {
			for i := c * len(qs) / clients; time.Now().Before(end) && ctx.Err() == nil; i++ {
				if _, err := s.send(ctx, qs[i%len(qs)], false); err != nil {
					errs[c]++
					once.Do(func() { firstErr = err })
					continue
				}
				counts[c]++
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	t.cpu = t.cpu.plus(before.to(clock.read()))
	n := 0
	for c := range clients {
		n += counts[c]
		t.errors += errs[c]
	}
	t.requests += n
	if n == 0 {
		return fmt.Errorf("%s throughput: every request failed: %w", s.name, firstErr)
	}
	return nil
}

func (t throughputSum) result(clients int) throughput {
	secs := t.cpu.wall.Seconds()
	return throughput{Clients: clients, Seconds: secs, Requests: t.requests, Errors: t.errors,
		PerSecond: ratio(float64(t.requests), secs), CPU: t.cpu.perRequest(t.requests), OtherCPUs: t.cpu.otherCPUs()}
}
