package frontend

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// entraideInline is how many instances of a kind /entraide lists itself;
// the rest are on the kind's own pages. Listing every instance made the
// page grow with the directory (664 KB at 4,000 offers).
const entraideInline = 10

// entraidePerPage is how many instances a page of /entraide/:kind lists.
const entraidePerPage = 50

type entraideKindData struct {
	Kind, Open       string
	Count, Hosters   int
	Items            []offerLink
	Page, Pages      int
	Prev, Next, Back string
}

// entraideKindPage lists every usable-now instance of one kind, 50 a page.
func (s *Server) entraideKindPage(c echo.Context) error {
	kinds, err := s.entraide(c.Request().Context())
	if err != nil {
		return err
	}
	kind := c.Param("kind")
	items := kinds[kind]
	if len(items) == 0 {
		return errNotFound
	}
	v := s.newView(c, "entraide")
	v.Title = v.L.T("entraide.kind.title", v.L.T("category."+kind+".plain"))
	d := &entraideKindData{Kind: kind, Count: len(items), Page: pageParam(c.QueryParam("page")),
		Open: v.L.URL("/entraide/" + kind + "/ouvrir"), Back: v.L.URL("/entraide")}
	seen := map[int64]bool{}
	for _, it := range items {
		if !seen[it.HosterID] {
			seen[it.HosterID] = true
			d.Hosters++
		}
	}
	d.Pages, d.Prev, d.Next = pager(d.Page, entraidePerPage, len(items), func(p int) string {
		return v.L.URL("/entraide/"+kind, "page", p)
	})
	if d.Page > d.Pages {
		return errNotFound
	}
	for _, it := range items[(d.Page-1)*entraidePerPage : min(len(items), d.Page*entraidePerPage)] {
		d.Items = append(d.Items, offerLink{Name: it.Name, URL: it.URL, HosterName: it.HosterName, HosterHref: hosterHref(v.L, it.HosterAcct)})
	}
	v.Data = d
	return s.render(c, http.StatusOK, "entraide_kind", v)
}
