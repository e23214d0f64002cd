package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Report is a complaint about a posting (举报), queued for reviewers.
type Report struct {
	ID         int64      `json:"id"`
	JobID      int64      `json:"job_id"`
	Job        *Job       `json:"job,omitempty" gorm:"foreignKey:JobID"`
	Reason     string     `json:"reason"`
	Contact    string     `json:"-"`
	Status     string     `json:"status"`
	TookDown   bool       `json:"took_down"`
	ResolvedBy *int64     `json:"resolved_by"`
	ResolvedAt *time.Time `json:"resolved_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

// ReportInput is what anyone sends to report a posting.
type ReportInput struct {
	Reason  string `json:"reason" form:"reason" validate:"required,min=2,max=1000"`
	Contact string `json:"contact" form:"contact" validate:"max=100"`
}

// ResolveInput is a reviewer's decision on a report.
type ResolveInput struct {
	TakeDown *bool `json:"take_down" validate:"required"`
}

// ReportJob queues a report about a posting.
func (s *Store) ReportJob(ctx context.Context, jobID int64, in ReportInput) (Report, error) {
	if err := Validate(in); err != nil {
		return Report{}, err
	}
	j, err := s.Job(ctx, jobID)
	if err != nil {
		return Report{}, err
	}
	if j.Enterprise == nil || !j.Enterprise.Verified { // a posting the public cannot see cannot be reported either
		return Report{}, NotFound("job")
	}
	r := Report{JobID: jobID, Reason: in.Reason, Contact: in.Contact, Status: "open", CreatedAt: time.Now().UTC()}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Omit("Job").Create(&r).Error; err != nil {
			return err
		}
		return audit(tx, 0, "report.create", "report", r.ID, nil, map[string]any{"job_id": jobID, "reason": in.Reason})
	})
	return r, err
}

// Reports lists reports, the open ones first and oldest first.
func (s *Store) Reports(ctx context.Context, status string) ([]Report, error) {
	q := s.db.WithContext(ctx).Preload("Job").Preload("Job.Enterprise").Order("created_at, id").Limit(500)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var rs []Report
	err := q.Find(&rs).Error
	return rs, err
}

// ResolveReport closes a report; with take_down the posting leaves search and its page says
// it was taken down. Both are audited.
func (s *Store) ResolveReport(ctx context.Context, reviewer User, id int64, in ResolveInput, now time.Time) (Report, error) {
	if reviewer.Role != RoleReviewer {
		return Report{}, Errorf(ErrForbidden, "only reviewers resolve reports")
	}
	if err := Validate(in); err != nil {
		return Report{}, err
	}
	var r Report
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.First(&r, id).Error; err != nil {
			return notFoundOr(err, "report")
		}
		if r.Status != "open" {
			return ConflictError("report_resolved", "this report was already resolved")
		}
		t := now.UTC()
		before := r
		r.Status, r.TookDown, r.ResolvedBy, r.ResolvedAt = "resolved", *in.TakeDown, &reviewer.ID, &t
		if err := tx.Model(&Report{ID: id}).Select("status", "took_down", "resolved_by", "resolved_at").Updates(&r).Error; err != nil {
			return err
		}
		if *in.TakeDown {
			if err := tx.Model(&Job{ID: r.JobID}).Updates(map[string]any{"status": JobTakenDown, "closed_at": t, "updated_at": t}).Error; err != nil {
				return err
			}
			if err := enqueue(tx, "job", r.JobID); err != nil {
				return err
			}
			if err := audit(tx, reviewer.ID, "job.take_down", "job", r.JobID, nil, map[string]any{"report_id": id}); err != nil {
				return err
			}
		}
		return audit(tx, reviewer.ID, "report.resolve", "report", id, before, r)
	})
	return r, err
}

// TableName names the reports table.
func (Report) TableName() string { return "job_reports" }
