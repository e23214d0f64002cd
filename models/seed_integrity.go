package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"portal/personal"
)

// demoIntegrity adds what the Article 8 integrity pages show (SPEC §6): a clearly marked
// demo successor policy version when none is in force today (trainees check in under it), a
// program running today whose trainees (the demo seeker among them) checked in, a
// social-insurance extract, and a closed, back-filed 2025 program whose outcome carries risk
// flags, ready for its claim. Running it again adds nothing.
func (s *Store) demoIntegrity(ctx context.Context, reviewer User, now time.Time) error {
	var n int64
	if err := s.db.WithContext(ctx).Model(&Program{}).Where("name = ?", "【演示】法兰焊工签到班").Count(&n).Error; err != nil || n > 0 {
		return err
	}
	u, err := s.userByPhone(ctx, "13900000020")
	if err != nil {
		return err
	}
	today := Today(now)
	if _, err := s.PolicyInForce(ctx, today); err != nil {
		n := func(v int) *int { return &v }
		if _, err := s.AddPolicy(ctx, reviewer.ID, PolicyInput{Code: "【演示】晋政办发〔2022〕81号后续版本", Title: "【演示】供演示使用的后续政策版本(签到计出勤)",
			EffectiveFrom: "2025-09-26", EffectiveTo: "2028-09-25", FirstDays: n(10), FirstDayRateYuan: n(150), LaterDayRateYuan: n(100), CapPerPersonYuan: n(4000),
			EmploymentTargetPercent: n(80), EmploymentWindowDays: n(180), OnjobRateYuan: n(300), Subsidize: "completed", AnnouncementDays: n(5),
			AttendanceProof: "checkin", EmploymentProof: "evidence"}); err != nil && !strings.Contains(err.Error(), "overlap") {
			return fmt.Errorf("demo successor policy: %w", err)
		}
	}
	var town Town
	if err := s.db.WithContext(ctx).Where("name = ?", "定襄法兰专业镇").First(&town).Error; err != nil {
		return err
	}
	partner, err := s.EnterpriseOf(ctx, s.userIDByPhone(ctx, "13900000001"))
	if err != nil {
		return err
	}
	day0, _ := ParseDate(today)
	start, end := day0.AddDate(0, 0, -7).Format(DateLayout), day0.AddDate(0, 0, 30).Format(DateLayout)
	if err := s.demoCheckinProgram(ctx, u, reviewer, town, partner, start, end, now); err != nil {
		return err
	}
	if err := s.demoFlaggedProgram(ctx, u, reviewer, town, partner, now); err != nil {
		return err
	}
	// The first demo program stays first in the provider's console (newest first), as the
	// demo's stories and their browser tests expect.
	var first Program
	if err := s.db.WithContext(ctx).Where("name = ?", "【演示】法兰焊工订单班").First(&first).Error; err != nil {
		return err
	}
	return s.db.WithContext(ctx).Model(&Program{}).Where("name IN ?", []string{"【演示】法兰焊工签到班", "【演示】法兰焊工春季班(含风险提示)"}).
		Update("created_at", first.CreatedAt.Add(-time.Hour)).Error
}

func (s *Store) userByPhone(ctx context.Context, phone string) (User, error) {
	var u User
	err := s.db.WithContext(ctx).Where("phone = ?", phone).First(&u).Error
	return u, err
}

// demoRunningProgram: approved, running today, five trainees with rolls and check-ins of the
// past week; the demo seeker is one of them, with its identity stated.
func (s *Store) demoCheckinProgram(ctx context.Context, u, reviewer User, town Town, partner Enterprise, start, end string, now time.Time) error {
	p, err := s.CreateProgram(ctx, u, ProgramInput{Name: "【演示】法兰焊工签到班", Occupation: "焊工", Mode: "order", TownID: town.ID,
		PartnerEnterpriseID: &partner.ID, StartOn: start, EndOn: end, PlannedDays: 30, Capacity: 30}, now)
	if err != nil {
		return fmt.Errorf("demo running program: %w", err)
	}
	if _, err := s.ApproveProgram(ctx, reviewer, p.ID, ApproveInput{}, now.AddDate(0, 0, -8)); err != nil {
		return err
	}
	seeker, err := s.userByPhone(ctx, "13900000010")
	if err != nil {
		return err
	}
	if _, _, err := s.SetIdentity(ctx, seeker, IdentityInput{Name: "【演示】求职者", IDNumber: demoIDNumber(20)}, now); err != nil && ErrorCode(err) != ErrConflict {
		return err
	}
	var ids []int64
	for i, name := range []string{"【演示】求职者", "【演示】赵磊", "【演示】孙丽", "【演示】周杰", "【演示】吴敏"} {
		e, err := s.Enrol(ctx, u, p.ID, EnrolInput{Name: name, IDNumber: demoIDNumber(20 + i), Phone: fmt.Sprintf("1390000%04d", 100+i)}, now)
		if err != nil {
			return fmt.Errorf("demo trainee: %w", err)
		}
		ids = append(ids, e.ID)
	}
	first, _ := ParseDate(start)
	for d := range 7 {
		day := first.AddDate(0, 0, d).Format(DateLayout)
		if _, err := s.PutRoll(ctx, u, p.ID, day, ids, now); err != nil {
			return err
		}
		for i, id := range ids {
			if i == 4 && d%2 == 0 { // one trainee on the roll without checking in: roll_without_checkin
				continue
			}
			at, _ := time.ParseInLocation(DateLayout, day, China)
			if err := s.db.WithContext(ctx).Create(&Checkin{EnrolmentID: id, Day: day, ProgramID: p.ID, CheckedInAt: at.Add(8*time.Hour + 50*time.Minute).UTC()}).Error; err != nil {
				return err
			}
		}
	}
	return nil
}

