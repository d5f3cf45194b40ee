package frontend

import (
	"codeberg.org/portee/portee/catalog"
	"github.com/labstack/echo/v4"
)

// categoryPage is /categories/:category ("Trouver un pad"): the offers of
// one category, nearest first when a place is given.
func (s *Server) categoryPage(c echo.Context) error {
	cat := c.Param("category")
	if !catalog.IsCategory(cat) {
		return errNotFound
	}
	f, truncated := formFrom(c)
	f.Category = cat
	v := s.newView(c, "home")
	v.Title = v.L.T("category." + cat + ".find")
	return s.results(c, v, f, truncated, v.L.T("category.page_intro"))
}
