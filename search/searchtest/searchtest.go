// Package searchtest is the contract every search.Index backend passes
// (RunContract), with the small fixture of documents it runs on (Sample).
package searchtest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/search"
)

func f(v float64) *float64 { return &v }

type place struct {
	commune, postal, dep, region string
	lat, lon                     float64
}

var (
	saintNazaire = place{"Saint-Nazaire", "44600", "44", "Pays de la Loire", 47.2735, -2.2138}
	nantes       = place{"Nantes", "44000", "44", "Pays de la Loire", 47.2184, -1.5536}
	lyon         = place{"Lyon", "69001", "69", "Auvergne-Rhône-Alpes", 45.7640, 4.8357}
	paris        = place{"Paris", "75011", "75", "Île-de-France", 48.8590, 2.3800}
	saintDenis   = place{"Saint-Denis", "97400", "974", "La Réunion", -20.8823, 55.4504}
	rennes       = place{"Rennes", "35000", "35", "Bretagne", 48.1147, -1.6794}
	angers       = place{"Angers", "49000", "49", "Pays de la Loire", 47.4784, -0.5632}
	cholet       = place{"Cholet", "49300", "49", "Pays de la Loire", 47.0600, -0.8790}
	bordeaux     = place{"Bordeaux", "33000", "33", "Nouvelle-Aquitaine", 44.8378, -0.5792}
)

// Points used by the contract's queries.
var (
	NearSaintNazaire = search.Point{Lat: 47.2768, Lon: -2.2392}
	NearNantes       = search.Point{Lat: 47.2184, Lon: -1.5536}
	NearAngers       = search.Point{Lat: 47.4700, Lon: -0.5500}
	NearMortagne     = search.Point{Lat: 46.9920, Lon: -0.9500} // Mortagne-sur-Sèvre (85), 10 km from Cholet
)

type hoster struct {
	id     int64
	name   string
	status string
	at     place
	geo    bool
}

var (
	hNazairien = hoster{1, "Chaton Nazairien", "active", saintNazaire, true}
	hErdre     = hoster{2, "Erdre Libre", "active", nantes, true}
	hCanut     = hoster{3, "Canut Numérique", "active", lyon, true}
	hFaubourg  = hoster{4, "Faubourg Libre", "active", paris, true}
	hPei       = hoster{5, "Ti Chaton Péi", "active", saintDenis, true}
	hFantome   = hoster{6, "Chaton Fantôme", "gone", rennes, true}
	hEndormi   = hoster{7, "Chaton Endormi", "down", angers, true}
	hBocage    = hoster{8, "Bocage Libre", "active", cholet, true}
	hSolitaire = hoster{9, "Chaton Solitaire", "active", bordeaux, true}
	hNomade    = hoster{10, "Chaton Nomade", "active", place{}, false}
)

func offer(id int64, h hoster, name, category, software, summary string) search.Document {
	d := search.Document{
		ID: fmt.Sprintf("o%d", id), Kind: "offer", OfferID: id,
		OfferURL: fmt.Sprintf("https://%d.example/offers/%d", h.id, id),
		Name:     name, Summary: summary, Category: category, Software: software,
		Registration: "free", Load: "open", Audience: "everyone", Languages: []string{"fr"},
		Status: "ok", ServiceURL: fmt.Sprintf("https://svc%d.example/", id), Price: "gratuit",
		HosterID: h.id, HosterActor: fmt.Sprintf("https://%d.example/hosters/h%d", h.id, h.id),
		HosterAcct: fmt.Sprintf("h%d@%d.example", h.id, h.id), HosterName: h.name, HosterStatus: h.status,
		Commune: h.at.commune, PostalCode: h.at.postal, Departement: h.at.dep, Region: h.at.region,
		CharterScore: 0.8, CharterRequired: 20, CharterAnswered: 15, Updated: 1700000000 + id,
	}
	if h.geo {
		d.Lat, d.Lon = f(h.at.lat), f(h.at.lon)
	}
	return d
}

