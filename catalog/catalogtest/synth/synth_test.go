package synth

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/search/gazetteer"
)

func TestGenerateDeterministic(t *testing.T) {
	o := Options{Hosters: 50, OffersPerHoster: 6, Seed: 42}
	a, b := Generate(o), Generate(o)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two runs with the same Options differ")
	}
	o.Seed = 43
	c := Generate(o)
	same := 0
	for i := range a.Hosters {
		if a.Hosters[i].Name == c.Hosters[i].Name && a.Hosters[i].INSEE == c.Hosters[i].INSEE {
			same++
		}
	}
	if same > 5 {
		t.Errorf("seeds 42 and 43 share %d of 50 hosters", same)
	}
}

func TestEachMatchesGenerate(t *testing.T) {
	o := Options{Offers: 333, Seed: 7}
	want := Generate(o)
	var got Federation
	err := Each(o, func(h catalog.Hoster, offers []catalog.Offer) error {
		got.Hosters = append(got.Hosters, h)
		got.Offers = append(got.Offers, offers)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("Each and Generate disagree")
	}

	stop := errors.New("stop")
	calls := 0
	err = Each(o, func(catalog.Hoster, []catalog.Offer) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 3 {
		t.Errorf("Each after an error: err %v, %d calls", err, calls)
	}
}

func TestCounts(t *testing.T) {
	tests := []struct {
		o       Options
		hosters int
		offers  []int // per hoster, or nil when all equal to each
		each    int
	}{
		{Options{}, 10, nil, 8},
		{Options{Hosters: 7, OffersPerHoster: 5}, 7, nil, 5},
		{Options{Offers: 100}, 13, nil, -1},
		{Options{Hosters: 3, Offers: 10}, 3, []int{4, 3, 3}, 0},
		{Options{Hosters: 4, Offers: 2}, 4, []int{1, 1, 0, 0}, 0},
		{Options{Hosters: 2, OffersPerHoster: 90}, 2, nil, 90},
	}
	for _, tt := range tests {
		f := Generate(tt.o)
		if len(f.Hosters) != tt.hosters || len(f.Offers) != tt.hosters {
			t.Errorf("%+v: %d hosters, %d offer lists, want %d", tt.o, len(f.Hosters), len(f.Offers), tt.hosters)
			continue
		}
		total := 0
		for i, offers := range f.Offers {
			total += len(offers)
			switch {
			case tt.offers != nil && len(offers) != tt.offers[i]:
				t.Errorf("%+v: hoster %d has %d offers, want %d", tt.o, i, len(offers), tt.offers[i])
			case tt.offers == nil && tt.each >= 0 && len(offers) != tt.each:
				t.Errorf("%+v: hoster %d has %d offers, want %d", tt.o, i, len(offers), tt.each)
			}
		}
		if tt.o.Offers > 0 && total != tt.o.Offers {
			t.Errorf("%+v: %d offers in all", tt.o, total)
		}
		checkFederation(t, f, defaultBaseURL)
	}
}

func TestInvalidOptions(t *testing.T) {
	for _, o := range []Options{
		{Hosters: -1},
		{Offers: -5},
		{OffersPerHoster: -1},
		{BaseURL: "ftp://synth.example"},
		{BaseURL: "synth.example"},
		{BaseURL: "https://synth.example/sub"},
		{BaseURL: "https://"},
	} {
		if err := Each(o, func(catalog.Hoster, []catalog.Offer) error { return nil }); err == nil {
			t.Errorf("Each(%+v) accepted", o)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Generate(%+v) did not panic", o)
				}
			}()
			Generate(o)
		}()
	}
}

func TestBaseURLWithPort(t *testing.T) {
	f := Generate(Options{Hosters: 3, BaseURL: "http://127.0.0.1:8081/", Seed: 1})
	for _, h := range f.Hosters {
		if h.Domain != "127.0.0.1:8081" || !strings.HasPrefix(h.ActorID, "http://127.0.0.1:8081/hosters/") {
			t.Errorf("hoster %s on %s", h.ActorID, h.Domain)
		}
	}
	checkFederation(t, f, "http://127.0.0.1:8081")
}

