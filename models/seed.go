package models

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/personal"
)

//go:embed seeddata/*.json
var seedData embed.FS

// SeedReport says what a seed run added.
type SeedReport struct {
	Towns, Occupations, Policies int
	DemoAccounts                 []DemoAccount
}

// DemoAccount is a demo login printed after `portal seed --demo`.
type DemoAccount struct {
	Role, Phone, Name, Password string
}

// DemoPassword is the password of every demo account; the accounts are marked demo.
const DemoPassword = "demo-pass-2022"

// SeedReference loads the professional towns, the occupation catalogue and the policy
// 晋政办发〔2022〕81号. Running it again adds only what is missing.
func (s *Store) SeedReference(ctx context.Context) (SeedReport, error) {
	var rep SeedReport
	var towns []Town
	if err := readSeed("seeddata/towns.json", &towns); err != nil {
		return rep, err
	}
	var occs []Occupation
	if err := readSeed("seeddata/occupations.json", &occs); err != nil {
		return rep, err
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		for _, t := range towns {
			res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "name"}}, DoNothing: true}).Create(&t)
			if res.Error != nil {
				return fmt.Errorf("town %s: %w", t.Name, res.Error)
			}
			rep.Towns += int(res.RowsAffected)
		}
		for _, o := range occs {
			res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "name"}}, DoNothing: true}).Create(&o)
			if res.Error != nil {
				return fmt.Errorf("occupation %s: %w", o.Name, res.Error)
			}
			rep.Occupations += int(res.RowsAffected)
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	if _, err := s.AddPolicy(ctx, 0, Shanxi2022()); err == nil {
		rep.Policies++
	} else if ErrorCode(err) != ErrConflict {
		return rep, err
	}
	return rep, nil
}

// demoEnterprise is one demo employer with its account.
type demoEnterprise struct {
	phone, name, industry, town, body8 string
	leading                            bool
	jobs                               []demoJob
}

// demoJob is a demo posting: title, occupation, description, salary range, education.
type demoJob struct {
	title, occupation, description string
	min, max                       int
	education                      string
}

var demoEnterprises = []demoEnterprise{
	{"13900000001", "【演示】定襄宏达法兰锻造有限公司", "法兰锻造", "定襄法兰专业镇", "D0000001", true, []demoJob{
		{"【演示】招聘电焊工", "电焊工", "负责法兰盘焊接,持焊工证优先,包吃住,月休四天。", 6500, 9500, "不限"},
		{"【演示】锻造工", "锻造工", "负责自由锻、模锻操作,有锻造经验优先,两班倒。", 6000, 9000, "初中"},
		{"【演示】数控车工", "数控车工", "负责法兰数控车床加工,会看图纸,能独立编程。", 7000, 10000, "中专"},
	}},
	{"13900000002", "【演示】清徐福源老陈醋有限公司", "食醋酿造", "清徐老陈醋专业镇", "D0000002", true, []demoJob{
		{"【演示】老陈醋酿造工", "食醋酿造工", "负责老陈醋蒸、酵、熏、淋、陈等工序,传统工艺,师傅带教。", 4500, 6500, "不限"},
		{"【演示】质检员", "质检员", "负责原料与成品检验,做好检验记录,有食品检验经验优先。", 4500, 6000, "高中"},
		{"【演示】电商运营", "电子商务师", "负责网店日常运营与直播带货,熟悉主流电商平台。", 5000, 8000, "大专"},
	}},
	{"13900000003", "【演示】祁县晶华玻璃器皿有限公司", "玻璃器皿", "祁县玻璃器皿专业镇", "D0000003", false, []demoJob{
		{"【演示】玻璃制品工", "玻璃制品工", "负责玻璃器皿成型与退火,能适应倒班,包住宿。", 5000, 7500, "不限"},
		{"【演示】叉车司机", "叉车司机", "负责仓库装卸和转运,持叉车证上岗。", 5000, 7000, "不限"},
	}},
}

