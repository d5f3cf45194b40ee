package frontend

import (
	"net/http"
	"strconv"

	"codeberg.org/portee/portee/catalog"
	"github.com/labstack/echo/v4"
)

const hostersPerPage = 50

type hosterRow struct {
	Name, Href, Commune, Departement, Status string
	Offers                                   int
	Source                                   string // knownSource
}

type hostersData struct {
	Rows               []hosterRow
	Total, Page, Pages int
	Prev, Next         string
}

// hostersPage lists the visible hosters by name, 50 a page.
func (s *Server) hostersPage(c echo.Context) error {
	ctx := c.Request().Context()
	page := pageParam(c.QueryParam("page"))
	total, err := s.store.CountHosters(ctx, catalog.HosterFilter{})
	if err != nil {
		return err
	}
	hs, err := s.store.ListHosters(ctx, catalog.HosterFilter{Limit: hostersPerPage, Offset: (page - 1) * hostersPerPage})
	if err != nil {
		return err
	}
	v := s.newView(c, "hosters")
	v.Title = v.L.T("hosters.title")
	d := &hostersData{Total: total, Page: page}
	for i := range hs {
		offers, err := s.store.OffersByHoster(ctx, hs[i].ID)
		if err != nil {
			return err
		}
		d.Rows = append(d.Rows, hosterRow{Name: hs[i].Name, Href: hosterHref(v.L, hs[i].Acct()),
			Commune: hs[i].Commune, Departement: hs[i].Departement, Status: knownStatus(hs[i].Status), Offers: len(offers),
			Source: knownSource(hs[i].Source)})
	}
	d.Pages, d.Prev, d.Next = pager(page, hostersPerPage, total, func(p int) string {
		return v.L.URL("/hebergeurs", "page", p)
	})
	if page > d.Pages {
		return errNotFound
	}
	v.Data = d
	return s.render(c, http.StatusOK, "hosters", v)
}

// pageParam reads a 1-based page number; anything else is page 1.
func pageParam(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 100000 {
		return 1
	}
	return n
}
