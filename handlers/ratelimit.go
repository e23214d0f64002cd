package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limiter counts events per key in fixed windows.
type Limiter interface {
	// Allow counts one attempt and says whether it is within limit, and if not how long until
	// the window ends; the Count says where and in which window it was counted.
	Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration, Count)
	// Refund takes back the event of a Count, for an attempt that turned out not to count (a
	// login with the right password): from the counter that counted it and only while its
	// window lasts, so it never takes back another event; a count never goes below zero.
	Refund(ctx context.Context, key string, n Count)
}

// Count is one event Allow counted: in Redis or in process, in a window ending at Ends.
type Count struct {
	InRedis bool
	Ends    time.Time
}

// redisCallTimeout bounds every Redis call a request makes, so a hung Redis costs a request
// at most this long before the in-process fallback answers (SPEC §7: at most 300 ms).
const redisCallTimeout = 250 * time.Millisecond

// NewRedisClient is the Redis client every part of the portal shares: each command honours
// its context's deadline and no dial, read or write waits longer than redisCallTimeout.
func NewRedisClient(rawURL string) (*redis.Client, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	opts.ContextTimeoutEnabled = true
	opts.DialTimeout = redisCallTimeout
	opts.ReadTimeout = redisCallTimeout
	opts.WriteTimeout = redisCallTimeout
	opts.PoolTimeout = redisCallTimeout
	opts.MaxRetries = 0
	return redis.NewClient(opts), nil
}

// newLimiter counts in Redis when it is configured, so several portal processes share the
// counts, and in process otherwise or while Redis is unreachable. The in-process counts
// mirror what Redis last said, so an outage continues from there instead of from zero.
func newLimiter(rdb *redis.Client, prefix string, log *slog.Logger) Limiter {
	mem := &memoryLimiter{windows: map[string]*window{}}
	if rdb == nil {
		return mem
	}
	return &redisLimiter{rdb: rdb, prefix: prefix + "rl:", mem: mem, log: log}
}

type redisLimiter struct {
	rdb    *redis.Client
	prefix string
	mem    *memoryLimiter
	log    *slog.Logger
	// downUntil (unix nanoseconds) skips Redis for a while after a failure, so an outage
	// costs one request the timeout, not every request.
	downUntil atomic.Int64
}

// redisRetryAfter is how long the limiter counts in process after Redis failed.
const redisRetryAfter = 10 * time.Second

// hitScript increments the counter and starts its expiry on the first event, atomically.
var hitScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`)

// refundScript takes one event back from a counter that holds any, keeping its expiry.
var refundScript = redis.NewScript(`
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then n = redis.call('DECR', KEYS[1]) end
return {n, redis.call('PTTL', KEYS[1])}`)

// call runs one limiter script in Redis under its own deadline; ok is false when Redis did
// not answer, and the caller then counts in process.
func (l *redisLimiter) call(ctx context.Context, script *redis.Script, key string, args ...any) (count int, ttl time.Duration, ok bool) {
	if time.Now().UnixNano() < l.downUntil.Load() {
		return 0, 0, false
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), redisCallTimeout)
	defer cancel()
	res, err := script.Run(ctx, l.rdb, []string{l.prefix + key}, args...).Int64Slice()
	if err != nil || len(res) != 2 {
		l.log.Warn("rate limiter: redis unavailable, counting in process", "err", err, "retry_in", redisRetryAfter.String())
		l.downUntil.Store(time.Now().Add(redisRetryAfter).UnixNano())
		return 0, 0, false
	}
	ttl = time.Duration(res[1]) * time.Millisecond
	l.mem.mirror(key, int(res[0]), ttl)
	return int(res[0]), ttl, true
}

func (l *redisLimiter) Allow(ctx context.Context, key string, limit int, win time.Duration) (bool, time.Duration, Count) {
	n, ttl, ok := l.call(ctx, hitScript, key, win.Milliseconds())
	if !ok {
		return l.mem.Allow(ctx, key, limit, win)
	}
	return n <= limit, ttl, Count{InRedis: true, Ends: time.Now().Add(ttl)}
}

func (l *redisLimiter) Refund(ctx context.Context, key string, n Count) {
	if !n.InRedis {
		l.mem.Refund(ctx, key, n)
		return
	}
	if time.Now().After(n.Ends) {
		return // its window is over: the key now counts other events
	}
	// The in-process mirror of Redis's count gives the event back too.
	if _, _, ok := l.call(ctx, refundScript, key); ok {
		l.mem.unmirror(key)
	}
}

// countFirst counts one attempt against key before it is made, so attempts sent at the same
// moment cannot all pass a check that is counted only afterwards. Past limit it answers false
// (the attempt given back) with the wait; otherwise keep(false) gives back an attempt that
// turned out not to count (a right code, an accepted statement).
func (a *App) countFirst(ctx context.Context, key string, limit int, win time.Duration) (keep func(counts bool), retry time.Duration, ok bool) {
	ok, retry, n := a.limiter.Allow(ctx, key, limit, win)
	if !ok {
		a.limiter.Refund(ctx, key, n)
		return nil, retry, false
	}
	return func(counts bool) {
		if !counts {
			a.limiter.Refund(ctx, key, n)
		}
	}, 0, true
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

// current is key's window, a fresh one when it has ended (or never began); l.mu is held.
func (l *memoryLimiter) current(key string, win time.Duration, now time.Time) *window {
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
	return w
}

func (l *memoryLimiter) Allow(_ context.Context, key string, limit int, win time.Duration) (bool, time.Duration, Count) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	w := l.current(key, win, now)
	w.count++
	return w.count <= limit, w.ends.Sub(now), Count{Ends: w.ends}
}

// Refund takes the event back from the window it was counted in, if that is still the key's.
func (l *memoryLimiter) Refund(_ context.Context, key string, n Count) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if w := l.windows[key]; w != nil && w.count > 0 && w.ends.Equal(n.Ends) && !time.Now().After(w.ends) {
		w.count--
	}
}

// unmirror takes one event back from the mirror of Redis's count for key.
func (l *memoryLimiter) unmirror(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if w := l.windows[key]; w != nil && w.count > 0 {
		w.count--
	}
}

// mirror records what Redis counts for key, so counting in process during an outage goes on
// from there.
func (l *memoryLimiter) mirror(key string, count int, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	w := l.windows[key]
	if w == nil || now.After(w.ends) {
		w = &window{}
		l.windows[key] = w
	}
	w.count = max(w.count, count)
	w.ends = now.Add(ttl)
}
