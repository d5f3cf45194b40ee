package frontend

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"codeberg.org/portee/portee/catalog"
)

// mainPages are the pages every language, weight and safety test renders.
var mainPages = []string{
	"/",
	"/recherche?q=pad&near=44600",
	"/recherche?q=visio",
	"/hebergeurs",
	"/hebergeurs/chaton-nazairien@nazairien.example",
	"/hebergeurs/evil@evil.example",
	"/offres/1",
	"/categories/pad",
	"/carte",
	"/entraide",
	"/a-propos",
}

func TestPagesInBothLanguages(t *testing.T) {
	f := newFixture(t)
	keys := f.srv.cat[langFR]
	for _, p := range mainPages {
		for _, tc := range []struct {
			lang, path string
			header     []string
		}{
			{"fr", p, nil},
			{"en", p, []string{"Accept-Language", "en-GB,en;q=0.9,fr;q=0.5"}},
			{"en", withLang(p, "en"), []string{"Accept-Language", "fr"}},
			{"fr", withLang(p, "fr"), []string{"Accept-Language", "en"}},
		} {
			body := f.page(tc.path, http.StatusOK, tc.header...)
			mustContain(t, tc.path, body, `<html lang="`+tc.lang+`">`, `<main id="main"`, `<header class="site">`,
				`<footer class="site">`, `<nav aria-label=`, `class="skip" href="#main"`)
			// A message key showing as text means a missing translation.
			for k := range keys {
				if strings.Contains(body, ">"+k+"<") || strings.Contains(body, " "+k+" ") || strings.Contains(body, `"`+k+`"`) {
					t.Errorf("%s (%s): untranslated key %q", tc.path, tc.lang, k)
				}
			}
			if tc.lang == "en" {
				mustContain(t, tc.path, body, `hreflang="fr"`)
			} else {
				mustContain(t, tc.path, body, `hreflang="en"`)
			}
		}
	}
}

func withLang(p, lang string) string {
	if strings.Contains(p, "?") {
		return p + "&lang=" + lang
	}
	return p + "?lang=" + lang
}

func TestExplicitLanguageIsKeptInLinksAndForms(t *testing.T) {
	f := newFixture(t)
	body := f.page("/recherche?q=pad&near=44600&lang=en", http.StatusOK)
	mustContain(t, "results en", body, `<input type="hidden" name="lang" value="en">`, `href="/hebergeurs?lang=en"`,
		`href="/offres/1?lang=en"`, `4 results near Saint-Nazaire (44600)`, "2.0\u00a0km away")
	switches := 0
	for _, m := range regexp.MustCompile(`href="(/[^"]*)"`).FindAllStringSubmatch(body, -1) {
		u := strings.ReplaceAll(m[1], "&amp;", "&")
		if strings.HasPrefix(u, "/static/") || strings.HasPrefix(u, "/flux/") || strings.HasPrefix(u, "/api/") || strings.HasPrefix(u, "#") {
			continue
		}
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		switch pu.Query().Get("lang") {
		case "en":
		case "fr":
			switches++
		default:
			t.Errorf("link %s loses the chosen language", u)
		}
	}
	if switches != 1 {
		t.Errorf("%d links to French, want the one language switch", switches)
	}
	fr := f.page("/recherche?q=pad&near=44600", http.StatusOK)
	mustContain(t, "results fr", fr, `4 résultats près de Saint-Nazaire (44600)`, "à 2,0\u00a0km", `href="/offres/1"`)
	mustNotContain(t, "results fr", fr, `name="lang"`)
}

func TestSecurityHeadersAndNoCookie(t *testing.T) {
	f := newFixture(t)
	paths := append([]string{"/nope", "/api/v1/search?q=pad", "/api/v1/hosters", "/flux/offres.atom", "/healthz", "/api/openapi.json"}, mainPages...)
	for _, p := range paths {
		rec := f.get(p)
		h := rec.Header()
		if c := h.Values("Set-Cookie"); len(c) > 0 {
			t.Errorf("%s sets a cookie: %v", p, c)
		}
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		if h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", p, h)
		}
	}
}

