package handlers

import (
	"html/template"
	"strings"
	"time"

	"portal/models"
	"portal/models/policy"
	"portal/search"
)

// Names of the stored codes as a person reads them.
var (
	providerKindNames = map[string]string{"vocational_college": "职业院校", "technical_school": "技工学校", "university": "高等院校", "other": "其他培训机构"}
	roleNames         = map[string]string{
		models.RoleSeeker: "求职者", models.RoleEnterprise: "企业", models.RoleProvider: "培训机构", models.RoleReviewer: "审核员",
	}
	facetNames     = map[string]string{"town": "专业镇", "industry": "行业", "education": "学历", "employment_type": "用工类型"}
	appStatusNames = map[string]string{
		models.AppSubmitted: "已投递", models.AppViewed: "已查看", models.AppInterview: "邀请面试", models.AppOffered: "已发录用",
		models.AppHired: "已入职", models.AppRejected: "未通过", models.AppWithdrawn: "已撤回",
	}
	appActionNames = map[string]string{
		models.AppViewed: "标为已查看", models.AppInterview: "邀请面试", models.AppOffered: "发录用", models.AppHired: "确认入职", models.AppRejected: "不合适",
	}
	levelNames    = map[string]string{"provincial": "省直部门举办", "municipal": "市级举办", "other": "其他单位举办"}
	modeNames     = map[string]string{"order": "订单式", "project": "项目制", "directed": "定向式"}
	programStates = map[string]string{models.ProgramPending: "待审批", models.ProgramApproved: "已批准", models.ProgramClosed: "已关闭"}
	enrolStates   = map[string]string{models.EnrolApplied: "报名待确认", models.EnrolEnrolled: "在训", models.EnrolCompleted: "结业合格",
		models.EnrolFailed: "结业不合格", models.EnrolWithdrawn: "已退出"}
	objectionNames = map[string]string{"open": "待处理", "upheld": "异议成立", "dismissed": "异议不成立"}
)

// templateFuncs is every function the templates may call, declared here and nowhere else.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"roleName":       func(r string) string { return roleNames[r] },
		"flagText":       policy.FlagText,
		"kindName":       func(k string) string { return providerKindNames[k] },
		"typeName":       func(t string) string { return employmentTypeNames[t] },
		"facetName":      func(f string) string { return facetNames[f] },
		"facetParam":     facetParam,
		"educationLabel": educationLabel,
		"ownEducation":   ownEducation,
		"setParam":       setParam,
		"hitCard":        hitCard,
		"jobCard":        jobCard,
		"jobStatus":      jobStatus,
		"appStatus":      func(s string) string { return appStatusNames[s] },
		"appAction":      func(s string) string { return appActionNames[s] },
		"nextMoves":      models.NextMoves,
		"canWithdraw": func(s string) bool {
			return s != models.AppHired && s != models.AppRejected && s != models.AppWithdrawn
		},
		"fmtTime": func(t time.Time) string { return t.In(models.China).Format("2006-01-02 15:04") },
		"join":    func(s []string) string { return strings.Join(s, ",") },
		"hasID":   hasID,
		"deref":   func(p *int64) int64 { return derefID(p) },
		"derefStr": func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		},
		"levelName":     func(l string) string { return levelNames[l] },
		"modeName":      func(m string) string { return modeNames[m] },
		"programStatus": func(s string) string { return programStates[s] },
		"enrolStatus":   func(s string) string { return enrolStates[s] },
		"onRoster": func(s string) bool {
			return s == models.EnrolEnrolled || s == models.EnrolCompleted || s == models.EnrolFailed
		},
		"meterWidth":      func(rate float64) float64 { return min(rate, 100) },
		"claimKind":       func(k string) string { return claimKindNames[k] },
		"claimStatus":     func(s string) string { return claimStatusNames[s] },
		"excluded":        func(r string) string { return excludedNames[r] },
		"objectionStatus": func(s string) string { return objectionNames[s] },
		"computation":     computation,
		"flaggedLines":    flaggedLines,
	}
}

// educationLabel reads an education requirement naturally: 学历不限, 高中及以上.
func educationLabel(e string) string {
	switch e {
	case "", "不限":
		return "学历不限"
	case "博士":
		return "博士"
	}
	return e + "及以上"
}

// ownEducation reads a person's own education plainly: 高中, not 高中及以上; 不限 (nothing
// stated) reads 不填写.
func ownEducation(e string) string {
	if e == "" || e == "不限" {
		return "不填写"
	}
	return e
}

func facetParam(f string) string {
	if f == "town" {
		return "town_id"
	}
	return f
}

func hasID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func derefID(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// jobStatus is a posting's state as its owner reads it.
func jobStatus(status, expires, today string) string {
	switch {
	case status == models.JobTakenDown:
		return "已下架"
	case status == models.JobClosed:
		return "已关闭"
	case expires < today:
		return "已过期"
	default:
		return "招聘中"
	}
}

// card is what a posting shows in a list; highlights are already HTML-escaped by the search
// package with <mark> as their only markup.
type card struct {
	ID                                   int64
	Title                                string
	HighlightTitle, HighlightDescription template.HTML
	SalaryMin, SalaryMax                 int
	TownName, Education, EmploymentType  string
	EnterpriseName, Industry             string
}

func hitCard(h search.JobHit) card {
	return card{ID: h.ID, Title: h.Title, HighlightTitle: template.HTML(h.Highlight.Title), // #nosec: escaped by search
		HighlightDescription: template.HTML(h.Highlight.Description), SalaryMin: h.SalaryMin, SalaryMax: h.SalaryMax, // #nosec: escaped by search
		TownName: h.TownName, Education: h.Education, EmploymentType: h.EmploymentType, EnterpriseName: h.EnterpriseName, Industry: h.Industry}
}

func jobCard(j models.Job) card {
	c := card{ID: j.ID, Title: j.Title, SalaryMin: j.SalaryMin, SalaryMax: j.SalaryMax, Education: j.Education, EmploymentType: j.EmploymentType}
	if j.Town != nil {
		c.TownName = j.Town.Name
	}
	if j.Enterprise != nil {
		c.EnterpriseName, c.Industry = j.Enterprise.Name, j.Enterprise.Industry
	}
	return c
}

// flaggedLines counts the lines of a claim that carry a risk flag.
func flaggedLines(lines []models.ClaimLine) int {
	n := 0
	for _, l := range lines {
		if len(l.Flags) > 0 {
			n++
		}
	}
	return n
}
