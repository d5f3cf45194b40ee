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
