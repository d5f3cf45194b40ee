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
	Versions     []selectOption
	Regions      []selectOption
	Departements []selectOption
	Memberships  []selectOption
	Filtered     bool
	CSV, JSON    string
	ResetHref    string
	Action       string                   // where the filter form goes
	AllVersions  []catalog.CharterVersion // every loaded version (dashboard)
}

type selectOption struct {
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
	f, bad := complianceFilter(c.QueryParams())
	if bad != "" {
		return &pageError{Status: http.StatusBadRequest, Key: "error.400"}
	}
	v := s.newView(c, "compliance")
	v.Title = v.L.T("compliance.title")
	d, err := s.complianceData(c, v.L, f, "/conformite")
	if err != nil {
		return err
	}
	v.Data = d
	return s.render(c, http.StatusOK, "compliance", v)
}

// complianceData builds the table and its filter form (submitted to
// action) for the public page and the dashboard.
func (s *Server) complianceData(c echo.Context, l *Localizer, f catalog.ComplianceFilter, action string) (*complianceData, error) {
	ctx := c.Request().Context()
	r, err := s.complianceReport(ctx, f)
	if errors.Is(err, errUnknownCharterVersion) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	d := &complianceData{Report: r, Charter: r.Now.Charter, At: l.Date(r.Now.At), Before: l.Date(r.Before.At), Action: action}
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
		return nil, err
	}
	d.AllVersions = versions
	for _, cv := range versions {
		if cv.ID != r.Now.Charter.ID {
			continue
		}
		d.Versions = append(d.Versions, selectOption{Value: cv.Version, Selected: cv.Version == r.Now.Charter.Version,
			Label: l.N("compliance.version_option", cv.Declarations, cv.Version)})
	}
	regions, deps, err := s.store.ComplianceFacets(ctx)
	if err != nil {
		return nil, err
	}
	d.Regions = []selectOption{{Value: "", Label: l.T("compliance.all")}}
	for _, rg := range regions {
		d.Regions = append(d.Regions, selectOption{Value: rg, Label: rg, Selected: rg == f.Region})
	}
	d.Departements = []selectOption{{Value: "", Label: l.T("compliance.all")}}
	for _, dep := range deps {
		d.Departements = append(d.Departements, selectOption{Value: dep, Label: departementLabel(dep), Selected: dep == f.Departement})
	}
	for _, m := range []string{"", catalog.MembershipMember, catalog.MembershipOther} {
		key := "compliance.membership.all"
		if m != "" {
			key = "compliance.membership." + m
		}
		d.Memberships = append(d.Memberships, selectOption{Value: m, Label: l.T(key), Selected: m == f.Membership})
	}
	d.Filtered = f.Region != "" || f.Departement != "" || f.Membership != "" || f.CharterVersion != ""
	pairs := []any{"charter_version", f.CharterVersion, "region", f.Region, "departement", f.Departement, "membership", f.Membership}
	d.CSV = complianceLink("/conformite.csv", pairs...)
	d.JSON = complianceLink("/api/v1/compliance", pairs...)
	d.ResetHref = l.URL(action)
	return d, nil
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
