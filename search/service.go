package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/search/gazetteer"
)

// Request is a search as the API receives it: raw query parameters.
// Multi-valued filters are comma-separated ("category=pad,cloud"), or
// repeated parameters joined with commas by the handler.
type Request struct {
	Q, Near, RadiusKm, Category, Software, Registration, Language, Departement, Page, PerPage string
}

// Response is one page of results.
type Response struct {
	Hits    []APIHit                  `json:"hits"`
	Facets  map[string]map[string]int `json:"facets"`
	Total   int                       `json:"total"`
	Page    int                       `json:"page"`
	PerPage int                       `json:"per_page"`
	Query   *ResolvedPlace            `json:"query"` // nil without near
	// Ignored are the words of q left out because, with them, nothing
	// matched (the least useful first: see Service.Search).
	Ignored []string `json:"ignored_words,omitempty"`
	// Implied are the filters read from the words of q ("sans compte":
	// registration none), which were removed from the text.
	Implied map[string][]string `json:"implied_filters,omitempty"`
	Backend string              `json:"-"`
}

// APIHit is a Document as the API shows it: the offer's fields, its hoster
// in one object, and the distance to the query place.
type APIHit struct {
	ID           string   `json:"id"`
	Kind         string   `json:"kind"`
	OfferURL     string   `json:"offer_url,omitempty"`
	Name         string   `json:"name"`
	Summary      string   `json:"summary,omitempty"`
	Category     string   `json:"category,omitempty"`
	Software     string   `json:"software,omitempty"`
	Registration string   `json:"registration,omitempty"`
	Load         string   `json:"load,omitempty"`
	Audience     string   `json:"audience,omitempty"`
	AreaDeps     []string `json:"area_departements,omitempty"`
	AreaRadiusKm float64  `json:"area_radius_km,omitempty"`
	Languages    []string `json:"languages,omitempty"`
	Status       string   `json:"status,omitempty"`
	URL          string   `json:"url,omitempty"`
	Price        string   `json:"price,omitempty"`
	CharterScore float64  `json:"charter_score"`
	// CharterRequired and CharterAnswered: how many required commitments
	// the charter has and how many the hoster answered.
	CharterRequired int       `json:"charter_required"`
	CharterAnswered int       `json:"charter_answered"`
	Updated         time.Time `json:"updated"`
	Hoster          APIHoster `json:"hoster"`
	DistanceKm      *float64  `json:"distance_km,omitempty"`
}

// APIHoster is the hoster of a hit.
type APIHoster struct {
	ID              int64    `json:"-"`
	Actor           string   `json:"actor"`
	Acct            string   `json:"acct"`
	Name            string   `json:"name"`
	Summary         string   `json:"summary,omitempty"`
	Commune         string   `json:"commune,omitempty"`
	PostalCode      string   `json:"postal_code,omitempty"`
	Departement     string   `json:"departement,omitempty"`
	DepartementName string   `json:"departement_name,omitempty"`
	Region          string   `json:"region,omitempty"`
	Lat             *float64 `json:"lat,omitempty"`
	Lon             *float64 `json:"lon,omitempty"`
	MemberSince     string   `json:"member_since,omitempty"`
	Status          string   `json:"status"`
	// Source: "portee" (a node, signed) or the file format an unsigned
	// record was imported from ("chatonsinfos", "librehosters").
	Source string `json:"source,omitempty"`
}

// ResolvedPlace is the place a query's near= was understood as.
type ResolvedPlace struct {
	Input       string  `json:"input"`
	Label       string  `json:"label"`
	Kind        string  `json:"kind"`
	Commune     string  `json:"commune,omitempty"`
	PostalCode  string  `json:"postal_code,omitempty"`
	Departement string  `json:"departement,omitempty"`
	Lat         float64 `json:"lat"`
	Lon         float64 `json:"lon"`
	// Name is the département's or region's name for those kinds; In is
	// how French says "in" it ("en Loire-Atlantique", "dans le Finistère").
	Name string `json:"name,omitempty"`
	In   string `json:"in,omitempty"`
}

// ParamError is a bad query parameter: HTTP 400 with
// {"error": Reason, "param": Param}.
type ParamError struct {
	Param  string `json:"param"`
	Reason string `json:"error"`
}