// loaded finds what a page makes the browser load (not mere links).
var loaded = regexp.MustCompile(`<(script|img|image|iframe|source|audio|video|embed|object)\b[^>]*\b(?:src|href|data)="([^"]*)"|<link\b([^>]*)>`)

func TestNoThirdPartyResources(t *testing.T) {
	f := newFixture(t)
	for _, p := range mainPages {
		body := f.page(p, http.StatusOK)
		if strings.Contains(body, "<script>") || regexp.MustCompile(`<[^>]*\son[a-z]+=`).MatchString(body) || strings.Contains(body, "style=") {
			t.Errorf("%s: inline script, handler or style", p)
		}
		for _, m := range loaded.FindAllStringSubmatch(body, -1) {
			src := m[2]
			if m[3] != "" { // <link …>
				attrs := m[3]
				if strings.Contains(attrs, `rel="alternate"`) {
					continue // a data link, never loaded by the browser
				}
				src = regexp.MustCompile(`href="([^"]*)"`).FindStringSubmatch(attrs)[1]
			}
			if !strings.HasPrefix(src, "/") || strings.HasPrefix(src, "//") {
				t.Errorf("%s loads %q from elsewhere", p, src)
			}
		}
	}
}

// TestPageWeights renders each main page and gzips it with the CSS, the
// script and the base map it loads: each must stay under 30 KB.
func TestPageWeights(t *testing.T) {
	f := newFixture(t)
	const budget = 30 * 1024
	for _, p := range mainPages {
		body := f.page(p, http.StatusOK)
		total := gzSize([]byte(body))
		parts := []string{"html"}
		for name, a := range f.srv.assets {
			if strings.Contains(body, f.srv.assets.URL(name)) {
				total += len(a.gz)
				parts = append(parts, name)
			}
		}
		t.Logf("%-50s %6d B gzip (%s)", p, total, strings.Join(parts, "+"))
		if total > budget {
			t.Errorf("%s weighs %d B compressed with its assets, over %d", p, total, budget)
		}
	}
}

func gzSize(b []byte) int {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	w.Write(b)
	w.Close()
	return buf.Len()
}

func TestGzipResponses(t *testing.T) {
	f := newFixture(t)
	rec := f.get("/a-propos", "Accept-Encoding", "gzip")
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("HTML not compressed: %v", rec.Header())
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.ReadFrom(zr)
	mustContain(t, "gunzipped about", b.String(), "CHATONS")
}

func TestEscaping(t *testing.T) {
	f := newFixture(t)
	for _, p := range append(mainPages, "/offres/7", "/recherche?q=%3Cscript%3Ealert(9)%3C/script%3E", "/recherche?near=%3Cb%3Ex",
		"/flux/hebergeurs.atom", "/flux/offres.atom", "/api/v1/hosters", "/api/v1/search?q=pad") {
		body := f.page(p, f.get(p).Code)
		mustNotContain(t, p, body, "<script>alert", "<img src=x", "<b>gras", "<i>Pad", `href="javascript:`, "<u>0", "<b>x")
	}
	body := f.page("/hebergeurs/evil@evil.example", http.StatusOK)
	mustContain(t, "evil hoster", body, "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(3)&gt;")
	body = f.page("/offres/7", http.StatusOK)
	mustContain(t, "evil offer", body, "&lt;b&gt;gras&lt;/b&gt;")
}

