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

// TestOptionalBoothCapacityKeepsFairsAndBooths migrates a database holding a fair with a
// booking through version 6 (on SQLite a table rebuild) and finds both as they were.
func TestOptionalBoothCapacityKeepsFairsAndBooths(t *testing.T) {
	ctx := context.Background()
	for _, db := range testsvc.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			s, err := Open(ctx, db.Resolve(t), testSecret, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			all := migrations
			migrations = all[:5]
			_, err = s.Migrate(ctx)
			migrations = all
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{
				`INSERT INTO users (id, role, phone, name, password_hash, created_at) VALUES (1, 'reviewer', '13900000009', 'r', 'x', CURRENT_TIMESTAMP)`,
				`INSERT INTO users (id, role, phone, name, password_hash, created_at) VALUES (2, 'enterprise', '13900000001', 'e', 'x', CURRENT_TIMESTAMP)`,
				`INSERT INTO enterprises (id, user_id, name, uscc, industry, created_at, updated_at) VALUES (1, 2, '厂', '91140000MA0X00001X', '法兰', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
				`INSERT INTO fairs (id, name, organizer_level, held_on, venue, standard_booth_fee_yuan, booth_capacity, created_by, created_at) VALUES (7, '招聘会', 'provincial', '2025-04-10', '太原', 800, 20, 1, CURRENT_TIMESTAMP)`,
				`INSERT INTO booths (fair_id, enterprise_id, fee_yuan, fee_waived, waiver_basis, created_at) VALUES (7, 1, 800, FALSE, '', CURRENT_TIMESTAMP)`,
			} {
				if err := s.db.Exec(q).Error; err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			var capacity *int
			var booths int64
			if err := s.db.Raw("SELECT booth_capacity FROM fairs WHERE id = 7").Scan(&capacity).Error; err != nil || capacity == nil || *capacity != 20 {
				t.Fatalf("capacity %v %v", capacity, err)
			}
			if err := s.db.Raw("SELECT COUNT(*) FROM booths WHERE fair_id = 7").Scan(&booths).Error; err != nil || booths != 1 {
				t.Fatalf("booths %d %v", booths, err)
			}
			if err := s.db.Exec(`INSERT INTO fairs (name, organizer_level, held_on, venue, standard_booth_fee_yuan, created_by, created_at) VALUES ('不限展位', 'provincial', '2025-05-10', '太原', 800, 1, CURRENT_TIMESTAMP)`).Error; err != nil {
				t.Fatalf("a fair without capacity: %v", err)
			}
			if err := s.db.Exec(`INSERT INTO booths (fair_id, enterprise_id, fee_yuan, fee_waived, waiver_basis, created_at) VALUES (999, 1, 0, FALSE, '', CURRENT_TIMESTAMP)`).Error; err == nil {
				t.Fatal("booths still need their fair")
			}
		})
	}
}
