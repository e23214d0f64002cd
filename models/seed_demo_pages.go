package models

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// DemoPolicyCode names the demo successor of 晋政办发〔2022〕81号: the real one ended on
// 2025-09-25, so without a successor no demo story (claims, waived booths) works today.
const DemoPolicyCode = "【演示】81号文延续执行版本(非真实文件)"

// seedDemoPages gives every page of the demo something to show on today's date: a demo
// successor policy version, a running program with trainees and a few days of rolls, the
// demo seeker on it, a finished program whose claim is in its announcement (公示), and
// upcoming fairs. Running it again adds nothing.
func (s *Store) seedDemoPages(ctx context.Context, reviewer User, now time.Time) error {
	if err := s.demoPolicy(ctx); err != nil {
		return fmt.Errorf("demo policy: %w", err)
	}
	var provider User
	if err := s.db.WithContext(ctx).Where("phone = ?", "13900000020").First(&provider).Error; err != nil {
		return err
	}
	var n int64
	if err := s.db.WithContext(ctx).Model(&Program{}).Where("name = ?", "【演示】法兰数控车工班(进行中)").Count(&n).Error; err != nil || n > 0 {
		return err
	}
	if err := s.demoRunningProgram(ctx, reviewer, provider, now); err != nil {
		return fmt.Errorf("demo running program: %w", err)
	}
	if err := s.demoAnnouncedClaim(ctx, reviewer, provider, now); err != nil {
		return fmt.Errorf("demo announced claim: %w", err)
	}
	return s.demoFairs(ctx, reviewer, now)
}

// demoPolicy adds the marked demo successor version, from the day after the 2022 version
// ended, with the same figures.
func (s *Store) demoPolicy(ctx context.Context) error {
	var n int64
	if err := s.db.WithContext(ctx).Model(&PolicyVersion{}).Where("code = ?", DemoPolicyCode).Count(&n).Error; err != nil || n > 0 {
		return err
	}
	in := Shanxi2022()
	in.Code, in.Title = DemoPolicyCode, "【演示】为演示而设的后续政策版本,补贴标准沿用晋政办发〔2022〕81号;正式使用前请由审核员录入真实文件"
	in.EffectiveFrom, in.EffectiveTo = "2025-09-26", "2028-09-25"
	_, err := s.AddPolicy(ctx, 0, in)
	return err
}

func (s *Store) demoTown(ctx context.Context, name string) (Town, error) {
	var t Town
	return t, s.db.WithContext(ctx).Where("name = ?", name).First(&t).Error
}

// demoRunningProgram is a program running today: five trainees, rolls of its past days, and
// the demo seeker enrolled (its 我的培训).
func (s *Store) demoRunningProgram(ctx context.Context, reviewer, provider User, now time.Time) error {
	town, err := s.demoTown(ctx, "定襄法兰专业镇")
	if err != nil {
		return err
	}
	today := now.In(China)
	start := today.AddDate(0, 0, -6).Format(DateLayout)
	p, err := s.CreateProgram(ctx, provider, ProgramInput{Name: "【演示】法兰数控车工班(进行中)", Occupation: "车工", Mode: "project", TownID: town.ID,
		StartOn: start, EndOn: today.AddDate(0, 0, 24).Format(DateLayout), PlannedDays: 20, Capacity: 30}, now)
	if err != nil {
		return err
	}
	if _, err := s.ApproveProgram(ctx, reviewer, p.ID, ApproveInput{}, now); err != nil {
		return err
	}
	var ids []int64
	for i, name := range []string{"赵磊", "孙丽", "周杰", "吴敏", "郑浩"} {
		e, err := s.Enrol(ctx, provider, p.ID, EnrolInput{Name: "【演示】" + name, IDNumber: demoIDNumber(6 + i)}, now)
		if err != nil {
			return err
		}
		ids = append(ids, e.ID)
	}
	var seeker User
	if err := s.db.WithContext(ctx).Where("phone = ?", "13900000010").First(&seeker).Error; err != nil {
		return err
	}
	// the seeker applies as itself: its identity first (the same one the integrity demo states)
	if _, _, err := s.SetIdentity(ctx, seeker, IdentityInput{Name: "【演示】求职者", IDNumber: demoIDNumber(20)}, now); err != nil && ErrorCode(err) != ErrConflict {
		return err
	}
	mine, err := s.Enrol(ctx, seeker, p.ID, EnrolInput{}, now)
	if err != nil {
		return err
	}
	if _, err := s.ChangeEnrolment(ctx, provider, mine.ID, "accept", false, now); err != nil {
		return err
	}
	if err := s.demoSeekerPages(ctx, seeker, town, now); err != nil {
		return err
	}
	ids = append(ids, mine.ID)
	first, _ := ParseDate(start)
	for d := range 5 {
		if _, err := s.PutRoll(ctx, provider, p.ID, first.AddDate(0, 0, d).Format(DateLayout), ids[:len(ids)-d%2], now); err != nil {
			return err
		}
	}
	return nil
}

