package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Application statuses: the pipeline an enterprise moves an applicant along.
const (
	AppSubmitted = "submitted"
	AppViewed    = "viewed"
	AppInterview = "interview"
	AppOffered   = "offered"
	AppHired     = "hired"
	AppRejected  = "rejected"
	AppWithdrawn = "withdrawn"
)

// enterpriseMoves lists where the enterprise may move an application from each status.
var enterpriseMoves = map[string][]string{
	AppSubmitted: {AppViewed, AppInterview, AppRejected},
	AppViewed:    {AppInterview, AppRejected},
	AppInterview: {AppOffered, AppRejected},
	AppOffered:   {AppHired, AppRejected},
}

// Application is one seeker's application to one posting.
type Application struct {
	ID        int64              `json:"id"`
	JobID     int64              `json:"job_id"`
	Job       *Job               `json:"job,omitempty" gorm:"foreignKey:JobID"`
	SeekerID  int64              `json:"seeker_id"`
	Seeker    *User              `json:"-" gorm:"foreignKey:SeekerID"`
	Status    string             `json:"status"`
	CreatedAt time.Time          `json:"created_at"`
	UpdatedAt time.Time          `json:"updated_at"`
	Events    []ApplicationEvent `json:"events,omitempty" gorm:"foreignKey:ApplicationID"`
	// Applicant is filled for the enterprise: the seeker's name, phone (it applied, so in
	// full) and profile.
	Applicant *SeekerProfile `json:"applicant,omitempty" gorm:"-"`
}

// ApplicationEvent is one step of an application, with its time.
type ApplicationEvent struct {
	ID            int64     `json:"-"`
	ApplicationID int64     `json:"-"`
	Status        string    `json:"status"`
	ActorUserID   int64     `json:"-"`
	At            time.Time `json:"at"`
}

// Apply records a seeker's application; the database's unique constraint makes concurrent
// tries create one.
func (s *Store) Apply(ctx context.Context, seeker User, jobID int64, now time.Time) (Application, error) {
	if seeker.Role != RoleSeeker {
		return Application{}, Errorf(ErrForbidden, "only job seekers apply")
	}
	j, err := s.Job(ctx, jobID)
	if err != nil {
		return Application{}, err
	}
	if !j.Searchable(Today(now)) {
		return Application{}, RuleError("job_closed", "this posting is closed or expired and takes no applications")
	}
	t := now.UTC()
	a := Application{JobID: jobID, SeekerID: seeker.ID, Status: AppSubmitted, CreatedAt: t, UpdatedAt: t}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Omit("Job", "Seeker", "Events").Create(&a).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ConflictError("already_applied", "you have already applied to this posting")
			}
			return err
		}
		return tx.Create(&ApplicationEvent{ApplicationID: a.ID, Status: AppSubmitted, ActorUserID: seeker.ID, At: t}).Error
	})
	if err != nil {
		return Application{}, err
	}
	return s.Application(ctx, a.ID)
}