// demoFlaggedProgram: a back-filed spring 2025 program, closed, with a social-insurance extract
// that confirms four employments of five (the fifth insured elsewhere), two trainees sharing a phone and one past
// retirement age; its claim is submitted and needs a note to be approved.
func (s *Store) demoFlaggedProgram(ctx context.Context, u, reviewer User, town Town, partner Enterprise, now time.Time) error {
	p, err := s.CreateProgram(ctx, u, ProgramInput{Name: "【演示】法兰焊工春季班(含风险提示)", Occupation: "焊工", Mode: "order", TownID: town.ID,
		PartnerEnterpriseID: &partner.ID, StartOn: "2025-03-03", EndOn: "2025-04-11", PlannedDays: 30, Capacity: 30}, now)
	if err != nil {
		return fmt.Errorf("demo flagged program: %w", err)
	}
	if _, err := s.ApproveProgram(ctx, reviewer, p.ID, ApproveInput{}, now); err != nil {
		return err
	}
	numbers := []string{demoIDNumber(30), demoIDNumber(31), demoIDNumber(32), demoIDNumber(33), personal.MakeIDNumber("14092119600101931")}
	phones := []string{"13900000201", "13900000202", "13900000202", "13900000204", "13900000205"}
	var ids []int64
	for i, num := range numbers {
		e, err := s.Enrol(ctx, u, p.ID, EnrolInput{Name: fmt.Sprintf("【演示】春季学员%d", i+1), IDNumber: num, Phone: phones[i]}, now)
		if err != nil {
			return fmt.Errorf("demo flagged trainee: %w", err)
		}
		ids = append(ids, e.ID)
	}
	first, _ := ParseDate(p.StartOn)
	for d := range 12 {
		if _, err := s.PutRoll(ctx, u, p.ID, first.AddDate(0, 0, d).Format(DateLayout), ids, now); err != nil {
			return err
		}
	}
	var csv strings.Builder
	csv.WriteString("姓名,身份证号,统一社会信用代码,单位名称,起始年月,终止年月\n")
	for i, id := range ids {
		if _, err := s.ChangeEnrolment(ctx, u, id, "complete", true, now); err != nil {
			return err
		}
		if _, err := s.RecordEmployment(ctx, u, id, EmploymentInput{EmployerName: partner.Name, EmployerUSCC: partner.USCC, EvidenceType: "agreement",
			EvidenceNo: fmt.Sprintf("DX-2025-%03d", i+1), StartOn: "2025-04-20"}, nil, now); err != nil {
			return err
		}
		uscc := partner.USCC
		if i == 4 { // insured elsewhere while the agreement names the partner: employment_not_verified
			uscc = personal.MakeUSCC("91140000" + "D0000099" + string(personal.MakeOrgCodeCheck("D0000099")))
		}
		// The extract is of the second quarter of 2025: it covers the spring class's employment
		// period and not the summer order class's (2025-07 on), whose claim a browser story
		// approves without a note.
		fmt.Fprintf(&csv, "【演示】春季学员%d,%s,%s,%s,2025-04,2025-06\n", i+1, numbers[i], uscc, partner.Name)
	}
	if _, err := s.ImportSocialInsurance(ctx, reviewer, "【演示】定襄县社保缴费记录.csv", []byte(csv.String()), now); err != nil {
		return err
	}
	// Closed and claimed: the reviewer's queue shows a claim whose flags ask for a note.
	if _, err := s.CloseProgram(ctx, u, p.ID, now); err != nil {
		return err
	}
	_, err = s.SubmitTrainingClaim(ctx, u, p.ID, now)
	return err
}
