package models

import (
	"context"
	"fmt"
	"time"

	"portal/personal"
)

// The demo's items waiting for someone: the reviewer's three queues and the enterprise's
// applicants each have one, made through the store's own methods so the rules hold.
const (
	demoPendingEnterprisePhone = "13900000004"
	demoPendingProgramName     = "【演示】法兰锻造工培训班(待审批)"
	demoReportReason           = "【演示】按岗位上的电话打过去无人接听,怀疑岗位已招满仍在发布。"
)

// demoQueues gives the demo seeker two applications, one of them moved to an interview by
// its enterprise, and the reviewer an enterprise awaiting verification, a program awaiting
// approval and an open report. Each part is added once.
func (s *Store) demoQueues(ctx context.Context, now time.Time) (DemoAccount, error) {
	if err := s.demoApplications(ctx, now); err != nil {
		return DemoAccount{}, fmt.Errorf("demo applications: %w", err)
	}
	account, err := s.demoPendingEnterprise(ctx)
	if err != nil {
		return account, fmt.Errorf("demo enterprise awaiting verification: %w", err)
	}
	if err := s.demoPendingProgram(ctx, now); err != nil {
		return account, fmt.Errorf("demo program awaiting approval: %w", err)
	}
	if err := s.demoReport(ctx); err != nil {
		return account, fmt.Errorf("demo report: %w", err)
	}
	return account, nil
}

// demoApplications: the seeker applies to the welding posting its saved search alerted it to,
// which the enterprise views and invites it to interview for, and to the 数控车工 posting
// (the trade of the class it is on), still unread. Not the 锻造工 posting: a browser story
// applies to that one.
func (s *Store) demoApplications(ctx context.Context, now time.Time) error {
	seeker, err := s.userByPhone(ctx, "13900000010")
	if err != nil {
		return err
	}
	if mine, err := s.MyApplications(ctx, seeker); err != nil || len(mine) > 0 {
		return err
	}
	enterprise, err := s.userByPhone(ctx, "13900000001")
	if err != nil {
		return err
	}
	town, err := s.demoTown(ctx, "定襄法兰专业镇")
	if err != nil {
		return err
	}
	welding, err := s.demoWeldingPosting(ctx, town, now)
	if err != nil {
		return err
	}
	a, err := s.Apply(ctx, seeker, welding.ID, now)
	if err != nil {
		return err
	}
	for _, status := range []string{AppViewed, AppInterview} {
		if _, err := s.MoveApplication(ctx, enterprise, a.ID, status, now); err != nil {
			return err
		}
	}
	var lathe Job
	if err := s.db.WithContext(ctx).Where("title = ? AND demo = ?", "【演示】数控车工", true).First(&lathe).Error; err != nil {
		return err
	}
	_, err = s.Apply(ctx, seeker, lathe.ID, now)
	return err
}

// demoPendingEnterprise is a demo employer of 定襄 that has filled in its profile and waits
// for the reviewer's verification (its postings stay hidden until then).
func (s *Store) demoPendingEnterprise(ctx context.Context) (DemoAccount, error) {
	a := DemoAccount{RoleEnterprise, demoPendingEnterprisePhone, "【演示】定襄鑫源法兰制品有限公司", DemoPassword}
	u, err := s.demoUser(ctx, a)
	if err != nil {
		return a, err
	}
	if _, err := s.EnterpriseOf(ctx, u.ID); err == nil {
		return a, nil
	} else if ErrorCode(err) != ErrNotFound {
		return a, err
	}
	town, err := s.demoTown(ctx, "定襄法兰专业镇")
	if err != nil {
		return a, err
	}
	body8 := "D0000004"
	e, err := s.CreateEnterprise(ctx, u, EnterpriseInput{Name: "【演示】定襄鑫源法兰制品有限公司", TownID: &town.ID, Industry: "法兰锻造",
		USCC: personal.MakeUSCC("91140000" + body8 + string(personal.MakeOrgCodeCheck(body8)))})
	if err != nil {
		return a, err
	}
	return a, s.db.WithContext(ctx).Model(&Enterprise{ID: e.ID}).Update("demo", true).Error
}

// demoPendingProgram is a 锻造工 class the demo provider filed yesterday, starting in two
// weeks, waiting for approval. Filed a day back, it lists after the provider's other programs.
func (s *Store) demoPendingProgram(ctx context.Context, now time.Time) error {
	var n int64
	if err := s.db.WithContext(ctx).Model(&Program{}).Where("name = ?", demoPendingProgramName).Count(&n).Error; err != nil || n > 0 {
		return err
	}
	provider, err := s.userByPhone(ctx, "13900000020")
	if err != nil {
		return err
	}
	town, err := s.demoTown(ctx, "定襄法兰专业镇")
	if err != nil {
		return err
	}
	today := now.In(China)
	_, err = s.CreateProgram(ctx, provider, ProgramInput{Name: demoPendingProgramName, Occupation: "锻造工", Mode: "project", TownID: town.ID,
		StartOn: today.AddDate(0, 0, 14).Format(DateLayout), EndOn: today.AddDate(0, 0, 43).Format(DateLayout), PlannedDays: 20, Capacity: 30},
		now.AddDate(0, 0, -1))
	return err
}

// demoReport is a visitor's report (举报) on the demo 叉车司机 posting, open for the reviewer.
func (s *Store) demoReport(ctx context.Context) error {
	var n int64
	if err := s.db.WithContext(ctx).Model(&Report{}).Where("reason = ?", demoReportReason).Count(&n).Error; err != nil || n > 0 {
		return err
	}
	var j Job
	if err := s.db.WithContext(ctx).Where("title = ? AND demo = ?", "【演示】叉车司机", true).First(&j).Error; err != nil {
		return fmt.Errorf("the demo posting 【演示】叉车司机: %w", err)
	}
	_, err := s.ReportJob(ctx, j.ID, ReportInput{Reason: demoReportReason})
	return err
}
