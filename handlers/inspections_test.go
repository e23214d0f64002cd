package handlers

import (
	"slices"
	"strings"
	"testing"
	"time"

	"portal/models"
	"portal/models/policy"
)

func TestInspectionAndProviderOutcomesOverTheAPI(t *testing.T) {
	clock := newClock(time.Date(2025, 4, 20, 9, 0, 0, 0, models.China))
	h := newHarness(t, harnessOpts{clock: clock})
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
	t.Run("public provider outcomes hide a group of three, show the money, no names", func(t *testing.T) {
		r := h.do(req{method: "GET", path: "/api/v1/public/providers"})
		if r.status != 200 || strings.Contains(string(r.body), "学员") || strings.Contains(string(r.body), idNumber(20)[:10]) {
			t.Fatalf("%d %s", r.status, r.body)
		}
		p := r.json(t)["providers"].([]any)[0].(map[string]any)
		y := p["years"].([]any)[0].(map[string]any)
		if y["completed"] != "<5" || y["employment_rate"] != nil || y["subsidy_paid_yuan"].(float64) <= 0 {
			t.Fatalf("%v", y)
		}
		one := h.must(200, req{method: "GET", path: "/api/v1/public/providers/" + itoa(int64(p["provider_id"].(float64)))})
		if one["name"] != p["name"] {
			t.Fatalf("%v", one)
		}
		h.do(req{method: "GET", path: "/api/v1/public/providers/999"}).problem(t, 404, "not_found")
	})
}