// TestFederationRealistic checks the whole output of a mid-size federation
// and the mixes it is meant to have.
func TestFederationRealistic(t *testing.T) {
	f := Generate(Options{Hosters: 2000, OffersPerHoster: 8, Seed: 2024})
	checkFederation(t, f, defaultBaseURL)

	deps := map[string]bool{}
	orgs := map[string]int{}
	var offers, local, none, full, english int
	categories := map[string]int{}
	for i, h := range f.Hosters {
		deps[h.Departement] = true
		orgs[h.OrgType]++
		for _, o := range f.Offers[i] {
			offers++
			categories[o.Category]++
			if o.Audience == catalog.AudienceLocal {
				local++
			}
			if o.Registration == catalog.RegistrationNone {
				none++
			}
			if o.Load == catalog.LoadFull {
				full++
			}
			if len(o.Languages) > 1 && o.Languages[1] == "en" {
				english++
			}
		}
	}
	if len(deps) < 80 {
		t.Errorf("hosters in only %d départements", len(deps))
	}
	share := func(n int) float64 { return float64(n) / float64(offers) }
	for _, c := range []struct {
		what     string
		got      float64
		from, to float64
	}{
		{"local audience", share(local), 0.07, 0.13},
		{"usable without account", share(none), 0.2, 0.5},
		{"full", share(full), 0.05, 0.11},
		{"also in English", share(english), 0.15, 0.25},
		{"associations", float64(orgs["association"]) / float64(len(f.Hosters)), 0.65, 0.75},
	} {
		if c.got < c.from || c.got > c.to {
			t.Errorf("share of %s %.3f, want within [%.2f, %.2f]", c.what, c.got, c.from, c.to)
		}
	}
	for _, want := range []string{"cloud", "pad", "video-call", "poll", "mail", "microblog"} {
		if categories[want] < offers/50 {
			t.Errorf("only %d %s offers out of %d", categories[want], want, offers)
		}
	}
	// Big cities get more hosters than their share of communes.
	paris := 0
	for _, h := range f.Hosters {
		if h.INSEE == "75056" {
			paris++
		}
	}
	if paris < 20 {
		t.Errorf("%d hosters in Paris out of 2000", paris)
	}
}

var (
	usernameRe = regexp.MustCompile(`^[a-z0-9]{1,40}$`)
	keyRe      = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
)

// checkFederation checks what must hold for every federation.
func checkFederation(t *testing.T, f Federation, base string) {
	t.Helper()
	actors := map[string]bool{}
	usernames := map[string]bool{}
	names := map[string]bool{}
	objects := map[string]bool{}
	for i, h := range f.Hosters {
		if err := h.Validate(); err != nil {
			t.Errorf("hoster %s invalid: %v", h.ActorID, err)
		}
		if !usernameRe.MatchString(h.Username) {
			t.Errorf("username %q", h.Username)
		}
		if h.ActorID != base+"/hosters/"+h.Username {
			t.Errorf("actor id %q for username %q", h.ActorID, h.Username)
		}
		if actors[h.ActorID] || usernames[h.Username] || names[h.Name] {
			t.Errorf("hoster %s (%s) twice", h.ActorID, h.Name)
		}
		actors[h.ActorID], usernames[h.Username], names[h.Name] = true, true, true
		if h.Status != catalog.HosterActive || !h.Discoverable || h.Local {
			t.Errorf("hoster %s: status %q discoverable %v local %v", h.ActorID, h.Status, h.Discoverable, h.Local)
		}
		if h.Updated.IsZero() || h.Updated.After(Epoch) || h.Updated.Before(h.CreatedAt) {
			t.Errorf("hoster %s updated %v created %v", h.ActorID, h.Updated, h.CreatedAt)
		}
		if !h.HasCoords() || !inFrance(*h.Latitude, *h.Longitude) {
			t.Errorf("hoster %s in %s not in France: %v, %v", h.ActorID, h.Commune, h.Latitude, h.Longitude)
		}
		if name, region, ok := gazetteer.Departement(h.Departement); !ok || region != h.Region || !strings.Contains(h.Summary, name) {
			t.Errorf("hoster %s: département %q region %q summary %q", h.ActorID, h.Departement, h.Region, h.Summary)
		}
		if h.Portee < 1 || h.MemberSince == "" || h.PostalCode == "" || h.INSEE == "" || h.Country != "FR" {
			t.Errorf("hoster %s incomplete: %+v", h.ActorID, h)
		}
		keys := map[string]bool{}
		for _, o := range f.Offers[i] {
			if err := o.Validate(); err != nil {
				t.Errorf("offer %s invalid: %v", o.ObjectID, err)
			}
			if !catalog.IsCategory(o.Category) {
				t.Errorf("offer %s: category %q", o.ObjectID, o.Category)
			}
			if !keyRe.MatchString(o.Key) || keys[o.Key] {
				t.Errorf("offer key %q bad or twice for %s", o.Key, h.ActorID)
			}
			keys[o.Key] = true
			if o.ObjectID != h.ActorID+"/offers/"+o.Key || objects[o.ObjectID] {
				t.Errorf("offer id %q (key %q) bad or twice", o.ObjectID, o.Key)
			}
			objects[o.ObjectID] = true
			if o.Software.Name == "" || o.License == "" || !strings.HasPrefix(o.SourceURL, "https://") {
				t.Errorf("offer %s software %+v", o.ObjectID, o.Software)
			}
			if !strings.Contains(o.Name, bareName(h.Name)) || !strings.Contains(o.Summary, bareName(h.Commune)) {
				t.Errorf("offer %s: name %q summary %q", o.ObjectID, o.Name, o.Summary)
			}
			if o.Audience == catalog.AudienceLocal && (len(o.AreaDepartements) != 1 || o.AreaDepartements[0] != h.Departement) {
				t.Errorf("local offer %s area %v, hoster in %s", o.ObjectID, o.AreaDepartements, h.Departement)
			}
			if len(o.Languages) == 0 || o.Languages[0] != "fr" {
				t.Errorf("offer %s languages %v", o.ObjectID, o.Languages)
			}
			if o.Updated.IsZero() || o.Updated.After(Epoch) || o.Updated.Before(o.CreatedAt) || o.Price == "" {
				t.Errorf("offer %s: updated %v created %v price %q", o.ObjectID, o.Updated, o.CreatedAt, o.Price)
			}
		}
	}
}