func (e *ParamError) Error() string { return "search: " + e.Param + ": " + e.Reason }

// HTTPStatus is 400.
func (e *ParamError) HTTPStatus() int { return http.StatusBadRequest }

// PlaceError is a near= that names no single place: HTTP 422 with the
// candidates (ambiguous) or suggestions (unknown).
type PlaceError struct {
	Query       string            `json:"query"`
	Ambiguous   bool              `json:"ambiguous"`
	Candidates  []gazetteer.Place `json:"candidates,omitempty"`
	Suggestions []gazetteer.Place `json:"suggestions,omitempty"`
}

func (e *PlaceError) Error() string {
	if e.Ambiguous {
		return fmt.Sprintf("search: near: %q names %d places", e.Query, len(e.Candidates))
	}
	return fmt.Sprintf("search: near: unknown place %q", e.Query)
}

// HTTPStatus is 422.
func (e *PlaceError) HTTPStatus() int { return http.StatusUnprocessableEntity }

// Limits of a request.
const (
	DefaultPerPage = 20
	MaxPerPage     = 50
	MaxQueryRunes  = 200
	MaxRadiusKm    = 1000
	maxValues      = 20 // values of one filter
	maxValueRunes  = 100
)

// Service validates API requests, resolves places and asks the index.
type Service struct {
	idx Index
	now func() time.Time
}

// NewService returns a service over idx; now gives the day of the rotation
// seed.
func NewService(idx Index, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{idx: idx, now: now}
}

var (
	languageRe    = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
	registrations = []string{catalog.RegistrationNone, catalog.RegistrationFree, catalog.RegistrationMember, catalog.RegistrationClient}
)

// Seed is the rotation seed of a day: the order of ties changes at
// midnight UTC and holds all day, so that paging stays consistent.
func Seed(t time.Time) string { return t.UTC().Format("2006-01-02") }

// Parse validates r into a Query and the resolved place (nil without
// near). Errors are *ParamError or *PlaceError.
func (s *Service) Parse(r Request) (Query, *ResolvedPlace, error) {
	q := Query{Page: 1, PerPage: DefaultPerPage, Seed: Seed(s.now())}
	q.Text = cleanText(r.Q)
	text, noAccount := accessFilter(q.Text)
	q.Text = text
	var err error
	if q.Page, err = intParam("page", r.Page, 1, 1, math.MaxInt32); err != nil {
		return Query{}, nil, err
	}
	if q.PerPage, err = intParam("per_page", r.PerPage, DefaultPerPage, 1, math.MaxInt32); err != nil {
		return Query{}, nil, err
	}
	q.PerPage = min(q.PerPage, MaxPerPage)
	if (q.Page-1)*q.PerPage >= maxResults {
		return Query{}, nil, &ParamError{"page", fmt.Sprintf("au-delà du %de résultat ; précisez la recherche / beyond result %d; narrow the search", maxResults, maxResults)}
	}
	if q.Categories, err = listParam("category", r.Category, func(v string) bool { return catalog.IsCategory(v) },
		"catégorie inconnue / unknown category"); err != nil {
		return Query{}, nil, err
	}
	if q.Registrations, err = listParam("registration", r.Registration, func(v string) bool {
		for _, k := range registrations {
			if v == k {
				return true
			}
		}
		return false
	}, "doit valoir none, free, member ou client / must be one of none, free, member, client"); err != nil {
		return Query{}, nil, err
	}
	if q.Languages, err = listParam("language", r.Language, languageRe.MatchString, "code de langue invalide / invalid language code"); err != nil {
		return Query{}, nil, err
	}
	if q.Departements, err = listParam("departement", r.Departement, func(v string) bool {
		_, _, ok := gazetteer.Departement(v)
		return ok
	}, "département inconnu / unknown département"); err != nil {
		return Query{}, nil, err
	}
	if q.Software, err = listParam("software", r.Software, func(v string) bool { return true }, ""); err != nil {
		return Query{}, nil, err
	}
	radius := strings.TrimSpace(r.RadiusKm)
	if radius != "" {
		v, err := strconv.ParseFloat(strings.Replace(radius, ",", ".", 1), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return Query{}, nil, &ParamError{"radius_km", "nombre attendu / a number is expected"}
		}
		if v <= 0 || v > MaxRadiusKm {
			return Query{}, nil, &ParamError{"radius_km", fmt.Sprintf("doit être entre 0 et %d km / must be between 0 and %d km", MaxRadiusKm, MaxRadiusKm)}
		}
		q.RadiusKm = v
	}
	var place *ResolvedPlace
	if near := strings.TrimSpace(r.Near); near != "" {
		p, err := gazetteer.Resolve(near)
		var amb *gazetteer.AmbiguousError
		var unk *gazetteer.UnknownError
		switch {
		case err == nil:
		case errors.As(err, &amb):
			return Query{}, nil, &PlaceError{Query: near, Ambiguous: true, Candidates: amb.Candidates}
		case errors.As(err, &unk):
			return Query{}, nil, &PlaceError{Query: near, Suggestions: unk.Suggestions}
		case errors.Is(err, gazetteer.ErrCoordinates):
			return Query{}, nil, &ParamError{"near", "coordonnées hors limites / coordinates out of range"}
		case errors.Is(err, gazetteer.ErrEmpty):
			// A blank place is no place.
		default:
			return Query{}, nil, &ParamError{"near", "lieu illisible / unreadable place"}
		}
		if err == nil {
			q.Near = &Point{Lat: p.Lat, Lon: p.Lon}
			q.NearDep = p.Departement
			place = &ResolvedPlace{Input: near, Label: p.Label, Kind: p.Kind, Commune: p.Commune,
				PostalCode: p.PostalCode, Departement: p.Departement, Lat: p.Lat, Lon: p.Lon, In: gazetteer.InFrench(p)}
			switch p.Kind {
			case gazetteer.KindDepartement:
				place.Name = p.DepartementName
			case gazetteer.KindRegion:
				place.Name = p.Region
			}
		}
	}
	if q.RadiusKm > 0 && q.Near == nil {
		return Query{}, nil, &ParamError{"radius_km", "nécessite near / needs near"}
	}
	// "sans compte" is the filter registration=none, unless the request
	// already filters registration otherwise.
	if noAccount && len(q.Registrations) == 0 {
		q.Registrations = []string{catalog.RegistrationNone}
	}
	return q, place, nil
}

