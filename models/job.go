package models

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Posting status values; an open posting whose expires_on has passed counts as expired.
const (
	JobOpen      = "open"
	JobClosed    = "closed"
	JobTakenDown = "taken_down"
)

// MaxPostingDays is how far ahead a posting may stay valid.
const MaxPostingDays = 90

// Educations and EmploymentTypes are the values SPEC §3 allows.
var (
	Educations      = []string{"不限", "初中", "高中", "中专", "大专", "本科", "硕士", "博士"}
	EmploymentTypes = []string{"full_time", "part_time", "internship", "seasonal"}
)

// Job is a vacancy posted free of charge by a verified enterprise (Article 2).
type Job struct {
	ID             int64       `json:"id"`
	EnterpriseID   int64       `json:"enterprise_id"`
	Enterprise     *Enterprise `json:"enterprise,omitempty" gorm:"foreignKey:EnterpriseID"`
	Title          string      `json:"title"`
	Description    string      `json:"description"`
	Occupation     string      `json:"occupation"`
	TownID         int64       `json:"town_id"`
	Town           *Town       `json:"town,omitempty" gorm:"foreignKey:TownID"`
	SalaryMin      int         `json:"salary_min"`
	SalaryMax      int         `json:"salary_max"`
	Headcount      int         `json:"headcount"`
	Education      string      `json:"education"`
	EmploymentType string      `json:"employment_type"`
	ExpiresOn      string      `json:"expires_on"`
	Status         string      `json:"status"`
	Demo           bool        `json:"demo,omitempty"`
	PostedAt       time.Time   `json:"posted_at"`
	UpdatedAt      time.Time   `json:"updated_at"`
	ClosedAt       *time.Time  `json:"closed_at"`
	PostingFeeYuan int         `json:"posting_fee_yuan" gorm:"-"` // always 0: posting is free (Article 2)
}

// OwnerUserID is the account of the posting's enterprise (loaded with the posting).
func (j Job) OwnerUserID() int64 {
	if j.Enterprise == nil {
		return 0
	}
	return j.Enterprise.UserID
}

// Searchable says whether the posting belongs in search on the given day: open, not expired,
// of a verified enterprise.
func (j Job) Searchable(today string) bool {
	return j.Status == JobOpen && j.ExpiresOn >= today && j.Enterprise != nil && j.Enterprise.Verified
}

// Closed says whether the page should show the posting as closed on the given day.
func (j Job) Closed(today string) bool { return j.Status != JobOpen || j.ExpiresOn < today }

// JobInput is what an enterprise sends to post or edit a vacancy; every field China's rules
// ask of a posting is required (the employer comes from the verified profile). The figures
// have no "required": a 0 is refused by its minimum, which says more than "required".
type JobInput struct {
	Title          string `json:"title" form:"title" validate:"required,trimmed,min=2,max=60"`
	Description    string `json:"description" form:"description" validate:"required,min=10,max=5000"`
	Occupation     string `json:"occupation" form:"occupation" validate:"required,trimmed,max=30"`
	TownID         int64  `json:"town_id" form:"town_id" validate:"required,gt=0"`
	SalaryMin      int    `json:"salary_min" form:"salary_min" validate:"gt=0,lte=100000"`
	SalaryMax      int    `json:"salary_max" form:"salary_max" validate:"gt=0,lte=100000"`
	Headcount      int    `json:"headcount" form:"headcount" validate:"min=1,lte=10000"`
	Education      string `json:"education" form:"education" validate:"required,oneof=不限 初中 高中 中专 大专 本科 硕士 博士"`
	EmploymentType string `json:"employment_type" form:"employment_type" validate:"required,oneof=full_time part_time internship seasonal"`
	ExpiresOn      string `json:"expires_on" form:"expires_on" validate:"required,date"`
}

// jobFields are the posting's fields in the order the form shows them, so a refusal names its
// fields in one order every time.
var jobFields = []string{"title", "description", "occupation", "town_id", "salary_min", "salary_max", "headcount",
	"education", "employment_type", "expires_on"}