// demoAnnouncedClaim is a program that ended this autumn, its trainees completed and four of
// five placed, closed and claimed; the claim is approved and in its announcement today.
func (s *Store) demoAnnouncedClaim(ctx context.Context, reviewer, provider User, now time.Time) error {
	town, err := s.demoTown(ctx, "定襄法兰专业镇")
	if err != nil {
		return err
	}
	partner, err := s.EnterpriseOf(ctx, s.userIDByPhone(ctx, "13900000001"))
	if err != nil {
		return err
	}
	today := now.In(China)
	start, end := today.AddDate(0, 0, -70), today.AddDate(0, 0, -41)
	p, err := s.CreateProgram(ctx, provider, ProgramInput{Name: "【演示】法兰探伤工订单班(已结业)", Occupation: "焊工", Mode: "order", TownID: town.ID,
		PartnerEnterpriseID: &partner.ID, StartOn: start.Format(DateLayout), EndOn: end.Format(DateLayout), PlannedDays: 12, Capacity: 20}, now)
	if err != nil {
		return err
	}
	if _, err := s.ApproveProgram(ctx, reviewer, p.ID, ApproveInput{}, now); err != nil {
		return err
	}
	var ids []int64
	for i, name := range []string{"冯军", "褚艳", "卫东", "蒋涛", "沈红"} {
		e, err := s.Enrol(ctx, provider, p.ID, EnrolInput{Name: "【演示】" + name, IDNumber: demoIDNumber(11 + i)}, now)
		if err != nil {
			return err
		}
		ids = append(ids, e.ID)
	}
	for d := range 12 {
		if _, err := s.PutRoll(ctx, provider, p.ID, start.AddDate(0, 0, d).Format(DateLayout), ids, now); err != nil {
			return err
		}
	}
	for i, id := range ids {
		if _, err := s.ChangeEnrolment(ctx, provider, id, "complete", true, now); err != nil {
			return err
		}
		if i < 4 {
			if _, err := s.RecordEmployment(ctx, provider, id, EmploymentInput{EmployerName: partner.Name, EvidenceType: "agreement",
				EvidenceNo: fmt.Sprintf("DEMO-HT-%02d", i+1), StartOn: end.AddDate(0, 0, 7).Format(DateLayout)}, nil, now); err != nil {
				return err
			}
		}
	}
	if _, err := s.CloseProgram(ctx, provider, p.ID, now); err != nil {
		return err
	}
	c, err := s.SubmitTrainingClaim(ctx, provider, p.ID, now)
	if err != nil {
		return err
	}
	_, err = s.ApproveClaim(ctx, reviewer, c.ID, now)
	return err
}

// demoFairs announces an upcoming provincial fair (booths free for leading-industry
// enterprises of towns under the demo version) and a municipal one (standard fee).
func (s *Store) demoFairs(ctx context.Context, reviewer User, now time.Time) error {
	today := now.In(China)
	for _, f := range []FairInput{
		{Name: "【演示】山西省专业镇企业专场招聘会", OrganizerLevel: "provincial", HeldOn: today.AddDate(0, 0, 20).Format(DateLayout), Venue: "太原市人力资源市场", StandardBoothFeeYuan: ptr(800), BoothCapacity: ptr(60)},
		{Name: "【演示】忻州市春季招聘会", OrganizerLevel: "municipal", HeldOn: today.AddDate(0, 0, 45).Format(DateLayout), Venue: "忻州市会展中心", StandardBoothFeeYuan: ptr(500), BoothCapacity: ptr(40)},
	} {
		var existing Fair
		err := s.db.WithContext(ctx).Where("name = ?", f.Name).First(&existing).Error
		if err == nil {
			continue
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		if _, err := s.CreateFair(ctx, reviewer, f); err != nil {
			return err
		}
	}
	return nil
}

// demoSeekerPages gives the demo seeker a profile (so it gets recommendations), a saved
// search and one new-posting alert, for a posting that search finds.
func (s *Store) demoSeekerPages(ctx context.Context, seeker User, town Town, now time.Time) error {
	if _, err := s.SaveProfile(ctx, seeker, ProfileInput{DesiredOccupations: []string{"焊工", "锻造工"}, DesiredTownIDs: []int64{town.ID},
		ExpectedSalary: 6000, Education: "高中", Skills: []string{"电焊"}, Resume: "【演示】三年法兰焊接经验。"}); err != nil {
		return err
	}
	ss, err := s.SaveSearch(ctx, seeker, SavedSearchInput{Name: "定襄的焊工岗位"}, url.Values{"q": {"焊工"}, "town_id": {strconv.FormatInt(town.ID, 10)}}, now)
	if err != nil {
		return err
	}
	j, err := s.demoWeldingPosting(ctx, town, now)
	if err != nil {
		return err
	}
	_, err = s.Notify(ctx, ss, []Job{j}, now.Unix())
	return err
}

// demoWeldingPosting is the town's open posting that says 焊工 (the demo's 【演示】招聘电焊工):
// the saved search "定襄的焊工岗位" finds it, so its alert and the seeker's application are
// about it. The alerter's search also knows synonyms; the word itself is enough here.
func (s *Store) demoWeldingPosting(ctx context.Context, town Town, now time.Time) (Job, error) {
	jobs, err := s.Jobs(ctx, JobFilter{OpenOn: Today(now), TownID: town.ID})
	if err != nil {
		return Job{}, err
	}
	for _, j := range jobs {
		if j.Demo && strings.Contains(j.Title+" "+j.Occupation+" "+j.Description, "焊工") {
			return j, nil
		}
	}
	return Job{}, fmt.Errorf("no open demo welding posting in %s", town.Name)
}