func TestSearchPageProblems(t *testing.T) {
	f := newFixture(t)
	body := f.page("/recherche?q=pad&near=saint+nazair", http.StatusUnprocessableEntity)
	mustContain(t, "unknown place", body, "Nous ne connaissons pas le lieu", "Saint-Nazaire (44600)", `name="q" type="search" value="pad"`)
	body = f.page("/recherche?q=pad&near=Saint-Denis", http.StatusUnprocessableEntity)
	mustContain(t, "ambiguous place", body, "Plusieurs lieux", "Lequel", "near=Saint-Denis&#43;97400")
	body = f.page("/recherche?q=visio&near=Saint-Denis+97400", http.StatusOK)
	mustContain(t, "candidate", body, "près de Saint-Denis (97400)", "Ti Chaton Péi")
	body = f.page("/recherche?q=pad&near=44600&radius_km=abc", http.StatusBadRequest)
	mustContain(t, "bad radius", body, "radius_km")
	long := strings.Repeat("é", 300)
	body = f.page("/recherche?q="+url.QueryEscape(long), http.StatusOK)
	mustContain(t, "long query", body, "gardé le début", `value="`+strings.Repeat("é", 200)+`"`)
	mustNotContain(t, "long query", body, strings.Repeat("é", 201))
	body = f.page("/recherche?q=courriel&near=44600&radius_km=20", http.StatusOK)
	mustContain(t, "empty", body, "Aucun service ne correspond", "radius_km=60", "chercher dans toute la France")
	body = f.page("/recherche?q=pad&near=44600&category=mail", http.StatusOK)
	mustContain(t, "empty category", body, "chercher dans tous les services")
}

func TestFacetsAreLinks(t *testing.T) {
	f := newFixture(t)
	body := f.page("/recherche?q=pad&near=44600", http.StatusOK)
	m := regexp.MustCompile(`href="(/recherche\?[^"]*registration=none[^"]*)">sans compte</a> <span class="count">\((\d+)\)`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no registration facet link in\n%s", body)
	}
	filtered := f.page(strings.ReplaceAll(m[1], "&amp;", "&"), http.StatusOK)
	mustContain(t, "filtered", filtered, m[2]+" résultats", "retirer")
	mustNotContain(t, "filtered", filtered, "Etherpad de Erdre Libre")
}

// TestFacetsAndActiveFilters: the facets have a visible heading and come
// after the results in the page (the order of eye and keyboard); a facet
// that cannot narrow is not shown; each active filter is listed next to the
// count with a remove link and kept in the form as a ticked box, so that
// resubmitting the form keeps exactly what is shown.
func TestFacetsAndActiveFilters(t *testing.T) {
	f := newFixture(t)
	body := f.page("/recherche?q=pad&near=44600&registration=none", http.StatusOK)
	hits, facets := strings.Index(body, `<ol class="hits">`), strings.Index(body, `<h2 id="facets-title">Affiner</h2>`)
	if hits < 0 || facets < 0 || facets < hits {
		t.Errorf("facets at %d, results at %d: want a visible heading after the results", facets, hits)
	}
	mustNotContain(t, "useless facet", body, `<h3>Accès</h3>`)
	mustContain(t, "active filter", body, `<ul class="active-filters"`, "Accès\u00a0: sans compte <a href=\"/recherche?near=44600&amp;q=pad\" class=\"hint\">retirer le filtre",
		"<input type=\"checkbox\" name=\"registration\" value=\"none\" checked> Accès\u00a0: sans compte")
	mustNotContain(t, "active filter", body, `type="hidden" name="registration"`)

	// A category page's filter is a ticked box too, and when it empties the
	// page, the page says so and how many results there are without it.
	cat := f.page("/categories/pad?q=visio", http.StatusOK)
	mustContain(t, "category page", cat, `<input type="checkbox" name="category" value="pad" checked>`,
		"Aucun résultat avec Service\u00a0: Pad. Sans ce filtre, la recherche donne 3 résultats.", `href="/recherche?q=visio">Voir les résultats sans filtre`)
	mustNotContain(t, "category page", cat, `type="hidden" name="category"`)
	// Unticking the box is the form without category: /recherche?q=visio.
	plain := f.page("/recherche?q=visio", http.StatusOK)
	mustNotContain(t, "no filter", plain, `class="active-filters"`, `fieldset class="kept"`)
	// No empty side column on a page without results.
	empty := f.page("/recherche?q=introuvable", http.StatusOK)
	mustContain(t, "empty", empty, `<div class="results">`)
	mustNotContain(t, "empty", empty, `with-side`, `<aside`)
}

