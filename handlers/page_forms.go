package handlers

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"portal/models"
)

// The page forms, each read into a struct of the words a person typed (strings, so a value
// that is not a number comes back into its field as typed) and turned into the store's input
// by its input method, which names every field it could not read.

// readForm parses the posted form into f by its `form` tags.
func readForm[T any](c *fiber.Ctx) (T, error) {
	var f T
	if err := c.BodyParser(&f); err != nil {
		return f, models.Errorf(models.ErrMalformed, "form: %v", err)
	}
	return f, nil
}

// numbers reads whole numbers of a form, collecting the fields that are not one.
type numbers map[string]string

func (bad numbers) int(field, s string, required bool) int {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			bad[field] = fieldSentence("is required")
		}
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		bad[field] = mustBeWholeNumber
	}
	return n
}

func (bad numbers) intPtr(field, s string, required bool) *int {
	s = strings.TrimSpace(s)
	if s == "" && !required {
		return nil
	}
	n := bad.int(field, s, required)
	if _, failed := bad[field]; failed {
		return nil
	}
	return &n
}

func (bad numbers) id(field, s string) int64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		bad[field] = mustBeChosen
	}
	return n
}

// refusal is nil when every number was read, else the fields that were not, as a store
// refusal would name them.
func (bad numbers) refusal() error { return formErrors(bad) }

// loginForm is the login page's form.
type loginForm struct {
	Phone    string `form:"phone"`
	Password string `form:"password"`
	Next     string `form:"next"`
}

// registerForm is the registration page's form.
type registerForm struct {
	Role     string `form:"role"`
	Phone    string `form:"phone"`
	Password string `form:"password"`
	Name     string `form:"name"`
	Next     string `form:"next"`
}

func (f registerForm) input() models.RegisterInput {
	return models.RegisterInput{Role: f.Role, Phone: strings.TrimSpace(f.Phone), Password: f.Password, Name: strings.TrimSpace(f.Name)}
}

// enterpriseForm is the enterprise's profile form.
type enterpriseForm struct {
	Name     string `form:"name"`
	USCC     string `form:"uscc"`
	TownID   string `form:"town_id"`
	Industry string `form:"industry"`
}

func (f enterpriseForm) input() (models.EnterpriseInput, numbers) {
	bad := numbers{}
	in := models.EnterpriseInput{Name: strings.TrimSpace(f.Name), USCC: strings.ToUpper(strings.TrimSpace(f.USCC)), Industry: strings.TrimSpace(f.Industry)}
	if id := bad.id("town_id", f.TownID); id > 0 {
		in.TownID = &id
	}
	return in, bad
}

// jobForm is the posting form.
type jobForm struct {
	Title          string `form:"title"`
	Description    string `form:"description"`
	Occupation     string `form:"occupation"`
	TownID         string `form:"town_id"`
	SalaryMin      string `form:"salary_min"`
	SalaryMax      string `form:"salary_max"`
	Headcount      string `form:"headcount"`
	Education      string `form:"education"`
	EmploymentType string `form:"employment_type"`
	ExpiresOn      string `form:"expires_on"`
}

// input reads the figures as required: the store refuses a 0 by its minimum, so a figure left
// empty is told 必填 here.
func (f jobForm) input() (models.JobInput, numbers) {
	bad := numbers{}
	return models.JobInput{Title: strings.TrimSpace(f.Title), Description: strings.TrimSpace(f.Description),
		Occupation: strings.TrimSpace(f.Occupation), TownID: bad.id("town_id", f.TownID),
		SalaryMin: bad.int("salary_min", f.SalaryMin, true), SalaryMax: bad.int("salary_max", f.SalaryMax, true),
		Headcount: bad.int("headcount", f.Headcount, true), Education: f.Education, EmploymentType: f.EmploymentType, ExpiresOn: f.ExpiresOn}, bad
}

