package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"portal/models/policy"
	"portal/personal"
)

func TestIdentityAndApplyingAsOneself(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		during := time.Date(2025, 3, 10, 9, 0, 0, 0, China)
		prov, rev, p := springProjectProgram(t, s, "13800000701", "MA0K0701", "13800000709")
		a, b := newAccount(t, s, RoleSeeker, "13800000702"), newAccount(t, s, RoleSeeker, "13800000703")

		t.Run("a pending program answers 404 to a seeker", func(t *testing.T) {
			if _, _, err := s.SetIdentity(ctx, a, IdentityInput{Name: "甲某", IDNumber: idNumber(1)}, during); err != nil {
				t.Fatal(err)
			}
			_, err := s.Enrol(ctx, a, p.ID, EnrolInput{}, during)
			mustCode(t, err, ErrNotFound)
		})
		if _, err := s.ApproveProgram(ctx, rev, p.ID, ApproveInput{}, during); err != nil {
			t.Fatal(err)
		}
		t.Run("without an identity a seeker cannot apply", func(t *testing.T) {
			_, err := s.Enrol(ctx, b, p.ID, EnrolInput{Name: "乙某", IDNumber: idNumber(2)}, during)
			mustCode(t, err, ErrRule, "identity_required")
		})
		t.Run("the identity is set once", func(t *testing.T) {
			if _, created, err := s.SetIdentity(ctx, a, IdentityInput{Name: "甲某", IDNumber: strings.ToLower(idNumber(1))}, during); err != nil || created {
				t.Fatalf("the same identity again: created %v, %v", created, err)
			}
			_, _, err := s.SetIdentity(ctx, a, IdentityInput{Name: "甲某", IDNumber: idNumber(3)}, during)
			mustCode(t, err, ErrConflict, "identity_locked")
			_, _, err = s.SetIdentity(ctx, b, IdentityInput{Name: "乙某", IDNumber: idNumber(1)}, during)
			if e := mustCode(t, err, ErrConflict, "id_number_taken"); strings.Contains(e.Message, a.Phone) || strings.Contains(e.Message, "甲") {
				t.Fatalf("the refusal names the other account: %v", e)
			}
		})
		t.Run("a reviewer changes an identity, audited", func(t *testing.T) {
			_, err := s.ChangeIdentity(ctx, rev, b.ID, IdentityInput{Name: "乙某", IDNumber: idNumber(2)}, during)
			mustCode(t, err, ErrInvalid)
			id, err := s.ChangeIdentity(ctx, rev, b.ID, IdentityInput{Name: "乙某", IDNumber: idNumber(2), Reason: "窗口核验身份证原件"}, during)
			if err != nil || id.IDNumberMasked != personal.MaskIDNumber(idNumber(2)) {
				t.Fatalf("%+v %v", id, err)
			}
			if trail, _ := s.AuditTrail(ctx, "user", b.ID); len(trail) == 0 || trail[len(trail)-1].Action != "identity.change" {
				t.Fatalf("not audited: %+v", trail)
			}
		})
		t.Run("a number stated by someone else is freed by a reviewer for its person", func(t *testing.T) {
			impostor, real := newAccount(t, s, RoleSeeker, "13800000706"), newAccount(t, s, RoleSeeker, "13800000707")
			if _, _, err := s.SetIdentity(ctx, impostor, IdentityInput{Name: "冒名者", IDNumber: idNumber(6)}, during); err != nil {
				t.Fatal(err)
			}
			_, _, err := s.SetIdentity(ctx, real, IdentityInput{Name: "戊某", IDNumber: idNumber(6)}, during)
			mustCode(t, err, ErrConflict, "id_number_taken")
			mustCode(t, s.ClearIdentity(ctx, rev, impostor.ID, IdentityClearInput{}), ErrInvalid)
			mustCode(t, s.ClearIdentity(ctx, impostor, impostor.ID, IdentityClearInput{Reason: "自己清除"}), ErrForbidden)
			if err := s.ClearIdentity(ctx, rev, impostor.ID, IdentityClearInput{Reason: "戊某本人持身份证到窗口,号码被他人填写"}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.IdentityOf(ctx, impostor.ID); ErrorCode(err) != ErrNotFound {
				t.Fatalf("the impostor still has an identity: %v", err)
			}
			if trail, _ := s.AuditTrail(ctx, "user", impostor.ID); len(trail) == 0 || trail[len(trail)-1].Action != "identity.clear" {
				t.Fatalf("not audited: %+v", trail)
			}
			if _, created, err := s.SetIdentity(ctx, real, IdentityInput{Name: "戊某", IDNumber: idNumber(6)}, during); err != nil || !created {
				t.Fatalf("the person states its number: created %v, %v", created, err)
			}
			mustCode(t, s.ClearIdentity(ctx, rev, impostor.ID, IdentityClearInput{Reason: "再次"}), ErrNotFound)
		})
		t.Run("a seeker applies as itself whatever it sends", func(t *testing.T) {
			e, err := s.Enrol(ctx, a, p.ID, EnrolInput{Name: "别人", IDNumber: idNumber(9)}, during)
			if err != nil || e.IDNumberMasked != personal.MaskIDNumber(idNumber(1)) || e.Name != "甲某" || e.Status != EnrolApplied {
				t.Fatalf("%+v %v", e, err)
			}
		})
		t.Run("no answer tells whether another person is enrolled", func(t *testing.T) {
			// 乙 is enrolled by the provider; a third seeker sending 乙's number applies as itself.
			if _, err := s.Enrol(ctx, prov, p.ID, EnrolInput{Name: "乙某", IDNumber: idNumber(2)}, during); err != nil {
				t.Fatal(err)
			}
			c := newAccount(t, s, RoleSeeker, "13800000704")
			if _, _, err := s.SetIdentity(ctx, c, IdentityInput{Name: "丙某", IDNumber: idNumber(4)}, during); err != nil {
				t.Fatal(err)
			}
			e, err := s.Enrol(ctx, c, p.ID, EnrolInput{Name: "乙某", IDNumber: idNumber(2)}, during)
			if err != nil || e.IDNumberMasked != personal.MaskIDNumber(idNumber(4)) {
				t.Fatalf("%+v %v", e, err)
			}
		})
		t.Run("a withdrawn application never blocks the person", func(t *testing.T) {
			mine, _ := s.SeekerEnrolments(ctx, a, during)
			if len(mine) != 1 {
				t.Fatalf("%+v", mine)
			}
			if _, err := s.ChangeEnrolment(ctx, prov, mine[0].ID, "withdraw", false, during); err != nil {
				t.Fatal(err)
			}
			e, err := s.Enrol(ctx, a, p.ID, EnrolInput{}, during)
			if err != nil || e.ID == mine[0].ID {
				t.Fatalf("%+v %v", e, err)
			}
			_, err = s.Enrol(ctx, a, p.ID, EnrolInput{}, during)
			mustCode(t, err, ErrConflict, "already_enrolled")
		})
		t.Run("an ended program is refused", func(t *testing.T) {
			d := newAccount(t, s, RoleSeeker, "13800000705")
			if _, _, err := s.SetIdentity(ctx, d, IdentityInput{Name: "丁某", IDNumber: idNumber(5)}, during); err != nil {
				t.Fatal(err)
			}
			_, err := s.Enrol(ctx, d, p.ID, EnrolInput{}, time.Date(2025, 4, 12, 9, 0, 0, 0, China))
			mustCode(t, err, ErrRule, "program_ended")
		})
	})
}

