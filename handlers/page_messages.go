package handlers

// The message catalogue of the pages: every sentence a person reads about an error, keyed by
// the stable codes the API answers with (the problem's code or reason, the field's rule), in
// Simplified Chinese. It is a plain typed table rather than an i18n library: the portal
// speaks one language, the keys are our own stable codes, and a Go map is checked by the
// compiler and by TestEveryReasonHasASentence. The API keeps its English detail; pages
// never show it.

import (
	"errors"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"portal/models"
)

// sentence is a catalogue entry; {date}, {date2}, {term}, {n} and {m} are filled from the
// refusal it answers (the date, the terms or the figures it is about).
type sentence string

// refusals says, per problem code or reason, what a person is told.
var refusals = map[string]sentence{
	// codes
	models.ErrMalformed:    "提交的内容无法识别,请检查后重试。",
	models.ErrUnauthorized: "请先登录。",
	models.ErrForbidden:    "你的账号没有权限进行这项操作。",
	models.ErrNotFound:     "要找的内容不存在,或已被删除。",
	models.ErrConflict:     "内容已被修改或已存在,请刷新页面后再试。",
	models.ErrTooLarge:     "提交的内容或文件太大。",
	models.ErrHeaderLarge:  "请求太长,请缩短后重试。",
	models.ErrInvalid:      "有几项填写不符合要求,请按提示修改。",
	models.ErrRule:         "这项操作不符合政策规定。",
	models.ErrRateLimited:  "操作过于频繁,请稍后再试。",
	models.ErrUnavailable:  "服务暂时不可用,请稍后再试。已提交的内容不会丢失。",
	models.ErrInternal:     "服务器出错了,请稍后再试。如果一直出错,请拨打页面底部的服务热线。",
	// reasons
	"csrf":                         "页面已过期,请刷新页面后重新提交。",
	"invalid_text":                 "内容中有无法识别的字符,请删除后重试。",
	"unsupported_content_encoding": "提交的内容使用了无法识别的压缩方式,请不压缩直接提交。",
	"busy":                         "现在同时提交的内容太多,请几秒钟后重新提交。",
	"body_incomplete":              "提交的内容没有完整收到,请检查网络后重新提交。",
	"discriminatory_term":          "岗位信息含有歧视性用语“{term}”,请删除后再发布。",
	"job_closed":                   "该岗位已关闭或已过期,不再接受投递。",
	"already_applied":              "你已经投递过这个岗位。",
	"application_final":            "这份投递已经结束,不能再变更。",
	"invalid_transition":           "当前状态下不能进行这一步。",
	"enterprise_profile_missing":   "请先填写企业资料。",
	"enterprise_not_verified":      "企业资料正在等待审核,审核通过后才能发布岗位。",
	"enterprise_not_eligible":      "在岗培训补贴只发给已认证的专业镇企业。",
	"job_not_open":                 "已关闭或已下架的岗位不能修改,请重新发布。",
	"provider_profile_missing":     "请先填写培训机构资料并通过审核。",
	"provider_not_verified":        "培训机构资料正在等待审核。",
	"profile_exists":               "这个账号已经填写过资料。",
	"uscc_taken":                   "这个统一社会信用代码已被其他单位登记。",
	"phone_taken":                  "这个手机号已经注册过,请直接登录。",
	"profile_missing":              "请先填写求职资料。",
	"too_many_saved_searches":      "最多保存 20 个订阅,请先删除一个。",
	"program_not_approved":         "培训项目尚未审批通过,或已经结束。",
	"program_decided":              "这个培训项目已经审批过了。",
	"program_not_ended":            "培训要到 {date} 才结束,请在当天或之后关闭项目。",
	"program_closed":               "培训项目已关闭,学员名单不再变化。",
	"program_ended":                "培训已于 {date} 结束,不能再报名。",
	"program_full":                 "培训名额({n} 人)已满。",
	"already_enrolled":             "此人已在这个培训项目中。",
	"not_completed":                "只有结业合格的学员才能登记就业。",
	"program_not_closed":           "请在 {date} 培训结束并关闭项目后再申请补贴。",
	"employment_target_not_met":    "就业率 {n}% 未达到 {m}% 的要求,暂不能申请补贴。",
	"claim_exists":                 "这个培训项目已有未被驳回的补贴申请。",
	"claim_submitted":              "这个培训项目的补贴申请已提交,就业记录不能再修改;申请被驳回后才可更正。",
	"claim_decided":                "这份申请已经审核过,审核结果不能更改。",
	"claim_not_approved":           "只有已批准的申请才能登记支付。",
	"announcement_open":            "公示期到 {date} 结束,公示结束后才能支付。",
	"announcement_closed":          "异议只在公示期({date} 至 {date2})内受理。",
	"objection_open":               "还有未处理的异议,请先处理异议再支付。",
	"objection_resolved":           "这条异议已经处理过了。",
	"note_required":                "这份申请有风险提示,批准时必须填写审核意见。",
	"under_inspection":             "这份申请被抽查,抽查结果登记前不能批准或支付。",
	"checkin_code_invalid":         "签到码不对或已过期,请看培训现场的最新签到码。",
	"identity_required":            "培训实行实名制,请先在工作台填写实名信息(姓名和身份证号)再报名。",
	"no_claims_in_range":           "{date} 至 {date2} 之间没有已提交或已批准的补贴申请,无从抽查。",
	"result_recorded":              "这份申请的抽查结果已经登记过了。",
	"checkin_tries":                "签到码输错次数太多,请稍后再试,或请培训老师帮你点名。",
	"checkin_not_trainee":          "你不在这个培训项目的学员名单中。请先在工作台填写实名信息,并确认培训机构已用同一身份证号登记你。",
	"identity_locked":              "实名信息已经填写过,不能自行修改。如需更正,请联系人社局审核员。",
	"id_number_taken":              "这个身份证号已是其他账号的实名信息。如果是你本人的,请联系人社局。",
	"identity_tries":               "今天填写被拒绝的次数太多,请明天再试,或联系人社局。",
	"checkin_closed":               "今天不在培训日期内,或项目尚未批准,不能签到。",
	"no_policy_in_force":           "{date} 没有有效的政策版本,不能按政策给予补贴。",
	"policy_window_overlap":        "新版本的有效期与已有版本({term})重叠,政策版本的有效期不能重叠。",
	"policy_code_exists":           "已有同一文号的政策版本。",
	"fair_over":                    "这场招聘会已于 {date} 举办,不能再预订展位。",
	"booth_booked":                 "本企业已经预订了这场招聘会的展位。",
	"fair_full":                    "这场招聘会的展位已经订满。",
	"report_resolved":              "这条举报已经处理过了。",
}

