package testsvc

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

const postgresHint = "set TEST_DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// PostgresURL creates a fresh, empty PostgreSQL database for this test on the
// server named by TEST_DATABASE_URL and returns its URL: the same host, user
// and parameters with the database name replaced. The database is dropped
// (WITH (FORCE), so open connections do not block it) when the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	raw := os.Getenv("TEST_DATABASE_URL")
	if raw == "" {
		missing(t, "PostgreSQL", postgresHint)
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		t.Fatalf("testsvc: TEST_DATABASE_URL must be a postgres://user@host:port/db URL, got %q", raw)
	}

	name := UniqueName(t, "portal_test")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := adminExec(ctx, raw, `CREATE DATABASE "`+name+`"`); err != nil {
		t.Fatalf("testsvc: create database %s on TEST_DATABASE_URL server %s: %v", name, u.Redacted(), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := adminExec(ctx, raw, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
			t.Errorf("testsvc: drop database %s on %s: %v", name, u.Redacted(), err)
		}
	})

	nu := *u
	nu.Path = "/" + name
	nu.RawPath = ""
	return nu.String()
}

// adminExec runs one statement on the database named by dsn.
func adminExec(ctx context.Context, dsn, stmt string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	_, err = db.ExecContext(ctx, stmt)
	return err
}
