package frontend

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/search"
	"codeberg.org/portee/portee/search/gazetteer"
	"github.com/labstack/echo/v4"
)

// Limits on what a visitor types: a longer query is cut, not refused.
const (
	maxQueryRunes = 200
	maxFieldRunes = 100
	facetValues   = 12
)

// searchForm is the search as the visitor sent it; field names are the
// API's parameter names.
type searchForm struct {
	Q, Near, RadiusKm, Category, Software, Registration, Language, Departement string
}

// formFrom reads the search parameters, cutting over-long ones.
func formFrom(c echo.Context) (f searchForm, truncated bool) {
	cut := func(s string, n int) string {
		s = strings.TrimSpace(s)
		if utf8.RuneCountInString(s) <= n {
			return s
		}
		truncated = true
		return strings.TrimSpace(string([]rune(s)[:n]))
	}
	f = searchForm{Q: cut(c.QueryParam("q"), maxQueryRunes), Near: cut(c.QueryParam("near"), maxFieldRunes),
		RadiusKm: cut(c.QueryParam("radius_km"), 12), Category: cut(c.QueryParam("category"), maxFieldRunes),
		Software: cut(c.QueryParam("software"), maxFieldRunes), Registration: cut(c.QueryParam("registration"), maxFieldRunes),
		Language: cut(c.QueryParam("language"), 12), Departement: cut(c.QueryParam("departement"), 12)}
	return f, truncated
}

func (f searchForm) request(page string) search.Request {
	return search.Request{Q: f.Q, Near: f.Near, RadiusKm: f.RadiusKm, Category: f.Category, Software: f.Software,
		Registration: f.Registration, Language: f.Language, Departement: f.Departement, Page: page}
}

// with returns the form with one parameter changed ("" removes it).
func (f searchForm) with(param, value string) searchForm {
	switch param {
	case "q":
		f.Q = value
	case "near":
		f.Near = value
	case "radius_km":
		f.RadiusKm = value
	case "category":
		f.Category = value
	case "software":
		f.Software = value
	case "registration":
		f.Registration = value
	case "language":
		f.Language = value
	case "departement":
		f.Departement = value
	}
	return f
}

// href is the results page for this search (page 1 is implied).
func (f searchForm) href(l *Localizer, page int) string {
	if page <= 1 {
		page = 0
	}
	return l.URL("/recherche", "q", f.Q, "near", f.Near, "radius_km", f.RadiusKm, "category", f.Category,
		"software", f.Software, "registration", f.Registration, "language", f.Language,
		"departement", f.Departement, "page", page)
}

type resultsData struct {
	Form      searchForm
	Intro     string
	Searched  bool
	Truncated bool
	Problem   *searchProblem
	Place     string
	// NearText follows the count: "près de Saint-Nazaire (44600)", "en
	// Loire-Atlantique", or, when nothing is within nearKm, how far the
	// nearest is.
	NearText string
	// Ignored are the words the search left out ("mots ignorés : …");
	// NoAccount says an access phrase became the registration filter.
	Ignored    string
	NoAccount  bool
	Items      []offerItem
	Total      int
	Page       int
	Pages      int
	Prev       string
	Next       string
	Facets     []facetGroup
	Widen      []link
	Map        *mapView
	Active     []activeFilter // filters applied, each removable
	Unfiltered *unfiltered    // no result with the filters, some without
}

type searchProblem struct {
	Message   string
	Ambiguous bool
	Places    []link
}

type link struct{ Label, Href string }

type facetGroup struct {
	Title  string
	Values []facetValue
}

type facetValue struct {
	Label, Href, Remove string
	Count               int
	Active              bool
}

// searchPage is /recherche: the results of a GET search form.
func (s *Server) searchPage(c echo.Context) error {
	v := s.newView(c, "home")
	f, truncated := formFrom(c)
	switch {
	case f.Q != "":
		v.Title = v.L.T("results.title_q", f.Q)
	case catalog.IsCategory(f.Category):
		v.Title = v.L.T("category." + f.Category + ".find")
	default:
		v.Title = v.L.T("results.title")
	}
	return s.results(c, v, f, truncated, "")
}

