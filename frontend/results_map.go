package frontend

import (
	"strconv"
	"strings"

	"codeberg.org/portee/portee/search"
)

// resultsMap draws a page of results: one numbered dot per hoster (the
// numbers of its results in the list), the searched place marked, the
// frame fitted to both. Nil when nothing on the page is located.
func (s *Server) resultsMap(l *Localizer, items []offerItem, place *search.ResolvedPlace) *mapView {
	type spot struct {
		x, y       float64
		name, href string
		nums       []string
	}
	var spots []*spot
	byHoster := map[string]*spot{}
	var points [][2]float64
	for i, it := range items {
		if it.Lat == nil || it.Lon == nil {
			continue
		}
		if sp := byHoster[it.HosterAcct]; sp != nil {
			sp.nums = append(sp.nums, strconv.Itoa(i+1))
			continue
		}
		x, y, ok := s.geo.Project(*it.Lat, *it.Lon)
		if !ok {
			continue
		}
		sp := &spot{x: x, y: y, name: it.HosterName, href: it.HosterHref, nums: []string{strconv.Itoa(i + 1)}}
		byHoster[it.HosterAcct] = sp
		spots = append(spots, sp)
		points = append(points, [2]float64{x, y})
	}
	if len(spots) == 0 {
		return nil
	}
	var hx, hy float64
	here := false
	if place != nil {
		hx, hy, here = s.geo.Project(place.Lat, place.Lon)
		if here {
			points = append(points, [2]float64{hx, hy})
		}
	}
	m := s.geo.newMapView(points, 220, s.assets.URL("france.svg"), l.T("map.label_results"))
	for _, sp := range spots {
		m.dot(sp.x, sp.y, sp.href, l.T("map.dot_results", strings.Join(sp.nums, ", "), sp.name), sp.nums[0])
	}
	if here {
		m.here(hx, hy, place.Label)
	}
	return m
}
