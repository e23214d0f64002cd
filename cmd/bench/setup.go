package main

import (
	"context"
	"fmt"
	"log/slog"

	"portal/models"
	"portal/personal"
	"portal/search"
)

// benchTown is the professional town of the benchmark's enterprise.
const benchTown = "清徐老陈醋专业镇"

// employer is the verified enterprise the postings belong to, and how to log in as it.
type employer struct {
	EnterpriseID    int64
	Phone, Password string
	TownID          int64
}

// createEmployer opens the store the way the portal does (same DATABASE_URL and secret) and
// makes a reviewer and a verified enterprise of a professional town, as SeedDemo does. It
// then applies the outbox to the index, as a running portal would have done long before
// anyone imports. It returns the employer and every town, for the generator and the queries.
func createEmployer(ctx context.Context, databaseURL string, secret []byte, meili *search.Client) (employer, []models.Town, error) {
	log := slog.New(slog.DiscardHandler)
	store, err := models.Open(ctx, databaseURL, secret, log)
	if err != nil {
		return employer{}, nil, err
	}
	defer store.Close()
	towns, err := store.Towns(ctx)
	if err != nil {
		return employer{}, nil, err
	}
	var town *models.Town
	for i := range towns {
		if towns[i].Name == benchTown {
			town = &towns[i]
		}
	}
	if town == nil {
		return employer{}, nil, fmt.Errorf("town %s is not seeded", benchTown)
	}
	emp := employer{Phone: "13700000001", Password: "bench-" + randomHex(8), TownID: town.ID}
	reviewer, err := store.CreateReviewer(ctx, "13700000002", "【基准测试】审核员", "bench-"+randomHex(8))
	if err != nil {
		return emp, nil, fmt.Errorf("reviewer: %w", err)
	}
	login, err := store.Register(ctx, models.RegisterInput{Role: models.RoleEnterprise, Phone: emp.Phone,
		Password: emp.Password, Name: "【基准测试】招聘专员"})
	if err != nil {
		return emp, nil, fmt.Errorf("enterprise account: %w", err)
	}
	// 91 (enterprise) 140000 (Shanxi) + an organisation code with its check character.
	org := "B0000001" + string(personal.MakeOrgCodeCheck("B0000001"))
	ent, err := store.CreateEnterprise(ctx, login.User, models.EnterpriseInput{Name: "【基准测试】清徐晋源酿造有限公司",
		USCC: personal.MakeUSCC("91140000" + org), TownID: &town.ID, Industry: "食醋酿造"})
	if err != nil {
		return emp, nil, fmt.Errorf("enterprise: %w", err)
	}
	leading := true
	if _, err := store.VerifyEnterprise(ctx, reviewer, ent.ID, models.VerifyInput{LeadingIndustry: &leading}); err != nil {
		return emp, nil, fmt.Errorf("verify enterprise: %w", err)
	}
	emp.EnterpriseID = ent.ID
	if err := search.NewIndexer(store, meili, nil, log).WaitIdle(ctx); err != nil {
		return emp, nil, fmt.Errorf("apply the outbox: %w", err)
	}
	return emp, towns, nil
}
