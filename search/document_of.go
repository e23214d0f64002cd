package search

import (
	"strconv"
	"strings"
	"time"

	"portal/models"
)

// ProgramDocumentOf turns a program (with provider, town and partner loaded) into its
// search document.
func ProgramDocumentOf(p models.Program) ProgramDoc {
	d := ProgramDoc{ID: p.ID, Name: p.Name, Occupation: p.Occupation, Mode: p.Mode, ProviderID: p.ProviderID, TownID: p.TownID,
		StartOn: dateInt(p.StartOn), EndOn: dateInt(p.EndOn), PlannedDays: p.PlannedDays, Capacity: p.Capacity}
	if p.ApprovedDays != nil {
		d.ApprovedDays = *p.ApprovedDays
	}
	if p.Provider != nil {
		d.ProviderName = p.Provider.Name
	}
	if p.Partner != nil {
		d.PartnerName = p.Partner.Name
	}
	if p.Town != nil {
		d.TownName = p.Town.Name
		d.Geo = &Geo{Lat: p.Town.Lat, Lng: p.Town.Lng}
	}
	return d
}

// DocumentOf turns a posting (with its enterprise and town loaded) into its search document.
func DocumentOf(j models.Job) JobDoc {
	d := JobDoc{
		ID: j.ID, Title: j.Title, Description: j.Description, Occupation: j.Occupation,
		SalaryMin: j.SalaryMin, SalaryMax: j.SalaryMax, Education: j.Education, EmploymentType: j.EmploymentType,
		Headcount: j.Headcount, PostedAt: j.PostedAt.Unix(), ExpiresOn: dateInt(j.ExpiresOn), TownID: j.TownID,
		Zone: []string{},
	}
	if e := j.Enterprise; e != nil {
		d.EnterpriseID, d.EnterpriseName, d.Industry = e.ID, e.Name, e.Industry
		if e.InProfessionalTown() {
			d.Zone = []string{"professional_town"}
		}
	}
	if t := j.Town; t != nil {
		d.TownName, d.County = t.Name, t.County
	}
	return d
}

// Day is the date in China (UTC+8) as the integer yyyymmdd the index filters on.
func Day(t time.Time) int {
	y, m, d := t.In(models.China).Date()
	return y*10000 + int(m)*100 + d
}

func dayString(t time.Time) string { return models.Today(t) }

// dateInt turns YYYY-MM-DD into yyyymmdd.
func dateInt(s string) int {
	n, _ := strconv.Atoi(strings.ReplaceAll(s, "-", ""))
	return n
}
