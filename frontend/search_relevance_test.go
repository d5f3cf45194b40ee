package frontend

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// Issue 9, item 3: words that match nothing are dropped, and the page says
// which; an access phrase is the registration filter.
func TestResultsSayIgnoredWords(t *testing.T) {
	f := newFixture(t)
	body := f.page("/recherche?q=pad+gratuit&near=44600", http.StatusOK)
	mustContain(t, "ignored", body, "Mots ignorés\u202f: gratuit", "Pad de l&#39;estuaire")
	en := f.page("/recherche?q=pad+gratuit&near=44600&lang=en", http.StatusOK)
	mustContain(t, "ignored en", en, "Words ignored: gratuit")
	body = f.page("/recherche?q=visio+sans+compte&near=44000", http.StatusOK)
	mustContain(t, "no account", body, "seuls les services utilisables sans créer de compte", "Deuxième visio")
	api := f.page("/api/v1/search?q=pad+gratuit", http.StatusOK)
	mustContain(t, "api", api, `"ignored_words":["gratuit"]`)
	api = f.page("/api/v1/search?q=pad+sans+inscription", http.StatusOK)
	mustContain(t, "api implied", api, `"implied_filters":{"registration":["none"]}`)
	mustNotContain(t, "api implied", api, `"registration":"free"`)
}

// Issue 9, item 4: an empty search suggests from what was typed.
func TestEmptyResultsSuggestFromWords(t *testing.T) {
	f := newFixture(t)
	body := f.page("/recherche?q=visio&near=44600&category=pad", http.StatusOK)
	mustContain(t, "closest category", body, "Aucun service ne correspond", "category=video-call", "chercher dans tous les services")
	body = f.page("/recherche?q=nextcloud&category=poll", http.StatusOK)
	mustContain(t, "closest software", body, "software=Nextcloud", "voir les offres Nextcloud", "category=cloud")
	mustNotContain(t, "not the same three categories", body, "category=video-call")
	body = f.page("/recherche?q=etherpad&near=44600&radius_km=10&registration=client", http.StatusOK)
	mustContain(t, "wider radius and no filter", body, "radius_km=30", "chercher sans les autres filtres", "voir toutes les offres près de 44600")
}

// Issue 9, item 5: a category finds the offers whose software provides it,
// and a tile without offer says so instead of leading to an empty page.
func TestCategoriesBySoftwareAndEmptyTiles(t *testing.T) {
	f := newFixture(t)
	body := f.page("/categories/calendar", http.StatusOK)
	mustContain(t, "agenda page", body, "Nextcloud de Chaton Nazairien")
	home := f.page("/", http.StatusOK)
	tile := regexp.MustCompile(`<li><a href="/categories/calendar"><strong>[^<]+</strong><span class="count">1 offre</span></a></li>`)
	if !tile.MatchString(home) {
		t.Errorf("the agenda tile does not count the Nextcloud offer:\n%s", home)
	}
	empty := regexp.MustCompile(`<li><span class="tile-empty"><strong>[^<]+</strong><span class="count">aucune offre pour l&#39;instant</span></span></li>`)
	if !empty.MatchString(home) {
		t.Errorf("no greyed tile for a category without offers")
	}
	mustNotContain(t, "no link to an empty category", home, `href="/categories/wiki"`)
}

// Issue 9, item 6: a département is "en", a far result is not "près de",
// and the form offers a radius.
func TestNearWordingAndRadiusChoice(t *testing.T) {
	f := newFixture(t)
	body := f.page("/recherche?q=pad&near=44", http.StatusOK)
	mustContain(t, "département", body, "résultats en Loire-Atlantique")
	mustNotContain(t, "département", body, "près de Loire-Atlantique")
	body = f.page("/recherche?q=pad&near=Pays+de+la+Loire", http.StatusOK)
	mustContain(t, "region", body, "dans les Pays de la Loire")
	body = f.page("/recherche?q=pad&near=97400", http.StatusOK)
	mustContain(t, "far", body, "rien à moins de 100\u00a0km de Saint-Denis (97400)", "le plus proche est à")
	mustNotContain(t, "far", body, "près de Saint-Denis")
	body = f.page("/recherche?q=visio&near=97400", http.StatusOK)
	mustContain(t, "near", body, "près de Saint-Denis (97400)")
	body = f.page("/recherche?q=pad&near=44600&radius_km=30", http.StatusOK)
	mustContain(t, "radius choice", body, `<select id="radius_km" name="radius_km">`, `<option value="30" selected>30 km</option>`, `<option value="">toute distance</option>`)
	// Without a place the radius is not an error on the pages.
	f.page("/recherche?q=pad&radius_km=30", http.StatusOK)
	en := f.page("/recherche?q=pad&near=44&lang=en", http.StatusOK)
	mustContain(t, "en", en, "in Loire-Atlantique")
}

// Issue 9, item 7: homonyms name their département.
func TestHomonymsNameTheirDepartement(t *testing.T) {
	f := newFixture(t)
	body := f.page("/recherche?q=pad&near=Saint-Denis", http.StatusUnprocessableEntity)
	for _, want := range []string{"Saint-Denis (93200, Seine-Saint-Denis)", "Saint-Denis (97400, La Réunion)"} {
		if !strings.Contains(body, want) {
			t.Errorf("ambiguous Saint-Denis: %q missing", want)
		}
	}
	body = f.page("/recherche?q=visio&near=La+R%C3%A9union", http.StatusOK)
	mustContain(t, "La Réunion is the département", body, "à La Réunion")
}