func TestPager(t *testing.T) {
	link := func(p int) string { return "p" + string(rune('0'+p)) }
	if n, prev, next := pager(1, 20, 45, link); n != 3 || prev != "" || next != "p2" {
		t.Errorf("page 1: %d %q %q", n, prev, next)
	}
	if n, prev, next := pager(3, 20, 45, link); n != 3 || prev != "p2" || next != "" {
		t.Errorf("page 3: %d %q %q", n, prev, next)
	}
	if n, _, next := pager(1, 20, 0, link); n != 1 || next != "" {
		t.Errorf("empty: %d %q", n, next)
	}
}

func TestHosterPage(t *testing.T) {
	f := newFixture(t)
	h := f.hoster["chaton-nazairien"]
	body := f.page("/hebergeurs/chaton-nazairien@nazairien.example", http.StatusOK)
	mustContain(t, "hoster", body, "<h1>Chaton Nazairien</h1>", `<span class="acct">@chaton-nazairien@<wbr>nazairien.<wbr>example</span>`, "Suivre sur le fédivers",
		"membre depuis le 1 juin 2019", "portée n° 8", "actif", "vu le 23 novembre 2026",
		`<link rel="alternate" type="application/activity&#43;json" href="`+h.ActorID+`">`,
		"Pad de l&#39;estuaire", "Engagements de la charte", "Contours\u00a0: Natural Earth", "contact@nazairien.example", "12 rue de la Paix")
	// The axis table counts the declaration's answers from the stored charter.
	ch, err := f.store.Charter(t.Context(), "chatons", "2023")
	if err != nil {
		ch = nil
	}
	_ = ch
	if !regexp.MustCompile(`<tr><th scope="row">[^<]+</th><td class="n">\d+</td><td class="n">\d+</td><td class="n">0</td><td class="n">0</td><td class="n">0</td></tr>`).MatchString(body) {
		t.Errorf("no axis row with counts")
	}
	en := f.page("/hebergeurs/chaton-nazairien@nazairien.example?lang=en", http.StatusOK)
	mustContain(t, "hoster en", en, "member since 1 June 2019", "Follow on the fediverse", "seen on 23 November 2026")

	rec := f.get("/hebergeurs/chaton-nazairien@nazairien.example", "Accept", "application/activity+json")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != h.ActorID {
		t.Errorf("ActivityPub client: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	down := f.page("/hebergeurs/lent@lent.example", http.StatusOK)
	mustContain(t, "down hoster", down, "injoignable")
	gone := f.page("/hebergeurs/parti@parti.example", http.StatusOK)
	mustContain(t, "gone hoster", gone, "disparu")
	f.page("/hebergeurs/discret@discret.example", http.StatusNotFound)
	f.page("/hebergeurs/personne@nulle.part", http.StatusNotFound)
	f.page("/hebergeurs/sans-arobase", http.StatusNotFound)
}

func TestCharterSummary(t *testing.T) {
	f := newFixture(t)
	ch, err := f.store.Charter(t.Context(), "chatons", "2023")
	if err != nil {
		t.Skip("default charter version differs:", err)
	}
	decl, err := f.store.DeclarationByHoster(t.Context(), f.hoster["chaton-nazairien"].ID)
	if err != nil {
		t.Fatal(err)
	}
	sum := summarize(f.srv.cat.localizer(langFR, false), ch, decl)
	yes, partial, required, requiredYes := 0, 0, 0, 0
	st := map[string]string{}
	for _, a := range decl.Answers {
		st[a.Commitment] = a.Status
	}
	for _, c := range ch.Commitments {
		switch st[c.ID] {
		case "yes":
			yes++
		case "partial":
			partial++
		}
		if c.Required {
			required++
			if st[c.ID] == "yes" {
				requiredYes++
			}
		}
	}
	gotYes, gotPartial := 0, 0
	for _, a := range sum.Axes {
		gotYes += a.Yes
		gotPartial += a.Partial
	}
	if gotYes != yes || gotPartial != partial || len(sum.Axes) != len(ch.Axes) {
		t.Errorf("summary %+v, want %d yes %d partial over %d axes", sum, yes, partial, len(ch.Axes))
	}
	if sum.Required.Yes != requiredYes || sum.Required.Total() != required {
		t.Errorf("required %+v, want %d yes of %d", sum.Required, requiredYes, required)
	}
}

// TestCharterSummaryIsHonest: an unanswered commitment is not a "no", and
// "not applicable" is shown as an answer (the page once said "55 %" of the
// required commitments were kept, counting the unanswered as failed).
func TestCharterSummaryIsHonest(t *testing.T) {
	f := newFixture(t)
	ch := &catalog.Charter{ID: "c", Version: "1", TitleFR: "Charte", Axes: []catalog.Axis{{ID: "a", TitleFR: "Axe A"}},
		Commitments: []catalog.Commitment{{ID: "c1", Axis: "a", Required: true}, {ID: "c2", Axis: "a", Required: true},
			{ID: "c3", Axis: "a", Required: true}, {ID: "c4", Axis: "a", Required: true}, {ID: "c5", Axis: "a"}}}
	decl := &catalog.CharterDeclaration{Answers: []catalog.Answer{{Commitment: "c1", Status: catalog.AnswerYes},
		{Commitment: "c2", Status: catalog.AnswerNotApplicable}, {Commitment: "c3", Status: catalog.AnswerNo},
		{Commitment: "c5", Status: catalog.AnswerNotApplicable}}}
	sum := summarize(f.srv.cat.localizer(langFR, false), ch, decl)
	want := axisCount{Yes: 1, No: 1, NotApplicable: 1, Unanswered: 1}
	if sum.Required != want || sum.Required.Answered() != 3 {
		t.Errorf("required %+v, want %+v", sum.Required, want)
	}
	if a := sum.Axes[0]; a.NotApplicable != 2 || a.Unanswered != 1 || a.Total() != 5 {
		t.Errorf("axis %+v", a)
	}
	body := f.page("/hebergeurs/chaton-nazairien@nazairien.example", http.StatusOK)
	mustContain(t, "hoster", body, `<th scope="col" class="n">sans objet</th>`, "Engagements obligatoires\u00a0: ", " sur ", "ont une réponse", "sans objet.", "Toutes ont une réponse.")
	mustNotContain(t, "hoster", body, "tenus")
}

func TestOfferPage(t *testing.T) {
	f := newFixture(t)
	o := f.offer["chaton-nazairien/etherpad"]
	body := f.page("/offres/1", http.StatusOK)
	mustContain(t, "offer", body, "<h1>Pad de l&#39;estuaire</h1>", "sans compte", "Apache-2.0",
		`type="application/activity&#43;json" href="`+o.ObjectID+`"`, `href="/hebergeurs/chaton-nazairien@nazairien.example"`)
	rec := f.get("/offres/1", "Accept", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != o.ObjectID {
		t.Errorf("ActivityPub client: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	gone := f.offer["parti/pad"]
	f.page("/offres/"+itoa(gone.ID), http.StatusNotFound)
	f.page("/offres/"+itoa(f.offer["discret/pad"].ID), http.StatusNotFound)
	f.page("/offres/abc", http.StatusNotFound)
	f.page("/offres/99999", http.StatusNotFound)
}

func TestCategoryPages(t *testing.T) {
	f := newFixture(t)
	body := f.page("/categories/video-call", http.StatusOK)
	mustContain(t, "category", body, "<h1>Trouver une visio</h1>", `name="category" value="video-call"`, "Deuxième visio")
	mustNotContain(t, "category", body, "Pad de l&#39;estuaire")
	en := f.page("/categories/video-call", http.StatusOK, "Accept-Language", "en")
	mustContain(t, "category en", en, "<h1>Find a video call service</h1>")
	f.page("/categories/nope", http.StatusNotFound)
	home := f.page("/", http.StatusOK)
	mustContain(t, "home", home, "Un pad pour écrire à plusieurs", `href="/categories/pad"`, `action="/recherche"`,
		`name="q"`, `name="near"`, `<label for="q">`, `<label for="near">`)
}

func TestHostersListAndMap(t *testing.T) {
	f := newFixture(t)
	body := f.page("/hebergeurs", http.StatusOK)
	mustContain(t, "list", body, "Chaton Nazairien", "Erdre Libre", "Ti Chaton Péi", "Chaton Lent", "5 hébergeurs")
	mustNotContain(t, "list", body, "Chaton Parti", "Chaton Discret")
	m := f.page("/carte", http.StatusOK)
	mustContain(t, "map", m, `<title>Chaton Nazairien</title>`, `<title>Ti Chaton Péi</title>`, "974 La Réunion",
		"Contours\u00a0: Natural Earth\u202f; IGN Admin Express (Licence Ouverte)", f.srv.assets.URL("france.svg"))
	mustNotContain(t, "map", m, "Chaton Parti", "Chaton Discret")
	base := f.get(f.srv.assets.URL("france.svg"))
	if base.Code != http.StatusOK || !strings.Contains(base.Body.String(), "<path d=\"M") || base.Header().Get("Content-Type") != "image/svg+xml" {
		t.Errorf("base map: %d %q", base.Code, base.Header().Get("Content-Type"))
	}
}

func TestStaticAssets(t *testing.T) {
	f := newFixture(t)
	u := f.srv.assets.URL("style.css")
	rec := f.get(u)
	if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Fatalf("%s: %d %v", u, rec.Code, rec.Header())
	}
	gz := f.get(u, "Accept-Encoding", "gzip")
	if gz.Header().Get("Content-Encoding") != "gzip" || gz.Body.Len() >= rec.Body.Len() {
		t.Errorf("no gzip for %s", u)
	}
	f.page("/static/0000000000/style.css", http.StatusNotFound)
	f.page(strings.Replace(u, "style.css", "nope.css", 1), http.StatusNotFound)
}

func TestErrorPages(t *testing.T) {
	f := newFixture(t)
	body := f.page("/nulle-part", http.StatusNotFound)
	mustContain(t, "404 fr", body, "Page introuvable", `<html lang="fr">`)
	body = f.page("/nulle-part", http.StatusNotFound, "Accept-Language", "en")
	mustContain(t, "404 en", body, "Page not found", `<html lang="en">`)
	rec := f.get("/api/v2/nope")
	var e map[string]any
	if rec.Code != http.StatusNotFound || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e["error"] == nil {
		t.Errorf("API 404: %d %s", rec.Code, rec.Body.String())
	}
}

func TestHealthz(t *testing.T) {
	f := newFixture(t)
	body := f.page("/healthz", http.StatusOK)
	if strings.TrimSpace(body) != `{"status":"ok"}` {
		t.Errorf("healthz: %s", body)
	}
	f.store.Close()
	f.page("/healthz", http.StatusServiceUnavailable)
}

// TestHealthzReportsReadOnlyCatalog: a catalog that answers reads but
// refuses writes (here SQLite's query_only mode on its one connection)
// makes /healthz answer 503, not 200.
func TestHealthzReportsReadOnlyCatalog(t *testing.T) {
	f := newFixture(t)
	f.page("/healthz", http.StatusOK)
	db := f.store.DB()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`PRAGMA query_only = ON`); err != nil {
		t.Fatal(err)
	}
	body := f.page("/healthz", http.StatusServiceUnavailable)
	if !strings.Contains(body, "not writable") {
		t.Errorf("healthz: %s", body)
	}
	f.page("/hebergeurs", http.StatusOK) // pages still served from what can be read
}

func itoa(n int64) string { return strconvI(n) }