// check applies the field shapes and the rules beyond them — a sane salary range, a validity
// period of at most 90 days, no discriminatory terms in any text field, a known town — and
// names every failing field at once. Only discriminatory terms make it the
// discriminatory_term rule; any other failure makes it invalid input naming the terms too.
func (in JobInput) check(today time.Time, townKnown bool) error {
	fields := map[string]string{}
	// each rule is written as a FieldError, so the page catalogue's test sees it
	add := func(e *Error) { maps.Copy(fields, e.Fields) }
	if err := Validate(in); err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return err
		}
		add(e)
	}
	failed := func(f string) bool { _, ok := fields[f]; return ok }
	if !failed("salary_min") && !failed("salary_max") {
		if in.SalaryMax < in.SalaryMin {
			add(FieldError("salary_max", "must not be below salary_min"))
		} else if in.SalaryMax > 5*in.SalaryMin {
			add(FieldError("salary_max", "must be at most 5 times salary_min: state a real range"))
		}
	}
	if !failed("expires_on") {
		exp, _ := ParseDate(in.ExpiresOn)
		day, _ := ParseDate(Today(today))
		if exp.Before(day) {
			add(FieldError("expires_on", "must not be in the past"))
		} else if last := day.AddDate(0, 0, MaxPostingDays); exp.After(last) {
			add(FieldError("expires_on", "must be at most 90 days ahead ("+last.Format(DateLayout)+")"))
		}
	}
	if !townKnown && !failed("town_id") {
		add(FieldError("town_id", "no such town"))
	}
	onlyTerms := len(fields) == 0
	// A term outweighs a field's shape: it must go whatever else is fixed.
	var termed []string
	for _, f := range []struct{ name, text string }{{"title", in.Title}, {"description", in.Description}, {"occupation", in.Occupation}} {
		if terms := discriminatoryTermsIn(f.text); len(terms) > 0 {
			fields[f.name] = termRule(terms)
			termed = append(termed, f.name+" "+fields[f.name])
		}
	}
	if len(fields) == 0 {
		return nil
	}
	if onlyTerms {
		return &Error{Code: ErrRule, Reason: "discriminatory_term",
			Message: strings.Join(termed, ", ") + "; postings may not restrict gender, ethnicity, marital or childbearing status or household registration",
			Fields:  fields}
	}
	var parts []string
	for _, f := range jobFields {
		if msg, ok := fields[f]; ok {
			parts = append(parts, f+": "+msg)
		}
	}
	return &Error{Code: ErrInvalid, Message: strings.Join(parts, "; "), Fields: fields}
}

// termRule is a text field's refusal naming the discriminatory terms it contains.
func termRule(terms []string) string {
	if len(terms) == 1 {
		return "contains the discriminatory term 「" + terms[0] + "」"
	}
	return "contains the discriminatory terms 「" + strings.Join(terms, "」「") + "」"
}

var discriminatoryTerms = loadTerms()

// loadTerms reads the refused terms in one order on every load: the groups by name, then the
// longest term first, so the message quotes 仅限汉族 rather than its part 限汉族.
func loadTerms() []string {
	b, err := seedData.ReadFile("seeddata/discriminatory_terms.json")
	if err != nil {
		panic(err)
	}
	var groups map[string]json.RawMessage
	if err := json.Unmarshal(b, &groups); err != nil {
		panic(err)
	}
	var terms []string
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		if strings.HasPrefix(k, "_") {
			continue
		}
		var list []string
		if err := json.Unmarshal(groups[k], &list); err != nil {
			panic(err)
		}
		terms = append(terms, list...)
	}
	slices.SortStableFunc(terms, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return terms
}

// discriminatoryTermsIn returns every refused term the text contains, ignoring spaces, in the
// order they appear; a term inside a longer one found first (限男性 in 仅限男性) is not
// named again.
func discriminatoryTermsIn(text string) []string {
	flat := strings.Join(strings.Fields(text), "")
	type found struct {
		term string
		at   int
	}
	var hits []found
	for _, t := range discriminatoryTerms {
		if at := strings.Index(flat, t); at >= 0 {
			hits = append(hits, found{t, at})
			flat = strings.ReplaceAll(flat, t, strings.Repeat("\x00", len(t)))
		}
	}
	slices.SortStableFunc(hits, func(a, b found) int { return cmp.Compare(a.at, b.at) })
	terms := make([]string, len(hits))
	for i, h := range hits {
		terms[i] = h.term
	}
	return terms
}

// CreateJob posts a vacancy for the caller's verified enterprise; the outbox row that puts it
// into search is written in the same transaction.
func (s *Store) CreateJob(ctx context.Context, owner User, in JobInput, now time.Time) (Job, error) {
	ent, err := s.EnterpriseOf(ctx, owner.ID)
	if err != nil {
		return Job{}, RuleError("enterprise_profile_missing", "fill in the enterprise profile and have it verified before posting")
	}
	if !ent.Verified {
		return Job{}, RuleError("enterprise_not_verified", "the enterprise profile is waiting for verification; postings open after it")
	}
	if err := s.checkJob(ctx, in, now); err != nil {
		return Job{}, err
	}
	j := jobFromInput(Job{EnterpriseID: ent.ID, Status: JobOpen, PostedAt: now.UTC(), UpdatedAt: now.UTC()}, in)
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Omit("Enterprise", "Town").Create(&j).Error; err != nil {
			return err
		}
		if err := enqueue(tx, "job", j.ID); err != nil {
			return err
		}
		return audit(tx, owner.ID, "job.create", "job", j.ID, nil, j)
	})
	if err != nil {
		return Job{}, err
	}
	return s.Job(ctx, j.ID)
}

// checkJob applies every posting rule, the town's existence included, naming every failing
// field at once.
func (s *Store) checkJob(ctx context.Context, in JobInput, now time.Time) error {
	known := true
	if in.TownID > 0 {
		if _, err := s.Town(ctx, in.TownID); ErrorCode(err) == ErrNotFound {
			known = false
		} else if err != nil {
			return err
		}
	}
	return in.check(now, known)
}

