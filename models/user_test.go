package models

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestAccounts(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		in := RegisterInput{Role: RoleSeeker, Phone: "13912345678", Password: "welder2022", Name: "王师傅"}
		var login Login
		t.Run("register opens an account and logs it in", func(t *testing.T) {
			var err error
			login, err = s.Register(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if login.Token == "" || login.User.Role != RoleSeeker || login.User.PasswordHash == "" {
				t.Fatalf("login %+v", login)
			}
			u, _, err := s.UserByToken(ctx, login.Token)
			if err != nil || u.ID != login.User.ID {
				t.Fatalf("token does not find the user: %v", err)
			}
		})
		t.Run("the token is stored only as a hash", func(t *testing.T) {
			var n int64
			s.db.Model(&Session{}).Where("token_hash = ?", login.Token).Count(&n)
			if n != 0 {
				t.Fatal("the raw token is in the database")
			}
		})
		t.Run("the same phone twice is a conflict naming the phone", func(t *testing.T) {
			_, err := s.Register(ctx, in)
			e := mustCode(t, err, ErrConflict, "phone_taken")
			if e.Fields["phone"] == "" {
				t.Fatal("phone not named")
			}
		})
		t.Run("nobody registers as a reviewer", func(t *testing.T) {
			_, err := s.Register(ctx, RegisterInput{Role: RoleReviewer, Phone: "13912345670", Password: "reviewer2022", Name: "x"})
			if e := mustCode(t, err, ErrInvalid); e.Fields["role"] == "" {
				t.Fatal("role not named")
			}
		})
		t.Run("passwords of digits only or under 8 characters are refused", func(t *testing.T) {
			for _, pw := range []string{"12345678", "abc1234", ""} {
				_, err := s.Register(ctx, RegisterInput{Role: RoleSeeker, Phone: "13912345671", Password: pw, Name: "x"})
				if e := mustCode(t, err, ErrInvalid); e.Fields["password"] == "" {
					t.Errorf("%q: password not named", pw)
				}
			}
		})
		t.Run("phones must be mainland mobiles", func(t *testing.T) {
			for _, ph := range []string{"12912345678", "1391234567", "139123456789", "+8613912345678", "1391234567x"} {
				_, err := s.Register(ctx, RegisterInput{Role: RoleSeeker, Phone: ph, Password: "password1", Name: "x"})
				if e := mustCode(t, err, ErrInvalid); e.Fields["phone"] == "" {
					t.Errorf("%q accepted", ph)
				}
			}
		})
		t.Run("a wrong password and an unknown phone look the same", func(t *testing.T) {
			_, err1 := s.Authenticate(ctx, LoginInput{Phone: in.Phone, Password: "wrong-pass"})
			_, err2 := s.Authenticate(ctx, LoginInput{Phone: "13000000000", Password: "wrong-pass"})
			e1, e2 := mustCode(t, err1, ErrUnauthorized), mustCode(t, err2, ErrUnauthorized)
			if e1.Message != e2.Message {
				t.Fatalf("messages differ: %q vs %q", e1.Message, e2.Message)
			}
		})
		t.Run("logout kills the token and only that one", func(t *testing.T) {
			second, err := s.Authenticate(ctx, LoginInput{Phone: in.Phone, Password: in.Password})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Logout(ctx, login.Token); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.UserByToken(ctx, login.Token); err == nil {
				t.Fatal("the logged-out token still works")
			}
			if _, _, err := s.UserByToken(ctx, second.Token); err != nil {
				t.Fatal("the other session was killed too")
			}
		})
		t.Run("an expired token is refused", func(t *testing.T) {
			l, _ := s.Authenticate(ctx, LoginInput{Phone: in.Phone, Password: in.Password})
			s.db.Model(&Session{}).Where("token_hash = ?", hashToken(l.Token)).Update("expires_at", time.Now().Add(-time.Minute))
			_, _, err := s.UserByToken(ctx, l.Token)
			mustCode(t, err, ErrUnauthorized)
		})
	})
}

func TestConcurrentRegistrationsNeverLock(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		const n = 40
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l, err := s.Register(ctx, RegisterInput{Role: RoleSeeker, Phone: fmt.Sprintf("137%08d", i), Password: "password1", Name: "并发"})
				if err == nil {
					_, _, err = s.UserByToken(ctx, l.Token)
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	})
}
