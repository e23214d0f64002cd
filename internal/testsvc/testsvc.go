// Package testsvc starts and hands out the real services tests need — Meilisearch, PostgreSQL, Redis, Chromium — and turns a missing one into a failure when CI is set.
//
// Every helper follows the same rule: when a service is not available the test
// is skipped on a developer machine and fails when the environment variable CI
// is non-empty, so CI never passes by skipping.
//
// Environment:
//
//	MEILI_BIN              Meilisearch binary (default <repo root>/.tools/meilisearch,
//	                       installed by scripts/install-meilisearch.sh)
//	TEST_MEILI_URL         use this Meilisearch server instead of starting one
//	TEST_MEILI_MASTER_KEY  its master key
//	TEST_DATABASE_URL      PostgreSQL server URL; each test gets a fresh database
//	TEST_REDIS_URL         Redis URL
//	CHROME_BIN             Chromium binary (default chromium / chromium-browser on PATH)
//	CI                     non-empty: a missing service fails the test
//
// A package that calls [Meili] must stop the shared server when its tests end:
//
//	func TestMain(m *testing.M) { code := m.Run(); testsvc.StopAll(); os.Exit(code) }
package testsvc

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// missing skips the test when the service what is not available, or fails it
// when CI is set. hint tells the developer how to provide the service.
func missing(t testing.TB, what, hint string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("testsvc: %s is not available and CI is set, so this is a failure: %s", what, hint)
		return
	}
	t.Skipf("testsvc: %s is not available, skipping: %s", what, hint)
}

// namePrefix is what UniqueName accepts as a prefix: valid, once suffixed, both
// as a Meilisearch index uid and as an unquoted PostgreSQL identifier.
var namePrefix = regexp.MustCompile(`^[a-z][a-z0-9_]{0,51}$`)

// UniqueName returns prefix + "_" + 10 random lowercase hex characters, a name
// safe for Meilisearch index uids, PostgreSQL database names and Redis key
// prefixes. prefix must be lowercase letters, digits and underscores, start
// with a letter and be at most 52 characters long.
func UniqueName(t testing.TB, prefix string) string {
	t.Helper()
	if !namePrefix.MatchString(prefix) {
		t.Fatalf("testsvc.UniqueName: prefix %q must match %s", prefix, namePrefix)
	}
	return prefix + "_" + randomHex(5)
}

// randomHex returns 2*n random lowercase hex characters.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails; see crypto/rand.Read
	return hex.EncodeToString(b)
}

// repoRoot walks up from the working directory to the directory holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repo root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find repo root: no go.mod in the working directory or any parent")
		}
		dir = parent
	}
}