// jobFormOf is the form filled with a stored posting's values.
func jobFormOf(in models.JobInput) jobForm {
	num := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	town := ""
	if in.TownID > 0 {
		town = strconv.FormatInt(in.TownID, 10)
	}
	return jobForm{Title: in.Title, Description: in.Description, Occupation: in.Occupation, TownID: town, SalaryMin: num(in.SalaryMin),
		SalaryMax: num(in.SalaryMax), Headcount: num(in.Headcount), Education: in.Education, EmploymentType: in.EmploymentType, ExpiresOn: in.ExpiresOn}
}

// profileForm is the seeker's profile form.
type profileForm struct {
	DesiredOccupations string   `form:"desired_occupations"`
	DesiredTownIDs     []string `form:"desired_town_ids"`
	ExpectedSalary     string   `form:"expected_salary"`
	Education          string   `form:"education"`
	Skills             string   `form:"skills"`
	Resume             string   `form:"resume"`
}

func (f profileForm) input() (models.ProfileInput, numbers) {
	bad := numbers{}
	in := models.ProfileInput{DesiredOccupations: splitList(f.DesiredOccupations), Skills: splitList(f.Skills),
		Education: f.Education, Resume: strings.TrimSpace(f.Resume), ExpectedSalary: bad.int("expected_salary", f.ExpectedSalary, false)}
	for _, s := range f.DesiredTownIDs {
		if id := bad.id("desired_town_ids", s); id > 0 {
			in.DesiredTownIDs = append(in.DesiredTownIDs, id)
		}
	}
	return in, bad
}

// reportForm is the 举报 form of a posting (anonymous).
type reportForm struct {
	Reason  string `form:"reason"`
	Contact string `form:"contact"`
}

// objectionForm is the 异议 form of an announced claim (anonymous).
type objectionForm struct {
	Text    string `form:"text"`
	Contact string `form:"contact"`
}

// fairForm is the reviewer's form announcing a fair.
type fairForm struct {
	Name           string `form:"name"`
	OrganizerLevel string `form:"organizer_level"`
	HeldOn         string `form:"held_on"`
	Venue          string `form:"venue"`
	Fee            string `form:"standard_booth_fee_yuan"`
	Capacity       string `form:"booth_capacity"`
}

func (f fairForm) input() (models.FairInput, numbers) {
	bad := numbers{}
	return models.FairInput{Name: strings.TrimSpace(f.Name), OrganizerLevel: f.OrganizerLevel, HeldOn: f.HeldOn, Venue: strings.TrimSpace(f.Venue),
		StandardBoothFeeYuan: bad.intPtr("standard_booth_fee_yuan", f.Fee, true), BoothCapacity: bad.intPtr("booth_capacity", f.Capacity, false)}, bad
}

// policyForm is the reviewer's form adding a successor policy version.
type policyForm struct {
	Code                    string `form:"code"`
	Title                   string `form:"title"`
	EffectiveFrom           string `form:"effective_from"`
	EffectiveTo             string `form:"effective_to"`
	FirstDays               string `form:"first_days"`
	FirstDayRateYuan        string `form:"first_day_rate_yuan"`
	LaterDayRateYuan        string `form:"later_day_rate_yuan"`
	CapPerPersonYuan        string `form:"cap_per_person_yuan"`
	EmploymentTargetPercent string `form:"employment_target_percent"`
	EmploymentWindowDays    string `form:"employment_window_days"`
	OnjobRateYuan           string `form:"onjob_rate_yuan"`
	Subsidize               string `form:"subsidize"`
	AnnouncementDays        string `form:"announcement_days"`
}

// newPolicyForm is the form prefilled with the figures of the version in force last.
func newPolicyForm(last models.PolicyVersion) policyForm {
	s := strconv.Itoa
	return policyForm{FirstDays: s(last.FirstDays), FirstDayRateYuan: s(last.FirstDayRateYuan), LaterDayRateYuan: s(last.LaterDayRateYuan),
		CapPerPersonYuan: s(last.CapPerPersonYuan), EmploymentTargetPercent: s(last.EmploymentTargetPercent),
		EmploymentWindowDays: s(last.EmploymentWindowDays), OnjobRateYuan: s(last.OnjobRateYuan), Subsidize: last.Subsidize,
		AnnouncementDays: s(last.AnnouncementDays)}
}