// Sample returns the contract's documents: a dozen offers of hosters in
// Saint-Nazaire, Nantes, Lyon, Paris, La Réunion, Angers (down), Rennes
// (gone), Cholet (local offers), a hoster without offers in Bordeaux and
// six look-alike wikis of a hoster without coordinates.
func Sample() []search.Document {
	docs := []search.Document{
		offer(1, hNazairien, "Nextcloud du Chaton Nazairien", "cloud", "Nextcloud", "Vos fichiers, agendas et contacts synchronisés."),
		offer(2, hNazairien, "Pad du Chaton Nazairien", "pad", "Etherpad", "Écrire à plusieurs en temps réel."),
		offer(3, hErdre, "Visio Erdre", "video-call", "Jitsi Meet", "Réunions vidéo sans compte depuis le navigateur."),
		offer(4, hErdre, "Nuage Erdre", "cloud", "Nextcloud", "Espace de stockage pour les associations nantaises."),
		offer(5, hCanut, "Salles de réunion en ligne", "video-call", "BigBlueButton", "Classes virtuelles et conférences."),
		offer(6, hCanut, "Dates du Canut", "poll", "Framadate", "Trouver une date commune."),
		offer(7, hFaubourg, "Boîtes du Faubourg", "mail", "Postfix", "Adresses mail associatives avec webmail."),
		offer(8, hFaubourg, "CryptPad du Faubourg", "pad", "CryptPad", "Documents chiffrés de bout en bout."),
		offer(9, hPei, "Pad Péi", "pad", "Etherpad", "Écriture collaborative à La Réunion."),
		offer(10, hFantome, "Nextcloud Fantôme", "cloud", "Nextcloud", "Un service disparu."),
		offer(11, hEndormi, "Pad Endormi", "pad", "Etherpad", "Un pad chez un hébergeur injoignable."),
		offer(12, hBocage, "Nextcloud du Maine-et-Loire", "cloud", "Nextcloud", "Réservé aux habitants du département."),
		offer(13, hBocage, "Agenda du Bocage", "calendar", "Radicale", "Pour les associations à moins de 30 km de Cholet."),
	}
	docs[3].Load = "full"
	docs[5].Registration = "none"
	docs[6].Registration = "member"
	docs[7].Languages = []string{"fr", "en"}
	docs[11].Audience, docs[11].AreaDeps = "local", []string{"49"}
	docs[12].Audience, docs[12].AreaRadiusKm = "local", 30

	solo := offer(0, hSolitaire, "Chaton Solitaire", "", "", "Hébergeur associatif bordelais, services à venir.")
	solo.ID, solo.Kind, solo.OfferID, solo.OfferURL, solo.ServiceURL = "h9", "hoster", 0, "", ""
	solo.Registration, solo.Load, solo.Status, solo.Price, solo.Languages = "", "", "", "", nil
	docs = append(docs, solo)

	for i := int64(0); i < 6; i++ {
		w := offer(100+i, hNomade, "Wiki nomade", "wiki", "DokuWiki", "Un wiki pour documenter vos projets.")
		w.HosterID = 100 + i // six look-alike hosters: only the rotation orders them
		docs = append(docs, w)
	}
	return docs
}

