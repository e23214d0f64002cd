package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoad(t *testing.T) {
	secret := strings.Repeat("s", 32)
	t.Run("defaults fill every unset variable", func(t *testing.T) {
		c, err := Load(env(map[string]string{"PORTAL_SECRET": secret}))
		if err != nil {
			t.Fatal(err)
		}
		if c.Addr != DefaultAddr || c.DatabaseURL != "sqlite://var/portal.db" || c.MeiliURL != DefaultMeiliURL || c.RedisURL != "" || c.FilesDir != filepath.Join("var", "files") {
			t.Fatalf("%+v", c)
		}
	})
	bad := []struct{ variable, value string }{
		{"PORTAL_ADDR", "8080"},
		{"DATABASE_URL", "mysql://x"},
		{"DATABASE_URL", "sqlite://"},
		{"MEILI_URL", "127.0.0.1:7700"},
		{"REDIS_URL", "http://127.0.0.1:6379"},
		{"PORTAL_SECRET", "too-short"},
	}
	for _, b := range bad {
		t.Run("a bad "+b.variable+" is named in one line", func(t *testing.T) {
			vars := map[string]string{"PORTAL_SECRET": secret, b.variable: b.value}
			_, err := Load(env(vars))
			if err == nil || !strings.HasPrefix(err.Error(), b.variable+":") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("%s=%q: got %v", b.variable, b.value, err)
			}
		})
	}
	t.Run("without PORTAL_SECRET a development key is made once and reused, with a warning", func(t *testing.T) {
		dir := t.TempDir()
		c1, err := Load(env(map[string]string{"PORTAL_VAR": dir}))
		if err != nil || len(c1.Secret) < 32 || !strings.Contains(c1.SecretWarning, "PORTAL_SECRET") {
			t.Fatalf("%+v %v", c1, err)
		}
		c2, _ := Load(env(map[string]string{"PORTAL_VAR": dir}))
		if string(c1.Secret) != string(c2.Secret) {
			t.Fatal("the development key changed between starts")
		}
		info, err := os.Stat(filepath.Join(dir, "portal.secret"))
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("key file %v %v", info, err)
		}
	})
	t.Run("postgres URLs are accepted", func(t *testing.T) {
		d, dsn, err := ParseDatabaseURL("postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
		if err != nil || d != "postgres" || !strings.HasPrefix(dsn, "postgres://") {
			t.Fatal(d, dsn, err)
		}
	})
}