// bareName drops the article a French contraction may have absorbed
// ("Le Phare" is written "du Phare").
func bareName(s string) string {
	for _, a := range []string{"Le ", "Les "} {
		if rest, ok := strings.CutPrefix(s, a); ok {
			return rest
		}
	}
	return s
}

// inFrance: bounding boxes of metropolitan France with Corsica and of the
// five overseas départements.
func inFrance(lat, lon float64) bool {
	for _, b := range [][4]float64{
		{41.3, 51.2, -5.2, 9.6},
		{15.8, 16.6, -61.9, -60.9},
		{14.3, 14.9, -61.3, -60.8},
		{2.1, 5.8, -54.7, -51.6},
		{-21.4, -20.8, 55.2, 55.9},
		{-13.05, -12.6, 44.95, 45.35},
	} {
		if lat >= b[0] && lat <= b[1] && lon >= b[2] && lon <= b[3] {
			return true
		}
	}
	return false
}

func TestSoftwareTable(t *testing.T) {
	keys := map[string]bool{}
	seen := map[string]bool{}
	for _, s := range table {
		if !catalog.IsCategory(s.category) {
			t.Errorf("%s: category %q", s.key, s.category)
		}
		if !keyRe.MatchString(s.key) || keys[s.key] {
			t.Errorf("key %q bad or twice", s.key)
		}
		keys[s.key] = true
		seen[s.category] = true
		if s.license == "" || !strings.HasPrefix(s.source, "https://") || !strings.HasPrefix(s.website, "https://") || len(s.versions) == 0 || s.weight < 1 {
			t.Errorf("%s incomplete: %+v", s.key, s)
		}
		if strings.Count(s.title, "%s") != 1 || strings.Count(s.summary, "%s") != 2 || strings.Contains(fmt.Sprintf(s.summary, "H", "C"), "%!") {
			t.Errorf("%s: title %q or summary %q has the wrong verbs", s.key, s.title, s.summary)
		}
	}
	for _, c := range []string{"cloud", "pad", "video-call", "poll", "mail", "microblog", "video", "file-sharing",
		"link-shortener", "chat", "pastebin", "office", "maps", "project", "web-hosting"} {
		if !seen[c] {
			t.Errorf("no software for category %s", c)
		}
	}
}

func TestContractions(t *testing.T) {
	for in, want := range map[string]string{
		"Le Phare Éthique":   "du Phare Éthique",
		"Les Lilas Libres":   "des Lilas Libres",
		"La Ruche du Causse": "de La Ruche du Causse",
		"L'Atelier Libre":    "de L'Atelier Libre",
		"Épinal Numérique":   "d'Épinal Numérique",
		"Chaton des Marais":  "de Chaton des Marais",
	} {
		if got := de(in); got != want {
			t.Errorf("de(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"Le Havre":            "au Havre",
		"Les Sables-d'Olonne": "aux Sables-d'Olonne",
		"La Rochelle":         "à La Rochelle",
		"Nantes":              "à Nantes",
	} {
		if got := à(in); got != want {
			t.Errorf("à(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Chaton des Marais":     "chatondesmarais",
		"La Mère Frangipane":    "lameref rangipane",
		"L'Atelier Numérique":   "latelier numerique",
		"Saint-Étienne Libre":   "saintetiennelibre",
		"Coop Mycélium":         "coopmycelium",
		"":                      "chaton",
		strings.Repeat("a", 50): strings.Repeat("a", 30),
	} {
		want = strings.ReplaceAll(want, " ", "")
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkGenerate100k(b *testing.B) {
	communeTable()
	b.ReportAllocs()
	for b.Loop() {
		f := Generate(Options{Offers: 100_000, Seed: 1})
		if len(f.Hosters) != 12_500 {
			b.Fatalf("%d hosters", len(f.Hosters))
		}
	}
}

// BenchmarkEach500k streams the largest federation the issue asks for
// without keeping it.
func BenchmarkEach500k(b *testing.B) {
	communeTable()
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		err := Each(Options{Offers: 500_000, Seed: 1}, func(_ catalog.Hoster, offers []catalog.Offer) error {
			n += len(offers)
			return nil
		})
		if err != nil || n != 500_000 {
			b.Fatalf("%d offers, %v", n, err)
		}
	}
}
