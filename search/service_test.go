package search_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"codeberg.org/portee/portee/search"
	"codeberg.org/portee/portee/search/searchtest"
)

func sampleService(t testing.TB) *search.Service {
	t.Helper()
	e := newEmbedded(t, "")
	if err := e.Upsert(context.Background(), searchtest.Sample()); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)
	return search.NewService(e, func() time.Time { return day })
}

func TestServiceValidation(t *testing.T) {
	s := sampleService(t)
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		req   search.Request
		param string // "" : a PlaceError is expected
		amb   bool
	}{
		{"page zero", search.Request{Page: "0"}, "page", false},
		{"page text", search.Request{Page: "deux"}, "page", false},
		{"page too deep", search.Request{Page: "60", PerPage: "20"}, "page", false},
		{"per_page zero", search.Request{PerPage: "0"}, "per_page", false},
		{"per_page negative", search.Request{PerPage: "-3"}, "per_page", false},
		{"radius text", search.Request{Near: "44600", RadiusKm: "abc"}, "radius_km", false},
		{"radius zero", search.Request{Near: "44600", RadiusKm: "0"}, "radius_km", false},
		{"radius too large", search.Request{Near: "44600", RadiusKm: "5000"}, "radius_km", false},
		{"radius NaN", search.Request{Near: "44600", RadiusKm: "NaN"}, "radius_km", false},
		{"radius without near", search.Request{RadiusKm: "20"}, "radius_km", false},
		{"unknown category", search.Request{Category: "pad,nuage"}, "category", false},
		{"bad registration", search.Request{Registration: "freee"}, "registration", false},
		{"bad language", search.Request{Language: "français"}, "language", false},
		{"unknown département", search.Request{Departement: "100"}, "departement", false},
		{"coordinates out of range", search.Request{Near: "95,200"}, "near", false},
		{"unknown postal code", search.Request{Near: "99999"}, "", false},
		{"ambiguous commune", search.Request{Near: "Saint-Denis"}, "", true},
	} {
		_, err := s.Search(ctx, c.req)
		var pe *search.ParamError
		var ple *search.PlaceError
		switch {
		case c.param != "":
			if !errors.As(err, &pe) || pe.Param != c.param || pe.HTTPStatus() != 400 {
				t.Errorf("%s: err = %v, want a 400 on %s", c.name, err, c.param)
			}
		case !errors.As(err, &ple) || ple.Ambiguous != c.amb || ple.HTTPStatus() != 422:
			t.Errorf("%s: err = %v, want a 422 place error (ambiguous %v)", c.name, err, c.amb)
		case c.amb && len(ple.Candidates) < 2:
			t.Errorf("%s: candidates %v", c.name, ple.Candidates)
		}
	}
	r, err := s.Search(ctx, search.Request{PerPage: "500"})
	if err != nil || r.PerPage != search.MaxPerPage {
		t.Errorf("per_page=500: %v, per_page %d, want capped to %d", err, r.PerPage, search.MaxPerPage)
	}
	q, _, err := s.Parse(search.Request{Q: strings.Repeat("é", 300)})
	if err != nil || utf8.RuneCountInString(q.Text) != search.MaxQueryRunes {
		t.Errorf("long q: %v, %d runes", err, utf8.RuneCountInString(q.Text))
	}
	q, _, err = s.Parse(search.Request{Q: "  pad\x00 \t nantes ", Category: "pad, cloud", Departement: "2A,974"})
	if err != nil || q.Text != "pad nantes " || !slices.Equal(q.Categories, []string{"pad", "cloud"}) ||
		!slices.Equal(q.Departements, []string{"2A", "974"}) {
		t.Errorf("parse: %v %+v", err, q)
	}
}

