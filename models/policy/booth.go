package policy

// Organizer levels of a job fair.
const (
	OrganizerProvincial = "provincial"
	OrganizerMunicipal  = "municipal"
	OrganizerOther      = "other"
)

// Reasons a booth pays the standard fee (Fee.Basis when not waived).
const (
	BasisNoPolicy      = "招聘会举办日无有效政策"
	BasisNotProvincial = "非省级部门举办的招聘会,按标准收费"
	BasisNotVerified   = "企业未认证"
	BasisNotTown       = "非专业镇企业"
	BasisNotLeading    = "非主导产业企业"
)

// Fair is an on-site job fair (现场招聘会).
type Fair struct {
	OrganizerLevel  string // OrganizerProvincial, OrganizerMunicipal or OrganizerOther
	HeldOn          Date
	StandardFeeYuan int
}

// Exhibitor is the enterprise booking a booth.
type Exhibitor struct {
	Verified           bool
	InProfessionalTown bool
	LeadingIndustry    bool // a leading-industry (主导产业) enterprise of its town
}

// Fee is a booth's fee and why.
type Fee struct {
	Yuan   int
	Waived bool
	Basis  string // the article quoted when waived, else why the standard fee applies
}

// BoothFee applies Article 2: the booth is free iff a version is in force on the fair's
// day, the fair is provincial, and the exhibitor is a verified leading-industry enterprise
// of a professional town; otherwise the standard fee, with the first unmet condition.
func BoothFee(versions []Version, f Fair, e Exhibitor) Fee {
	v, ok := InForceOn(versions, f.HeldOn)
	standard := func(basis string) Fee { return Fee{Yuan: f.StandardFeeYuan, Basis: basis} }
	switch {
	case !ok:
		return standard(BasisNoPolicy)
	case f.OrganizerLevel != OrganizerProvincial:
		return standard(BasisNotProvincial)
	case !e.Verified:
		return standard(BasisNotVerified)
	case !e.InProfessionalTown:
		return standard(BasisNotTown)
	case !e.LeadingIndustry:
		return standard(BasisNotLeading)
	}
	return Fee{Yuan: 0, Waived: true, Basis: WaiverBasis(v)}
}

// WaiverBasis quotes the article that waives the booth fee under version v.
func WaiverBasis(v Version) string {
	return v.Code + " 第二条:专业镇主导产业企业参加省直部门举办的现场招聘会免收展位费"
}