// impliedFilters reports the filters Parse read from the text of r.
func impliedFilters(r Request, q Query) map[string][]string {
	if _, ok := accessFilter(cleanText(r.Q)); ok && strings.TrimSpace(r.Registration) == "" &&
		slices.Equal(q.Registrations, []string{catalog.RegistrationNone}) {
		return map[string][]string{"registration": {catalog.RegistrationNone}}
	}
	return nil
}

// Search answers an API request.
func (s *Service) Search(ctx context.Context, r Request) (*Response, error) {
	q, place, err := s.Parse(r)
	if err != nil {
		return nil, err
	}
	res, ignored, err := s.searchWords(ctx, q)
	if err != nil {
		return nil, err
	}
	out := &Response{Hits: make([]APIHit, 0, len(res.Hits)), Facets: res.Facets, Total: res.Total,
		Page: q.Page, PerPage: q.PerPage, Query: place, Backend: s.idx.Name(), Ignored: ignored,
		Implied: impliedFilters(r, q)}
	if out.Facets == nil {
		out.Facets = emptyFacets()
	}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, apiHit(h))
	}
	return out, nil
}

// searchWords asks the index; when the words together match nothing, it
// drops the least useful ones, as Meilisearch's "last" matching strategy
// does but in an order that keeps what a person asked for, and returns
// the words dropped:
//  1. the words that match nothing by themselves (with the filters);
//  2. the words that name no service nor software ("gratuit",
//     "associatif" in "hébergement nextcloud associatif");
//  3. then words from the end, one at a time.
//
// Both backends go through it, so they drop the same words.
func (s *Service) searchWords(ctx context.Context, q Query) (Result, []string, error) {
	res, err := s.idx.Search(ctx, q)
	if err != nil || res.Total > 0 {
		return res, nil, err
	}
	units := planText(q.Text)
	if len(units) < 2 {
		return res, nil, nil
	}
	try := func(keep []bool) (Result, []string, bool, error) {
		var kept, dropped []string
		for i := range units {
			w := q.Text[units[i].start:units[i].end]
			if keep[i] {
				kept = append(kept, w)
			} else {
				dropped = append(dropped, w)
			}
		}
		if len(kept) == 0 || len(dropped) == 0 {
			return Result{}, nil, false, nil
		}
		sub := q
		sub.Text = strings.Join(kept, " ")
		r, err := s.idx.Search(ctx, sub)
		return r, dropped, err == nil && r.Total > 0, err
	}
	keep := make([]bool, len(units))
	alive := 0
	for i := range units {
		one := q
		one.Text, one.Page, one.PerPage = q.Text[units[i].start:units[i].end], 1, 1
		r, err := s.idx.Search(ctx, one)
		if err != nil {
			return Result{}, nil, err
		}
		keep[i] = r.Total > 0
		if keep[i] {
			alive++
		}
	}
	if alive == 0 {
		return res, nil, nil
	}
	if r, dropped, ok, err := try(keep); err != nil || ok {
		return r, dropped, err
	}
	named := slices.Clone(keep)
	for i := range units {
		named[i] = named[i] && units[i].names()
	}
	if r, dropped, ok, err := try(named); err != nil || ok {
		return r, dropped, err
	}
	for n := len(units) - 1; n >= 1; n-- {
		last := slices.Clone(keep)
		for i := range last {
			if i >= n {
				last[i] = false
			}
		}
		if r, dropped, ok, err := try(last); err != nil || ok {
			return r, dropped, err
		}
	}
	return res, nil, nil
}

