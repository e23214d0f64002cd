package handlers

import (
	"testing"

	"portal/models"
)

// TestRoutesByRole is the table of who may call which route: anonymous callers get 401,
// the wrong role 403, the right role gets past the gate (whatever the body then earns).
// Every later issue adds its routes here.
func TestRoutesByRole(t *testing.T) {
	h := newHarness(t, harnessOpts{indexing: true})
	logins := map[string]models.Login{
		models.RoleSeeker:     h.account(models.RoleSeeker, "13300000001"),
		models.RoleEnterprise: h.account(models.RoleEnterprise, "13300000002"),
		models.RoleProvider:   h.account(models.RoleProvider, "13300000003"),
		models.RoleReviewer:   h.account(models.RoleReviewer, "13300000004"),
	}
	const anyone, loggedIn = "anyone", "logged-in"
	routes := []struct {
		method, path string
		allowed      []string // roles that pass; anyone = public, loggedIn = every role
	}{
		{"GET", "/api/v1/towns", []string{anyone}},
		{"GET", "/api/v1/occupations", []string{anyone}},
		{"GET", "/api/v1/policies", []string{anyone}},
		{"POST", "/api/v1/policies", []string{models.RoleReviewer}},
		{"GET", "/api/v1/me", []string{loggedIn}},
		{"POST", "/api/v1/auth/logout", []string{loggedIn}},
		{"POST", "/api/v1/enterprises", []string{models.RoleEnterprise}},
		{"GET", "/api/v1/enterprises", []string{models.RoleReviewer}},
		{"PUT", "/api/v1/enterprises/1", []string{models.RoleEnterprise}},
		{"POST", "/api/v1/enterprises/1/verify", []string{models.RoleReviewer}},
		{"GET", "/api/v1/me/enterprise", []string{models.RoleEnterprise}},
		{"POST", "/api/v1/jobs", []string{models.RoleEnterprise}},
		{"GET", "/api/v1/jobs", []string{anyone}},
		{"GET", "/api/v1/jobs/1", []string{anyone}},
		{"PATCH", "/api/v1/jobs/1", []string{models.RoleEnterprise}},
		{"POST", "/api/v1/jobs/1/close", []string{models.RoleEnterprise}},
		{"GET", "/api/v1/me/jobs", []string{models.RoleEnterprise}},
		{"POST", "/api/v1/jobs/1/reports", []string{anyone}},
		{"GET", "/api/v1/reports", []string{models.RoleReviewer}},
		{"POST", "/api/v1/reports/1/resolve", []string{models.RoleReviewer}},
		{"PUT", "/api/v1/me/profile", []string{models.RoleSeeker}},
		{"GET", "/api/v1/me/profile", []string{models.RoleSeeker}},
		{"GET", "/api/v1/me/applications", []string{models.RoleSeeker}},
		{"GET", "/api/v1/me/recommendations", []string{models.RoleSeeker}},
		{"POST", "/api/v1/me/saved-searches", []string{models.RoleSeeker}},
		{"GET", "/api/v1/me/saved-searches", []string{models.RoleSeeker}},
		{"DELETE", "/api/v1/me/saved-searches/1", []string{models.RoleSeeker}},
		{"GET", "/api/v1/me/notifications", []string{models.RoleSeeker}},
		{"POST", "/api/v1/me/notifications/read", []string{models.RoleSeeker}},
		{"POST", "/api/v1/jobs/1/applications", []string{models.RoleSeeker}},
		{"GET", "/api/v1/jobs/1/applications", []string{models.RoleEnterprise}},
		{"GET", "/api/v1/jobs/1/stats", []string{models.RoleEnterprise}},
		{"PATCH", "/api/v1/applications/1", []string{models.RoleSeeker, models.RoleEnterprise}},
		{"POST", "/api/v1/fairs", []string{models.RoleReviewer}},
		{"GET", "/api/v1/fairs", []string{anyone}},
		{"GET", "/api/v1/fairs/1/booths", []string{anyone}},
		{"POST", "/api/v1/fairs/1/booths", []string{models.RoleEnterprise}},
		{"POST", "/api/v1/providers", []string{models.RoleProvider}},
		{"GET", "/api/v1/providers", []string{models.RoleReviewer}},
		{"POST", "/api/v1/providers/1/verify", []string{models.RoleReviewer}},
		{"POST", "/api/v1/programs", []string{models.RoleProvider}},
		{"GET", "/api/v1/programs", []string{anyone}},
		{"GET", "/api/v1/me/programs", []string{models.RoleProvider, models.RoleReviewer}},
		{"GET", "/api/v1/programs/1", []string{anyone}},
		{"POST", "/api/v1/programs/1/approve", []string{models.RoleReviewer}},
		{"POST", "/api/v1/programs/1/close", []string{models.RoleProvider}},
		{"POST", "/api/v1/programs/1/enrolments", []string{models.RoleProvider, models.RoleSeeker}},
		{"GET", "/api/v1/programs/1/enrolments", []string{models.RoleProvider, models.RoleReviewer}},
		{"PUT", "/api/v1/programs/1/attendance/2025-03-03", []string{models.RoleProvider}},
		{"GET", "/api/v1/programs/1/attendance/2025-03-03", []string{models.RoleProvider, models.RoleReviewer}},
		{"GET", "/api/v1/programs/1/outcome", []string{models.RoleProvider, models.RoleReviewer}},
		{"POST", "/api/v1/enrolments/1/accept", []string{models.RoleProvider}},
		{"POST", "/api/v1/enrolments/1/complete", []string{models.RoleProvider}},
		{"POST", "/api/v1/enrolments/1/withdraw", []string{models.RoleProvider}},
		{"POST", "/api/v1/enrolments/1/employment", []string{models.RoleProvider}},
		{"GET", "/api/v1/enrolments/1/evidence", []string{models.RoleProvider, models.RoleReviewer}},
		{"POST", "/api/v1/enrolments/1/reveal-id", []string{models.RoleReviewer}},
		{"GET", "/api/v1/stats", []string{models.RoleReviewer}},
		{"POST", "/api/v1/programs/1/claims", []string{models.RoleProvider}},
		{"POST", "/api/v1/onjob-claims", []string{models.RoleEnterprise}},
		{"GET", "/api/v1/claims", []string{models.RoleProvider, models.RoleEnterprise, models.RoleReviewer}},
		{"GET", "/api/v1/claims/export.xlsx", []string{models.RoleReviewer}},
		{"GET", "/api/v1/claims/1", []string{models.RoleProvider, models.RoleEnterprise, models.RoleReviewer}},
		{"GET", "/api/v1/claims/1/export.xlsx", []string{models.RoleProvider, models.RoleEnterprise, models.RoleReviewer}},
		{"GET", "/api/v1/claims/1/export.csv", []string{models.RoleProvider, models.RoleEnterprise, models.RoleReviewer}},
		{"POST", "/api/v1/claims/1/approve", []string{models.RoleReviewer}},
		{"POST", "/api/v1/claims/1/reject", []string{models.RoleReviewer}},
		{"POST", "/api/v1/claims/1/pay", []string{models.RoleReviewer}},
		{"POST", "/api/v1/objections/1/resolve", []string{models.RoleReviewer}},
		{"PUT", "/api/v1/me/identity", []string{models.RoleSeeker}},
		{"GET", "/api/v1/me/identity", []string{models.RoleSeeker}},
		{"GET", "/api/v1/me/enrolments", []string{models.RoleSeeker}},
		{"PUT", "/api/v1/users/1/identity", []string{models.RoleReviewer}},
		{"DELETE", "/api/v1/users/1/identity", []string{models.RoleReviewer}},
		{"GET", "/api/v1/programs/1/checkin-code", []string{models.RoleProvider}},
		{"GET", "/api/v1/programs/1/checkin-code.png", []string{models.RoleProvider}},
		{"POST", "/api/v1/programs/1/checkins", []string{models.RoleSeeker}},
		{"POST", "/api/v1/programs/1/attendance/import", []string{models.RoleProvider}},
		{"POST", "/api/v1/social-insurance/imports", []string{models.RoleReviewer}},
		{"GET", "/api/v1/social-insurance/imports", []string{models.RoleReviewer}},
		{"POST", "/api/v1/inspections", []string{models.RoleReviewer}},
		{"GET", "/api/v1/inspections", []string{models.RoleReviewer}},
		{"GET", "/api/v1/inspections/1", []string{models.RoleReviewer}},
		{"POST", "/api/v1/inspections/1/results", []string{models.RoleReviewer}},
		{"GET", "/api/v1/public/providers", []string{anyone}},
		{"GET", "/api/v1/public/providers/1", []string{anyone}},
		{"GET", "/api/v1/public/claims", []string{anyone}},
		{"POST", "/api/v1/public/claims/1/objections", []string{anyone}},
	}
	for _, rt := range routes {
		for _, role := range []string{"", models.RoleSeeker, models.RoleEnterprise, models.RoleProvider, models.RoleReviewer} {
			name := rt.method + " " + rt.path + " as " + map[bool]string{true: "anonymous", false: role}[role == ""]
			t.Run(name, func(t *testing.T) {
				r := req{method: rt.method, path: rt.path}
				if rt.method != "GET" {
					r.body = map[string]any{}
				}
				if role != "" {
					r.token = logins[role].Token
					if rt.path == "/api/v1/auth/logout" { // logging out kills the token: use a fresh one
						r.token = h.relogin(logins[role].User).Token
					}
				}
				got := h.do(r).status
				allowed := false
				for _, a := range rt.allowed {
					allowed = allowed || a == anyone || a == role || (a == loggedIn && role != "")
				}
				switch {
				case allowed && (got == 401 || got == 403):
					t.Fatalf("got %d, want to be let through", got)
				case !allowed && role == "" && got != 401:
					t.Fatalf("got %d, want 401", got)
				case !allowed && role != "" && got != 403:
					t.Fatalf("got %d, want 403", got)
				}
			})
		}
	}
}