// TestCheckinNeedsTheEnrolmentsIdentity: a trainee checks in on the enrolment that carries
// its identity, number and name; once a reviewer corrects the name, the application made
// under the old one still lists but no longer checks in, and the page says so.
func TestCheckinNeedsTheEnrolmentsIdentity(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		during := time.Date(2025, 3, 10, 9, 0, 0, 0, China)
		prov, rev, p := springProjectProgram(t, s, "13800000711", "MA0K0711", "13800000719")
		if _, err := s.ApproveProgram(ctx, rev, p.ID, ApproveInput{}, during); err != nil {
			t.Fatal(err)
		}
		a, _ := acceptedTrainee(t, s, prov, p, "13800000712", IdentityInput{Name: "甲某", IDNumber: idNumber(1)}, during)
		code := policy.CheckinCode(s.checkinKey(), p.ID, policy.CheckinWindowOf(during))
		if es, _ := s.SeekerEnrolments(ctx, a, during); len(es) != 1 || !es[0].CheckinOpen {
			t.Fatalf("%+v", es)
		}
		if _, created, err := s.CheckIn(ctx, a, p.ID, code, "", during); err != nil || !created {
			t.Fatalf("created %v, %v", created, err)
		}
		if _, err := s.ChangeIdentity(ctx, rev, a.ID, IdentityInput{Name: "甲某某", IDNumber: idNumber(1), Reason: "姓名登记有误"}, during); err != nil {
			t.Fatal(err)
		}
		if es, _ := s.SeekerEnrolments(ctx, a, during); len(es) != 1 || es[0].CheckinOpen {
			t.Fatalf("the application is listed, its check-in closed: %+v", es)
		}
		_, _, err := s.CheckIn(ctx, a, p.ID, code, "", during)
		mustCode(t, err, ErrForbidden)
	})
}

