package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"portal/models"
	"portal/models/policy"
)

// fairsView is the list of job fairs; an enterprise sees for each the fee it would pay and
// why, and its booth when it has one.
type fairsView struct {
	Page
	Fairs []fairCard
}

// fairCard is one fair as a page shows it.
type fairCard struct {
	models.Fair
	Over   bool
	Fee    *policy.Fee   // the enterprise's fee, nil for other visitors
	Policy string        // the version in force on the fair's day, "" when none is
	Booked *models.Booth // the enterprise's booth at this fair
}

func (a *App) fairsPage(c *fiber.Ctx) error {
	v := &fairsView{Page: Page{Title: "现场招聘会"}}
	cards, err := a.fairCards(c)
	if err != nil {
		return err
	}
	v.Fairs = cards
	return a.render(c, "fairs", v)
}

// fairCards loads the fairs with what the caller's enterprise would pay at each (the same
// rule booking applies: models/policy.BoothFee).
func (a *App) fairCards(c *fiber.Ctx) ([]fairCard, error) {
	ctx, u := c.UserContext(), currentUser(c)
	fairs, err := a.store.Fairs(ctx)
	if err != nil {
		return nil, err
	}
	var ent *models.Enterprise
	if u.Role == models.RoleEnterprise {
		if e, err := a.store.EnterpriseOf(ctx, u.ID); err == nil {
			ent = &e
		}
	}
	policies, err := a.store.Policies(ctx)
	if err != nil {
		return nil, err
	}
	versions := make([]policy.Version, 0, len(policies))
	for _, p := range policies {
		from, ferr := policy.ParseDate(p.EffectiveFrom)
		to, terr := policy.ParseDate(p.EffectiveTo)
		if ferr == nil && terr == nil {
			versions = append(versions, policy.Version{Code: p.Code, EffectiveFrom: from, EffectiveTo: to})
		}
	}
	cards := make([]fairCard, len(fairs))
	for i, f := range fairs {
		card := fairCard{Fair: f, Over: f.HeldOn < a.today()}
		held, _ := policy.ParseDate(f.HeldOn)
		if v, ok := policy.InForceOn(versions, held); ok {
			card.Policy = v.Code
		}
		if ent != nil {
			fee := policy.BoothFee(versions, policy.Fair{OrganizerLevel: f.OrganizerLevel, HeldOn: held, StandardFeeYuan: f.StandardBoothFeeYuan},
				policy.Exhibitor{Verified: ent.Verified, InProfessionalTown: ent.InProfessionalTown(), LeadingIndustry: ent.LeadingIndustry})
			card.Fee = &fee
			booths, err := a.store.Exhibitors(ctx, f.ID)
			if err != nil {
				return nil, err
			}
			for _, b := range booths {
				if b.EnterpriseID == ent.ID {
					card.Booked = &b
				}
			}
		}
		cards[i] = card
	}
	return cards, nil
}

func (a *App) bookSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	cards, err := a.fairCards(c)
	if err != nil {
		return err
	}
	var card *fairCard
	for i := range cards {
		if cards[i].ID == id {
			card = &cards[i]
		}
	}
	if card == nil {
		return models.NotFound("fair")
	}
	if card.Fee != nil && card.Fee.Yuan > 0 && !confirmed(c) {
		return a.confirm(c, confirmView{Question: "确认预订展位并缴纳 " + strconv.Itoa(card.Fee.Yuan) + " 元展位费?",
			Details: []string{card.Name + "(" + card.HeldOn + "," + card.Venue + ")", "不免收展位费的原因:" + card.Fee.Basis + "。"},
			Button:  "确认预订(" + strconv.Itoa(card.Fee.Yuan) + " 元)", Back: "/fairs"})
	}
	if _, err := a.store.BookBooth(c.UserContext(), currentUser(c), id, a.now()); err != nil {
		return a.formProblem(c, "fairs", &fairsView{Page: Page{Title: "现场招聘会"}, Fairs: cards}, err)
	}
	return a.done(c, "/fairs", "booked")
}

func (a *App) createFairSubmit(c *fiber.Ctx) error {
	f, err := readForm[fairForm](c)
	if err != nil {
		return err
	}
	in, bad := f.input()
	err = bad.refusal()
	if err == nil {
		_, err = a.store.CreateFair(c.UserContext(), currentUser(c), in)
	} else {
		err = mergeRefusals(models.Validate(in), err)
	}
	if err != nil {
		return a.formProblem(c, "review_fairs", &reviewFairsView{Page: Page{Title: "发布招聘会"}, Form: f, Tasks: a.taskBar(c, "fairs")}, err)
	}
	return a.done(c, "/fairs", "fair_created")
}
