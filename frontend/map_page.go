package frontend

import (
	"net/http"
	"sort"
	"strconv"

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
	d := &mapData{Map: s.geo.newMapView(nil, 0, s.assets.URL("france.svg"), v.L.T("map.label"))}
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
	for _, dep := range byDep {
		d.Deps = append(d.Deps, *dep)
	}
	sort.Slice(d.Deps, func(i, j int) bool {
		if (d.Deps[i].Code == "") != (d.Deps[j].Code == "") {
			return d.Deps[j].Code == ""
		}
		return d.Deps[i].Code < d.Deps[j].Code
	})
	if len(dots) <= mapDotsMax {
		// The dots carry the numbers of the list by département below.
		nums := map[string]int{}
		n := 0
		for i := range d.Deps {
			for j := range d.Deps[i].Hosters {
				n++
				d.Deps[i].Hosters[j].Num = n
				nums[d.Deps[i].Hosters[j].Href] = n
			}
		}
		for _, p := range dots {
			href := hosterHref(v.L, p.h.Acct())
			num := ""
			if k := nums[href]; k > 0 {
				num = strconv.Itoa(k)
			}
			d.Map.dot(p.x, p.y, href, p.h.Name+sourceLabel(v.L, p.h.Source), num)
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
			d.Map.dot(x, y, v.L.URL("/recherche", "near", dep.Code),
				v.L.T("map.dep_dot", dep.Code+" "+dep.Name, v.L.N("entraide.hosters", n)), strconv.Itoa(n))
		}
	}
	v.Data = d
	return s.render(c, http.StatusOK, "map", v)
}
