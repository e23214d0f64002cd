package policy

import "testing"

func TestBoothFee(t *testing.T) {
	versions := []Version{seed()}
	qualified := Exhibitor{Verified: true, InProfessionalTown: true, LeadingIndustry: true}
	fair := func(level, on string) Fair {
		return Fair{OrganizerLevel: level, HeldOn: day(on), StandardFeeYuan: 800}
	}
	waived := Fee{Yuan: 0, Waived: true,
		Basis: "晋政办发〔2022〕81号 第二条:专业镇主导产业企业参加省直部门举办的现场招聘会免收展位费"}
	standard := func(basis string) Fee { return Fee{Yuan: 800, Basis: basis} }
	tests := []struct {
		name     string
		versions []Version
		f        Fair
		e        Exhibitor
		want     Fee
	}{
		{"provincial fair, qualified exhibitor: waived", versions, fair(OrganizerProvincial, "2024-05-20"), qualified, waived},
		{"the window's first day: waived", versions, fair(OrganizerProvincial, "2022-09-26"), qualified, waived},
		{"the window's last day: waived", versions, fair(OrganizerProvincial, "2025-09-25"), qualified, waived},
		{"the day before the window: standard", versions, fair(OrganizerProvincial, "2022-09-25"), qualified, standard(BasisNoPolicy)},
		{"the day after the window: standard", versions, fair(OrganizerProvincial, "2025-09-26"), qualified, standard(BasisNoPolicy)},
		{"no versions at all: standard", nil, fair(OrganizerProvincial, "2024-05-20"), qualified, standard(BasisNoPolicy)},
		{"a municipal fair: standard", versions, fair(OrganizerMunicipal, "2024-05-20"), qualified, standard(BasisNotProvincial)},
		{"an other fair: standard", versions, fair(OrganizerOther, "2024-05-20"), qualified, standard(BasisNotProvincial)},
		{"an unverified enterprise: standard", versions, fair(OrganizerProvincial, "2024-05-20"),
			Exhibitor{InProfessionalTown: true, LeadingIndustry: true}, standard(BasisNotVerified)},
		{"an enterprise outside a town: standard", versions, fair(OrganizerProvincial, "2024-05-20"),
			Exhibitor{Verified: true, LeadingIndustry: true}, standard(BasisNotTown)},
		{"not a leading-industry enterprise: standard", versions, fair(OrganizerProvincial, "2024-05-20"),
			Exhibitor{Verified: true, InProfessionalTown: true}, standard(BasisNotLeading)},
		{"a successor's code is quoted in its window", []Version{seed(), successor()}, fair(OrganizerProvincial, "2025-09-26"),
			qualified, Fee{Waived: true, Basis: "晋政办发〔2025〕99号 第二条:专业镇主导产业企业参加省直部门举办的现场招聘会免收展位费"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := BoothFee(tt.versions, tt.f, tt.e); got != tt.want {
				t.Fatalf("BoothFee = %+v, want %+v", got, tt.want)
			}
		})
	}
}
