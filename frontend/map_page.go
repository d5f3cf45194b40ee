package frontend

import (
	"math"
	"net/http"
	"sort"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/search/gazetteer"
	"github.com/labstack/echo/v4"
)

// mapDotsMax is how many hosters the map draws one by one; beyond, one
// circle per département keeps the page under its weight budget.
const mapDotsMax = 300

// mapListMax is how many hoster names the list shows per département.
const mapListMax = 12

type mapData struct {
	Map     *mapView
	Count   int
	Grouped bool
	Deps    []mapDep
}

type mapDep struct {
	Code, Name string
	Hosters    []hosterRow
	More       int
	MoreHref   string
}

// mapPage draws every located hoster on the server-side SVG map, with the
// same hosters as a list by département for those who cannot use the map.
func (s *Server) mapPage(c echo.Context) error {
	hs, err := s.store.ListHosters(c.Request().Context(), catalog.HosterFilter{})
	if err != nil {
		return err
	}
	v := s.newView(c, "map")
	v.Title = v.L.T("map.title")
	v.MapFooter = true
	d := &mapData{Map: &mapView{Base: s.assets.URL("france.svg"), W: mapWidth, H: mapHeight, Label: v.L.T("map.label")}}
	d.Map.ViewBox, _ = s.geo.view(nil, false, 0)
	byDep := map[string]*mapDep{}
	type located struct {
		x, y float64
		h    *catalog.Hoster
	}
	var dots []located
	for i := range hs {
		h := &hs[i]
		dep := byDep[h.Departement]
		if dep == nil {
			dep = &mapDep{Code: h.Departement, MoreHref: v.L.URL("/recherche", "near", h.Departement)}
			if name, _, ok := gazetteer.Departement(h.Departement); ok {
				dep.Name = name
			} else {
				dep.Code, dep.Name, dep.MoreHref = "", v.L.T("map.elsewhere"), ""
			}
			byDep[h.Departement] = dep
		}
		if len(dep.Hosters) < mapListMax || dep.MoreHref == "" {
			dep.Hosters = append(dep.Hosters, hosterRow{Name: h.Name, Href: hosterHref(v.L, h.Acct()), Source: knownSource(h.Source)})
		} else {
			dep.More++
		}
		if h.HasCoords() {
			if x, y, ok := s.geo.Project(*h.Latitude, *h.Longitude); ok {
				dots = append(dots, located{x, y, h})
			}
		}
	}
	d.Count = len(dots)
	if len(dots) <= mapDotsMax {
		for _, p := range dots {
			d.Map.Dots = append(d.Map.Dots, mapDot{X: num(p.x), Y: num(p.y), R: "6",
				Href: hosterHref(v.L, p.h.Acct()), Label: p.h.Name + sourceLabel(v.L, p.h.Source)})
		}
	} else {
		d.Grouped = true
		counts := map[string]int{}
		for _, p := range dots {
			counts[p.h.Departement]++
		}
		for _, dep := range gazetteer.Departements() {
			n := counts[dep.Code]
			if n == 0 {
				continue
			}
			x, y, ok := s.geo.Project(dep.Lat, dep.Lon)
			if !ok {
				continue
			}
			d.Map.Dots = append(d.Map.Dots, mapDot{X: num(x), Y: num(y), R: num(4 + 2*math.Sqrt(float64(n))),
				Href:  v.L.URL("/recherche", "near", dep.Code),
				Label: v.L.T("map.dep_dot", dep.Code+" "+dep.Name, v.L.N("entraide.hosters", n))})
		}
	}
	for _, dep := range byDep {
		d.Deps = append(d.Deps, *dep)
	}
	sort.Slice(d.Deps, func(i, j int) bool {
		if (d.Deps[i].Code == "") != (d.Deps[j].Code == "") {
			return d.Deps[j].Code == ""
		}
		return d.Deps[i].Code < d.Deps[j].Code
	})
	v.Data = d
	return s.render(c, http.StatusOK, "map", v)
}
