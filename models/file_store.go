package models

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"gorm.io/gorm/clause"
)

// FileStore keeps uploaded files by the hex SHA-256 of their content, so the same scan is
// kept once and a name can never point at other bytes.
type FileStore interface {
	// Put stores content under sum and reports whether it was not stored before; a caller
	// whose request then fails removes only what it created.
	Put(ctx context.Context, sum, kind string, content []byte) (created bool, err error)
	// Open returns the content stored under sum; NotFound when there is none.
	Open(ctx context.Context, sum string) (io.ReadCloser, error)
	// Remove deletes the content under sum unless an employment record refers to it.
	Remove(ctx context.Context, sum string) error
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

func checkSum(sum string) error {
	if !sha256Hex.MatchString(sum) {
		return fmt.Errorf("models: %q is not a hex SHA-256", sum)
	}
	return nil
}

// Files returns where this deployment keeps uploads: the database on PostgreSQL, where
// several portal processes share it and no disk is shared, and the folder dir on SQLite,
// which assumes one process on one box.
func (s *Store) Files(dir string) FileStore {
	if s.dialect == "postgres" {
		return DatabaseFiles{store: s}
	}
	return FolderFiles{Dir: dir, store: s}
}

// referenced reports whether an employment record names the file.
func (s *Store) referenced(ctx context.Context, sum string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&EmploymentRecord{}).Where("file_sha256 = ?", sum).Count(&n).Error
	return n > 0, err
}

// DatabaseFiles keeps files in the stored_files table of the shared database.
type DatabaseFiles struct{ store *Store }

type storedFile struct {
	SHA256    string `gorm:"column:sha256;primaryKey"`
	Type      string
	Size      int64
	Content   []byte
	CreatedAt time.Time
}

func (storedFile) TableName() string { return "stored_files" }

// Put implements FileStore.
func (f DatabaseFiles) Put(ctx context.Context, sum, kind string, content []byte) (bool, error) {
	if err := checkSum(sum); err != nil {
		return false, err
	}
	res := f.store.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&storedFile{SHA256: sum, Type: kind, Size: int64(len(content)), Content: content, CreatedAt: time.Now().UTC()})
	if res.Error != nil {
		return false, fmt.Errorf("models: store file %s: %w", sum[:12], res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Open implements FileStore.
func (f DatabaseFiles) Open(ctx context.Context, sum string) (io.ReadCloser, error) {
	if err := checkSum(sum); err != nil {
		return nil, err
	}
	var row storedFile
	err := f.store.db.WithContext(ctx).Where("sha256 = ?", sum).Limit(1).Find(&row).Error
	if err != nil {
		return nil, fmt.Errorf("models: read file %s: %w", sum[:12], err)
	}
	if row.SHA256 == "" {
		return nil, NotFound("evidence file")
	}
	return io.NopCloser(bytes.NewReader(row.Content)), nil
}

// Remove implements FileStore.
func (f DatabaseFiles) Remove(ctx context.Context, sum string) error {
	err := f.store.db.WithContext(ctx).Exec(`DELETE FROM stored_files WHERE sha256 = ?
		AND NOT EXISTS (SELECT 1 FROM employment_records WHERE file_sha256 = ?)`, sum, sum).Error
	if err != nil {
		return fmt.Errorf("models: remove file %s: %w", sum, err)
	}
	return nil
}

// FolderFiles keeps files under Dir/evidence, named by their sum.
type FolderFiles struct {
	Dir   string
	store *Store
}

func (f FolderFiles) path(sum string) string { return filepath.Join(f.Dir, "evidence", sum) }

// Put implements FileStore; the file appears whole or not at all (written aside, renamed).
func (f FolderFiles) Put(_ context.Context, sum, _ string, content []byte) (bool, error) {
	if err := checkSum(sum); err != nil {
		return false, err
	}
	if _, err := os.Stat(f.path(sum)); err == nil {
		return false, nil
	}
	dir := filepath.Join(f.Dir, "evidence")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return false, fmt.Errorf("models: files folder: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return false, fmt.Errorf("models: files folder: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return false, fmt.Errorf("models: write file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("models: write file: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.path(sum)); err != nil {
		return false, fmt.Errorf("models: write file: %w", err)
	}
	return true, nil
}

// Open implements FileStore.
func (f FolderFiles) Open(_ context.Context, sum string) (io.ReadCloser, error) {
	if err := checkSum(sum); err != nil {
		return nil, err
	}
	r, err := os.Open(f.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, NotFound("evidence file")
	}
	return r, err
}

// Remove implements FileStore.
func (f FolderFiles) Remove(ctx context.Context, sum string) error {
	if err := checkSum(sum); err != nil {
		return err
	}
	if f.store != nil {
		if used, err := f.store.referenced(ctx, sum); err != nil || used {
			return err
		}
	}
	if err := os.Remove(f.path(sum)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("models: remove file: %w", err)
	}
	return nil
}

// CheckEmploymentUpload refuses, before any upload is stored, what RecordEmployment would
// refuse for the enrolment itself: unknown (404), another provider's (403), not completed.
func (s *Store) CheckEmploymentUpload(ctx context.Context, owner User, enrolmentID int64) error {
	var e Enrolment
	if err := s.db.WithContext(ctx).First(&e, enrolmentID).Error; err != nil {
		return notFoundOr(err, "enrolment")
	}
	p, err := s.Program(ctx, e.ProgramID)
	if err != nil {
		return err
	}
	if err := RequireOwner(owner, p); err != nil {
		return err
	}
	if e.Status != EnrolCompleted {
		return RuleError("not_completed", "employment is recorded for trainees who completed the program; this one is "+e.Status)
	}
	return nil
}
