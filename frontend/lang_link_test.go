package frontend

import (
	"net/http"
	"strings"
	"testing"
)

// TestLanguageLinkNeverLeavesTheSite: the 404 page of //evil.example/ once
// linked to //evil.example/?lang=en (an open redirect); the language link
// is now built from the route.
func TestLanguageLinkNeverLeavesTheSite(t *testing.T) {
	f := newFixture(t)
	for path, want := range map[string]string{
		"//evil.example/":                                `href="/?lang=en"`,
		"//evil.example/hebergeurs":                      `href="/?lang=en"`,
		"/\\evil.example/":                               `href="/?lang=en"`,
		"/nulle-part":                                    `href="/?lang=en"`,
		"/hebergeurs/%2F%2Fevil.example":                 `href="/hebergeurs/%2F%2Fevil.example?lang=en"`,
		"/hebergeurs?page=2":                             `href="/hebergeurs?lang=en&amp;page=2"`,
		"/hebergeurs/chaton-nazairien@nazairien.example": `href="/hebergeurs/chaton-nazairien@nazairien.example?lang=en"`,
	} {
		rec := f.get(path)
		body := rec.Body.String()
		if rec.Code != http.StatusOK && rec.Code != http.StatusNotFound {
			t.Errorf("%s: status %d", path, rec.Code)
		}
		if strings.Contains(body, `href="//`) || strings.Contains(body, `href="/\`) {
			t.Errorf("%s: a link leaves the site", path)
		}
		mustContain(t, path, body, want)
	}
}

// TestUserTextIsolated: hosters' names, communes and prices shown next to
// our own text are isolated (<bdi>), so that a right-to-left name cannot
// reorder the words and punctuation around it.
func TestUserTextIsolated(t *testing.T) {
	f := newFixture(t)
	body := f.page("/recherche?q=pad&near=44600", http.StatusOK)
	mustContain(t, "results", body, "<bdi>Chaton Nazairien</bdi></a>", " · <bdi>Saint-Nazaire</bdi>", `<p dir="auto">`)
	body = f.page("/offres/"+strconvI(f.offer["chaton-nazairien/etherpad"].ID), http.StatusOK)
	mustContain(t, "offer", body, "<bdi>Chaton Nazairien</bdi></a>")
	body = f.page("/entraide", http.StatusOK)
	mustContain(t, "entraide", body, "<bdi>Chaton Nazairien</bdi></a>")
}
