package testsvc

import (
	"os"
	"path/filepath"
	"testing"
)

// Database is one database a store test runs against.
type Database struct {
	Name string // "sqlite" or "postgres"
	URL  string // a DATABASE_URL for a fresh, empty database
}

// Databases returns a fresh SQLite database in t.TempDir() and, when TEST_DATABASE_URL is
// set, a fresh PostgreSQL database; without it the PostgreSQL run is skipped, or fails
// under CI (see PostgresURL). Call it from the subtest that uses the database.
func Databases(t testing.TB) []Database {
	t.Helper()
	dbs := []Database{{Name: "sqlite", URL: "sqlite://" + filepath.Join(t.TempDir(), "portal.db")}}
	if os.Getenv("TEST_DATABASE_URL") != "" || os.Getenv("CI") != "" {
		dbs = append(dbs, Database{Name: "postgres"})
	}
	return dbs
}

// Resolve fills in the URL of a PostgreSQL entry by creating its database now, inside the
// subtest that will use it, so the database is dropped when that subtest ends.
func (d Database) Resolve(t testing.TB) string {
	t.Helper()
	if d.URL != "" {
		return d.URL
	}
	return PostgresURL(t)
}
