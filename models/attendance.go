package models

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"
)

// Attendance is one present mark: a trainee on a day.
type Attendance struct {
	ProgramID   int64
	EnrolmentID int64  `gorm:"primaryKey"`
	Day         string `gorm:"primaryKey"`
	RecordedAt  time.Time
}

// TableName names the attendance table.
func (Attendance) TableName() string { return "attendance" }

// PutRoll replaces a day's roll of an approved program with the trainees present: the day
// must lie in [start_on, end_on] and not in the future, and every id must be an enrolment of
// this program on its roster. Sending the same roll twice changes nothing.
func (s *Store) PutRoll(ctx context.Context, owner User, programID int64, day string, present []int64, now time.Time) ([]int64, error) {
	if _, err := ParseDate(day); err != nil {
		return nil, FieldError("date", "must be a date written YYYY-MM-DD")
	}
	slices.Sort(present)
	present = slices.Compact(present)
	err := s.tx(ctx, func(tx *gorm.DB) error {
		return putRoll(tx, s.dialect, owner, programID, day, present, now)
	})
	if err != nil {
		return nil, err
	}
	return nonNil(present), nil
}

// putRoll is PutRoll inside the transaction tx, for a roll already sorted without repeats.
func putRoll(tx *gorm.DB, dialect string, owner User, programID int64, day string, present []int64, now time.Time) error {
	p, err := lockProgram(tx, dialect, programID)
	if err != nil {
		return err
	}
	if err := RequireOwner(owner, p); err != nil {
		return err
	}
	switch {
	case p.Status != ProgramApproved:
		return RuleError("program_not_approved", "attendance is kept for an approved, open program; this one is "+p.Status)
	case day < p.StartOn || day > p.EndOn:
		return FieldError("date", "must lie between "+p.StartOn+" and "+p.EndOn)
	case day > Today(now):
		return FieldError("date", "must not be in the future")
	}
	if len(present) > 0 {
		var n int64
		if err := tx.Model(&Enrolment{}).Where("program_id = ? AND id IN ? AND status IN ?", programID, present, onRoster).Count(&n).Error; err != nil {
			return err
		}
		if n != int64(len(present)) {
			return FieldError("present", "every id must be an enrolment on this program's roster")
		}
	}
	var before []int64
	if err := tx.Model(&Attendance{}).Where("program_id = ? AND day = ?", programID, day).Order("enrolment_id").Pluck("enrolment_id", &before).Error; err != nil {
		return err
	}
	if slices.Equal(before, present) {
		return nil
	}
	if err := tx.Where("program_id = ? AND day = ?", programID, day).Delete(&Attendance{}).Error; err != nil {
		return err
	}
	rows := make([]Attendance, len(present))
	for i, id := range present {
		rows[i] = Attendance{ProgramID: programID, EnrolmentID: id, Day: day, RecordedAt: now.UTC()}
	}
	if len(rows) > 0 {
		if err := tx.CreateInBatches(rows, 500).Error; err != nil {
			return err
		}
	}
	return audit(tx, owner.ID, "attendance.put", "program", programID, map[string]any{"day": day, "present": nonNil(before)}, map[string]any{"day": day, "present": present})
}

// Roll reads who was present on a day.
func (s *Store) Roll(ctx context.Context, programID int64, day string) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Model(&Attendance{}).Where("program_id = ? AND day = ?", programID, day).Order("enrolment_id").Pluck("enrolment_id", &ids).Error
	return nonNil(ids), err
}
