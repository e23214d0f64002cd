package handlers

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"portal/internal/testsvc"
)

func TestARefundTakesBackOnlyItsOwnEvent(t *testing.T) {
	ctx := context.Background()
	t.Run("in process: not from a later window", func(t *testing.T) {
		l := newLimiter(nil, "", nil)
		_, _, first := l.Allow(ctx, "k", 10, 50*time.Millisecond)
		time.Sleep(60 * time.Millisecond)
		l.Allow(ctx, "k", 10, time.Minute) // a failure of the next window
		l.Refund(ctx, "k", first)
		if ok, _, _ := l.Allow(ctx, "k", 2, time.Minute); !ok { // 2 of 2: the failure still counts
			t.Fatal("the next window lost its count")
		}
		if ok, _, _ := l.Allow(ctx, "k", 2, time.Minute); ok {
			t.Fatal("a refund of the window before took back a failure of this one")
		}
	})
	t.Run("with Redis: an event counted in process is never taken back from Redis", func(t *testing.T) {
		rdb, err := NewRedisClient(testsvc.RedisURL(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rdb.Close() })
		prefix := "test:refund:" + strconv.FormatInt(time.Now().UnixNano(), 10) + ":"
		l := newLimiter(rdb, prefix, slog.New(slog.NewTextHandler(io.Discard, nil)))
		for range 3 { // three failures every process sees
			l.Allow(ctx, "k", 10, time.Minute)
		}
		// an attempt counted in process while Redis looked down, given back after it is up again
		l.Refund(ctx, "k", Count{InRedis: false, Ends: time.Now().Add(time.Minute)})
		if n, _ := rdb.Get(ctx, prefix+"rl:k").Int(); n != 3 {
			t.Fatalf("Redis counts %d, want the 3 failures", n)
		}
		_, _, mine := l.Allow(ctx, "k", 10, time.Minute)
		l.Refund(ctx, "k", mine)
		if n, _ := rdb.Get(ctx, prefix+"rl:k").Int(); n != 3 {
			t.Fatalf("after its own refund Redis counts %d, want 3", n)
		}
	})
}
