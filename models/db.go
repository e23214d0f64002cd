package models

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	"portal/config"
	"portal/personal"
)

// Store is the database handle every query hangs off, with the sealer that protects the
// personal data stored in it.
type Store struct {
	db      *gorm.DB
	dialect string // "sqlite" or "postgres"
	Sealer  *personal.Sealer
}

// Open connects to DATABASE_URL. SQLite runs in WAL mode with a busy timeout, immediate
// transactions and a single connection, so concurrent requests queue instead of failing with
// "database is locked"; PostgreSQL gets a small pool.
func Open(ctx context.Context, databaseURL string, secret []byte, log *slog.Logger) (*Store, error) {
	driver, dsn, err := config.ParseDatabaseURL(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	sealer, err := personal.NewSealer(secret)
	if err != nil {
		return nil, fmt.Errorf("PORTAL_SECRET: %w", err)
	}
	gcfg := &gorm.Config{
		Logger:                 logger.Default.LogMode(logger.Silent),
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		SkipDefaultTransaction: true,
		TranslateError:         true,
	}
	var db *gorm.DB
	switch driver {
	case "sqlite":
		if dir := filepath.Dir(dsn); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("DATABASE_URL: cannot create %s: %w", dir, err)
			}
		}
		full := "file:" + dsn + "?_journal_mode=WAL&_busy_timeout=10000&_txlock=immediate&_foreign_keys=on&_synchronous=NORMAL"
		db, err = gorm.Open(sqlite.Open(full), gcfg)
	case "postgres":
		db, err = gorm.Open(postgres.Open(dsn), gcfg)
	}
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: cannot open: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	if driver == "sqlite" {
		sqlDB.SetMaxOpenConns(1) // one writer: SQLite serialises writes anyway
	} else {
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("DATABASE_URL: cannot connect: %w", err)
	}
	return &Store{db: db, dialect: driver, Sealer: sealer}, nil
}

// Close releases the connections.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Dialect says which database is behind the store: "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// Ping checks that the database answers, for readiness probes.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// DB exposes the GORM handle for packages that build on the store (search's outbox).
func (s *Store) DB(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// tx runs fn in one transaction.
func (s *Store) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.db.WithContext(ctx).Transaction(fn)
}

// lockForUpdate locks the selected rows until the transaction ends (PostgreSQL).
func lockForUpdate() clause.Locking { return clause.Locking{Strength: "UPDATE"} }