// TestTraineesCheckingInFromOneDeviceAreFlagged: two trainees who check in from the same
// browser (a provider logged in as each in turn) both carry shared_checkin_device on the
// outcome; a trainee on its own phone, and one whose client sent no device, carry nothing.
func TestTraineesCheckingInFromOneDeviceAreFlagged(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		during := time.Date(2025, 3, 10, 9, 0, 0, 0, China)
		prov, rev, p := springProjectProgram(t, s, "13800000721", "MA0K0721", "13800000729")
		if _, err := s.ApproveProgram(ctx, rev, p.ID, ApproveInput{}, during); err != nil {
			t.Fatal(err)
		}
		devices := []string{"provider-phone", "provider-phone", "own-phone", ""}
		enrolments := make([]int64, len(devices))
		for i, device := range devices {
			a, e := acceptedTrainee(t, s, prov, p, fmt.Sprintf("1380000073%d", i), IdentityInput{Name: "学员" + "甲乙丙丁"[i*3:i*3+3], IDNumber: idNumber(40 + i)}, during)
			code := policy.CheckinCode(s.checkinKey(), p.ID, policy.CheckinWindowOf(during))
			if _, _, err := s.CheckIn(ctx, a, p.ID, code, device, during); err != nil {
				t.Fatal(err)
			}
			enrolments[i] = e.ID
		}
		o, err := s.ProgramOutcome(ctx, prov, p.ID, func() string { return "2025-03-10" })
		if err != nil {
			t.Fatal(err)
		}
		flagged := map[int64]bool{}
		for _, l := range o.Lines {
			flagged[l.EnrolmentID] = slices.Contains(l.Flags, policy.FlagSharedCheckinDevice)
		}
		want := []bool{true, true, false, false}
		for i, id := range enrolments {
			if flagged[id] != want[i] {
				t.Errorf("trainee %d (device %q): flagged %v, want %v", i, devices[i], flagged[id], want[i])
			}
		}
		if o.FlagTexts[policy.FlagSharedCheckinDevice] == "" {
			t.Error("the outcome does not explain the flag")
		}
	})
}

// acceptedTrainee is a seeker of that phone and identity who applied to the program and whom
// its provider accepted: a trainee who checks in as itself.
func acceptedTrainee(t *testing.T, s *Store, prov User, p Program, phone string, id IdentityInput, now time.Time) (User, Enrolment) {
	t.Helper()
	ctx := context.Background()
	a := newAccount(t, s, RoleSeeker, phone)
	if _, _, err := s.SetIdentity(ctx, a, id, now); err != nil {
		t.Fatal(err)
	}
	e, err := s.Enrol(ctx, a, p.ID, EnrolInput{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ChangeEnrolment(ctx, prov, e.ID, "accept", false, now); err != nil {
		t.Fatal(err)
	}
	return a, e
}

// springProjectProgram is a verified provider's spring-2025 project program, pending approval,
// and a reviewer to approve it.
func springProjectProgram(t *testing.T, s *Store, providerPhone, uscc, reviewerPhone string) (User, User, Program) {
	t.Helper()
	ctx := context.Background()
	prov := verifiedProvider(t, s, providerPhone, uscc)
	rev, err := s.CreateReviewer(ctx, reviewerPhone, "审核员", "reviewer-pass")
	if err != nil {
		t.Fatal(err)
	}
	towns, _ := s.Towns(ctx)
	in := spring2025(towns[0].ID, nil)
	in.Mode = "project"
	p, err := s.CreateProgram(ctx, prov, in, time.Date(2025, 2, 1, 9, 0, 0, 0, China))
	if err != nil {
		t.Fatal(err)
	}
	return prov, rev, p
}
