package frontend

import (
	"net/http"

	"codeberg.org/portee/portee/federation/vocab"
	"github.com/labstack/echo/v4"
)

// nodeHome lists the node's own hosters, linking to their actor URLs
// (which answer HTML to browsers).
func (s *Server) nodeHome(c echo.Context) error {
	hs, err := s.store.LocalHosters(c.Request().Context())
	if err != nil {
		return err
	}
	v := s.newView(c, "")
	v.Title = v.L.T("node.title")
	type row struct{ Name, Href, Commune, Acct string }
	var rows []row
	paths := vocab.Paths{Base: s.cfg.BaseURL}
	for _, h := range hs {
		rows = append(rows, row{Name: h.Name, Href: paths.Actor(h.Username), Commune: h.Commune, Acct: h.Acct()})
	}
	if len(hs) == 1 {
		v.Title = hs[0].Name
	}
	v.Data = struct{ Hosters any }{rows}
	return s.render(c, http.StatusOK, "node_home", v)
}