// Input is the posting's content as an edit form or a PATCH starts from.
func (j Job) Input() JobInput {
	return JobInput{Title: j.Title, Description: j.Description, Occupation: j.Occupation, TownID: j.TownID,
		SalaryMin: j.SalaryMin, SalaryMax: j.SalaryMax, Headcount: j.Headcount, Education: j.Education,
		EmploymentType: j.EmploymentType, ExpiresOn: j.ExpiresOn}
}

func jobFromInput(j Job, in JobInput) Job {
	j.Title, j.Description, j.Occupation, j.TownID = in.Title, in.Description, in.Occupation, in.TownID
	j.SalaryMin, j.SalaryMax, j.Headcount = in.SalaryMin, in.SalaryMax, in.Headcount
	j.Education, j.EmploymentType, j.ExpiresOn = in.Education, in.EmploymentType, in.ExpiresOn
	return j
}

// UpdateJob edits an open posting of the caller's enterprise.
func (s *Store) UpdateJob(ctx context.Context, owner User, id int64, in JobInput, now time.Time) (Job, error) {
	if err := s.checkJob(ctx, in, now); err != nil {
		return Job{}, err
	}
	return s.changeJob(ctx, owner, id, "job.update", func(j *Job) error {
		if j.Status != JobOpen {
			return RuleError("job_not_open", "a closed or taken-down posting cannot be edited; post a new one")
		}
		*j = jobFromInput(*j, in)
		j.UpdatedAt = now.UTC()
		return nil
	})
}

// CloseJob closes a posting of the caller's enterprise; it leaves search at once.
func (s *Store) CloseJob(ctx context.Context, owner User, id int64, now time.Time) (Job, error) {
	return s.changeJob(ctx, owner, id, "job.close", func(j *Job) error {
		if j.Status != JobOpen {
			return nil // closing twice is harmless
		}
		t := now.UTC()
		j.Status, j.ClosedAt, j.UpdatedAt = JobClosed, &t, t
		return nil
	})
}

// changeJob loads the posting, checks ownership (a zero owner is a reviewer acting), applies
// change and writes it with its outbox row and audit entry in one transaction.
func (s *Store) changeJob(ctx context.Context, actor User, id int64, action string, change func(*Job) error) (Job, error) {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var before Job
		if err := tx.Preload("Enterprise").First(&before, id).Error; err != nil {
			return notFoundOr(err, "job")
		}
		if actor.Role != RoleReviewer {
			if err := RequireOwner(actor, before); err != nil {
				return err
			}
		}
		after := before
		if err := change(&after); err != nil {
			return err
		}
		if err := tx.Model(&Job{ID: id}).Select("title", "description", "occupation", "town_id", "salary_min", "salary_max",
			"headcount", "education", "employment_type", "expires_on", "status", "closed_at", "updated_at").Updates(&after).Error; err != nil {
			return err
		}
		if err := enqueue(tx, "job", id); err != nil {
			return err
		}
		before.Enterprise, after.Enterprise = nil, nil
		return audit(tx, actor.ID, action, "job", id, before, after)
	})
	if err != nil {
		return Job{}, err
	}
	return s.Job(ctx, id)
}

// Job finds one posting with its enterprise and town.
func (s *Store) Job(ctx context.Context, id int64) (Job, error) {
	var j Job
	err := s.db.WithContext(ctx).Preload("Enterprise").Preload("Town").First(&j, id).Error
	return j, notFoundOr(err, "job")
}

// JobFilter narrows a listing of postings read from the database.
type JobFilter struct {
	EnterpriseID int64
	TownID       int64
	OpenOn       string // YYYY-MM-DD: only searchable postings on that day
	Zone         bool   // only postings of enterprises in a professional town
	Limit        int
}

// Jobs lists postings, newest first.
func (s *Store) Jobs(ctx context.Context, f JobFilter) ([]Job, error) {
	q := s.db.WithContext(ctx).Preload("Enterprise").Preload("Town").Order("jobs.posted_at DESC, jobs.id DESC")
	if f.EnterpriseID != 0 {
		q = q.Where("jobs.enterprise_id = ?", f.EnterpriseID)
	}
	if f.TownID != 0 {
		q = q.Where("jobs.town_id = ?", f.TownID)
	}
	if f.OpenOn != "" || f.Zone {
		q = q.Joins("JOIN enterprises e ON e.id = jobs.enterprise_id")
	}
	if f.OpenOn != "" {
		q = q.Where("jobs.status = ? AND jobs.expires_on >= ? AND e.verified = ?", JobOpen, f.OpenOn, true)
	}
	if f.Zone {
		q = q.Where("e.town_id IS NOT NULL")
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	var jobs []Job
	err := q.Limit(f.Limit).Find(&jobs).Error
	return jobs, err
}
