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
		{"MEILI_URL", "http://127.0.0.1:7700,127.0.0.1:7701"},
		{"PORTAL_TRUSTED_PROXIES", "10.0.0.1,haproxy"},
		{"PORTAL_SECURE_COOKIES", "maybe"},
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
	t.Run("several Meilisearch nodes, trusted proxies, secure cookies and the footer", func(t *testing.T) {
		c, err := Load(env(map[string]string{"PORTAL_SECRET": secret, "MEILI_URL": "http://10.0.0.5:7700, http://10.0.0.6:7700",
			"PORTAL_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8", "PORTAL_SECURE_COOKIES": "true",
			"PORTAL_OPERATOR": "山西省人力资源和社会保障厅", "PORTAL_HOTLINE": "12333", "PORTAL_ICP": "晋ICP备00000000号"}))
		if err != nil {
			t.Fatal(err)
		}
		if len(c.MeiliURLs) != 2 || c.MeiliURLs[1] != "http://10.0.0.6:7700" || c.MeiliURL != "http://10.0.0.5:7700" {
			t.Fatalf("nodes %q / %q", c.MeiliURLs, c.MeiliURL)
		}
		if len(c.TrustedProxies) != 2 || c.TrustedProxies[1] != "10.0.0.0/8" || !c.SecureCookies || c.Hotline != "12333" || c.ICP == "" || c.Operator == "" {
			t.Fatalf("%+v", c)
		}
	})
	t.Run("postgres URLs are accepted", func(t *testing.T) {
		d, dsn, err := ParseDatabaseURL("postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
		if err != nil || d != "postgres" || !strings.HasPrefix(dsn, "postgres://") {
			t.Fatal(d, dsn, err)
		}
	})
}