// demoJobs posts the demo vacancies of an enterprise that has none yet.
func (s *Store) demoJobs(ctx context.Context, u User, e Enterprise, jobs []demoJob) error {
	if existing, err := s.Jobs(ctx, JobFilter{EnterpriseID: e.ID, Limit: 1}); err != nil || len(existing) > 0 {
		return err
	}
	now := time.Now()
	for _, d := range jobs {
		in := JobInput{Title: d.title, Description: d.description, Occupation: d.occupation, TownID: *e.TownID,
			SalaryMin: d.min, SalaryMax: d.max, Headcount: 3, Education: d.education, EmploymentType: "full_time",
			ExpiresOn: now.In(China).AddDate(0, 0, 60).Format(DateLayout)}
		j, err := s.CreateJob(ctx, u, in, now)
		if err != nil {
			return fmt.Errorf("demo posting %s: %w", d.title, err)
		}
		if err := s.db.WithContext(ctx).Model(&Job{ID: j.ID}).Update("demo", true).Error; err != nil {
			return err
		}
	}
	return nil
}

// SeedDemo adds demo accounts (a seeker, a provider, a reviewer, three verified enterprises
// and one awaiting verification) clearly marked 【演示】, and what their pages show. Running it
// again adds nothing.
func (s *Store) SeedDemo(ctx context.Context) (SeedReport, error) {
	var rep SeedReport
	var reviewer User
	for _, a := range []DemoAccount{
		{RoleReviewer, "13900000009", "【演示】人社局审核员", DemoPassword},
		{RoleSeeker, "13900000010", "【演示】求职者", DemoPassword},
		{RoleProvider, "13900000020", "【演示】培训学校", DemoPassword},
	} {
		u, err := s.demoUser(ctx, a)
		if err != nil {
			return rep, err
		}
		if a.Role == RoleReviewer {
			reviewer = u
		}
		rep.DemoAccounts = append(rep.DemoAccounts, a)
	}
	for _, d := range demoEnterprises {
		a := DemoAccount{RoleEnterprise, d.phone, d.name, DemoPassword}
		u, err := s.demoUser(ctx, a)
		if err != nil {
			return rep, err
		}
		rep.DemoAccounts = append(rep.DemoAccounts, a)
		if e, err := s.EnterpriseOf(ctx, u.ID); err == nil {
			if err := s.demoJobs(ctx, u, e, d.jobs); err != nil {
				return rep, err
			}
			continue
		}
		var town Town
		if err := s.db.WithContext(ctx).Where("name = ?", d.town).First(&town).Error; err != nil {
			return rep, fmt.Errorf("demo town %s: %w (run `portal seed` first)", d.town, err)
		}
		// 91 (enterprise) 140000 (Shanxi) + an organisation code with its check char.
		org := d.body8 + string(personal.MakeOrgCodeCheck(d.body8))
		e, err := s.CreateEnterprise(ctx, u, EnterpriseInput{Name: d.name, USCC: personal.MakeUSCC("91140000" + org), TownID: &town.ID, Industry: d.industry})
		if err != nil {
			return rep, fmt.Errorf("demo enterprise %s: %w", d.name, err)
		}
		if err := s.db.WithContext(ctx).Model(&Enterprise{ID: e.ID}).Update("demo", true).Error; err != nil {
			return rep, err
		}
		leading := d.leading
		if e, err = s.VerifyEnterprise(ctx, reviewer, e.ID, VerifyInput{LeadingIndustry: &leading}); err != nil {
			return rep, err
		}
		if err := s.demoJobs(ctx, u, e, d.jobs); err != nil {
			return rep, err
		}
	}
	if err := s.demoProgram(ctx, reviewer); err != nil {
		return rep, err
	}
	// The pages' demo first: its successor policy version is the one in force today, so the
	// integrity demo finds it and adds none of its own.
	now := time.Now()
	if err := s.seedDemoPages(ctx, reviewer, now); err != nil {
		return rep, err
	}
	if err := s.demoIntegrity(ctx, reviewer, now); err != nil {
		return rep, fmt.Errorf("demo integrity data: %w", err)
	}
	pending, err := s.demoQueues(ctx, now)
	if err != nil {
		return rep, err
	}
	rep.DemoAccounts = append(rep.DemoAccounts, pending)
	return rep, nil
}