// fieldRules turn a field's English rule (from models' validation) into Chinese; the first
// that matches wins, and anything unknown becomes fieldFallback, never English.
var fieldRules = []struct {
	match *regexp.Regexp
	say   string // $1… are the rule's figures; a {term} is filled as in a sentence
}{
	{regexp.MustCompile(`^is required`), "必填"},
	{regexp.MustCompile(`^is empty: the first row`), "文件是空的,第一行应为列名"},
	{regexp.MustCompile(`^is empty`), "不能为空"},
	{regexp.MustCompile(`^the header lacks the column\(s\) (.+)`), "表头缺少必需的列:$1"},
	{regexp.MustCompile(`^the header needs an enrolment_id or an id_number column`), "表头须有“学员编号”或“身份证号”列"},
	{regexp.MustCompile(`^is not the class code of now`), "签到码不对或已过期"},
	{regexp.MustCompile(`^is not a field of this request`), "不是这份表单的内容"},
	{regexp.MustCompile(`^must be true or false`), "请选择是或否"},
	{regexp.MustCompile(`^has more than (\d+) rows`), "超过 $1 行,请拆分后分别上传"},
	{regexp.MustCompile(`^(?:is neither an xlsx|is not a readable xlsx|has no sheet|its first sheet cannot be read)`), "无法读取,请上传 xlsx 或 csv 表格"},
	{regexp.MustCompile(`^must be a month written`), "请填写年月,如 2026-01"},
	{regexp.MustCompile(`^must not be before from_month`), "截止月份不能早于起始月份"},
	{regexp.MustCompile(`^must be 1 or 0`), "请填写 1 或 0(是/否)"},
	{regexp.MustCompile(`^contradicts line (\d+)`), "与第 $1 行矛盾:同一学员同一天的出勤不一致"},
	{regexp.MustCompile(`^is not an enrolment on this program's roster`), "不是本项目花名册上的学员编号"},
	{regexp.MustCompile(`^nobody with this number is on`), "本项目花名册上没有这个身份证号"},
	{regexp.MustCompile(`^must be a mainland mobile number`), "请填写 11 位手机号,以 13–19 开头"},
	{regexp.MustCompile(`^(?:must be a date written|must be a date between)`), "请填写 2000 至 2100 年之间的日期,如 2026-12-01"},
	{regexp.MustCompile(`^must be at least (\d+) characters`), "至少 $1 个字"},
	{regexp.MustCompile(`^must be at most (\d+) (?:characters|bytes)`), "最多 $1 个字"},
	{regexp.MustCompile(`^must not be digits only`), "不能全是数字"},
	{regexp.MustCompile(`^must be at least (\d+)`), "不能小于 $1"},
	{regexp.MustCompile(`^must be at most (\d+) MB`), "文件不能超过 $1 MB"},
	{regexp.MustCompile(`^must be at most (\d+) times salary_min`), "最高月薪不能超过最低月薪的 $1 倍,请写实际范围"},
	{regexp.MustCompile(`^must be at most 90 days ahead \((\S+)\)`), "有效期最长 90 天(最晚 $1)"},
	{regexp.MustCompile(`^must be at most (\d+)`), "不能大于 $1"},
	{regexp.MustCompile(`^must be greater than (\d+)`), "必须大于 $1"},
	{regexp.MustCompile(`^must be one of`), "请从列表中选择"},
	{regexp.MustCompile(`^must not start or end with spaces`), "开头和结尾不能有空格"},
	{regexp.MustCompile(`^must not be below salary_min`), "最高月薪不能低于最低月薪"},
	{regexp.MustCompile(`^must not be in the past`), "不能早于今天"},
	{regexp.MustCompile(`^must not be in the future`), "不能晚于今天"},
	{regexp.MustCompile(`^must not be before effective_from`), "截止日不能早于生效日"},
	{regexp.MustCompile(`^must not be before start_on`), "结束日期不能早于开始日期"},
	{regexp.MustCompile(`^must not be before submitted_from`), "截止日期不能早于起始日期"},
	{regexp.MustCompile(`^say what the inspection found`), "请写明抽查发现的问题(将作为驳回原因)"},
	{regexp.MustCompile(`^was not drawn in this inspection`), "这份申请不在本次抽查之列"},
	{regexp.MustCompile(`^must not be before the program started \((\S+)\)`), "不能早于培训开始日 $1"},
	{regexp.MustCompile(`^must lie between (\S+) and (\S+)`), "须在 $1 至 $2 之间"},
	{regexp.MustCompile(`^cannot exceed the (\d+) calendar days`), "不能超过开始到结束之间的 $1 天"},
	{regexp.MustCompile(`^must be an occupation of the catalogue`), "请从工种目录中选择"},
	{regexp.MustCompile(`^order-style and directed training need`), "订单式、定向式培训须选择合作企业"},
	{regexp.MustCompile(`^no (?:such )?(?:town|enterprise)`), "请从列表中选择"},
	{regexp.MustCompile(`^contains the discriminatory terms? 「`), "含有歧视性用语“{term}”"},
	{regexp.MustCompile(`^(?:another (?:profile|provider) has this credit code)`), "这个统一社会信用代码已被其他单位登记"},
	{regexp.MustCompile(`^already has an account`), "这个手机号已经注册过,请直接登录"},
	{regexp.MustCompile(`^is already on the program`), "此人已在这个培训项目中"},
	{regexp.MustCompile(`^is the identity of another account`), "已是其他账号的实名信息"},
	{regexp.MustCompile(`^ID number must be 18 characters`), "身份证号应为 18 位"},
	{regexp.MustCompile(`^ID number must be 17 digits`), "身份证号应为 17 位数字加最后一位数字或 X"},
	{regexp.MustCompile(`^ID number region code`), "身份证号开头的地区码不对"},
	{regexp.MustCompile(`^ID number birth date`), "身份证号中的出生日期不存在"},
	{regexp.MustCompile(`^ID number check digit`), "身份证号最后一位校验码不对,请核对"},
	{regexp.MustCompile(`^credit code must be 18`), "统一社会信用代码应为 18 位"},
	{regexp.MustCompile(`^credit code contains`), "统一社会信用代码含有不允许的字符"},
	{regexp.MustCompile(`^(?:credit code|organisation code) check`), "统一社会信用代码校验位不对,请核对"},
	{regexp.MustCompile(`^is not a valid unified social credit code`), "统一社会信用代码不正确"},
	{regexp.MustCompile(`^must be a PDF, JPEG or PNG`), "请上传 PDF、JPG 或 PNG 文件"},
	{regexp.MustCompile(`^every id must be an enrolment`), "名单中有不属于本项目的学员"},
	{regexp.MustCompile(`^say why`), "请写明原因"},
	{regexp.MustCompile(`^give the payment's reference`), "请填写支付凭证号(最多 100 个字)"},
	{regexp.MustCompile(`^must be a query string`), "订阅的搜索条件无法识别"},
	{regexp.MustCompile(`^a seeker can only withdraw`), "求职者只能撤回投递"},
	{regexp.MustCompile(`^cannot move from`), "当前状态下不能进行这一步"},
	{regexp.MustCompile(`^must be (?:a whole number|a number|an integer|a positive integer)`), "请填写整数"},
	{regexp.MustCompile(`^text must be UTF-8|NUL`), "含有无法识别的字符"},
}

