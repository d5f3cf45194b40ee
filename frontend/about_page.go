package frontend

import (
	"net/http"

	"codeberg.org/portee/portee/catalog"

	"github.com/labstack/echo/v4"
)

// aboutPage explains CHATONS, the charter and how every order, badge and
// status is computed: undocumented scores are the first complaint.
func (s *Server) aboutPage(c echo.Context) error {
	v := s.newView(c, "about")
	v.Title = v.L.T("about.title")
	v.MapFooter = true
	v.Data = catalog.Verdicts // the audits section explains each verdict
	return s.render(c, http.StatusOK, "about", v)
}