// demoProgram adds a verified demo provider with a back-filed, approved 2025 welding program
// (inside the policy's window), five trainees with valid demo ID numbers and their first
// week of rolls. Running it again adds nothing.
func (s *Store) demoProgram(ctx context.Context, reviewer User) error {
	var u User
	if err := s.db.WithContext(ctx).Where("phone = ?", "13900000020").First(&u).Error; err != nil {
		return err
	}
	prov, err := s.ProviderOf(ctx, u.ID)
	if err == nil {
		return nil // already seeded
	}
	org := "D0000020" + string(personal.MakeOrgCodeCheck("D0000020"))
	if prov, err = s.CreateProvider(ctx, u, ProviderInput{Name: "【演示】定襄县职业技术学校", Kind: "technical_school", USCC: personal.MakeUSCC("52140000" + org)}); err != nil {
		return fmt.Errorf("demo provider: %w", err)
	}
	if _, err := s.VerifyProvider(ctx, reviewer, prov.ID); err != nil {
		return err
	}
	var town Town
	if err := s.db.WithContext(ctx).Where("name = ?", "定襄法兰专业镇").First(&town).Error; err != nil {
		return err
	}
	partner, err := s.EnterpriseOf(ctx, s.userIDByPhone(ctx, "13900000001"))
	if err != nil {
		return err
	}
	now := time.Now()
	p, err := s.CreateProgram(ctx, u, ProgramInput{Name: "【演示】法兰焊工订单班", Occupation: "焊工", Mode: "order", TownID: town.ID,
		PartnerEnterpriseID: &partner.ID, StartOn: "2025-06-02", EndOn: "2025-07-11", PlannedDays: 30, Capacity: 30}, now)
	if err != nil {
		return fmt.Errorf("demo program: %w", err)
	}
	if _, err := s.ApproveProgram(ctx, reviewer, p.ID, ApproveInput{}, now); err != nil {
		return err
	}
	var ids []int64
	for i, name := range []string{"张伟", "王芳", "李强", "刘洋", "陈静"} {
		e, err := s.Enrol(ctx, u, p.ID, EnrolInput{Name: "【演示】" + name, IDNumber: demoIDNumber(i + 1)}, now)
		if err != nil {
			return fmt.Errorf("demo trainee: %w", err)
		}
		ids = append(ids, e.ID)
	}
	day, _ := ParseDate(p.StartOn)
	for d := range 5 {
		if _, err := s.PutRoll(ctx, u, p.ID, day.AddDate(0, 0, d).Format(DateLayout), ids, now); err != nil {
			return err
		}
	}
	return s.db.WithContext(ctx).Model(&Provider{ID: prov.ID}).Update("demo", true).Error
}

func (s *Store) userIDByPhone(ctx context.Context, phone string) int64 {
	var u User
	s.db.WithContext(ctx).Where("phone = ?", phone).First(&u)
	return u.ID
}

// demoIDNumber is a valid GB 11643 number for demo trainee n (born 2000-01-01 in 定襄).
func demoIDNumber(n int) string {
	return personal.MakeIDNumber(fmt.Sprintf("14092120000101%03d", 900+n))
}

func (s *Store) demoUser(ctx context.Context, a DemoAccount) (User, error) {
	var u User
	err := s.db.WithContext(ctx).Where("phone = ?", a.Phone).First(&u).Error
	if err == nil {
		return u, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return u, err
	}
	return s.createUser(ctx, a.Role, a.Phone, a.Name, a.Password, true)
}

func readSeed(name string, v any) error {
	b, err := seedData.ReadFile(name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
