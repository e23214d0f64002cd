package models

import (
	"context"
	"net/url"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SavedSearch is a seeker's search kept with every filter (the query string of /jobs), with
// a private feed token; new matching postings become notifications.
type SavedSearch struct {
	ID           int64     `json:"id"`
	UserID       int64     `json:"user_id"`
	Name         string    `json:"name"`
	Query        string    `json:"query"`
	FeedToken    string    `json:"feed_token"`
	CheckedUntil int64     `json:"-"` // unix seconds: postings up to this time were already looked at
	CreatedAt    time.Time `json:"created_at"`
}

// SavedSearchInput is a search to keep: the query string of a /jobs search.
type SavedSearchInput struct {
	Query string `json:"query" validate:"max=1000"`
	Name  string `json:"name" validate:"max=60"`
}

// Notification tells a seeker about a new posting that matches a saved search.
type Notification struct {
	ID            int64      `json:"id"`
	UserID        int64      `json:"-"`
	SavedSearchID int64      `json:"saved_search_id"`
	JobID         int64      `json:"job_id"`
	Title         string     `json:"title"`
	CreatedAt     time.Time  `json:"created_at"`
	ReadAt        *time.Time `json:"read_at"`
}

// SaveSearch keeps a search; the caller has already checked that the query parses.
func (s *Store) SaveSearch(ctx context.Context, seeker User, in SavedSearchInput, canonical url.Values, now time.Time) (SavedSearch, error) {
	if seeker.Role != RoleSeeker {
		return SavedSearch{}, Errorf(ErrForbidden, "only job seekers save searches")
	}
	if err := Validate(in); err != nil {
		return SavedSearch{}, err
	}
	var n int64
	if err := s.db.WithContext(ctx).Model(&SavedSearch{}).Where("user_id = ?", seeker.ID).Count(&n).Error; err != nil {
		return SavedSearch{}, err
	}
	if n >= 20 {
		return SavedSearch{}, RuleError("too_many_saved_searches", "keep at most 20 saved searches; delete one first")
	}
	token, err := randomToken()
	if err != nil {
		return SavedSearch{}, err
	}
	name := in.Name
	if name == "" {
		name = canonical.Get("q")
		if name == "" {
			name = "全部岗位"
		}
	}
	ss := SavedSearch{UserID: seeker.ID, Name: name, Query: canonical.Encode(), FeedToken: token, CheckedUntil: now.Unix(), CreatedAt: now.UTC()}
	return ss, s.db.WithContext(ctx).Create(&ss).Error
}

// SavedSearches lists a seeker's saved searches.
func (s *Store) SavedSearches(ctx context.Context, seeker User) ([]SavedSearch, error) {
	var ss []SavedSearch
	err := s.db.WithContext(ctx).Where("user_id = ?", seeker.ID).Order("id").Find(&ss).Error
	return ss, err
}

// AllSavedSearches walks every saved search, for the alert job.
func (s *Store) AllSavedSearches(ctx context.Context) ([]SavedSearch, error) {
	var ss []SavedSearch
	err := s.db.WithContext(ctx).Order("id").Find(&ss).Error
	return ss, err
}

// SavedSearchByToken finds the search behind a private feed.
func (s *Store) SavedSearchByToken(ctx context.Context, token string) (SavedSearch, error) {
	var ss SavedSearch
	err := s.db.WithContext(ctx).Where("feed_token = ?", token).First(&ss).Error
	return ss, notFoundOr(err, "feed")
}

// DeleteSavedSearch removes one of the caller's saved searches and its notifications.
func (s *Store) DeleteSavedSearch(ctx context.Context, seeker User, id int64) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		var ss SavedSearch
		if err := tx.First(&ss, id).Error; err != nil {
			return notFoundOr(err, "saved search")
		}
		if ss.UserID != seeker.ID {
			return Errorf(ErrForbidden, "this is another seeker's saved search")
		}
		if err := tx.Where("saved_search_id = ?", id).Delete(&Notification{}).Error; err != nil {
			return err
		}
		return tx.Delete(&SavedSearch{}, id).Error
	})
}

// Notify records new matches of a saved search and moves its mark forward; a posting is
// announced once per saved search however often it is found (a unique constraint).
func (s *Store) Notify(ctx context.Context, ss SavedSearch, jobs []Job, until int64) (int, error) {
	added := 0
	err := s.tx(ctx, func(tx *gorm.DB) error {
		for _, j := range jobs {
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&Notification{UserID: ss.UserID, SavedSearchID: ss.ID, JobID: j.ID, Title: j.Title, CreatedAt: time.Now().UTC()})
			if res.Error != nil {
				return res.Error
			}
			added += int(res.RowsAffected)
		}
		return tx.Model(&SavedSearch{ID: ss.ID}).Update("checked_until", until).Error
	})
	return added, err
}

// Notifications lists a seeker's notifications, unread first, newest first.
func (s *Store) Notifications(ctx context.Context, seeker User) ([]Notification, error) {
	var ns []Notification
	err := s.db.WithContext(ctx).Where("user_id = ?", seeker.ID).Order("read_at IS NOT NULL, id DESC").Limit(200).Find(&ns).Error
	return ns, err
}

// Unread counts the notifications not yet read.
func Unread(ns []Notification) int {
	n := 0
	for _, x := range ns {
		if x.ReadAt == nil {
			n++
		}
	}
	return n
}

// MarkNotificationsRead marks the caller's notifications read (all of them when ids is empty).
func (s *Store) MarkNotificationsRead(ctx context.Context, seeker User, ids []int64, now time.Time) error {
	q := s.db.WithContext(ctx).Model(&Notification{}).Where("user_id = ? AND read_at IS NULL", seeker.ID)
	if len(ids) > 0 {
		q = q.Where("id IN ?", ids)
	}
	return q.Update("read_at", now.UTC()).Error
}

// JobsByIDs loads postings in the order of ids, skipping missing ones.
func (s *Store) JobsByIDs(ctx context.Context, ids []int64) ([]Job, error) {
	var jobs []Job
	if len(ids) == 0 {
		return jobs, nil
	}
	if err := s.db.WithContext(ctx).Preload("Enterprise").Preload("Town").Where("id IN ?", ids).Find(&jobs).Error; err != nil {
		return nil, err
	}
	byID := map[int64]Job{}
	for _, j := range jobs {
		byID[j.ID] = j
	}
	ordered := make([]Job, 0, len(jobs))
	for _, id := range ids {
		if j, ok := byID[id]; ok {
			ordered = append(ordered, j)
		}
	}
	return ordered, nil
}
