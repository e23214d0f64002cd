package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// Roles a user can have.
const (
	RoleSeeker     = "seeker"
	RoleEnterprise = "enterprise"
	RoleProvider   = "provider"
	RoleReviewer   = "reviewer"
)

// SessionTTL is how long a login stays valid.
const SessionTTL = 30 * 24 * time.Hour

// User is an account; the phone number is the login.
type User struct {
	ID           int64     `json:"id"`
	Role         string    `json:"role"`
	Phone        string    `json:"phone"`
	Name         string    `json:"name"`
	PasswordHash string    `json:"-"`
	Demo         bool      `json:"demo,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

// Session is a login: the token itself is never stored, only its SHA-256.
type Session struct {
	ID        int64
	TokenHash string
	CSRFToken string `gorm:"column:csrf_token"`
	UserID    int64
	ExpiresAt time.Time
	CreatedAt time.Time
}

// RegisterInput is what a person sends to open an account.
type RegisterInput struct {
	Role     string `json:"role" form:"role" validate:"required,oneof=seeker enterprise provider"`
	Phone    string `json:"phone" form:"phone" validate:"required,phone"`
	Password string `json:"password" form:"password" validate:"required,password"`
	Name     string `json:"name" form:"name" validate:"required,trimmed,max=50"`
}

// LoginInput is a phone and password.
type LoginInput struct {
	Phone    string `json:"phone" form:"phone" validate:"required"`
	Password string `json:"password" form:"password" validate:"required"`
}

// Login is the answer to a successful login or registration.
type Login struct {
	Token     string    `json:"token"`
	CSRFToken string    `json:"csrf_token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      User      `json:"user"`
}

// bcryptCost is a package variable only so the tests can make hashing cheap.
var bcryptCost = bcrypt.DefaultCost

// dummyHash is compared against when the phone is unknown, so a login takes as long for an
// unknown phone as for a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a real password"), bcrypt.DefaultCost)

// Register opens a seeker, enterprise or provider account and logs it in.
func (s *Store) Register(ctx context.Context, in RegisterInput) (Login, error) {
	if err := Validate(in); err != nil {
		return Login{}, err
	}
	u, err := s.createUser(ctx, in.Role, in.Phone, in.Name, in.Password, false)
	if err != nil {
		return Login{}, err
	}
	return s.startSession(ctx, u)
}

// CreateReviewer makes a reviewer account; only the command line does this.
func (s *Store) CreateReviewer(ctx context.Context, phone, name, password string) (User, error) {
	in := RegisterInput{Role: RoleSeeker, Phone: phone, Password: password, Name: name}
	if err := Validate(in); err != nil {
		return User{}, err
	}
	return s.createUser(ctx, RoleReviewer, phone, name, password, false)
}

func (s *Store) createUser(ctx context.Context, role, phone, name, password string, demo bool) (User, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return User{}, err
	}
	u := User{Role: role, Phone: phone, Name: name, PasswordHash: string(hash), Demo: demo}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&u).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return &Error{Code: ErrConflict, Reason: "phone_taken", Message: "this phone number already has an account",
					Fields: map[string]string{"phone": "already has an account"}}
			}
			return err
		}
		return audit(tx, u.ID, "user.register", "user", u.ID, nil, map[string]any{"role": role})
	})
	return u, err
}

// Authenticate checks a phone and password and opens a session.
func (s *Store) Authenticate(ctx context.Context, in LoginInput) (Login, error) {
	if err := Validate(in); err != nil {
		return Login{}, err
	}
	var u User
	err := s.db.WithContext(ctx).Where("phone = ?", strings.TrimSpace(in.Phone)).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(in.Password))
		return Login{}, Errorf(ErrUnauthorized, "phone number or password is wrong")
	}
	if err != nil {
		return Login{}, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(in.Password)) != nil {
		return Login{}, Errorf(ErrUnauthorized, "phone number or password is wrong")
	}
	return s.startSession(ctx, u)
}

func (s *Store) startSession(ctx context.Context, u User) (Login, error) {
	token, err := randomToken()
	if err != nil {
		return Login{}, err
	}
	csrf, err := randomToken()
	if err != nil {
		return Login{}, err
	}
	sess := Session{TokenHash: hashToken(token), CSRFToken: csrf, UserID: u.ID, ExpiresAt: time.Now().UTC().Add(SessionTTL)}
	if err := s.db.WithContext(ctx).Create(&sess).Error; err != nil {
		return Login{}, err
	}
	return Login{Token: token, CSRFToken: csrf, ExpiresAt: sess.ExpiresAt, User: u}, nil
}

// UserByToken finds the user and session of a live token; a wrong or expired token is
// unauthorized.
func (s *Store) UserByToken(ctx context.Context, token string) (User, Session, error) {
	var sess Session
	err := s.db.WithContext(ctx).Where("token_hash = ? AND expires_at > ?", hashToken(token), time.Now().UTC()).First(&sess).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, Session{}, Errorf(ErrUnauthorized, "the login token is not valid or has expired")
	}
	if err != nil {
		return User{}, Session{}, err
	}
	var u User
	if err := s.db.WithContext(ctx).First(&u, sess.UserID).Error; err != nil {
		return User{}, Session{}, err
	}
	return u, sess, nil
}

// Logout ends the session of a token.
func (s *Store) Logout(ctx context.Context, token string) error {
	return s.db.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Delete(&Session{}).Error
}

// User finds one account.
func (s *Store) User(ctx context.Context, id int64) (User, error) {
	var u User
	err := s.db.WithContext(ctx).First(&u, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return u, NotFound("user")
	}
	return u, err
}

// CSRFMatches compares a submitted CSRF token with the session's in constant time.
func (sess Session) CSRFMatches(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(sess.CSRFToken)) == 1
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