// fieldFallback is said of a field whose rule the catalogue does not know.
const fieldFallback = "填写有误,请检查"

// Sentences of the page layer's own form reading.
const (
	mustBeWholeNumber = "请填写整数"
	mustBeChosen      = "请从列表中选择"
)

var (
	latinWord    = regexp.MustCompile(`[A-Za-z]{3,}`)
	datePattern  = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
	termPattern  = regexp.MustCompile(`「([^」]+)」`)
	numberFigure = regexp.MustCompile(`\d+(?:\.\d+)?`)
	codeInParens = regexp.MustCompile(`overlaps (\S+)`)
)

// fill writes a sentence with the figures of the refusal it answers.
func (s sentence) fill(detail string) string {
	out := string(s)
	if strings.Contains(out, "{date") {
		dates := datePattern.FindAllString(detail, -1)
		// a window "A–B overlaps …" or "from A to B": the dates in order
		for i, key := range []string{"{date}", "{date2}"} {
			d := ""
			if i < len(dates) {
				d = dates[i]
			}
			out = strings.ReplaceAll(out, key, d)
		}
	}
	if strings.Contains(out, "{term}") {
		// every quoted term, once each: “限男性”、“已婚已育”
		var terms []string
		for _, m := range termPattern.FindAllStringSubmatch(detail, -1) {
			if !slices.Contains(terms, m[1]) {
				terms = append(terms, m[1])
			}
		}
		if m := codeInParens.FindStringSubmatch(detail); len(terms) == 0 && m != nil {
			terms = append(terms, m[1])
		}
		out = strings.ReplaceAll(out, "{term}", strings.Join(terms, "”、“"))
	}
	if strings.Contains(out, "{n}") || strings.Contains(out, "{m}") {
		figs := append(numberFigure.FindAllString(detail, 2), "", "")
		out = strings.ReplaceAll(strings.ReplaceAll(out, "{n}", figs[0]), "{m}", figs[1])
	}
	return out
}

