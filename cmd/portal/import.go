package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"portal/config"
	"portal/models"
	"portal/search"
)

// importColumns is the header an import file must have, in any order.
var importColumns = []string{"title", "description", "occupation", "town_id", "salary_min", "salary_max", "headcount", "education", "employment_type", "expires_on"}

// importBatch is how many good rows go into one transaction.
const importBatch = 2000

// importJobs reads a CSV of postings for one enterprise: every row is checked, bad rows are
// reported by line number without stopping the good ones, good rows are stored in batches
// and then applied to the search index.
func importJobs(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) < 2 || args[0] != "jobs" {
		return errors.New("usage: portal import jobs FILE.csv --enterprise ID")
	}
	fs := flag.NewFlagSet("import jobs", flag.ContinueOnError)
	fs.SetOutput(stdout)
	entID := fs.Int64("enterprise", 0, "id of the verified enterprise that posts the vacancies")
	quiet := fs.Bool("quiet", false, "no progress bar")
	path := args[1]
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	if *entID <= 0 {
		return errors.New("--enterprise: the id of a verified enterprise is required")
	}
	store, err := openCurrent(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	ent, err := store.Enterprise(ctx, *entID)
	if err != nil {
		return fmt.Errorf("--enterprise %d: %w", *entID, err)
	}
	if !ent.Verified {
		return fmt.Errorf("--enterprise %d: %s is not verified yet", ent.ID, ent.Name)
	}
	towns, err := store.TownIDs(ctx)
	if err != nil {
		return err
	}
	// Index while storing: the indexer drains what each stored batch queued, so Meilisearch
	// works during the import instead of after it.
	meili := search.NewCluster(cfg.MeiliURLs, cfg.MeiliMasterKey, "")
	indexer := search.NewIndexer(store, meili, nil, log).WithPoll(200 * time.Millisecond)
	indexErr := meili.EnsureIndexes(ctx)
	runCtx, stopIndexer := context.WithCancel(ctx)
	defer stopIndexer()
	if indexErr == nil {
		go indexer.Run(runCtx)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, _ := f.Stat()

	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: cannot read the header line: %w", path, err)
	}
	col, err := columnIndex(header)
	if err != nil {
		return fmt.Errorf("%s line 1: %w", path, err)
	}
	bar := progressbar.NewOptions64(info.Size(), progressbar.OptionSetWriter(os.Stderr), progressbar.OptionSetDescription("importing"),
		progressbar.OptionShowBytes(true), progressbar.OptionSetVisibility(!*quiet), progressbar.OptionThrottle(200*time.Millisecond))
	now := time.Now()
	var batch []models.JobInput
	imported, bad := 0, 0
	flush := func() error {
		n, err := store.ImportJobs(ctx, 0, ent, batch, now)
		imported += n
		batch = batch[:0]
		return err
	}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		_ = bar.Set64(r.InputOffset())
		if err != nil {
			bad++
			fmt.Fprintf(stdout, "line %d: %v\n", line, err)
			continue
		}
		in, err := rowInput(rec, col)
		if err == nil {
			err = models.CheckJob(in, now)
		}
		if err == nil && !towns[in.TownID] {
			err = models.FieldError("town_id", "no such town")
		}
		if err != nil {
			bad++
			fmt.Fprintf(stdout, "line %d: %s\n", line, describeRowError(err))
			continue
		}
		batch = append(batch, in)
		if len(batch) == importBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	_ = bar.Finish()
	fmt.Fprintf(stdout, "imported %d postings for %s; %d bad rows skipped\n", imported, ent.Name, bad)

	started := time.Now()
	err = indexErr
	if err == nil {
		err = indexer.WaitIdle(ctx)
	}
	stopIndexer()
	if err != nil {
		return fmt.Errorf("postings are stored; the index will catch up when Meilisearch answers (run `portal serve`): %w", err)
	}
	fmt.Fprintf(stdout, "indexed in %s after the last row was stored\n", time.Since(started).Round(time.Millisecond))
	return nil
}

func columnIndex(header []string) (map[string]int, error) {
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	var missing []string
	for _, c := range importColumns {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the header lacks the columns %s", strings.Join(missing, ", "))
	}
	return col, nil
}

func rowInput(rec []string, col map[string]int) (models.JobInput, error) {
	get := func(name string) string {
		if i := col[name]; i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var in models.JobInput
	nums := []struct {
		name string
		dst  *int
	}{{"salary_min", &in.SalaryMin}, {"salary_max", &in.SalaryMax}, {"headcount", &in.Headcount}}
	for _, n := range nums {
		v, err := strconv.Atoi(get(n.name))
		if err != nil {
			return in, models.FieldError(n.name, "must be a whole number")
		}
		*n.dst = v
	}
	town, err := strconv.ParseInt(get("town_id"), 10, 64)
	if err != nil {
		return in, models.FieldError("town_id", "must be a town id")
	}
	in.TownID = town
	in.Title, in.Description, in.Occupation = get("title"), get("description"), get("occupation")
	in.Education, in.EmploymentType, in.ExpiresOn = get("education"), get("employment_type"), get("expires_on")
	return in, nil
}

func describeRowError(err error) string {
	var e *models.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		parts := make([]string, 0, len(e.Fields))
		for _, c := range importColumns {
			if msg, ok := e.Fields[c]; ok {
				parts = append(parts, c+" "+msg)
			}
		}
		return strings.Join(parts, "; ")
	}
	return err.Error()
}
