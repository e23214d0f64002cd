package models

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"portal/internal/testsvc"
)

func TestOutboxPositionsPerNode(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		owner, ent := verifiedEnterprise(t, s, "13500000801", "MA0J0801")
		towns, _ := s.Towns(ctx)
		j, err := s.CreateJob(ctx, owner, goodJob(towns[0].ID), postingDay)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ImportJobs(ctx, owner.ID, ent, []JobInput{goodJob(towns[0].ID), goodJob(towns[0].ID)}, postingDay); err != nil {
			t.Fatal(err)
		}
		t.Run("API changes go to the live lane, imports to the bulk lane", func(t *testing.T) {
			live, _ := s.OutboxAfter(ctx, LaneLive, 0, 10)
			bulk, _ := s.OutboxAfter(ctx, LaneBulk, 0, 10)
			// the enterprise's verification and the posting; then the import
			if len(live) != 2 || live[1].Entity != "job" || live[1].EntityID != j.ID || len(bulk) != 2 {
				t.Fatalf("live %+v, bulk %+v", live, bulk)
			}
		})
		heads, err := s.OutboxHeads(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("a node never built has no positions and lags by everything", func(t *testing.T) {
			pos, found, err := s.Cursors(ctx, "http://a")
			if err != nil || found {
				t.Fatalf("%v %v", pos, err)
			}
			lag, err := s.LagOf(ctx, pos, time.Now())
			if err != nil || lag.Entries != 4 || lag.Oldest <= 0 {
				t.Fatalf("%+v %v", lag, err)
			}
		})
		t.Run("entries are pruned only when every node has passed them", func(t *testing.T) {
			for lane, id := range heads {
				if err := s.SetCursor(ctx, "http://a", lane, id); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.SetCursor(ctx, "http://b", LaneLive, heads[LaneLive]); err != nil {
				t.Fatal(err)
			}
			if _, err := s.PruneOutbox(ctx, []string{"http://a", "http://b"}); err != nil {
				t.Fatal(err)
			}
			if n, _ := s.OutboxPending(ctx); n != 2 {
				t.Fatalf("%d entries left, want the 2 bulk ones node b has not applied", n)
			}
			pos, _, _ := s.Cursors(ctx, "http://b")
			if lag, _ := s.LagOf(ctx, pos, time.Now()); lag.Entries != 2 {
				t.Fatalf("node b lag %+v", lag)
			}
			if pos, _, _ := s.Cursors(ctx, "http://a"); pos[LaneBulk] != heads[LaneBulk] {
				t.Fatalf("node a %v", pos)
			}
		})
	})
}

func TestLeases(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := time.Now()
		take := func(holder string, at time.Time) bool {
			t.Helper()
			ok, err := s.TryLease(ctx, "alerts", holder, time.Minute, at)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !take("p1", now) || !take("p1", now.Add(30*time.Second)) {
			t.Fatal("the first process neither took nor renewed the lease")
		}
		if take("p2", now.Add(80*time.Second)) {
			t.Fatal("a second process took a renewed lease before it expired")
		}
		if !take("p2", now.Add(91*time.Second)) || take("p1", now.Add(92*time.Second)) {
			t.Fatal("the lease did not move to the second process after its holder fell silent")
		}
		if err := s.ReleaseLease(ctx, "alerts", "p2"); err != nil || !take("p1", now.Add(93*time.Second)) {
			t.Fatalf("a released lease was not free: %v", err)
		}
	})
}

// TestOutboxCommitsInOrder proves on PostgreSQL that a node's position never skips an entry:
// while one transaction holding outbox entries is open, a later one cannot commit its own.
func TestOutboxCommitsInOrder(t *testing.T) {
	s := openTestStore(t, testsvc.PostgresURL(t))
	ctx := context.Background()
	first := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 2)
	go func() {
		done <- s.tx(ctx, func(tx *gorm.DB) error {
			if err := enqueue(tx, "job", 1); err != nil {
				return err
			}
			close(first)
			<-release
			return nil
		})
	}()
	<-first
	go func() { done <- s.tx(ctx, func(tx *gorm.DB) error { return enqueue(tx, "job", 2) }) }()
	time.Sleep(300 * time.Millisecond) // room for the second to commit, were it not held
	if seen, _ := s.OutboxAfter(ctx, LaneLive, 0, 10); len(seen) != 0 {
		t.Fatalf("entry %d committed while an earlier one was open: a position could skip it", seen[0].EntityID)
	}
	close(release)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	seen, _ := s.OutboxAfter(ctx, LaneLive, 0, 10)
	if len(seen) != 2 || seen[0].EntityID != 1 || seen[1].EntityID != 2 {
		t.Fatalf("%+v", seen)
	}
}

// TestNodeLockIsExclusive: two processes (two pools) never drain one node at once, and a
// crashed holder's lock is free again.
func TestNodeLockIsExclusive(t *testing.T) {
	url := testsvc.PostgresURL(t)
	a, b := openTestStore(t, url), openTestStore(t, url)
	ctx := context.Background()
	ran, err := a.WithNodeLock(ctx, "http://n1", func() error {
		ran, err := b.WithNodeLock(ctx, "http://n1", func() error { return nil })
		if err != nil || ran {
			t.Errorf("the second process drained a locked node: %v %v", ran, err)
		}
		ran, err = b.WithNodeLock(ctx, "http://n2", func() error { return nil })
		if err != nil || !ran {
			t.Errorf("another node was held back: %v %v", ran, err)
		}
		return nil
	})
	if err != nil || !ran {
		t.Fatal(ran, err)
	}
	if ran, err := b.WithNodeLock(ctx, "http://n1", func() error { return nil }); err != nil || !ran {
		t.Fatalf("the lock was not freed: %v %v", ran, err)
	}
}