func apiHit(h Hit) APIHit {
	d := h.Document
	return APIHit{
		ID: d.ID, Kind: d.Kind, OfferURL: d.OfferURL, Name: d.Name, Summary: d.Summary, Category: d.Category,
		Software: d.Software, Registration: d.Registration, Load: d.Load, Audience: d.Audience,
		AreaDeps: d.AreaDeps, AreaRadiusKm: d.AreaRadiusKm, Languages: d.Languages, Status: d.Status,
		URL: d.ServiceURL, Price: d.Price, CharterScore: d.CharterScore, CharterRequired: d.CharterRequired, CharterAnswered: d.CharterAnswered, Updated: time.Unix(d.Updated, 0).UTC(),
		DistanceKm: h.DistanceKm,
		Hoster: APIHoster{ID: d.HosterID, Actor: d.HosterActor, Acct: d.HosterAcct, Name: d.HosterName,
			Summary: d.HosterSummary, Commune: d.Commune, PostalCode: d.PostalCode, Departement: d.Departement,
			DepartementName: departementName(d.Departement), Region: d.Region, Lat: d.Lat, Lon: d.Lon,
			MemberSince: d.MemberSince, Status: d.HosterStatus, Source: d.HosterSource},
	}
}

// cleanText drops control characters, collapses blanks and cuts the
// query to MaxQueryRunes. A trailing blank is kept: it tells the backends
// the last word is complete (no prefix match).
func cleanText(s string) string {
	var b strings.Builder
	n, space := 0, false
	for _, r := range s {
		if n >= MaxQueryRunes {
			break
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	if space && n < MaxQueryRunes {
		b.WriteByte(' ')
	}
	return b.String()
}

func intParam(name, raw string, def, lo, hi int) (int, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return def, nil
	}
	v, err := strconv.Atoi(raw)
	if err != nil {
		return 0, &ParamError{name, "entier attendu / an integer is expected"}
	}
	if v < lo || v > hi {
		return 0, &ParamError{name, fmt.Sprintf("doit être au moins %d / must be at least %d", lo, lo)}
	}
	return v, nil
}

func listParam(name, raw string, ok func(string) bool, reason string) ([]string, error) {
	var out []string
	for _, v := range strings.Split(raw, ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if len([]rune(v)) > maxValueRunes || strings.ContainsFunc(v, unicode.IsControl) {
			return nil, &ParamError{name, "valeur trop longue ou illisible / value too long or unreadable"}
		}
		if !ok(v) {
			return nil, &ParamError{name, fmt.Sprintf("%q : %s", v, reason)}
		}
		out = append(out, v)
	}
	if len(out) > maxValues {
		return nil, &ParamError{name, fmt.Sprintf("au plus %d valeurs / at most %d values", maxValues, maxValues)}
	}
	return out, nil
}
