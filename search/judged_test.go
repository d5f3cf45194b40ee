package search_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"codeberg.org/portee/portee/search"
	"codeberg.org/portee/portee/search/gazetteer"
)

type fixtureOffer struct {
	Key          string   `yaml:"key"`
	Name         string   `yaml:"name"`
	Category     string   `yaml:"category"`
	Software     string   `yaml:"software"`
	Summary      string   `yaml:"summary"`
	Registration string   `yaml:"registration"`
	Load         string   `yaml:"load"`
	Audience     string   `yaml:"audience"`
	AreaDeps     []string `yaml:"area_departements"`
	AreaRadiusKm float64  `yaml:"area_radius_km"`
	Price        string   `yaml:"price"`
}

type fixtureHoster struct {
	Username    string         `yaml:"username"`
	Name        string         `yaml:"name"`
	Commune     string         `yaml:"commune"`
	PostalCode  string         `yaml:"postal_code"`
	Departement string         `yaml:"departement"`
	Lat         float64        `yaml:"lat"`
	Lon         float64        `yaml:"lon"`
	Status      string         `yaml:"status"`
	Offers      []fixtureOffer `yaml:"offers"`
}

type judgedQuery struct {
	Q        string   `yaml:"q"`
	Near     string   `yaml:"near"`
	RadiusKm string   `yaml:"radius_km"`
	Category string   `yaml:"category"`
	Want     []string `yaml:"want"`
	WantAny  []string `yaml:"want_any"`
	Note     string   `yaml:"note"`
}

func readYAML(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// fixtureDocuments reads testdata/catalog.yaml; keys maps "username/key"
// to document ids.
func fixtureDocuments(t testing.TB) (docs []search.Document, keys map[string]string) {
	var f struct {
		Hosters []fixtureHoster `yaml:"hosters"`
	}
	readYAML(t, "testdata/catalog.yaml", &f)
	keys = map[string]string{}
	var id int64
	for hi, h := range f.Hosters {
		status := h.Status
		if status == "" {
			status = "active"
		}
		_, region, _ := gazetteer.Departement(h.Departement)
		for _, o := range h.Offers {
			id++
			lat, lon := h.Lat, h.Lon
			d := search.Document{
				ID: fmt.Sprintf("o%d", id), Kind: "offer", OfferID: id,
				OfferURL: fmt.Sprintf("https://%s.example/offers/%s", h.Username, o.Key),
				Name:     o.Name, Summary: o.Summary, Category: o.Category, Software: o.Software,
				Registration: or(o.Registration, "free"), Load: or(o.Load, "open"), Audience: or(o.Audience, "everyone"),
				AreaDeps: o.AreaDeps, AreaRadiusKm: o.AreaRadiusKm, Languages: []string{"fr"}, Status: "ok",
				ServiceURL: fmt.Sprintf("https://%s.%s.example/", o.Key, h.Username), Price: or(o.Price, "gratuit"),
				HosterID: int64(hi + 1), HosterActor: fmt.Sprintf("https://%s.example/hosters/%s", h.Username, h.Username),
				HosterAcct: h.Username + "@" + h.Username + ".example", HosterName: h.Name, HosterStatus: status,
				Commune: h.Commune, PostalCode: h.PostalCode, Departement: h.Departement, Region: region,
				Lat: &lat, Lon: &lon, CharterScore: 1, Updated: 1740000000 + id,
			}
			k := h.Username + "/" + o.Key
			if _, dup := keys[k]; dup {
				t.Fatalf("duplicate offer key %s", k)
			}
			keys[k] = d.ID
			docs = append(docs, d)
		}
	}
	return docs, keys
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// judgedSeeds: the share is measured over several days, so that a query
// satisfied only by a lucky rotation does not count as satisfied.
var judgedSeeds = []time.Time{
	time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC),
	time.Date(2025, 3, 15, 12, 0, 0, 0, time.UTC),
	time.Date(2025, 3, 16, 12, 0, 0, 0, time.UTC),
	time.Date(2025, 3, 17, 12, 0, 0, 0, time.UTC),
}

// judge runs the judged set on idx and returns the share satisfied.
func judge(t *testing.T, idx search.Index) float64 {
	ctx := context.Background()
	docs, keys := fixtureDocuments(t)
	if err := idx.Configure(ctx); err != nil {
		t.Fatal(err)
	}
	if err := idx.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for k, id := range keys {
		names[id] = k
	}
	var queries []judgedQuery
	readYAML(t, "testdata/judged.yaml", &queries)
	if len(queries) < 40 {
		t.Fatalf("judged set has %d queries, want at least 40", len(queries))
	}
	ok, total := 0, 0
	for _, jq := range queries {
		for _, k := range append(slices.Clone(jq.Want), jq.WantAny...) {
			if _, found := keys[k]; !found {
				t.Fatalf("judged query %q names unknown offer %s", jq.Q, k)
			}
		}
		for _, day := range judgedSeeds {
			total++
			s := search.NewService(idx, func() time.Time { return day })
			r, err := s.Search(ctx, search.Request{Q: jq.Q, Near: jq.Near, RadiusKm: jq.RadiusKm, Category: jq.Category, PerPage: "10"})
			if err != nil {
				t.Errorf("%q near %q: %v", jq.Q, jq.Near, err)
				continue
			}
			var top []string
			for _, h := range r.Hits[:min(3, len(r.Hits))] {
				top = append(top, names[h.ID])
			}
			good := true
			for _, k := range jq.Want {
				good = good && slices.Contains(top, k)
			}
			if len(jq.WantAny) > 0 {
				good = good && slices.ContainsFunc(jq.WantAny, func(k string) bool { return slices.Contains(top, k) })
			}
			if good {
				ok++
				continue
			}
			t.Logf("%s: unsatisfied %q near %q (%s) on %s: top 3 %v, want %v%v",
				idx.Name(), jq.Q, jq.Near, jq.Note, search.Seed(day), top, jq.Want, jq.WantAny)
		}
	}
	share := float64(ok) / float64(total)
	t.Logf("%s: judged queries satisfied: %d/%d = %.1f %% (%d queries × %d days)",
		idx.Name(), ok, total, 100*share, len(queries), len(judgedSeeds))
	return share
}

func TestJudgedQueriesEmbedded(t *testing.T) {
	if share := judge(t, newEmbedded(t, "")); share < 0.9 {
		t.Errorf("judged share %.1f %% < 90 %%", 100*share)
	}
}

func TestJudgedQueriesMeilisearch(t *testing.T) {
	if share := judge(t, newMeili(t)); share < 0.9 {
		t.Errorf("judged share %.1f %% < 90 %%", 100*share)
	}
}