func (f policyForm) input() (models.PolicyInput, numbers) {
	bad := numbers{}
	return models.PolicyInput{Code: strings.TrimSpace(f.Code), Title: strings.TrimSpace(f.Title), EffectiveFrom: f.EffectiveFrom, EffectiveTo: f.EffectiveTo,
		FirstDays: bad.intPtr("first_days", f.FirstDays, true), FirstDayRateYuan: bad.intPtr("first_day_rate_yuan", f.FirstDayRateYuan, true),
		LaterDayRateYuan: bad.intPtr("later_day_rate_yuan", f.LaterDayRateYuan, true), CapPerPersonYuan: bad.intPtr("cap_per_person_yuan", f.CapPerPersonYuan, true),
		EmploymentTargetPercent: bad.intPtr("employment_target_percent", f.EmploymentTargetPercent, true),
		EmploymentWindowDays:    bad.intPtr("employment_window_days", f.EmploymentWindowDays, true),
		OnjobRateYuan:           bad.intPtr("onjob_rate_yuan", f.OnjobRateYuan, true), Subsidize: f.Subsidize,
		AnnouncementDays: bad.intPtr("announcement_days", f.AnnouncementDays, true)}, bad
}

// programForm is the provider's form filing a program.
type programForm struct {
	Name                string `form:"name"`
	Occupation          string `form:"occupation"`
	Mode                string `form:"mode"`
	TownID              string `form:"town_id"`
	PartnerEnterpriseID string `form:"partner_enterprise_id"`
	StartOn             string `form:"start_on"`
	EndOn               string `form:"end_on"`
	PlannedDays         string `form:"planned_days"`
	Capacity            string `form:"capacity"`
}

func (f programForm) input() (models.ProgramInput, numbers) {
	bad := numbers{}
	in := models.ProgramInput{Name: strings.TrimSpace(f.Name), Occupation: f.Occupation, Mode: f.Mode, TownID: bad.id("town_id", f.TownID),
		StartOn: f.StartOn, EndOn: f.EndOn, PlannedDays: bad.int("planned_days", f.PlannedDays, false), Capacity: bad.int("capacity", f.Capacity, false)}
	if id := bad.id("partner_enterprise_id", f.PartnerEnterpriseID); id > 0 {
		in.PartnerEnterpriseID = &id
	}
	return in, bad
}

// enrolForm is a trainee entered by name and ID number (the provider's roster, a seeker joining).
type enrolForm struct {
	Name     string `form:"name"`
	IDNumber string `form:"id_number"`
	Phone    string `form:"phone"`
}

func (f enrolForm) input() models.EnrolInput {
	return models.EnrolInput{Name: strings.TrimSpace(f.Name), IDNumber: strings.ToUpper(strings.TrimSpace(f.IDNumber)), Phone: strings.TrimSpace(f.Phone)}
}

// providerForm is the provider's profile form.
type providerForm struct {
	Name string `form:"name"`
	Kind string `form:"kind"`
	USCC string `form:"uscc"`
}

func (f providerForm) input() models.ProviderInput {
	return models.ProviderInput{Name: strings.TrimSpace(f.Name), Kind: f.Kind, USCC: strings.ToUpper(strings.TrimSpace(f.USCC))}
}

// onjobForm is the enterprise's on-the-job claim: one trainee a line, "姓名,身份证号".
type onjobForm struct {
	Title     string `form:"title"`
	TrainedOn string `form:"trained_on"`
	Trainees  string `form:"trainees"`
}

func (f onjobForm) input() models.OnjobInput {
	in := models.OnjobInput{Title: strings.TrimSpace(f.Title), TrainedOn: f.TrainedOn}
	for _, line := range strings.Split(f.Trainees, "\n") {
		parts := splitList(line)
		if len(parts) == 0 {
			continue
		}
		tr := models.OnjobTrainee{Name: parts[0]}
		if len(parts) > 1 {
			tr.IDNumber = strings.ToUpper(parts[1])
		}
		in.Trainees = append(in.Trainees, tr)
	}
	return in
}

// splitList reads a list typed with commas (either width), 、 or semicolons.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\uFF0C' || r == '、' || r == ';' || r == '；' }) {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
