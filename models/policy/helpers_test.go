package policy

// day parses a YYYY-MM-DD literal of a test table.
func day(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// seed is 晋政办发〔2022〕81号 as SPEC §1 gives it.
func seed() Version {
	return Version{
		Code: "晋政办发〔2022〕81号", EffectiveFrom: day("2022-09-26"), EffectiveTo: day("2025-09-25"),
		FirstDays: 10, FirstDayRateYuan: 150, LaterDayRateYuan: 100, CapPerPersonYuan: 4000,
		EmploymentTargetPercent: 80, EmploymentWindowDays: 180, OnjobRateYuan: 300,
		Subsidize: SubsidizeCompleted, AnnouncementDays: 5,
	}
}

// successor is a made-up later version whose different figures prove the rules read data.
func successor() Version {
	return Version{
		Code: "晋政办发〔2025〕99号", EffectiveFrom: day("2025-09-26"), EffectiveTo: day("2028-09-25"),
		FirstDays: 5, FirstDayRateYuan: 200, LaterDayRateYuan: 120, CapPerPersonYuan: 3000,
		EmploymentTargetPercent: 60, EmploymentWindowDays: 90, OnjobRateYuan: 500,
		Subsidize: SubsidizeEmployed, AnnouncementDays: 7,
	}
}
