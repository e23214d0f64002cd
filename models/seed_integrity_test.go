package models

import (
	"context"
	"testing"
	"time"
)

func TestDemoShowsTheIntegrityStories(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, err := s.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		seeker, _ := s.userByPhone(ctx, "13900000010")
		mine, err := s.SeekerEnrolments(ctx, seeker, time.Now())
		if err != nil || len(mine) != 1 || len(mine[0].Checkins) != 7 || !mine[0].CheckinOpen {
			t.Fatalf("the demo seeker is a trainee who checked in: %+v %v", mine, err)
		}
		rev, _ := s.userByPhone(ctx, "13900000009")
		claims, _ := s.Claims(ctx, rev, ClaimFilter{Status: ClaimSubmitted})
		if len(claims) != 1 {
			t.Fatalf("%+v", claims)
		}
		c, _ := s.Claim(ctx, rev, claims[0].ID)
		if !c.Flagged || len(c.FlagTexts) != 3 {
			t.Fatalf("the demo claim carries flags: %v", c.FlagTexts)
		}
		if imps, _ := s.SocialInsuranceImports(ctx, rev); len(imps) != 1 || imps[0].Imported != 4 {
			t.Fatalf("%+v", imps)
		}
		if _, err := s.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
