package frontend

import (
	"net/http"

	"codeberg.org/portee/portee/catalog"
	"github.com/labstack/echo/v4"
)

type entraideKind struct {
	Kind           string
	Count, Hosters int
	Open, All      string // All: the kind's own pages, when not every instance is listed here
	Items          []offerLink
}

type offerLink struct{ Name, URL, HosterName, HosterHref string }

// entraidePage lists, by kind, the services usable now without an account.
func (s *Server) entraidePage(c echo.Context) error {
	kinds, err := s.entraide(c.Request().Context())
	if err != nil {
		return err
	}
	v := s.newView(c, "entraide")
	v.Title = v.L.T("entraide.title")
	var list []entraideKind
	for _, cat := range catalog.Categories {
		items := kinds[cat]
		if len(items) == 0 {
			continue
		}
		k := entraideKind{Kind: cat, Count: len(items), Open: v.L.URL("/entraide/" + cat + "/ouvrir")}
		seen := map[int64]bool{}
		for _, it := range items {
			if !seen[it.HosterID] {
				seen[it.HosterID] = true
				k.Hosters++
			}
			if len(k.Items) < entraideInline {
				k.Items = append(k.Items, offerLink{Name: it.Name, URL: it.URL, HosterName: it.HosterName, HosterHref: hosterHref(v.L, it.HosterAcct)})
			}
		}
		if len(items) > entraideInline {
			k.All = v.L.URL("/entraide/" + cat)
		}
		list = append(list, k)
	}
	v.Data = struct{ Kinds []entraideKind }{list}
	return s.render(c, http.StatusOK, "entraide", v)
}

// entraideOpen redirects to one instance drawn at random (see weigh).
func (s *Server) entraideOpen(c echo.Context) error {
	kinds, err := s.entraide(c.Request().Context())
	if err != nil {
		return err
	}
	it, ok := s.pick(kinds[c.Param("kind")])
	if !ok {
		return errNotFound
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Redirect(http.StatusFound, it.URL)
}
