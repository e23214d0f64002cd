package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/models/policy"
)

// Checkin is a trainee's own check-in (签到) for one class day.
type Checkin struct {
	EnrolmentID int64     `json:"enrolment_id" gorm:"primaryKey"`
	Day         string    `json:"date" gorm:"primaryKey"`
	ProgramID   int64     `json:"program_id"`
	CheckedInAt time.Time `json:"checked_in_at"`
	// Device is a keyed digest of the browser's device cookie ("" when the client sent none):
	// several trainees checking in from one device raise shared_checkin_device.
	Device string `json:"-"`
}

// ClassCode is the code a provider shows its class today.
type ClassCode struct {
	ProgramID int64     `json:"program_id"`
	Date      string    `json:"date"`
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expires_at"`
}

// checkinKey is the server secret of the class codes, derived from the store's secret.
func (s *Store) checkinKey() []byte { return []byte(s.Sealer.Hash("portal class-code key v1")) }

// checkinOpen refuses a program that is not approved or not running today.
func checkinOpen(p Program, today string) error {
	if p.Status != ProgramApproved || today < p.StartOn || today > p.EndOn {
		return RuleError("checkin_closed", "check-in is open while the program is approved and running ("+p.StartOn+" – "+p.EndOn+")")
	}
	return nil
}

// ClassCodeFor gives the program's current class code to its provider.
func (s *Store) ClassCodeFor(ctx context.Context, owner User, programID int64, now time.Time) (ClassCode, error) {
	p, err := s.Program(ctx, programID)
	if err != nil {
		return ClassCode{}, err
	}
	if err := RequireOwner(owner, p); err != nil {
		return ClassCode{}, err
	}
	if err := checkinOpen(p, Today(now)); err != nil {
		return ClassCode{}, err
	}
	w := policy.CheckinWindowOf(now)
	return ClassCode{ProgramID: programID, Date: Today(now), Code: policy.CheckinCode(s.checkinKey(), programID, w), ExpiresAt: policy.CheckinWindowEnd(w)}, nil
}

// CheckIn records a seeker's check-in with the class code: the seeker's identity (number and
// name) must be on the program's roster (403 otherwise), the program open today and the
// enrolment still enrolled (422 checkin_closed: a completed, failed or withdrawn trainee no
// longer checks in, as its page says) and the code current or one window old (422
// checkin_code_invalid). created is false when the trainee had checked in today already.
// device names the browser it came from ("" for none); it is kept only as a keyed digest.
func (s *Store) CheckIn(ctx context.Context, seeker User, programID int64, code, device string, now time.Time) (Checkin, bool, error) {
	p, err := s.Program(ctx, programID)
	if err != nil {
		return Checkin{}, false, err
	}
	e, err := s.enrolmentOfSeeker(ctx, seeker, programID)
	if err != nil {
		return Checkin{}, false, err
	}
	today := Today(now)
	if err := checkinOpen(p, today); err != nil {
		return Checkin{}, false, err
	}
	if e.Status != EnrolEnrolled {
		return Checkin{}, false, RuleError("checkin_closed", "check-in is closed for you: your enrolment is "+e.Status)
	}
	if len(code) != 6 || !policy.CheckinCodeValid(s.checkinKey(), programID, policy.CheckinWindowOf(now), code) {
		return Checkin{}, false, &Error{Code: ErrRule, Reason: "checkin_code_invalid", Message: "the code is wrong or has changed; read the code on the screen again",
			Fields: map[string]string{"code": "is not the class code of now"}}
	}
	c := Checkin{EnrolmentID: e.ID, Day: today, ProgramID: programID, CheckedInAt: now.UTC()}
	if device != "" {
		c.Device = s.Sealer.Hash("check-in device " + device)
	}
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&c)
	if res.Error != nil {
		return Checkin{}, false, fmt.Errorf("models: check in enrolment %d: %w", e.ID, res.Error)
	}
	return c, res.RowsAffected == 1, nil
}

