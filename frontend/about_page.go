package frontend

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// aboutPage explains CHATONS, the charter and how every order, badge and
// status is computed: undocumented scores are the first complaint.
func (s *Server) aboutPage(c echo.Context) error {
	v := s.newView(c, "about")
	v.Title = v.L.T("about.title")
	v.MapFooter = true
	return s.render(c, http.StatusOK, "about", v)
}
