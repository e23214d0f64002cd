package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"portal/models"
	"portal/models/policy"
)

var objectionNames = map[string]string{"open": "待处理", "upheld": "异议成立", "dismissed": "异议不成立"}

func init() {
	pageFuncs["claimKind"] = func(k string) string { return claimKindNames[k] }
	pageFuncs["claimStatus"] = func(s string) string { return claimStatusNames[s] }
	pageFuncs["excluded"] = func(r string) string { return excludedNames[r] }
	pageFuncs["objectionStatus"] = func(s string) string { return objectionNames[s] }
	pageFuncs["computation"] = computation
}

// computation writes a training line's arithmetic the way a reviewer checks it, from the
// figures the line was computed with.
func computation(l models.ClaimLine) string {
	d := l.SubsidizedDays
	first, later, raw := policy.Tiers(policy.Version{FirstDays: l.FirstDays, FirstDayRateYuan: l.FirstDayRateYuan,
		LaterDayRateYuan: l.LaterDayRateYuan}, d)
	s := fmt.Sprintf("计 %d 天:%d×%d", d, l.FirstDayRateYuan, first)
	if later > 0 {
		s += fmt.Sprintf(" + %d×%d", l.LaterDayRateYuan, later)
	}
	s += fmt.Sprintf(" = %d", raw)
	if raw > l.CapPerPersonYuan {
		s += fmt.Sprintf(",封顶 %d", l.CapPerPersonYuan)
	}
	return s
}

func (a *App) claimPage(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	return a.renderClaim(c, http.StatusOK, id, "")
}

func (a *App) renderClaim(c *fiber.Ctx, status int, id int64, problem string) error {
	claim, err := a.store.Claim(c.UserContext(), currentUser(c), id)
	if err != nil {
		return err
	}
	return a.renderStatus(c, status, "claim", fiber.Map{"Title": "补贴申请 " + strconv.FormatInt(id, 10), "Claim": claim, "Problem": problem})
}

// claimAction runs a reviewer's step and shows the claim again, with the refusal if any.
func (a *App) claimAction(step func(c *fiber.Ctx, id int64) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		if err := step(c, id); err != nil {
			p := problemOf(err)
			if p.Status >= 500 || p.Status == http.StatusNotFound || p.Status == http.StatusForbidden {
				return err
			}
			return a.renderClaim(c, p.Status, id, p.Detail)
		}
		return c.Redirect("/console/claims/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	}
}

func (a *App) approveClaimStep(c *fiber.Ctx, id int64) error {
	_, err := a.store.ApproveClaim(c.UserContext(), currentUser(c), id, a.now())
	return err
}

func (a *App) rejectClaimStep(c *fiber.Ctx, id int64) error {
	_, err := a.store.RejectClaim(c.UserContext(), currentUser(c), id, c.FormValue("reason"), a.now())
	return err
}

func (a *App) payClaimStep(c *fiber.Ctx, id int64) error {
	_, err := a.store.PayClaim(c.UserContext(), currentUser(c), id, c.FormValue("payment_ref"), a.now())
	return err
}

func (a *App) resolveObjectionSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	upheld := c.FormValue("upheld") == "true"
	o, err := a.store.ResolveObjection(c.UserContext(), currentUser(c), id, models.ResolveObjectionInput{Upheld: &upheld, Note: strings.TrimSpace(c.FormValue("note"))}, a.now())
	if err != nil {
		return err
	}
	return c.Redirect("/console/claims/"+strconv.FormatInt(o.ClaimID, 10), http.StatusSeeOther)
}

func (a *App) submitClaimSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	claim, err := a.store.SubmitTrainingClaim(c.UserContext(), currentUser(c), id, a.now())
	if err != nil {
		return a.afterProgramAction(c, id, "", err)
	}
	return c.Redirect("/console/claims/"+strconv.FormatInt(claim.ID, 10), http.StatusSeeOther)
}

func (a *App) onjobPage(c *fiber.Ctx) error {
	return a.renderOnjob(c, http.StatusOK, models.OnjobInput{TrainedOn: a.today()}, "", nil)
}

func (a *App) renderOnjob(c *fiber.Ctx, status int, in models.OnjobInput, text string, err error) error {
	rate := 0
	if pv, perr := a.store.PolicyInForce(c.UserContext(), a.today()); perr == nil {
		rate = pv.OnjobRateYuan
	}
	data := fiber.Map{"Title": "在岗培训补贴申请", "Form": in, "TraineesText": text, "Rate": rate}
	if err != nil {
		return a.formProblem(c, "onjob", data, err)
	}
	return a.renderStatus(c, status, "onjob", data)
}

// onjobSubmit reads one trainee a line, "姓名,身份证号" (either comma).
func (a *App) onjobSubmit(c *fiber.Ctx) error {
	text := c.FormValue("trainees")
	in := models.OnjobInput{Title: strings.TrimSpace(c.FormValue("title")), TrainedOn: c.FormValue("trained_on")}
	for _, line := range strings.Split(text, "\n") {
		parts := splitList(line)
		if len(parts) == 0 {
			continue
		}
		tr := models.OnjobTrainee{Name: parts[0]}
		if len(parts) > 1 {
			tr.IDNumber = parts[1]
		}
		in.Trainees = append(in.Trainees, tr)
	}
	claim, err := a.store.SubmitOnjobClaim(c.UserContext(), currentUser(c), in, a.now())
	if err != nil {
		return a.renderOnjob(c, 0, in, text, err)
	}
	return c.Redirect("/console/claims/"+strconv.FormatInt(claim.ID, 10), http.StatusSeeOther)
}

func (a *App) publicClaimsPage(c *fiber.Ctx) error {
	return a.renderPublicClaims(c, http.StatusOK, "", "")
}

func (a *App) renderPublicClaims(c *fiber.Ctx, status int, flash, problem string) error {
	cs, err := a.store.PublicClaims(c.UserContext(), a.now())
	if err != nil {
		return err
	}
	return a.renderStatus(c, status, "public_claims", fiber.Map{"Title": "补贴公示", "Claims": cs, "Flash": flash, "Problem": problem})
}

func (a *App) objectSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := a.limitByIP(c, "objection", 10); err != nil {
		return err
	}
	in := models.ObjectionInput{Text: strings.TrimSpace(c.FormValue("text")), Contact: strings.TrimSpace(c.FormValue("contact"))}
	if _, err := a.store.LodgeObjection(c.UserContext(), id, in, a.now()); err != nil {
		p := problemOf(err)
		if p.Status >= 500 {
			return err
		}
		return a.renderPublicClaims(c, p.Status, "", p.Detail)
	}
	return a.renderPublicClaims(c, http.StatusOK, "异议已提交,审核员会在支付前处理。", "")
}
