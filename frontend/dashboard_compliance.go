package frontend

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// The compliance area's dashboard pages: the compliance table with every
// charter version, the statistics (public, linked from the menu) and, for
// admins, the charter versions and the form that loads a new one.
func init() {
	dashboardNav = append(dashboardNav,
		dashNavItem{Key: "dash.nav.compliance", Path: dashboardPath + "/conformite", Nav: "compliance"},
		dashNavItem{Key: "dash.nav.statistics", Path: "/statistiques", Nav: "statistics"},
		dashNavItem{Key: "dash.nav.charters", Path: dashboardPath + "/chartes", Nav: "charters", AdminOnly: true},
	)
	dashboardPageNames = append(dashboardPageNames, "dash_compliance", "dash_charters")
}

// dashboardCompliance is GET /tableau-de-bord/conformite: the public table
// with, for staff, every loaded charter version and how many declarations
// answer each (compliance per version).
func (s *Server) dashboardCompliance(c echo.Context) error {
	f, bad := complianceFilter(c.QueryParams())
	if bad != "" {
		return &pageError{Status: http.StatusBadRequest, Key: "error.400"}
	}
	v := s.newDashView(c, "compliance", "compliance.title", nil)
	d, err := s.complianceData(c, v.L, f, dashboardPath+"/conformite")
	if err != nil {
		return err
	}
	v.Data.(*dashView).Page = d
	return s.render(c, http.StatusOK, "dash_compliance", v)
}
