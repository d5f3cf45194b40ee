package frontend

import (
	"context"
	"strings"
)

// activeFilter is one filter of a search as the visitor sees it: kept as a
// checked box in the form, listed with a remove link next to the count.
type activeFilter struct {
	Param, Value string
	Title, Label string // "Service", "Pad"
	Remove       string // the same search without this filter
}

// filterParams are the parameters that narrow a search, in the order the
// page lists them (the facets' order, then language).
var filterParams = []struct{ param, key string }{
	{"category", "facet.category"}, {"registration", "facet.registration"},
	{"software", "facet.software"}, {"departement", "facet.departement"},
	{"language", "filters.language"},
}

func (f searchForm) value(param string) string {
	switch param {
	case "category":
		return f.Category
	case "registration":
		return f.Registration
	case "software":
		return f.Software
	case "departement":
		return f.Departement
	case "language":
		return f.Language
	}
	return ""
}

// Active lists the form's filters. The form shows them as checked boxes, so
// that resubmitting it keeps exactly the filters still ticked: none is
// carried along unseen.
func (f searchForm) Active(l *Localizer) []activeFilter {
	var out []activeFilter
	for _, p := range filterParams {
		v := f.value(p.param)
		if v == "" {
			continue
		}
		label, ok := facetLabel(l, p.param, v)
		if !ok || p.param == "language" {
			label = v
		}
		out = append(out, activeFilter{Param: p.param, Value: v, Title: l.T(p.key), Label: label,
			Remove: f.with(p.param, "").href(l, 1)})
	}
	return out
}

// withoutFilters is the same search (words, place, radius) with no filter.
func (f searchForm) withoutFilters() searchForm {
	for _, p := range filterParams {
		f = f.with(p.param, "")
	}
	return f
}

// unfiltered says how many results the search has without its filters,
// when it has none with them: a category page's filter (or a facet kept
// from an earlier search) must never silently empty a page.
type unfiltered struct {
	Filters string // "Service : Pad, Accès : sans compte"
	Count   int
	Href    string
}

func (s *Server) explainEmpty(ctx context.Context, l *Localizer, f searchForm, active []activeFilter) *unfiltered {
	if len(active) == 0 {
		return nil
	}
	g := f.withoutFilters()
	resp, err := s.search.Search(ctx, g.request("1"))
	if err != nil || resp.Total == 0 {
		return nil
	}
	names := make([]string, len(active))
	for i, a := range active {
		names[i] = l.T("filters.item", a.Title, a.Label)
	}
	return &unfiltered{Filters: strings.Join(names, ", "), Count: resp.Total, Href: g.href(l, 1)}
}

// usefulFacets drops a facet group that cannot narrow the results: its
// only value already holds every result.
func usefulFacets(groups []facetGroup, total int) []facetGroup {
	out := groups[:0:0]
	for _, g := range groups {
		if len(g.Values) == 1 && g.Values[0].Count >= total {
			continue
		}
		out = append(out, g)
	}
	return out
}