// RunContract runs the contract on fresh indexes made by open (each one
// configured, empty, closed and removed by open's cleanup).
func RunContract(t *testing.T, open func(t *testing.T) search.Index) {
	ctx := context.Background()
	load := func(t *testing.T) search.Index {
		t.Helper()
		idx := open(t)
		if err := idx.Configure(ctx); err != nil {
			t.Fatalf("configure: %v", err)
		}
		if err := idx.Configure(ctx); err != nil {
			t.Fatalf("configure twice: %v", err)
		}
		if err := idx.Upsert(ctx, Sample()); err != nil {
			t.Fatalf("upsert sample: %v", err)
		}
		return idx
	}
	run := func(t *testing.T, idx search.Index, q search.Query) search.Result {
		t.Helper()
		if q.Page == 0 {
			q.Page = 1
		}
		if q.PerPage == 0 {
			q.PerPage = 50
		}
		if q.Seed == "" {
			q.Seed = "2025-03-14"
		}
		r, err := idx.Search(ctx, q)
		if err != nil {
			t.Fatalf("search %+v: %v", q, err)
		}
		return r
	}

	// One index for the read-only cases.
	t.Run("read", func(t *testing.T) {
		idx := load(t)
		t.Run("typo", func(t *testing.T) {
			expectIDs(t, run(t, idx, search.Query{Text: "nextclud"}), "o1", "o4")
			expectIDs(t, run(t, idx, search.Query{Text: "etherpd"}), "o2", "o9", "o11")
		})
		t.Run("accents and case", func(t *testing.T) {
			expectIDs(t, run(t, idx, search.Query{Text: "VISIOCONFERENCE"}), "o3", "o5")
			expectIDs(t, run(t, idx, search.Query{Text: "péi"}), "o9")
		})
		t.Run("synonyms", func(t *testing.T) {
			expectIDs(t, run(t, idx, search.Query{Text: "visio"}), "o3", "o5")
			expectIDs(t, run(t, idx, search.Query{Text: "video call"}), "o3", "o5")
			expectIDs(t, run(t, idx, search.Query{Text: "sondage"}), "o6")
			expectIDs(t, run(t, idx, search.Query{Text: "poll"}), "o6")
			expectIDs(t, run(t, idx, search.Query{Text: "courriel"}), "o7")
			expectIDs(t, run(t, idx, search.Query{Text: "drive"}), "o1", "o4")
			expectIDs(t, run(t, idx, search.Query{Text: "jitsi"}), "o3")
		})
		t.Run("prefix of the last word only while typing", func(t *testing.T) {
			expectIDs(t, run(t, idx, search.Query{Text: "framad", Prefix: true}), "o6")
			expectIDs(t, run(t, idx, search.Query{Text: "framad"}))
			expectIDs(t, run(t, idx, search.Query{Text: "framad "}))
		})
		t.Run("stop words", func(t *testing.T) {
			expectIDs(t, run(t, idx, search.Query{Text: "le pad du chaton nazairien"}), "o2")
		})
		t.Run("hoster without offers", func(t *testing.T) {
			r := run(t, idx, search.Query{Text: "solitaire"})
			expectIDs(t, r, "h9")
			if r.Hits[0].Document.Kind != "hoster" {
				t.Errorf("kind = %q, want hoster", r.Hits[0].Document.Kind)
			}
		})
		t.Run("document round trip", func(t *testing.T) {
			r := run(t, idx, search.Query{Text: "cryptpad"})
			expectIDs(t, r, "o8")
			want := Sample()[7]
			got := r.Hits[0].Document
			if got.Name != want.Name || got.HosterAcct != want.HosterAcct || got.PostalCode != want.PostalCode ||
				got.Updated != want.Updated || !slices.Equal(got.Languages, want.Languages) ||
				got.Lat == nil || *got.Lat != *want.Lat || got.CharterScore != want.CharterScore ||
				got.CharterRequired != want.CharterRequired || got.CharterAnswered != want.CharterAnswered {
				t.Errorf("document changed on the way: got %+v, want %+v", got, want)
			}
		})
		t.Run("facets", func(t *testing.T) {
			r := run(t, idx, search.Query{})
			visible := visibleWithoutPlace()
			if r.Total != len(visible) {
				t.Errorf("browse total = %d, want %d", r.Total, len(visible))
			}
			want := map[string]map[string]int{"category": {}, "software": {}, "registration": {}, "departement": {}}
			for _, d := range visible {
				for name, v := range map[string]string{"category": d.Category, "software": d.Software, "registration": d.Registration, "departement": d.Departement} {
					if v != "" {
						want[name][v]++
					}
				}
			}
			for name, counts := range want {
				got := r.Facets[name]
				for v, n := range counts {
					if got[v] != n {
						t.Errorf("facet %s[%s] = %d, want %d (all: %v)", name, v, got[v], n, got)
					}
				}
				for v := range got {
					if _, ok := counts[v]; !ok {
						t.Errorf("facet %s has unexpected value %q", name, v)
					}
				}
			}
			r = run(t, idx, search.Query{Text: "pad"})
			if r.Facets["category"]["pad"] != 4 || r.Facets["departement"]["974"] != 1 {
				t.Errorf("facets of \"pad\" = %v", r.Facets)
			}
		})
		t.Run("filters", func(t *testing.T) {
			expectIDs(t, run(t, idx, search.Query{Categories: []string{"pad"}}), "o2", "o8", "o9", "o11")
			expectIDs(t, run(t, idx, search.Query{Categories: []string{"poll", "mail"}}), "o6", "o7")
			expectIDs(t, run(t, idx, search.Query{Categories: []string{"pad"}, Departements: []string{"44", "75"}}), "o2", "o8")
			expectIDs(t, run(t, idx, search.Query{Registrations: []string{"none"}}), "o6")
			expectIDs(t, run(t, idx, search.Query{Software: []string{"Jitsi Meet", "BigBlueButton"}}), "o3", "o5")
			expectIDs(t, run(t, idx, search.Query{Languages: []string{"en"}}), "o8")
			expectIDs(t, run(t, idx, search.Query{Text: "pad", Departements: []string{"974"}}), "o9")
			// A category keeps the offers whose software provides it:
			// Nextcloud offers agendas (docs/search.md).
			r := run(t, idx, search.Query{Categories: []string{"calendar"}})
			expectIDs(t, r, "o1", "o4")
			if r.Facets["service"]["calendar"] != 2 || r.Facets["service"]["cloud"] != 2 || r.Facets["category"]["cloud"] != 2 {
				t.Errorf("facets of the calendar filter = %v", r.Facets)
			}
		})
		t.Run("geo ordering and distance", func(t *testing.T) {
			near := NearSaintNazaire
			r := run(t, idx, search.Query{Text: "pad", Near: &near, NearDep: "44"})
			expectIDs(t, r, "o2", "o8", "o9", "o11")
			if r.Hits[0].Document.ID != "o2" {
				t.Fatalf("first hit = %s, want o2 (Saint-Nazaire)", r.Hits[0].Document.ID)
			}
			if got := order(r); !slices.Equal(got, []string{"o2", "o8", "o9", "o11"}) {
				t.Errorf("order = %v, want nearest first and the down hoster last", got)
			}
			d := r.Hits[0].DistanceKm
			if d == nil || *d > 3 {
				t.Errorf("distance_km of the Saint-Nazaire pad = %s, want < 3", km(d))
			}
			increasing(t, r, 0, 3)
			if d := r.Hits[2].DistanceKm; d == nil || *d < 9000 {
				t.Errorf("distance of %s = %s, want > 9000 km (La Réunion)", r.Hits[2].Document.ID, km(d))
			}
			r = run(t, idx, search.Query{Near: &near, NearDep: "44"})
			if r.Hits[0].Document.HosterName != "Chaton Nazairien" {
				t.Errorf("browse near Saint-Nazaire: first hit from %q", r.Hits[0].Document.HosterName)
			}
			for _, h := range r.Hits {
				if h.Document.HosterName == "Chaton Nomade" && h.DistanceKm != nil {
					t.Errorf("document without coordinates has distance %v", *h.DistanceKm)
				}
			}
		})
		t.Run("radius", func(t *testing.T) {
			near := NearSaintNazaire
			r := run(t, idx, search.Query{Near: &near, NearDep: "44", RadiusKm: 100})
			expectIDs(t, r, "o1", "o2", "o3", "o4")
			for _, h := range r.Hits {
				if h.DistanceKm == nil || *h.DistanceKm > 100 {
					t.Errorf("%s at %s km is outside the radius", h.Document.ID, km(h.DistanceKm))
				}
			}
			r = run(t, idx, search.Query{Near: &near, NearDep: "44", RadiusKm: 10})
			expectIDs(t, r, "o1", "o2")
		})
		t.Run("local audience", func(t *testing.T) {
			for _, c := range []struct {
				name string
				near *search.Point
				dep  string
				want []string
			}{
				{"no place", nil, "", nil},
				{"other département", &NearSaintNazaire, "44", nil},
				{"inside the département", &NearAngers, "49", []string{"o12"}},
				{"inside the radius", &NearMortagne, "85", []string{"o13"}},
				{"département only", nil, "49", []string{"o12"}},
				{"outside the radius", &NearNantes, "44", nil},
			} {
				r := run(t, idx, search.Query{Near: c.near, NearDep: c.dep})
				var got []string
				for _, h := range r.Hits {
					if h.Document.Audience == "local" {
						got = append(got, h.Document.ID)
					}
				}
				sort.Strings(got)
				if !slices.Equal(got, c.want) {
					t.Errorf("%s: local offers %v, want %v", c.name, got, c.want)
				}
			}
			// Offers for everyone are never hidden by distance.
			r := run(t, idx, search.Query{Text: "pad", Near: &NearMortagne, NearDep: "85"})
			expectIDs(t, r, "o2", "o8", "o9", "o11")
		})
		t.Run("full and down come last", func(t *testing.T) {
			near := NearNantes
			r := run(t, idx, search.Query{Near: &near, NearDep: "44"})
			ids := order(r)
			pos := func(id string) int { return slices.Index(ids, id) }
			if pos("o4") < 0 || pos("o11") < 0 {
				t.Fatalf("o4 or o11 missing from %v", ids)
			}
			if pos("o4") != len(ids)-2 || pos("o11") != len(ids)-1 {
				t.Errorf("order %v: want the full offer (o4) then the down hoster's (o11) last", ids)
			}
			if ids[0] != "o3" {
				t.Errorf("first near Nantes = %s, want o3", ids[0])
			}
			r = run(t, idx, search.Query{Text: "nextcloud"})
			if got := order(r); !slices.Equal(got, []string{"o1", "o4"}) {
				t.Errorf("nextcloud: %v, want the full offer second", got)
			}
		})
		t.Run("gone hidden", func(t *testing.T) {
			for _, q := range []search.Query{{}, {Text: "fantome"}, {Text: "nextcloud"}, {Near: &NearSaintNazaire, NearDep: "35"}} {
				for _, h := range run(t, idx, q).Hits {
					if h.Document.HosterStatus == "gone" {
						t.Errorf("query %+v returned %s of a gone hoster", q, h.Document.ID)
					}
				}
			}
		})
		t.Run("rotation", func(t *testing.T) {
			q := search.Query{Categories: []string{"wiki"}, Seed: "2025-03-14"}
			first := order(run(t, idx, q))
			if len(first) != 6 {
				t.Fatalf("wikis: %v", first)
			}
			if again := order(run(t, idx, q)); !slices.Equal(first, again) {
				t.Errorf("same seed, different order: %v then %v", first, again)
			}
			orders := map[string]bool{strings.Join(first, ","): true}
			firsts := map[string]bool{first[0]: true}
			for day := 15; day <= 31; day++ {
				q.Seed = fmt.Sprintf("2025-03-%02d", day)
				o := order(run(t, idx, q))
				orders[strings.Join(o, ",")] = true
				firsts[o[0]] = true
			}
			if len(orders) < 3 || len(firsts) < 3 {
				t.Errorf("18 seeds gave %d orders and %d different first wikis; ties are not rotated", len(orders), len(firsts))
			}
			// The rotation orders ties only: relevance and distance still come first.
			r := run(t, idx, search.Query{Text: "wiki nomade", Seed: "x"})
			if r.Total != 6 {
				t.Errorf("wiki nomade: total %d, want 6", r.Total)
			}
		})
		t.Run("paging", func(t *testing.T) {
			for _, q := range []search.Query{{}, {Near: &NearSaintNazaire, NearDep: "44"}, {Text: "chaton"}} {
				all := run(t, idx, q)
				seen := map[string]bool{}
				var paged []string
				for page := 1; page <= 20; page++ {
					q.Page, q.PerPage = page, 3
					r := run(t, idx, q)
					if r.Total != all.Total {
						t.Errorf("page %d: total %d, want %d", page, r.Total, all.Total)
					}
					if len(r.Hits) == 0 {
						break
					}
					for _, h := range r.Hits {
						if seen[h.Document.ID] {
							t.Errorf("page %d repeats %s", page, h.Document.ID)
						}
						seen[h.Document.ID] = true
						paged = append(paged, h.Document.ID)
					}
				}
				if !slices.Equal(paged, order(all)) {
					t.Errorf("pages of 3 give %v, one page gives %v", paged, order(all))
				}
			}
		})
		t.Run("ids", func(t *testing.T) {
			ids, err := idx.IDs(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int64{}
			for _, d := range Sample() {
				want[d.ID] = d.Updated
			}
			if len(ids) != len(want) {
				t.Errorf("IDs: %d ids, want %d", len(ids), len(want))
			}
			for id, u := range want {
				if ids[id] != u {
					t.Errorf("IDs[%s] = %d, want %d", id, ids[id], u)
				}
			}
		})
	})

	t.Run("upsert replaces", func(t *testing.T) {
		idx := load(t)
		d := Sample()[5]
		d.Name, d.Updated = "Sondages du Canut", d.Updated+100
		if err := idx.Upsert(ctx, []search.Document{d}); err != nil {
			t.Fatal(err)
		}
		r := run(t, idx, search.Query{Text: "canut"})
		expectIDs(t, r, "o5", "o6")
		ids, err := idx.IDs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != len(Sample()) || ids["o6"] != d.Updated {
			t.Errorf("after replace: %d ids, o6 updated %d", len(ids), ids["o6"])
		}
		found := false
		for _, h := range r.Hits {
			found = found || h.Document.Name == "Sondages du Canut"
		}
		if !found {
			t.Errorf("new name not returned: %v", r.Hits)
		}
	})

	t.Run("delete", func(t *testing.T) {
		idx := load(t)
		if err := idx.Delete(ctx, []string{"o1", "does-not-exist"}); err != nil {
			t.Fatal(err)
		}
		if err := idx.Delete(ctx, nil); err != nil {
			t.Fatal(err)
		}
		expectIDs(t, run(t, idx, search.Query{Text: "nextcloud"}), "o4")
		ids, err := idx.IDs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := ids["o1"]; ok || len(ids) != len(Sample())-1 {
			t.Errorf("after delete: %d ids, o1 present %v", len(ids), ok)
		}
	})

	t.Run("clear", func(t *testing.T) {
		idx := load(t)
		if err := idx.Clear(ctx); err != nil {
			t.Fatal(err)
		}
		ids, err := idx.IDs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != 0 {
			t.Errorf("after clear: %d ids", len(ids))
		}
		if r := run(t, idx, search.Query{}); r.Total != 0 || len(r.Hits) != 0 {
			t.Errorf("after clear: total %d", r.Total)
		}
		if err := idx.Upsert(ctx, Sample()[:2]); err != nil {
			t.Fatal(err)
		}
		if r := run(t, idx, search.Query{}); r.Total != 2 {
			t.Errorf("after clear and upsert: total %d, want 2", r.Total)
		}
	})

	t.Run("cancelled context", func(t *testing.T) {
		idx := open(t)
		cctx, cancel := context.WithTimeout(ctx, time.Nanosecond)
		defer cancel()
		time.Sleep(time.Millisecond)
		if err := idx.Upsert(cctx, Sample()); err == nil {
			t.Errorf("upsert with a cancelled context succeeded")
		}
	})
}

// visibleWithoutPlace is what a browse without a place returns.
func visibleWithoutPlace() []search.Document {
	var out []search.Document
	for _, d := range Sample() {
		if d.HosterStatus != "gone" && d.Audience != "local" {
			out = append(out, d)
		}
	}
	return out
}

func order(r search.Result) []string {
	out := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		out[i] = h.Document.ID
	}
	return out
}

// expectIDs checks the set of ids of the page and the total.
func expectIDs(t *testing.T, r search.Result, want ...string) {
	t.Helper()
	got := order(r)
	sort.Strings(got)
	w := slices.Clone(want)
	sort.Strings(w)
	if !slices.Equal(got, w) || r.Total != len(want) {
		t.Errorf("ids %v (total %d), want %v", got, r.Total, w)
	}
}

// increasing checks that distances grow over hits [from, to).
func increasing(t *testing.T, r search.Result, from, to int) {
	t.Helper()
	prev := -1.0
	for _, h := range r.Hits[from:min(to, len(r.Hits))] {
		if h.DistanceKm == nil {
			t.Errorf("%s has no distance", h.Document.ID)
			continue
		}
		if *h.DistanceKm < prev {
			t.Errorf("distances not increasing: %v after %v", *h.DistanceKm, prev)
		}
		prev = *h.DistanceKm
	}
}

func km(d *float64) string {
	if d == nil {
		return "nil"
	}
	return fmt.Sprintf("%.2f", *d)
}
