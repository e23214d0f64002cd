package handlers

import (
	"slices"
	"strings"
	"testing"
	"time"

	"portal/internal/testsvc"
	"portal/models"
	"portal/models/policy"
)

// TestInspectionAndProviderOutcomesOverTheAPI draws a claim for inspection, records its result,
// pays it and reads the public provider outcomes, on SQLite and on PostgreSQL.
func TestInspectionAndProviderOutcomesOverTheAPI(t *testing.T) {
	for _, db := range testsvc.Databases(t) {
		t.Run(db.Name, func(t *testing.T) { inspectionAndProviderOutcomesOverTheAPI(t, db.Resolve(t)) })
	}
}

func inspectionAndProviderOutcomesOverTheAPI(t *testing.T, databaseURL string) {
	clock := newClock(time.Date(2025, 4, 20, 9, 0, 0, 0, models.China))
	h := newHarness(t, harnessOpts{databaseURL: databaseURL, clock: clock})
	prov := h.verifiedProvider("13800000951", "MA0N0951")
	rev := h.account(models.RoleReviewer, "13800000959")
	prog := h.closedProgramAPI(prov, rev, clock)
	claim := h.must(201, req{method: "POST", path: "/api/v1/programs/" + prog + "/claims", token: prov.Token})
	cid := itoa(int64(claim["id"].(float64)))
	t.Run("bad input names the field", func(t *testing.T) {
		p := h.do(req{method: "POST", path: "/api/v1/inspections", token: rev.Token, body: map[string]any{"submitted_from": "2025-13-01", "submitted_to": "2025-04-30", "percent": 0}}).problem(t, 422, "invalid")
		if errs := p["errors"].(map[string]any); errs["submitted_from"] == nil || errs["percent"] == nil {
			t.Fatalf("%v", p)
		}
		h.do(req{method: "POST", path: "/api/v1/inspections", token: rev.Token, body: map[string]any{"submitted_from": "2024-01-01", "submitted_to": "2024-01-31", "percent": 10}}).problem(t, 422, "no_claims_in_range")
	})
	insp := h.must(201, req{method: "POST", path: "/api/v1/inspections", token: rev.Token, body: map[string]any{"submitted_from": "2025-04-01", "submitted_to": "2025-04-30", "percent": 10}})
	t.Run("the draw is repeatable from the seed it shows", func(t *testing.T) {
		var pop, drawn []int64
		for _, v := range insp["population"].([]any) {
			pop = append(pop, int64(v.(float64)))
		}
		for _, v := range insp["claim_ids"].([]any) {
			drawn = append(drawn, int64(v.(float64)))
		}
		if !slices.Equal(policy.Draw(insp["seed"].(string), pop, 10), drawn) || len(drawn) != 1 || insp["algorithm"] == "" {
			t.Fatalf("%v", insp)
		}
	})
	iid := itoa(int64(insp["id"].(float64)))
	h.do(req{method: "POST", path: "/api/v1/claims/" + cid + "/approve", token: rev.Token}).problem(t, 409, "under_inspection")
	h.must(200, req{method: "POST", path: "/api/v1/inspections/" + iid + "/results", token: rev.Token, body: map[string]any{"claim_id": claim["id"], "result": "passed", "note": "抽查材料齐全"}})
	if got := h.must(200, req{method: "GET", path: "/api/v1/inspections/" + iid, token: rev.Token}); got["results"].([]any)[0].(map[string]any)["result"] != "passed" {
		t.Fatalf("%v", got)
	}
	h.must(200, req{method: "POST", path: "/api/v1/claims/" + cid + "/approve", token: rev.Token, body: map[string]any{"note": "已抽查"}})
	clock.set(time.Date(2025, 5, 10, 9, 0, 0, 0, models.China))
	h.must(200, req{method: "POST", path: "/api/v1/claims/" + cid + "/pay", token: rev.Token, body: map[string]any{"payment_ref": "ZF-1"}})
	// Two more providers close 2025 programs: one of four completers (all employed), one of
	// six (five employed).
	serial := 100
	names := map[string]string{}
	for i, g := range []struct{ completers, employed int }{{4, 4}, {6, 5}} {
		name := []string{"四人机构", "六人机构"}[i]
		l := h.verifiedProvider("1380000096"+itoa(int64(i)), "MA0N096"+itoa(int64(i)))
		names[name] = "培训学校MA0N096" + itoa(int64(i))
		prog := h.trainedProgram(l, rev, name+"焊工班", "定襄法兰专业镇", g.completers, g.employed, &serial)
		h.must(200, req{method: "POST", path: "/api/v1/programs/" + prog + "/close", token: l.Token})
	}
	r := h.do(req{method: "GET", path: "/api/v1/public/providers"})
	if r.status != 200 || strings.Contains(string(r.body), "学员") {
		t.Fatalf("%d %s", r.status, r.body)
	}
	for n := 20; n <= serial; n++ {
		if strings.Contains(string(r.body), idNumber(n)) {
			t.Fatalf("an ID number in the public outcomes: %s", r.body)
		}
	}
	years := map[string]map[string]any{}
	var first map[string]any
	for _, x := range r.json(t)["providers"].([]any) {
		p := x.(map[string]any)
		if first == nil {
			first = p
		}
		years[p["name"].(string)] = p["years"].([]any)[0].(map[string]any)
	}
	t.Run("a group of three or four shows as <5, its rates withheld; the money shows", func(t *testing.T) {
		three := years[first["name"].(string)]
		if three["completed"] != "<5" || three["employment_rate"] != nil || three["subsidy_paid_yuan"].(float64) <= 0 {
			t.Fatalf("%v", three)
		}
		four := years[names["四人机构"]]
		if four == nil || four["enrolled"] != "<5" || four["completed"] != "<5" || four["employed"] != "<5" || four["employment_rate"] != nil ||
			four["programs_closed"] != 1.0 {
			t.Fatalf("%v", years)
		}
	})
	t.Run("a group of six shows its counts and rate", func(t *testing.T) {
		six := years[names["六人机构"]]
		if six == nil || six["enrolled"] != 6.0 || six["completed"] != 6.0 || six["employed"] != 5.0 || six["employment_rate"] != 83.33 ||
			six["employment_confirmed"] != "<5" || six["confirmed_rate"] != nil || six["year"] != 2025.0 {
			t.Fatalf("%v", years)
		}
	})
	t.Run("one provider's page", func(t *testing.T) {
		one := h.must(200, req{method: "GET", path: "/api/v1/public/providers/" + itoa(int64(first["provider_id"].(float64)))})
		if one["name"] != first["name"] {
			t.Fatalf("%v", one)
		}
		h.do(req{method: "GET", path: "/api/v1/public/providers/999"}).problem(t, 404, "not_found")
	})
}
