package handlers

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limiter counts attempts per key in fixed windows.
type Limiter interface {
	// Allow counts one attempt and says whether it is within limit, and if not how long until
	// the window ends.
	Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration)
}

// newLimiter counts in Redis when it is configured, so several portal processes share the
// counts, and in process otherwise or while Redis is unreachable.
func newLimiter(rdb *redis.Client, prefix string, log *slog.Logger) Limiter {
	mem := &memoryLimiter{windows: map[string]*window{}}
	if rdb == nil {
		return mem
	}
	return &redisLimiter{rdb: rdb, prefix: prefix + "rl:", fallback: mem, log: log}
}

type redisLimiter struct {
	rdb      *redis.Client
	prefix   string
	fallback *memoryLimiter
	log      *slog.Logger
	// downUntil (unix nanoseconds) skips Redis for a while after a failure, so an outage
	// does not add Redis's retries to every login.
	downUntil atomic.Int64
}

// redisRetryAfter is how long the limiter counts in process after Redis failed.
const redisRetryAfter = 10 * time.Second

// allowScript increments the counter and starts its expiry on the first attempt, atomically.
var allowScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`)

func (l *redisLimiter) Allow(ctx context.Context, key string, limit int, win time.Duration) (bool, time.Duration) {
	if time.Now().UnixNano() < l.downUntil.Load() {
		return l.fallback.Allow(ctx, key, limit, win)
	}
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	res, err := allowScript.Run(ctx, l.rdb, []string{l.prefix + key}, win.Milliseconds()).Int64Slice()
	if err != nil || len(res) != 2 {
		l.log.Warn("rate limiter: redis unavailable, counting in process", "err", err, "retry_in", redisRetryAfter.String())
		l.downUntil.Store(time.Now().Add(redisRetryAfter).UnixNano())
		return l.fallback.Allow(ctx, key, limit, win)
	}
	return res[0] <= int64(limit), time.Duration(res[1]) * time.Millisecond
}

type window struct {
	count int
	ends  time.Time
}

type memoryLimiter struct {
	mu      sync.Mutex
	windows map[string]*window
	sweep   time.Time
}

func (l *memoryLimiter) Allow(_ context.Context, key string, limit int, win time.Duration) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if now.After(l.sweep) { // drop finished windows now and then so the map stays small
		for k, w := range l.windows {
			if now.After(w.ends) {
				delete(l.windows, k)
			}
		}
		l.sweep = now.Add(time.Minute)
	}
	w := l.windows[key]
	if w == nil || now.After(w.ends) {
		w = &window{ends: now.Add(win)}
		l.windows[key] = w
	}
	w.count++
	return w.count <= limit, w.ends.Sub(now)
}
