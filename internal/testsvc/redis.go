package testsvc

import (
	"net"
	"net/url"
	"os"
	"testing"
	"time"
)

const redisHint = "set TEST_REDIS_URL, e.g. redis://127.0.0.1:6379/9, to a running Redis"

// RedisURL returns TEST_REDIS_URL after checking that the server accepts a
// TCP connection. Tests share that Redis database, so they should put their
// keys under a prefix from [UniqueName].
func RedisURL(t testing.TB) string {
	t.Helper()
	raw := os.Getenv("TEST_REDIS_URL")
	if raw == "" {
		missing(t, "Redis", redisHint)
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Hostname() == "" {
		t.Fatalf("testsvc: TEST_REDIS_URL must be a redis://host:port/db URL, got %q", raw)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "6379")
	}
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		missing(t, "Redis at "+u.Redacted(), err.Error()+"; "+redisHint)
		return ""
	}
	_ = conn.Close()
	return raw
}