// fieldSentence says in Chinese what is wrong with one field.
func fieldSentence(english string) string {
	if strings.ContainsFunc(english, func(r rune) bool { return unicode.Is(unicode.Han, r) }) && !latinWord.MatchString(english) {
		return english // already said in Chinese (the page's own form reading)
	}
	for _, r := range fieldRules {
		if m := r.match.FindStringSubmatchIndex(english); m != nil {
			if strings.Contains(r.say, "{") {
				return sentence(r.say).fill(english)
			}
			return string(r.match.ExpandString(nil, r.say, english, m))
		}
	}
	return fieldFallback
}

// pageProblem is an error as a page shows it.
type pageProblem struct {
	Status   int
	Code     string
	Sentence string
	Fields   map[string]string
}

// pageProblemOf is the Chinese face of any error: its status, its sentence from the
// catalogue (by reason, else by code) and each field's error.
func pageProblemOf(err error) pageProblem {
	p := problemOf(err)
	var de *models.Error
	code := ""
	if errors.As(err, &de) {
		code = de.Code
	}
	return pageProblemFrom(p, code)
}

// pageProblemFrom is the Chinese face of a problem; code is its domain code when known, else
// it is read from the status.
func pageProblemFrom(p Problem, code string) pageProblem {
	pp := pageProblem{Status: p.Status, Code: p.Code}
	s, ok := refusals[p.Code]
	if !ok {
		if code == "" {
			code = codeOfProblem(p)
		}
		s = refusals[code]
	}
	pp.Sentence = s.fill(p.Detail)
	if len(p.Errors) > 0 {
		pp.Fields = map[string]string{}
		for k, v := range p.Errors {
			pp.Fields[k] = fieldSentence(v)
		}
	}
	if p.Status == http.StatusTooManyRequests {
		pp.Sentence = refusals[models.ErrRateLimited].fill("")
	}
	return pp
}

