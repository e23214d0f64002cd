package models

// Owned is a record that one account manages: an enterprise profile, a posting, a program.
type Owned interface {
	OwnerUserID() int64
}

// RequireOwner is the one ownership check every handler uses: the caller must be the
// account that owns rec. Reviewers read through their own routes, never through this.
func RequireOwner(u User, rec Owned) error {
	if u.ID == 0 || rec.OwnerUserID() != u.ID {
		return Errorf(ErrForbidden, "this record belongs to another account")
	}
	return nil
}