// results runs the search and renders the results page; the status is 400
// or 422 when the parameters or the place are wrong, with the form and a
// friendly message all the same.
func (s *Server) results(c echo.Context, v *view, f searchForm, truncated bool, intro string) error {
	if f.Near == "" {
		// The form's radius choice means nothing without a place.
		f.RadiusKm = ""
	}
	d := &resultsData{Form: f, Intro: intro, Truncated: truncated, Page: pageParam(c.QueryParam("page"))}
	v.Data = d
	status := http.StatusOK
	resp, err := s.search.Search(c.Request().Context(), f.request(strconv.Itoa(d.Page)))
	var pe *search.ParamError
	var le *search.PlaceError
	switch {
	case errors.As(err, &pe):
		status = http.StatusBadRequest
		d.Problem = &searchProblem{Message: v.L.T("results.bad_param", pe.Param)}
	case errors.As(err, &le):
		status = http.StatusUnprocessableEntity
		d.Problem = s.placeProblem(v.L, f, le)
	case errors.Is(err, search.ErrUnavailable):
		status = http.StatusServiceUnavailable
		d.Problem = &searchProblem{Message: v.L.T("results.unavailable")}
	case err != nil:
		return err
	default:
		s.fillResults(v, d, resp)
		d.Active = f.Active(v.L)
		if d.Total == 0 {
			d.Unfiltered = s.explainEmpty(c.Request().Context(), v.L, f, d.Active)
			d.Widen = s.suggestions(c.Request().Context(), v.L, d.Form)
		}
	}
	return s.render(c, status, "results", v)
}

func (s *Server) placeProblem(l *Localizer, f searchForm, e *search.PlaceError) *searchProblem {
	p := &searchProblem{Ambiguous: e.Ambiguous}
	places := e.Suggestions
	if e.Ambiguous {
		p.Message = l.T("results.ambiguous_place", e.Query)
		places = e.Candidates
	} else {
		p.Message = l.T("results.unknown_place", e.Query)
	}
	for _, pl := range places {
		p.Places = append(p.Places, link{Label: pl.Label, Href: f.with("near", nearValue(pl)).href(l, 1)})
	}
	return p
}

// nearValue is what to put in "near" to get exactly this place back.
func nearValue(p gazetteer.Place) string {
	switch {
	case p.Kind == gazetteer.KindDepartement:
		return p.Departement
	case p.Commune != "" && p.PostalCode != "":
		return p.Commune + " " + p.PostalCode
	case p.Commune != "" && p.Departement != "":
		return p.Commune + " (" + p.Departement + ")"
	}
	return p.Label
}

func (s *Server) fillResults(v *view, d *resultsData, resp *search.Response) {
	l := v.L
	d.Searched = true
	d.Total = resp.Total
	if resp.Query != nil {
		d.Place = resp.Query.Label
		d.NearText = nearText(l, resp)
	}
	d.Ignored = strings.Join(resp.Ignored, ", ")
	d.NoAccount = len(resp.Implied["registration"]) > 0
	var points [][2]float64
	for _, h := range resp.Hits {
		it := itemFromHit(l, h)
		d.Items = append(d.Items, it)
		if it.Lat != nil && it.Lon != nil {
			if x, y, ok := s.geo.Project(*it.Lat, *it.Lon); ok {
				points = append(points, [2]float64{x, y})
			}
		}
	}
	d.Pages, d.Prev, d.Next = pager(d.Page, resp.PerPage, resp.Total, func(p int) string { return d.Form.href(l, p) })
	d.Facets = usefulFacets(s.facets(l, d.Form, resp.Facets), d.Total)
	if len(points) > 0 {
		vb, scale := s.geo.view(points, true, 220)
		m := &mapView{ViewBox: vb, Base: s.assets.URL("france.svg"), W: mapWidth, H: mapHeight, Label: l.T("map.label_results")}
		seen := map[string]bool{}
		for _, it := range d.Items {
			if it.Lat == nil || it.Lon == nil || seen[it.HosterAcct] {
				continue
			}
			seen[it.HosterAcct] = true
			if x, y, ok := s.geo.Project(*it.Lat, *it.Lon); ok {
				m.Dots = append(m.Dots, mapDot{X: num(x), Y: num(y), R: num(7 * scale), Href: it.HosterHref, Label: it.HosterName})
			}
		}
		d.Map = m
		v.MapFooter = true
	}
}