// codeOfProblem is the domain code a problem's status stands for: a 422 with field errors is
// invalid input, without them a rule.
func codeOfProblem(p Problem) string {
	switch {
	case p.Status == http.StatusUnprocessableEntity && len(p.Errors) > 0:
		return models.ErrInvalid
	case p.Status == http.StatusUnprocessableEntity:
		return models.ErrRule
	case p.Status == http.StatusConflict:
		return models.ErrConflict
	}
	if c, known := codeOfStatus[p.Status]; known {
		return c
	}
	return models.ErrInternal
}

// Text is the refusal as one line, for a page that cannot show its fields' errors beside
// them: the sentence, then each field's error.
func (pp pageProblem) Text() string {
	if len(pp.Fields) == 0 {
		return pp.Sentence
	}
	said := strings.TrimSuffix(pp.Sentence, "。")
	var msgs []string
	for _, k := range slices.Sorted(maps.Keys(pp.Fields)) {
		if m := pp.Fields[k]; m != said && !slices.Contains(msgs, m) {
			msgs = append(msgs, m)
		}
	}
	if len(msgs) == 0 {
		return pp.Sentence
	}
	return said + ":" + strings.Join(msgs, ";") + "。"
}

// errorPages titles each status's error page and says what a person can do about it.
var errorPages = map[int]struct{ Title, Text string }{
	http.StatusBadRequest:                  {"请求有误", "提交的内容无法识别,请返回上一页检查后重试。"},
	http.StatusUnauthorized:                {"请先登录", "这个页面需要登录后才能查看。"},
	http.StatusForbidden:                   {"没有权限", "你的账号没有权限查看这个页面或进行这项操作。如果是表单过期,请刷新页面后重试。"},
	http.StatusNotFound:                    {"页面不存在", "要找的页面不存在,或内容已被删除。请检查网址,或从首页重新进入。"},
	http.StatusConflict:                    {"内容有冲突", "内容已被修改或已存在,请刷新页面后再试。"},
	http.StatusRequestEntityTooLarge:       {"内容过大", "提交的内容或文件太大,请缩小后重试。"},
	http.StatusRequestHeaderFieldsTooLarge: {"请求过长", "请求太长,请缩短后重试。"},
	http.StatusUnprocessableEntity:         {"内容不符合要求", "提交的内容不符合要求,请返回上一页修改。"},
	http.StatusTooManyRequests:             {"操作过于频繁", "操作次数太多,请过一分钟再试。"},
	http.StatusInternalServerError:         {"服务器出错", "服务器出错了,我们已记录这个问题。请稍后再试;如果一直出错,请拨打页面底部的服务热线并告知请求编号。"},
	http.StatusServiceUnavailable:          {"服务暂不可用", "服务暂时不可用,请稍后再试。已提交的内容不会丢失。"},
}