// Application finds one application with its posting and its steps.
func (s *Store) Application(ctx context.Context, id int64) (Application, error) {
	var a Application
	err := s.db.WithContext(ctx).Preload("Job").Preload("Job.Enterprise").Preload("Events", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		First(&a, id).Error
	return a, notFoundOr(err, "application")
}

// MyApplications lists a seeker's applications, newest first, with every step.
func (s *Store) MyApplications(ctx context.Context, seeker User) ([]Application, error) {
	var as []Application
	err := s.db.WithContext(ctx).Preload("Job").Preload("Job.Enterprise").Preload("Job.Town").
		Preload("Events", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Where("seeker_id = ?", seeker.ID).Order("created_at DESC, id DESC").Find(&as).Error
	return as, err
}

// JobApplications lists the applicants of a posting for its owner, with their profiles.
func (s *Store) JobApplications(ctx context.Context, owner User, jobID int64) ([]Application, error) {
	j, err := s.Job(ctx, jobID)
	if err != nil {
		return nil, err
	}
	if err := RequireOwner(owner, j); err != nil {
		return nil, err
	}
	var as []Application
	if err := s.db.WithContext(ctx).Preload("Seeker").Preload("Events", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Where("job_id = ?", jobID).Order("created_at, id").Find(&as).Error; err != nil {
		return nil, err
	}
	var profiles []SeekerProfile
	ids := make([]int64, len(as))
	for i, a := range as {
		ids[i] = a.SeekerID
	}
	if err := s.db.WithContext(ctx).Where("user_id IN ?", ids).Find(&profiles).Error; err != nil {
		return nil, err
	}
	byUser := map[int64]SeekerProfile{}
	for _, p := range profiles {
		byUser[p.UserID] = p
	}
	for i := range as {
		p := byUser[as[i].SeekerID]
		p.UserID = as[i].SeekerID
		if as[i].Seeker != nil {
			p.Name, p.Phone = as[i].Seeker.Name, as[i].Seeker.Phone // it applied to this enterprise
		}
		as[i].Applicant = &p
	}
	return as, nil
}

// MoveApplication changes an application's status: the posting's owner along the pipeline,
// the seeker only to withdrawn. Every step is kept with its time.
func (s *Store) MoveApplication(ctx context.Context, actor User, id int64, status string, now time.Time) (Application, error) {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var a Application
		if err := tx.Preload("Job").Preload("Job.Enterprise").First(&a, id).Error; err != nil {
			return notFoundOr(err, "application")
		}
		switch actor.Role {
		case RoleSeeker:
			if a.SeekerID != actor.ID {
				return Errorf(ErrForbidden, "this is another seeker's application")
			}
			if status != AppWithdrawn {
				return FieldError("status", "a seeker can only withdraw")
			}
			if a.Status == AppHired || a.Status == AppRejected || a.Status == AppWithdrawn {
				return RuleError("application_final", "the application is already "+a.Status)
			}
		case RoleEnterprise:
			if err := RequireOwner(actor, *a.Job); err != nil {
				return err
			}
			if !contains(enterpriseMoves[a.Status], status) {
				return &Error{Code: ErrRule, Reason: "invalid_transition", Message: "an application cannot move from " + a.Status + " to " + status,
					Fields: map[string]string{"status": "cannot move from " + a.Status + " to " + status}}
			}
		default:
			return Errorf(ErrForbidden, "only the applicant or the posting's enterprise moves an application")
		}
		t := now.UTC()
		if err := tx.Model(&Application{ID: id}).Updates(map[string]any{"status": status, "updated_at": t}).Error; err != nil {
			return err
		}
		return tx.Create(&ApplicationEvent{ApplicationID: id, Status: status, ActorUserID: actor.ID, At: t}).Error
	})
	if err != nil {
		return Application{}, err
	}
	return s.Application(ctx, id)
}

// CountView adds one view to a posting's statistics.
func (s *Store) CountView(ctx context.Context, jobID int64) error {
	return s.db.WithContext(ctx).Exec("UPDATE jobs SET views = views + 1 WHERE id = ?", jobID).Error
}

// JobStats are a posting's figures for its enterprise.
type JobStats struct {
	JobID        int64            `json:"job_id"`
	Views        int64            `json:"views"`
	Applications int64            `json:"applications"`
	ByStatus     map[string]int64 `json:"by_status"`
}

// Stats counts a posting's views and applications by status, for its owner.
func (s *Store) Stats(ctx context.Context, owner User, jobID int64) (JobStats, error) {
	j, err := s.Job(ctx, jobID)
	if err != nil {
		return JobStats{}, err
	}
	if err := RequireOwner(owner, j); err != nil {
		return JobStats{}, err
	}
	st := JobStats{JobID: jobID, ByStatus: map[string]int64{}}
	if err := s.db.WithContext(ctx).Raw("SELECT views FROM jobs WHERE id = ?", jobID).Scan(&st.Views).Error; err != nil {
		return st, err
	}
	var rows []struct {
		Status string
		N      int64
	}
	if err := s.db.WithContext(ctx).Raw("SELECT status, COUNT(*) AS n FROM applications WHERE job_id = ? GROUP BY status", jobID).Scan(&rows).Error; err != nil {
		return st, err
	}
	for _, r := range rows {
		st.ByStatus[r.Status] = r.N
		st.Applications += r.N
	}
	return st, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// HasApplied says whether the seeker has an application to the posting.
func (s *Store) HasApplied(ctx context.Context, seekerID, jobID int64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Application{}).Where("seeker_id = ? AND job_id = ?", seekerID, jobID).Count(&n).Error
	return n > 0, err
}

// NextMoves lists where the posting's enterprise may move an application from status.
func NextMoves(status string) []string { return enterpriseMoves[status] }
