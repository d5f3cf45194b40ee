package frontend

import (
	"errors"
	"math"
	"net/http"
	"strconv"

	"codeberg.org/portee/portee/catalog"
	"github.com/labstack/echo/v4"
)

// complianceData is what /conformite shows.
type complianceData struct {
	Report       *complianceReport
	Charter      *catalog.Charter
	CharterTitle string
	At, Before   string
	Axes         []complianceAxisView
	Versions     []option
	Regions      []option
	Departements []option
	Memberships  []option
	Filtered     bool
	CSV, JSON    string
	ResetHref    string
}

type option struct {
	Value, Label string
	Selected     bool
}

type complianceAxisView struct {
	ID      string
	Summary complianceLine
	Rows    []complianceLine
}

// complianceLine is one row as text: shares with counts, changes in points.
type complianceLine struct {
	Title    string
	Required bool
	Declared []string // ComplianceDeclaredKeys order
	Audited  []string // ComplianceAuditedKeys order
	Change   []string // yes, conforme
}

// compliancePage is /conformite: the collective's self-review, live. Only
// public data: counts of declarations and of published verdicts.
func (s *Server) compliancePage(c echo.Context) error {
	ctx := c.Request().Context()
	f, bad := complianceFilter(c.QueryParams())
	if bad != "" {
		return &pageError{Status: http.StatusBadRequest, Key: "error.400"}
	}
	r, err := s.complianceReport(ctx, f)
	if errors.Is(err, errUnknownCharterVersion) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	v := s.newView(c, "compliance")
	l := v.L
	v.Title = l.T("compliance.title")
	d := &complianceData{Report: r, Charter: r.Now.Charter, At: l.Date(r.Now.At), Before: l.Date(r.Before.At)}
	d.CharterTitle = pick(l, r.Now.Charter.TitleFR, r.Now.Charter.TitleEN)
	for _, ax := range r.Axes {
		av := complianceAxisView{ID: ax.ID, Summary: s.complianceLine(l, ax.Summary, pick(l, ax.TitleFR, ax.TitleEN))}
		for _, row := range ax.Rows {
			av.Rows = append(av.Rows, s.complianceLine(l, row, pick(l, row.TitleFR, row.TitleEN)))
		}
		d.Axes = append(d.Axes, av)
	}

	versions, err := s.store.CharterVersions(ctx)
	if err != nil {
		return err
	}
	for _, cv := range versions {
		if cv.ID != r.Now.Charter.ID {
			continue
		}
		d.Versions = append(d.Versions, option{Value: cv.Version, Selected: cv.Version == r.Now.Charter.Version,
			Label: l.N("compliance.version_option", cv.Declarations, cv.Version)})
	}
	regions, deps, err := s.store.ComplianceFacets(ctx)
	if err != nil {
		return err
	}
	d.Regions = []option{{Value: "", Label: l.T("compliance.all")}}
	for _, rg := range regions {
		d.Regions = append(d.Regions, option{Value: rg, Label: rg, Selected: rg == f.Region})
	}
	d.Departements = []option{{Value: "", Label: l.T("compliance.all")}}
	for _, dep := range deps {
		d.Departements = append(d.Departements, option{Value: dep, Label: departementLabel(dep), Selected: dep == f.Departement})
	}
	for _, m := range []string{"", catalog.MembershipMember, catalog.MembershipOther} {
		key := "compliance.membership.all"
		if m != "" {
			key = "compliance.membership." + m
		}
		d.Memberships = append(d.Memberships, option{Value: m, Label: l.T(key), Selected: m == f.Membership})
	}
	d.Filtered = f.Region != "" || f.Departement != "" || f.Membership != "" || f.CharterVersion != ""
	pairs := []any{"charter_version", f.CharterVersion, "region", f.Region, "departement", f.Departement, "membership", f.Membership}
	d.CSV = complianceLink("/conformite.csv", pairs...)
	d.JSON = complianceLink("/api/v1/compliance", pairs...)
	d.ResetHref = l.URL("/conformite")
	v.Data = d
	return s.render(c, http.StatusOK, "compliance", v)
}

// complianceLine renders one row: declared shares among all hosters,
// verdict shares among audited hosters, "non audité" as a count.
func (s *Server) complianceLine(l *Localizer, row complianceRow, title string) complianceLine {
	out := complianceLine{Title: title, Required: row.Required}
	for _, k := range catalog.ComplianceDeclaredKeys {
		out.Declared = append(out.Declared, shareText(l, row.Declared[k], row.Total))
	}
	audited := row.Total - row.Audited[catalog.ComplianceNone]
	for _, k := range catalog.ComplianceAuditedKeys {
		if k == catalog.ComplianceNone {
			out.Audited = append(out.Audited, l.Int(row.Audited[k]))
			continue
		}
		out.Audited = append(out.Audited, shareText(l, row.Audited[k], audited))
	}
	out.Change = []string{pointsText(l, row.YesChange), pointsText(l, row.ConformeChange)}
	return out
}

// shareText is "62 % (8)", or "—" when there is nothing to divide by.
func shareText(l *Localizer, n, total int) string {
	if total <= 0 {
		return "—"
	}
	return l.Percent(float64(n)/float64(total)) + " (" + l.Int(n) + ")"
}

// pointsText is a change in percentage points: "+5 pts", "−3 pts", "—".
func pointsText(l *Localizer, p float64) string {
	if math.IsNaN(p) {
		return "—"
	}
	n := int(math.Round(p))
	switch {
	case n > 0:
		return l.T("compliance.points", "+"+strconv.Itoa(n))
	case n < 0:
		return l.T("compliance.points", "−"+strconv.Itoa(-n))
	}
	return l.T("compliance.points", "0")
}

// complianceLink is a data link carrying the filters (never the language:
// CSV and JSON are not translated).
func complianceLink(path string, pairs ...any) string {
	l := &Localizer{}
	return l.URL(path, pairs...)
}