// errorPage is the title and text of the error page for a status.
func errorPage(status int) (string, string) {
	if e, ok := errorPages[status]; ok {
		return e.Title, e.Text
	}
	if status >= 500 {
		e := errorPages[http.StatusInternalServerError]
		return e.Title, e.Text
	}
	e := errorPages[http.StatusBadRequest]
	return e.Title, e.Text
}

// flashes are the sentences shown after a form did what it was asked; the flash cookie
// carries only the key, so nothing a client sets can put its own words on a page.
var flashes = map[string]string{
	"profile_saved":       "已保存。",
	"enterprise_saved":    "企业资料已保存,等待审核员认证。",
	"provider_saved":      "机构资料已保存,等待审核员认证。",
	"job_posted":          "已发布,求职者马上就能搜到。",
	"job_saved":           "岗位修改已保存。",
	"job_closed":          "岗位已关闭,不再接受投递。",
	"applied":             "已投递,企业查看后你会在“我的投递”里看到进度。",
	"withdrawn":           "投递已撤回。",
	"application_moved":   "应聘者状态已更新。",
	"search_saved":        "已订阅该搜索,有新岗位时会提醒你。",
	"search_deleted":      "订阅已删除。",
	"read":                "提醒已全部标为已读。",
	"reported":            "举报已提交,审核员会尽快处理。",
	"objected":            "异议已提交,审核员会在支付前处理。",
	"booked":              "展位已预订。",
	"fair_created":        "招聘会已发布。",
	"policy_added":        "政策版本已新增。",
	"verified":            "已认证。",
	"provider_verified":   "培训机构已认证。",
	"program_approved":    "培训项目已批准,学员可以报名了。",
	"report_taken_down":   "岗位已下架,举报已处理。",
	"report_dismissed":    "举报已驳回。",
	"claim_approved":      "已批准并进入公示。",
	"claim_rejected":      "申请已驳回。",
	"claim_paid":          "已登记支付。",
	"objection_resolved":  "异议已处理。",
	"claim_submitted":     "补贴申请已提交,等待审核。",
	"program_filed":       "培训项目已提交审核。",
	"roll_saved":          "点名已保存。",
	"roll_imported":       "点名表已导入。",
	"enrolled":            "学员已登记。",
	"program_closed":      "培训项目已关闭,可以申请补贴了。",
	"enrolment_changed":   "学员状态已更新。",
	"employment_saved":    "就业信息已保存。",
	"joined":              "已报名,等待培训机构确认。",
	"checked_in":          "已签到。",
	"identity_saved":      "实名信息已保存。",
	"identity_changed":    "实名信息已更正,并记入审计日志。",
	"registered":          "注册成功,已为你登录。",
	"identity_cleared":    "实名信息已清除,并记入审计日志;这个身份证号现在可以由本人重新填写。",
	"inspection_drawn":    "已抽取,请逐份登记抽查结果。",
	"inspection_recorded": "抽查结果已登记。",
	"si_imported":         "社保数据已导入,结果见下方列表。",
}
