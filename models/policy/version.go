package policy

// Values of Version.Subsidize: who gets a training claim line with an amount.
const (
	SubsidizeCompleted = "completed" // every completer (结业) is paid
	SubsidizeEmployed  = "employed"  // only completers proved employed are paid
)

// Values of Version.AttendanceProof and Version.EmploymentProof (SPEC §6).
const (
	AttendanceRoll            = "roll"             // the provider's daily roll proves a day
	AttendanceCheckin         = "checkin"          // only the trainee's own check-in proves a day
	EmploymentEvidence        = "evidence"         // an agreement or certificate proves employment
	EmploymentSocialInsurance = "social_insurance" // and a social-insurance record must confirm it
)

// Version is one policy version's figures, copied from the stored policy_versions row;
// every figure the rules use comes from here, none is a constant in code.
type Version struct {
	Code                    string // e.g. 晋政办发〔2022〕81号
	EffectiveFrom           Date   // first day in force
	EffectiveTo             Date   // last day in force (inclusive)
	FirstDays               int    // days paid at FirstDayRateYuan
	FirstDayRateYuan        int    // per day for the first FirstDays days
	LaterDayRateYuan        int    // per day after that
	CapPerPersonYuan        int    // at most this per trainee
	EmploymentTargetPercent int    // post-training employment rate to reach (80)
	EmploymentWindowDays    int    // employment must start within end_on + this many days
	OnjobRateYuan           int    // on-the-job training subsidy per eligible person (300)
	Subsidize               string // SubsidizeCompleted or SubsidizeEmployed
	AnnouncementDays        int    // length of the claim announcement (公示)
	AttendanceProof         string // AttendanceRoll or AttendanceCheckin
	EmploymentProof         string // EmploymentEvidence or EmploymentSocialInsurance
	RetirementAgeMale       int    // a trainee of this age or older is outside working age (60)
	RetirementAgeFemale     int    // the same for women (55)
}

// InForce reports whether d lies in the version's window, both ends included.
func (v Version) InForce(d Date) bool {
	return !d.Before(v.EffectiveFrom) && !d.After(v.EffectiveTo)
}

// InForceOn finds the version whose window contains d; windows never overlap, so the
// first match is the only one. ok is false when no version is in force that day.
func InForceOn(versions []Version, d Date) (Version, bool) {
	for _, v := range versions {
		if v.InForce(d) {
			return v, true
		}
	}
	return Version{}, false
}
