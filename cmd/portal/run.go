package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"portal/config"
	"portal/models"
	"portal/search"
)

const usage = `usage: portal <command>

  serve                       run the web server (PORTAL_ADDR)
  migrate                     apply pending schema migrations
  seed [--demo]               load towns, occupations and the policy; --demo adds demo accounts
  user create --role reviewer --phone P --name N --password-stdin
                              create a reviewer account, password read from standard input
  reindex [--node URL]        rebuild every Meilisearch node (or one) from the database, swapping
                              a fresh index in on each
  import jobs FILE.csv --enterprise ID
                              import postings of a verified enterprise (bad rows reported by line)`

// run is the whole program, so a test can start it on 127.0.0.1:0 with its own environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stdout, nil))
	if cfg.SecretWarning != "" {
		log.Warn(cfg.SecretWarning)
	}
	switch args[0] {
	case "serve":
		return serve(ctx, cfg, log, stdout)
	case "migrate":
		return migrate(ctx, cfg, log, stdout)
	case "seed":
		return seed(ctx, cfg, log, args[1:], stdout)
	case "user":
		return userCommand(ctx, cfg, log, args[1:], stdin, stdout)
	case "reindex":
		return reindex(ctx, cfg, log, args[1:], stdout)
	case "import":
		return importJobs(ctx, cfg, log, args[1:], stdout)
	default:
		return fmt.Errorf("unknown command %q\n%s", args[0], usage)
	}
}

func migrate(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	store, err := models.Open(ctx, cfg.DatabaseURL, cfg.Secret, log)
	if err != nil {
		return err
	}
	defer store.Close()
	applied, err := store.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema at version %d (applied %d migrations now)\n", models.LatestSchemaVersion(), len(applied))
	return nil
}

func seed(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stdout)
	demo := fs.Bool("demo", false, "also add demo accounts and enterprises, marked 【演示】")
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, err := openCurrent(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	rep, err := store.SeedReference(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %d towns, %d occupations, %d policy versions (existing ones kept)\n", rep.Towns, rep.Occupations, rep.Policies)
	if !*demo {
		return nil
	}
	rep, err = store.SeedDemo(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "demo accounts (password "+models.DemoPassword+"):")
	for _, a := range rep.DemoAccounts {
		fmt.Fprintf(stdout, "  %-10s %s  %s\n", a.Role, a.Phone, a.Name)
	}
	return nil
}

func userCommand(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: portal user create --role reviewer --phone P --name N --password-stdin")
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(stdout)
	role := fs.String("role", "", "account role (reviewer)")
	phone := fs.String("phone", "", "mobile number, the login")
	name := fs.String("name", "", "display name")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *role != models.RoleReviewer {
		return errors.New("--role: only reviewer accounts are created here; others register themselves")
	}
	if !*fromStdin {
		return errors.New("--password-stdin is required: the password is never taken from the command line")
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading the password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	store, err := openCurrent(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	u, err := store.CreateReviewer(ctx, *phone, *name, password)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created reviewer %d (%s)\n", u.ID, u.Phone)
	return nil
}

// openCurrent opens the database and refuses one whose schema is not this build's.
func openCurrent(ctx context.Context, cfg config.Config, log *slog.Logger) (*models.Store, error) {
	store, err := models.Open(ctx, cfg.DatabaseURL, cfg.Secret, log)
	if err != nil {
		return nil, err
	}
	if err := store.CheckSchema(ctx); err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}

func reindex(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("reindex", flag.ContinueOnError)
	fs.SetOutput(stdout)
	only := fs.String("node", "", "rebuild only this Meilisearch node (one of MEILI_URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, err := openCurrent(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	meili := search.NewCluster(cfg.MeiliURLs, cfg.MeiliMasterKey, "")
	nodes := meili.Nodes()
	if *only != "" {
		n, ok := meili.NodeByURL(strings.TrimRight(*only, "/"))
		if !ok {
			return fmt.Errorf("--node: %q is not one of MEILI_URL (%s)", *only, strings.Join(cfg.MeiliURLs, ", "))
		}
		nodes = []*search.Node{n}
	}
	indexer := search.NewIndexer(store, meili, nil, log)
	for _, n := range nodes {
		count, err := indexer.ReindexNode(ctx, n)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "reindexed %d open postings on %s into a fresh index and swapped it in\n", count, n.URL())
	}
	return nil
}
