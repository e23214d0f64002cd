package policy

import "time"

// Risk flags on outcome and claim lines (SPEC §6). They never change an amount; a claim with
// any of them is approved only with a reviewer's note.
const (
	FlagAgeOutsideWorkingAge  = "age_outside_working_age"
	FlagSharedEvidenceFile    = "shared_evidence_file"
	FlagSharedPhone           = "shared_phone"
	FlagEmployerIsProvider    = "employer_is_provider"
	FlagEmploymentNotVerified = "employment_not_verified"
	FlagRollWithoutCheckin    = "roll_without_checkin"
	FlagOverlappingProgram    = "overlapping_program"
	FlagSharedCheckinDevice   = "shared_checkin_device"
)

// FlagFailedInspectionBefore is a flag of a whole claim, not of a line: an earlier claim of
// the same program failed its random inspection (抽查) and this one claims it again.
const FlagFailedInspectionBefore = "failed_inspection_before"

// FlagCodes lists every flag of a line in the order lines show them.
var FlagCodes = []string{FlagAgeOutsideWorkingAge, FlagSharedEvidenceFile, FlagSharedPhone, FlagEmployerIsProvider,
	FlagEmploymentNotVerified, FlagRollWithoutCheckin, FlagOverlappingProgram, FlagSharedCheckinDevice}

// flagTexts are the Chinese explanations the review and outcome pages show.
var flagTexts = map[string]string{
	FlagAgeOutsideWorkingAge:   "按身份证号推算,开班之日学员未满16周岁或已达到法定退休年龄,请核实是否为在读学生或退休人员",
	FlagSharedEvidenceFile:     "同一份就业证明材料(文件内容完全相同)用于多名学员,请核实材料真实性",
	FlagSharedPhone:            "同一手机号登记在本申请的多名学员名下,请核实是否为本人报名",
	FlagEmployerIsProvider:     "就业单位的统一社会信用代码与培训机构本身相同,请核实是否为真实就业",
	FlagEmploymentNotVerified:  "已导入的社保缴费数据覆盖该就业期间的至少一个月,但其中没有该学员在所报就业单位的缴费记录(该学员在此期间没有任何缴费记录的,同样提示)",
	FlagRollWithoutCheckin:     "项目使用学员签到,但有机构点名记为出勤而学员当天未签到的日子",
	FlagOverlappingProgram:     "该学员同时在另一个培训日期重叠的项目中(在册或已结业)",
	FlagSharedCheckinDevice:    "本项目另有学员在同一部手机(同一浏览器)上签到,请核实签到是否为学员本人所为",
	FlagFailedInspectionBefore: "该项目此前的补贴申请在抽查中未通过并被驳回,这是再次申请:请先查看那次抽查的结论",
}

// FlagText is the Chinese explanation of a flag code ("" for an unknown code).
func FlagText(code string) string { return flagTexts[code] }

// FlagTexts is every flag's Chinese explanation, by code (a copy the caller may keep).
func FlagTexts() map[string]string {
	out := make(map[string]string, len(flagTexts))
	for k, v := range flagTexts {
		out[k] = v
	}
	return out
}

// FlagProgram is what the flag rules know of the program behind the lines.
type FlagProgram struct {
	Version      Version
	Window       Window // [start_on, end_on]
	ProviderUSCC string
	UsesCheckin  bool // the version asks for check-ins or trainees of the program checked in
}

// FlagTrainee is one line's person as the flag rules see it.
type FlagTrainee struct {
	IDNumber            string // the plain GB 11643 number, for birth date and sex ("" skips the age rule)
	Phone               string
	EvidenceSHA256      string
	EvidenceElsewhere   bool // the same file is on a trainee outside these lines
	EmployerUSCC        string
	EmployedOnEvidence  bool
	EmploymentConfirmed bool
	ExtractCoversPeriod bool     // an imported extract covers at least one month of the employment's period
	RollWithoutCheckin  int      // roll days on which the trainee did not check in
	OtherPrograms       []Window // other programs the person is on (enrolled or completed)
	Withdrawn           bool     // withdrawn: not on the claim, so its phone is not compared
	SharedCheckinDevice bool     // checked in from a device another trainee of the program checked in from
}

// Flags gives each trainee's flags, in FlagCodes order (an empty, non-nil list when clean).
func Flags(p FlagProgram, trainees []FlagTrainee) [][]string {
	evidence, phones := map[string]int{}, map[string]int{}
	for _, t := range trainees {
		if t.EvidenceSHA256 != "" {
			evidence[t.EvidenceSHA256]++
		}
		if t.Phone != "" && !t.Withdrawn {
			phones[t.Phone]++
		}
	}
	out := make([][]string, len(trainees))
	for i, t := range trainees {
		raised := map[string]bool{
			FlagAgeOutsideWorkingAge:  OutsideWorkingAge(p.Version, t.IDNumber, p.Window.Start),
			FlagSharedEvidenceFile:    t.EvidenceSHA256 != "" && (evidence[t.EvidenceSHA256] > 1 || t.EvidenceElsewhere),
			FlagSharedPhone:           t.Phone != "" && !t.Withdrawn && phones[t.Phone] > 1,
			FlagEmployerIsProvider:    t.EmployedOnEvidence && t.EmployerUSCC != "" && t.EmployerUSCC == p.ProviderUSCC,
			FlagEmploymentNotVerified: t.EmployedOnEvidence && !t.EmploymentConfirmed && t.ExtractCoversPeriod,
			FlagRollWithoutCheckin:    p.UsesCheckin && t.RollWithoutCheckin > 0,
			FlagOverlappingProgram:    overlapsAny(p.Window, t.OtherPrograms),
			FlagSharedCheckinDevice:   t.SharedCheckinDevice,
		}
		out[i] = []string{}
		for _, code := range FlagCodes {
			if raised[code] {
				out[i] = append(out[i], code)
			}
		}
	}
	return out
}

func overlapsAny(w Window, others []Window) bool {
	for _, o := range others {
		if !o.Start.After(w.End) && !o.End.Before(w.Start) {
			return true
		}
	}
	return false
}

// BirthAndSex reads the birth date (digits 7–14) and sex (digit 17: odd is male) of a
// GB 11643 number; ok is false when they cannot be read.
func BirthAndSex(id string) (birth Date, male bool, ok bool) {
	if len(id) != 18 {
		return Date{}, false, false
	}
	t, err := time.Parse("20060102", id[6:14])
	if err != nil || id[16] < '0' || id[16] > '9' {
		return Date{}, false, false
	}
	return DateOf(t), (id[16]-'0')%2 == 1, true
}

// AgeOn is the age in whole years on day on of a person born on birth.
func AgeOn(birth, on Date) int {
	age := on.Y - birth.Y
	if on.M < birth.M || (on.M == birth.M && on.D < birth.D) {
		age--
	}
	return age
}

// OutsideWorkingAge reports a trainee under 16 on the program's first day, or at or past the
// version's retirement age for the sex the ID number gives.
func OutsideWorkingAge(v Version, idNumber string, on Date) bool {
	birth, male, ok := BirthAndSex(idNumber)
	if !ok {
		return false
	}
	retire := v.RetirementAgeFemale
	if male {
		retire = v.RetirementAgeMale
	}
	age := AgeOn(birth, on)
	return age < 16 || (retire > 0 && age >= retire)
}