// nearKm is how far a result is still "près de" the place searched.
const nearKm = 100

// nearText says where the results are: "près de Saint-Nazaire (44600)",
// "en Loire-Atlantique"; when the nearest result of the page is farther
// than nearKm, it says so instead of "près de".
func nearText(l *Localizer, resp *search.Response) string {
	p := resp.Query
	where := l.T("results.near", p.Label)
	if p.Name != "" && (p.Kind == gazetteer.KindDepartement || p.Kind == gazetteer.KindRegion) {
		in := p.In
		if l.Lang != langFR {
			in = p.Name
		}
		where = l.T("results.in_area", in)
	}
	var nearest *float64
	for _, h := range resp.Hits {
		if h.DistanceKm != nil && (nearest == nil || *h.DistanceKm < *nearest) {
			nearest = h.DistanceKm
		}
	}
	if nearest != nil && *nearest > nearKm {
		return l.T("results.nearest_far", l.Km(nearKm), p.Label, l.Km(*nearest))
	}
	return where
}

// suggestions are what to try after an empty search: read from what was
// typed, the closest services and software that have offers, then a
// larger radius and fewer filters (widen), then everything near the place.
func (s *Server) suggestions(ctx context.Context, l *Localizer, f searchForm) []link {
	var out []link
	if f.Q != "" {
		browse, err := s.search.Search(ctx, search.Request{Near: f.Near, PerPage: "1"})
		if err == nil {
			var offered []string
			for sw := range browse.Facets["software"] {
				offered = append(offered, sw)
			}
			sort.Strings(offered)
			sg := search.Suggest(f.Q, offered)
			for _, c := range sg.Categories {
				if browse.Facets["service"][c] > 0 && c != f.Category {
					out = append(out, link{Label: l.T("results.suggest_category", l.T("category."+c)),
						Href: searchForm{Near: f.Near, RadiusKm: f.RadiusKm, Category: c}.href(l, 1)})
				}
			}
			for _, sw := range sg.Software {
				out = append(out, link{Label: l.T("results.suggest_software", sw),
					Href: searchForm{Near: f.Near, RadiusKm: f.RadiusKm, Software: sw}.href(l, 1)})
			}
		}
	}
	out = append(out, widen(l, f)...)
	if f.Q != "" {
		label := l.T("results.suggest_all")
		if f.Near != "" {
			label = l.T("results.suggest_all_near", f.Near)
		}
		out = append(out, link{Label: label, Href: searchForm{Near: f.Near}.href(l, 1)})
	}
	return out
}

// widen suggests what to try after an empty search: a larger radius, no
// radius, no category, no other filter.
func widen(l *Localizer, f searchForm) []link {
	var out []link
	if r, err := strconv.ParseFloat(strings.Replace(f.RadiusKm, ",", ".", 1), 64); err == nil && r > 0 {
		for _, k := range []float64{r * 3, r * 10} {
			if k <= 1000 {
				out = append(out, link{Label: l.T("results.widen", l.Km(k)), Href: f.with("radius_km", strconv.Itoa(int(k))).href(l, 1)})
			}
		}
		out = append(out, link{Label: l.T("results.all_france"), Href: f.with("radius_km", "").href(l, 1)})
	}
	if f.Category != "" {
		out = append(out, link{Label: l.T("results.without_category"), Href: f.with("category", "").href(l, 1)})
	}
	if f.Software != "" || f.Registration != "" || f.Departement != "" || f.Language != "" {
		g := f.with("software", "").with("registration", "").with("departement", "").with("language", "")
		out = append(out, link{Label: l.T("results.without_filters"), Href: g.href(l, 1)})
	}
	return out
}

// radiusChoices are the distances the search form offers.
var radiusChoices = []string{"10", "30", "50", "100", "200"}

type radiusChoice struct {
	Value    string
	Selected bool
}

