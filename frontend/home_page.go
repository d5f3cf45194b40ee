package frontend

import (
	"net/http"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/search"
	"github.com/labstack/echo/v4"
)

type homeData struct {
	Form            searchForm
	Categories      []categoryTile
	Hosters, Offers int
}

type categoryTile struct {
	ID    string
	Count int
}

// homePage is the search form and the categories in plain words, with
// their counts from one browse query.
func (s *Server) homePage(c echo.Context) error {
	ctx := c.Request().Context()
	v := s.newView(c, "home")
	v.Title = v.L.T("home.title")
	d := &homeData{}
	n, err := s.store.CountHosters(ctx, catalog.HosterFilter{})
	if err != nil {
		return err
	}
	d.Hosters = n
	counts := map[string]int{}
	if resp, err := s.search.Search(ctx, search.Request{PerPage: "1"}); err == nil {
		d.Offers = resp.Total
		// A tile counts the offers that provide its service, an offer of
		// Nextcloud on the agenda tile too, as its category page finds them.
		counts = resp.Facets["service"]
	} else {
		s.log.Warn("frontend: home counts", "err", err)
	}
	for _, cat := range catalog.Categories {
		if cat == "other" {
			continue
		}
		d.Categories = append(d.Categories, categoryTile{ID: cat, Count: counts[cat]})
	}
	v.Data = d
	return s.render(c, http.StatusOK, "home", v)
}
