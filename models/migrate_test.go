package models

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"portal/internal/testsvc"
)

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	for _, db := range testsvc.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			s, err := Open(ctx, db.Resolve(t), testSecret, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()

			t.Run("an empty database is refused as older than the code", func(t *testing.T) {
				err := s.CheckSchema(ctx)
				if err == nil || !strings.Contains(err.Error(), "portal migrate") {
					t.Fatalf("want a refusal telling to run portal migrate, got %v", err)
				}
			})
			t.Run("migrate brings it to the latest version, then does nothing", func(t *testing.T) {
				applied, err := s.Migrate(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(applied) != len(migrations) {
					t.Fatalf("applied %v, want all %d", applied, len(migrations))
				}
				if err := s.CheckSchema(ctx); err != nil {
					t.Fatal(err)
				}
				again, err := s.Migrate(ctx)
				if err != nil || len(again) != 0 {
					t.Fatalf("second migrate applied %v, err %v", again, err)
				}
			})
			t.Run("a schema newer than the code is refused too", func(t *testing.T) {
				if err := s.db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', CURRENT_TIMESTAMP)", LatestSchemaVersion()+1).Error; err != nil {
					t.Fatal(err)
				}
				if err := s.CheckSchema(ctx); err == nil || !strings.Contains(err.Error(), "newer") {
					t.Fatalf("want refusal of a newer schema, got %v", err)
				}
			})
		})
	}
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, err := s.AddPolicy(ctx, 0, PolicyInput{}); err == nil {
			t.Fatal("an empty policy must be refused")
		}
		trail, err := s.AuditTrail(ctx, "policy_version", 1)
		if err != nil || len(trail) != 1 || trail[0].Action != "policy.add" {
			t.Fatalf("seeding must have audited the policy: %+v %v", trail, err)
		}
		if err := s.db.Exec("UPDATE audit_log SET action = 'forged'").Error; err == nil {
			t.Fatal("updating the audit log must fail")
		}
		if err := s.db.Exec("DELETE FROM audit_log").Error; err == nil {
			t.Fatal("deleting from the audit log must fail")
		}
		trail, _ = s.AuditTrail(ctx, "policy_version", 1)
		if len(trail) != 1 || trail[0].Action != "policy.add" {
			t.Fatalf("the entry changed: %+v", trail)
		}
	})
}