// RadiusChoices are the form's distances, the current one selected (kept
// even when it is not one of radiusChoices).
func (f searchForm) RadiusChoices() []radiusChoice {
	var out []radiusChoice
	found := false
	for _, r := range radiusChoices {
		out = append(out, radiusChoice{Value: r, Selected: r == f.RadiusKm})
		found = found || r == f.RadiusKm
	}
	if !found && f.RadiusKm != "" {
		out = append(out, radiusChoice{Value: f.RadiusKm, Selected: true})
	}
	return out
}

// facetOrder is the order facet groups are shown in, with their titles.
var facetOrder = []struct{ name, key string }{
	{"category", "facet.category"}, {"registration", "facet.registration"},
	{"software", "facet.software"}, {"departement", "facet.departement"},
}

func (s *Server) facets(l *Localizer, f searchForm, counts map[string]map[string]int) []facetGroup {
	var out []facetGroup
	for _, fo := range facetOrder {
		values := counts[fo.name]
		if len(values) == 0 {
			continue
		}
		current := ""
		switch fo.name {
		case "category":
			current = f.Category
		case "registration":
			current = f.Registration
		case "software":
			current = f.Software
		case "departement":
			current = f.Departement
		}
		g := facetGroup{Title: l.T(fo.key)}
		for val, n := range values {
			if n == 0 && val != current {
				continue
			}
			label, ok := facetLabel(l, fo.name, val)
			if !ok {
				continue
			}
			g.Values = append(g.Values, facetValue{Label: label, Count: n, Active: val == current,
				Href: f.with(fo.name, val).href(l, 1), Remove: f.with(fo.name, "").href(l, 1)})
		}
		sort.Slice(g.Values, func(i, j int) bool {
			a, b := g.Values[i], g.Values[j]
			if a.Active != b.Active {
				return a.Active
			}
			if a.Count != b.Count {
				return a.Count > b.Count
			}
			return a.Label < b.Label
		})
		if len(g.Values) > facetValues {
			g.Values = g.Values[:facetValues]
		}
		if len(g.Values) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// facetLabel translates a facet value; values without a translation (a
// category we do not know) are not shown.
func facetLabel(l *Localizer, facet, val string) (string, bool) {
	switch facet {
	case "category":
		return l.T("category." + val), catalog.IsCategory(val)
	case "registration":
		switch val {
		case catalog.RegistrationNone, catalog.RegistrationFree, catalog.RegistrationMember, catalog.RegistrationClient:
			return l.T("registration." + val), true
		}
		return "", false
	case "departement":
		if name, _, ok := gazetteer.Departement(val); ok {
			return val + " " + name, true
		}
		return "", false
	}
	return val, val != ""
}

// itemFromHit turns an API hit into what the pages show. A hit of kind
// "hoster" is a hoster without offers: it links to the hoster only.
func itemFromHit(l *Localizer, h search.APIHit) offerItem {
	it := offerItem{Name: h.Name, Summary: h.Summary, Category: h.Category, Software: h.Software,
		Registration: h.Registration, Load: h.Load, Price: h.Price, URL: h.URL, Status: h.Status,
		HosterName: h.Hoster.Name, HosterAcct: h.Hoster.Acct, HosterStatus: knownStatus(h.Hoster.Status),
		Commune: h.Hoster.Commune, PostalCode: h.Hoster.PostalCode, Departement: h.Hoster.Departement,
		Distance: h.DistanceKm, Lat: h.Hoster.Lat, Lon: h.Hoster.Lon}
	it.HosterHref = hosterHref(l, h.Hoster.Acct)
	it.HosterSource = knownSource(h.Hoster.Source)
	if h.Kind == "hoster" {
		it.IsHoster = true
		it.Href = it.HosterHref
		return it
	}
	if !catalog.IsCategory(it.Category) {
		it.Category = "other"
	}
	switch it.Registration {
	case catalog.RegistrationNone, catalog.RegistrationFree, catalog.RegistrationMember, catalog.RegistrationClient:
	default:
		it.Registration = catalog.RegistrationClient
	}
	if it.Load != catalog.LoadFull {
		it.Load = catalog.LoadOpen
	}
	if id, err := strconv.ParseInt(strings.TrimPrefix(h.ID, "o"), 10, 64); err == nil && strings.HasPrefix(h.ID, "o") {
		it.ID = id
		it.Href = offerHref(l, id)
	}
	return it
}
