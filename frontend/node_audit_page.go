package frontend

import (
	"github.com/labstack/echo/v4"
)

// nodeAuditPage is a node's page of an audit a directory published about
// one of its hosters (/hosters/:username/audits/:id).
func (s *Server) nodeAuditPage(c echo.Context) error {
	hs, err := s.store.LocalHosters(c.Request().Context())
	if err != nil {
		return err
	}
	for i := range hs {
		if hs[i].Username == c.Param("username") {
			return s.renderPublicAudit(c, &hs[i])
		}
	}
	return errNotFound
}
