// Package config reads the portal's settings from the environment, checks them, and hands
// them out as one Config value; nothing here is global.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Config is every setting the portal reads at start-up (SPEC §4).
type Config struct {
	Addr           string   // PORTAL_ADDR, host:port to listen on
	DatabaseURL    string   // DATABASE_URL, sqlite://path or postgres://…
	MeiliURL       string   // MEILI_URL, the first node
	MeiliURLs      []string // MEILI_URL split at commas: every Meilisearch node (SPEC §4)
	MeiliMasterKey string   // MEILI_MASTER_KEY, may be empty for a key-less development server
	RedisURL       string   // REDIS_URL, optional
	Secret         []byte   // PORTAL_SECRET, encryption and hashing key
	FilesDir       string   // FILES_DIR, where uploaded evidence is stored
	VarDir         string   // PORTAL_VAR, the folder for generated local state (var)
	SecretWarning  string   // set when a development secret was generated or reused
	// TrustedProxies (PORTAL_TRUSTED_PROXIES, comma-separated addresses or CIDRs) are the peers
	// whose X-Forwarded-For names the client; empty means the peer is the client.
	TrustedProxies []string
	SecureCookies  bool   // PORTAL_SECURE_COOKIES=true marks cookies Secure (served over HTTPS)
	Operator       string // PORTAL_OPERATOR, the operating office named in the footer
	Hotline        string // PORTAL_HOTLINE, its service hotline
	ICP            string // PORTAL_ICP, its ICP filing number
}

// Defaults that apply when a variable is unset.
const (
	DefaultAddr        = "127.0.0.1:8080"
	DefaultDatabaseURL = "sqlite://var/portal.db"
	DefaultMeiliURL    = "http://127.0.0.1:7700"
	minSecretLen       = 32
)

// Load reads the environment through getenv, fills defaults and validates every value.
// The error names the variable and what is wrong, in one line.
func Load(getenv func(string) string) (Config, error) {
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	varDir := get("PORTAL_VAR", "var")
	c := Config{
		Addr:           get("PORTAL_ADDR", DefaultAddr),
		DatabaseURL:    get("DATABASE_URL", "sqlite://"+filepath.Join(varDir, "portal.db")),
		MeiliURL:       get("MEILI_URL", DefaultMeiliURL),
		MeiliMasterKey: getenv("MEILI_MASTER_KEY"),
		RedisURL:       get("REDIS_URL", ""),
		FilesDir:       get("FILES_DIR", filepath.Join(varDir, "files")),
		VarDir:         varDir,
		Operator:       get("PORTAL_OPERATOR", ""),
		Hotline:        get("PORTAL_HOTLINE", ""),
		ICP:            get("PORTAL_ICP", ""),
	}
	for _, u := range strings.Split(c.MeiliURL, ",") {
		if u = strings.TrimSpace(u); u != "" {
			c.MeiliURLs = append(c.MeiliURLs, u)
		}
	}
	if len(c.MeiliURLs) > 0 {
		c.MeiliURL = c.MeiliURLs[0]
	}
	for _, p := range strings.Split(getenv("PORTAL_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	switch v := strings.ToLower(get("PORTAL_SECURE_COOKIES", "false")); v {
	case "true", "1", "yes":
		c.SecureCookies = true
	case "false", "0", "no":
	default:
		return Config{}, fmt.Errorf("PORTAL_SECURE_COOKIES: %q is not true or false", v)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	secret := getenv("PORTAL_SECRET")
	if secret == "" {
		generated, warning, err := devSecret(varDir)
		if err != nil {
			return Config{}, fmt.Errorf("PORTAL_SECRET: not set and no development key could be made: %v", err)
		}
		secret, c.SecretWarning = generated, warning
	}
	if len(secret) < minSecretLen {
		return Config{}, fmt.Errorf("PORTAL_SECRET: must be at least %d characters, got %d", minSecretLen, len(secret))
	}
	c.Secret = []byte(secret)
	return c, nil
}

// Validate checks every field and names the variable of the first bad one.
func (c Config) Validate() error {
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		return fmt.Errorf("PORTAL_ADDR: %q is not host:port", c.Addr)
	}
	if _, _, err := ParseDatabaseURL(c.DatabaseURL); err != nil {
		return fmt.Errorf("DATABASE_URL: %v", err)
	}
	if len(c.MeiliURLs) == 0 {
		return errors.New("MEILI_URL: must name at least one http(s) URL")
	}
	for _, m := range c.MeiliURLs {
		if u, err := url.Parse(m); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("MEILI_URL: %q is not an http(s) URL", m)
		}
	}
	for _, p := range c.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				return fmt.Errorf("PORTAL_TRUSTED_PROXIES: %q is not an IP address or CIDR", p)
			}
		}
	}
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			return fmt.Errorf("REDIS_URL: %q is not a redis:// URL", c.RedisURL)
		}
	}
	if c.FilesDir == "" {
		return errors.New("FILES_DIR: must not be empty")
	}
	return nil
}

// ParseDatabaseURL splits DATABASE_URL into the driver ("sqlite" or "postgres") and the
// driver's own connection string.
func ParseDatabaseURL(raw string) (driver, dsn string, err error) {
	switch {
	case strings.HasPrefix(raw, "sqlite://"):
		path := strings.TrimPrefix(raw, "sqlite://")
		if path == "" {
			return "", "", errors.New("sqlite:// needs a file path, e.g. sqlite://var/portal.db")
		}
		return "sqlite", path, nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return "", "", fmt.Errorf("%q is not a valid postgres URL", raw)
		}
		return "postgres", raw, nil
	default:
		return "", "", fmt.Errorf("%q must start with sqlite:// or postgres://", raw)
	}
}

// devSecret reads or creates var/portal.secret so a development install keeps the same key
// across restarts (encrypted ID numbers stay readable).
func devSecret(varDir string) (secret, warning string, err error) {
	path := filepath.Join(varDir, "portal.secret")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= minSecretLen {
		return strings.TrimSpace(string(b)), "PORTAL_SECRET is not set; using the development key in " + path, nil
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", "", err
	}
	secret = hex.EncodeToString(buf)
	if err := os.MkdirAll(varDir, 0o700); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", "", err
	}
	return secret, "PORTAL_SECRET is not set; generated a development key in " + path + " (set PORTAL_SECRET in production)", nil
}
