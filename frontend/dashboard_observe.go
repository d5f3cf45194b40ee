package frontend

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// dashboardObserve is POST /tableau-de-bord/observer: staff ask for a
// hoster to be observed now; the observation runs in the background and
// its findings show on the next visit.
func (s *Server) dashboardObserve(c echo.Context) error {
	if s.cfg.Observatory == nil {
		return errNotFound
	}
	h, err := s.hosterByAcctParam(c.Request().Context(), c.FormValue("hoster"))
	if err != nil {
		return err
	}
	back := c.FormValue("back")
	if !strings.HasPrefix(back, dashboardPath) || strings.HasPrefix(back, "//") {
		back = dashboardPath
	}
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	if !s.cfg.Observatory.Trigger(h.ID) {
		return c.Redirect(http.StatusSeeOther, back+sep+"observation=pleine")
	}
	return c.Redirect(http.StatusSeeOther, back+sep+"observation=demandee")
}
