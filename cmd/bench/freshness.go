package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"time"

	"portal/models"
)

const (
	// freshnessPoll is how often a new posting is looked for.
	freshnessPoll = 10 * time.Millisecond
	// freshnessGiveUp is when a posting that is still not found counts as lost.
	freshnessGiveUp = 30 * time.Second
)

// freshness is how long postings took from 201 Created to being found by search, and from
// their closing to leaving it.
type freshness struct {
	Postings int     `json:"postings"`
	Found    int     `json:"found"`
	Create   summary `json:"create_request"` // the POST itself
	Delay    summary `json:"created_to_searchable"`
	Gone     int     `json:"gone"`
	Close    summary `json:"closed_to_gone"`
}

// measureFreshness logs in as the employer, then, one at a time, posts a vacancy with a
// unique word in its title and searches for the word every 10 ms until the posting is found;
// then closes it and searches until it is gone.
func measureFreshness(ctx context.Context, base string, emp employer, m int, seed int64) (freshness, error) {
	hc := plainHTTPClient(2)
	var login struct {
		Token string `json:"token"`
	}
	if err := callJSON(ctx, hc, http.MethodPost, base+"/api/v1/auth/login", "",
		map[string]string{"phone": emp.Phone, "password": emp.Password}, http.StatusOK, &login); err != nil {
		return freshness{}, fmt.Errorf("log in as the employer: %w", err)
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0xf7e5))
	res := freshness{Postings: m}
	var creates, delays, closes []time.Duration
	for i := range m {
		word := uniqueWord(rng)
		in := models.JobInput{
			Title: "食醋酿造工 " + word, Occupation: "食醋酿造工", TownID: emp.TownID,
			Description: "负责老陈醋酿造车间的投料、翻醅和熏醅工作，长白班，五险一金，包吃包住。",
			SalaryMin:   4500, SalaryMax: 6500, Headcount: 2, Education: "不限", EmploymentType: "full_time",
			ExpiresOn: time.Now().In(models.China).AddDate(0, 0, 30).Format(models.DateLayout),
		}
		var job struct {
			ID int64 `json:"id"`
		}
		sent := time.Now()
		if err := callJSON(ctx, hc, http.MethodPost, base+"/api/v1/jobs", login.Token, in, http.StatusCreated, &job); err != nil {
			return res, fmt.Errorf("post vacancy %d: %w", i+1, err)
		}
		created := time.Now()
		creates = append(creates, created.Sub(sent))
		found, err := waitSearch(ctx, hc, base, word, job.ID, true)
		if err != nil {
			return res, err
		}
		if found {
			res.Found++
			delays = append(delays, time.Since(created))
		} else {
			delays = append(delays, freshnessGiveUp)
		}
		var closed struct{}
		if err := callJSON(ctx, hc, http.MethodPost, fmt.Sprintf("%s/api/v1/jobs/%d/close", base, job.ID), login.Token, nil, http.StatusOK, &closed); err != nil {
			return res, fmt.Errorf("close vacancy %d: %w", i+1, err)
		}
		closedAt := time.Now()
		gone, err := waitSearch(ctx, hc, base, word, job.ID, false)
		if err != nil {
			return res, err
		}
		if gone {
			res.Gone++
			closes = append(closes, time.Since(closedAt))
		} else {
			closes = append(closes, freshnessGiveUp)
		}
	}
	res.Create, res.Delay, res.Close = summarize(creates), summarize(delays), summarize(closes)
	return res, nil
}

// waitSearch searches for word every freshnessPoll until posting id is among the hits (want
// true) or is not (want false).
func waitSearch(ctx context.Context, hc *http.Client, base, word string, id int64, want bool) (bool, error) {
	path := base + "/api/v1/jobs?" + url.Values{"q": {word}}.Encode()
	deadline := time.Now().Add(freshnessGiveUp)
	tick := time.NewTicker(freshnessPoll)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		var ans struct {
			Hits []idHit `json:"hits"`
		}
		if err := callJSON(ctx, hc, http.MethodGet, path, "", nil, http.StatusOK, &ans); err != nil {
			return false, err
		}
		if slices.ContainsFunc(ans.Hits, func(h idHit) bool { return h.ID == id }) == want {
			return true, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-tick.C:
		}
	}
	return false, nil
}

// uniqueWord is ten random lower-case letters: far enough from every other such word that
// typo tolerance cannot match one for another.
func uniqueWord(rng *rand.Rand) string {
	b := make([]byte, 10)
	for i := range b {
		b[i] = byte('a' + rng.IntN(26))
	}
	return string(b)
}

// callJSON sends body as JSON (when not nil) and decodes the answer into out; any status
// but want is an error naming the answer.
func callJSON(ctx context.Context, hc *http.Client, method, url, token string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %s %s", method, url, resp.Status, tail(string(raw), 3))
	}
	return json.Unmarshal(raw, out)
}