func TestServiceSearch(t *testing.T) {
	s := sampleService(t)
	ctx := context.Background()
	r, err := s.Search(ctx, search.Request{Q: "pad", Near: "44600"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Hits) < 3 || r.Hits[0].Hoster.Commune != "Saint-Nazaire" {
		t.Fatalf("pad near 44600: %+v", r.Hits)
	}
	prev := -1.0
	for _, h := range r.Hits[:3] {
		if h.DistanceKm == nil || *h.DistanceKm < prev {
			t.Errorf("distances not increasing: %+v", r.Hits)
		}
		prev = *h.DistanceKm
	}
	if r.Query == nil || r.Query.PostalCode != "44600" || r.Query.Departement != "44" {
		t.Errorf("resolved place: %+v", r.Query)
	}
	for _, f := range []string{"category", "software", "registration", "departement"} {
		if _, ok := r.Facets[f]; !ok {
			t.Errorf("facet %s missing", f)
		}
	}
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	json.Unmarshal(raw, &generic)
	for _, k := range []string{"hits", "facets", "total", "query", "page", "per_page"} {
		if _, ok := generic[k]; !ok {
			t.Errorf("JSON has no %q: %s", k, raw)
		}
	}
	hit := generic["hits"].([]any)[0].(map[string]any)
	hoster, _ := hit["hoster"].(map[string]any)
	for _, k := range []string{"actor", "acct", "name", "commune", "postal_code", "departement", "status"} {
		if _, ok := hoster[k]; !ok {
			t.Errorf("hit.hoster has no %q: %v", k, hoster)
		}
	}
	if _, ok := hit["distance_km"]; !ok {
		t.Errorf("hit has no distance_km: %v", hit)
	}

	// Same day, same order, page after page.
	a, _ := s.Search(ctx, search.Request{Category: "wiki"})
	b, _ := s.Search(ctx, search.Request{Category: "wiki"})
	if len(a.Hits) != 6 || !slices.EqualFunc(a.Hits, b.Hits, func(x, y search.APIHit) bool { return x.ID == y.ID }) {
		t.Errorf("order changed within a day")
	}
	r, err = s.Search(ctx, search.Request{Near: "Saint-Nazaire (44)", RadiusKm: "10"})
	if err != nil || r.Total != 2 {
		t.Errorf("radius 10 km around Saint-Nazaire: %v, total %d", err, r.Total)
	}
	r, err = s.Search(ctx, search.Request{Q: "nextclud"})
	if err != nil || len(r.Hits) == 0 || r.Hits[0].Software != "Nextcloud" {
		t.Errorf("nextclud: %v %+v", err, r)
	}
}

func TestSeedChangesDaily(t *testing.T) {
	d := time.Date(2025, 3, 14, 23, 59, 0, 0, time.UTC)
	if search.Seed(d) == search.Seed(d.Add(2*time.Minute)) || search.Seed(d) != search.Seed(d.Add(-23*time.Hour)) {
		t.Errorf("seed should change at midnight and only then")
	}
}

func FuzzServiceSearch(f *testing.F) {
	for _, r := range []search.Request{
		{Q: "pad", Near: "44600"}, {Q: "nextclud", PerPage: "5", Page: "2"}, {Near: "47.27,-2.21", RadiusKm: "12.5"},
		{Category: "pad,cloud", Registration: "free", Language: "fr"}, {Near: "Saint-Denis"}, {Near: "99999"},
		{RadiusKm: "abc"}, {Q: "\"visio\" OR _geoRadius(1,2,3)", Software: `Jitsi "Meet"`}, {Departement: "2A"},
	} {
		f.Add(r.Q, r.Near, r.RadiusKm, r.Category, r.Software, r.Registration, r.Language, r.Departement, r.Page, r.PerPage)
	}
	s := sampleService(f)
	f.Fuzz(func(t *testing.T, q, near, radius, category, software, registration, language, dep, page, perPage string) {
		r, err := s.Search(context.Background(), search.Request{Q: q, Near: near, RadiusKm: radius, Category: category,
			Software: software, Registration: registration, Language: language, Departement: dep, Page: page, PerPage: perPage})
		var pe *search.ParamError
		var ple *search.PlaceError
		if err != nil {
			if !errors.As(err, &pe) && !errors.As(err, &ple) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			if r != nil {
				t.Fatalf("both a response and an error")
			}
			return
		}
		if r.PerPage < 1 || r.PerPage > search.MaxPerPage || len(r.Hits) > r.PerPage || r.Total < len(r.Hits) {
			t.Fatalf("response out of bounds: per_page %d, %d hits, total %d", r.PerPage, len(r.Hits), r.Total)
		}
	})
}