// enrolmentOfSeeker finds the program's enrolment that carries the seeker's identity — the
// same number and the same name — preferring the enrolled one, and a withdrawn one too (whose
// check-in CheckIn then closes with checkin_closed); 403 when there is none (an application
// not yet accepted is not a trainee).
func (s *Store) enrolmentOfSeeker(ctx context.Context, seeker User, programID int64) (Enrolment, error) {
	forbidden := Errorf(ErrForbidden, "you are not a trainee of this program")
	id, err := s.IdentityOf(ctx, seeker.ID)
	if ErrorCode(err) == ErrNotFound {
		return Enrolment{}, forbidden
	} else if err != nil {
		return Enrolment{}, err
	}
	var es []Enrolment
	if err := identityEnrolments(s.db.WithContext(ctx), id).Where("program_id = ? AND status IN ?", programID, append(onRoster, EnrolWithdrawn)).
		Order("id DESC").Find(&es).Error; err != nil {
		return Enrolment{}, fmt.Errorf("models: enrolment of seeker %d: %w", seeker.ID, err)
	}
	if len(es) == 0 {
		return Enrolment{}, forbidden
	}
	for _, e := range es {
		if e.Status == EnrolEnrolled {
			return e, nil
		}
	}
	return es[0], nil
}

// identityEnrolments narrows q to the enrolments made with the identity: the same keyed hash
// of the number and the same name, so a stranger who states someone's number under another
// name sees none of that person's enrolments.
func identityEnrolments(q *gorm.DB, id Identity) *gorm.DB {
	return q.Where("id_number_hash = ? AND TRIM(name) = ?", id.IDNumberHash, strings.TrimSpace(id.Name))
}

// carriesIdentity is identityEnrolments for one enrolment: only such an enrolment checks in
// (an application made before a reviewer corrected the identity lists but does not).
func carriesIdentity(e Enrolment, id Identity) bool {
	return id.IDNumberHash != "" && e.IDNumberHash == id.IDNumberHash && strings.TrimSpace(e.Name) == strings.TrimSpace(id.Name)
}

// SeekerEnrolment is one of a seeker's enrolments as its own page shows it.
type SeekerEnrolment struct {
	ID             int64    `json:"id"`
	ProgramID      int64    `json:"program_id"`
	ProgramName    string   `json:"program_name"`
	StartOn        string   `json:"start_on"`
	EndOn          string   `json:"end_on"`
	ProgramStatus  string   `json:"program_status"`
	Status         string   `json:"status"`
	Checkins       []string `json:"checkins"` // the days checked in, oldest first
	CheckedInToday bool     `json:"checked_in_today"`
	CheckinOpen    bool     `json:"checkin_open"` // the class code is accepted today
}

// SeekerEnrolments lists the enrolments that carry the seeker's identity (number and name)
// or that it applied for, newest first, with their check-ins.
func (s *Store) SeekerEnrolments(ctx context.Context, seeker User, now time.Time) ([]SeekerEnrolment, error) {
	q := s.db.WithContext(ctx)
	id, err := s.IdentityOf(ctx, seeker.ID)
	switch {
	case err == nil:
		q = q.Where(s.db.Where("seeker_id = ?", seeker.ID).Or(identityEnrolments(s.db, id)))
	case ErrorCode(err) == ErrNotFound:
		q = q.Where("seeker_id = ?", seeker.ID)
	default:
		return nil, err
	}
	var es []Enrolment
	if err := q.Order("id DESC").Find(&es).Error; err != nil {
		return nil, fmt.Errorf("models: enrolments of seeker %d: %w", seeker.ID, err)
	}
	out := make([]SeekerEnrolment, len(es))
	ids, programIDs := make([]int64, len(es)), make([]int64, len(es))
	for i, e := range es {
		ids[i], programIDs[i] = e.ID, e.ProgramID
	}
	var ps []Program
	if err := s.db.WithContext(ctx).Where("id IN ?", append(programIDs, 0)).Find(&ps).Error; err != nil {
		return nil, err
	}
	programs := map[int64]Program{}
	for _, p := range ps {
		programs[p.ID] = p
	}
	var cs []Checkin
	if len(ids) > 0 {
		if err := s.db.WithContext(ctx).Where("enrolment_id IN ?", ids).Order("day").Find(&cs).Error; err != nil {
			return nil, err
		}
	}
	days := map[int64][]string{}
	for _, c := range cs {
		days[c.EnrolmentID] = append(days[c.EnrolmentID], c.Day)
	}
	today := Today(now)
	for i, e := range es {
		d, p := nonNilStrings(days[e.ID]), programs[e.ProgramID]
		out[i] = SeekerEnrolment{ID: e.ID, ProgramID: e.ProgramID, ProgramName: p.Name, StartOn: p.StartOn, EndOn: p.EndOn,
			ProgramStatus: p.Status, Status: e.Status, Checkins: d, CheckedInToday: len(d) > 0 && d[len(d)-1] == today,
			CheckinOpen: checkinOpen(p, today) == nil && e.Status == EnrolEnrolled && carriesIdentity(e, id)}
	}
	return out, nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
