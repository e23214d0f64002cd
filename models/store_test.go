package models

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"portal/internal/testsvc"
)

var testSecret = []byte("test-secret-test-secret-test-secret-0123")

func TestMain(m *testing.M) {
	bcryptCost = bcrypt.MinCost // hashing strength is bcrypt's concern; keep the suite quick
	os.Exit(m.Run())
}

// eachStore runs fn on a fresh, migrated and seeded store of every database under test:
// SQLite always, PostgreSQL when TEST_DATABASE_URL is set (and always under CI).
func eachStore(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	for _, db := range testsvc.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			s := openTestStore(t, db.Resolve(t))
			fn(t, s)
		})
	}
}

func openTestStore(t testing.TB, url string) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, url, testSecret, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SeedReference(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// mustCode fails unless err is a domain error with the given code (and reason, if given).
func mustCode(t *testing.T, err error, code string, reason ...string) *Error {
	t.Helper()
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("want a %s error, got %v", code, err)
	}
	if e.Code != code {
		t.Fatalf("want code %s, got %s: %v", code, e.Code, e)
	}
	if len(reason) > 0 && e.Reason != reason[0] {
		t.Fatalf("want reason %s, got %s: %v", reason[0], e.Reason, e)
	}
	return e
}
