package frontend

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestAcceptLanguage(t *testing.T) {
	for h, want := range map[string]string{
		"":                        "fr",
		"en":                      "en",
		"en-US,en;q=0.9":          "en",
		"fr-FR,fr;q=0.9,en;q=0.8": "fr",
		"de-DE,en;q=0.5,fr;q=0.4": "en",
		"de,es":                   "fr",
		"en;q=0.2,fr;q=0.9":       "fr",
		"EN-gb":                   "en",
		"en;q=abc":                "fr",
		"*":                       "fr",
		"fr;q=0,en;q=0.1":         "en",
	} {
		if got := acceptLanguage(h); got != want {
			t.Errorf("Accept-Language %q: %s, want %s", h, got, want)
		}
	}
	r := httptest.NewRequest(http.MethodGet, "/?lang=en", nil)
	r.Header.Set("Accept-Language", "fr")
	if l, explicit := pickLanguage(r); l != "en" || !explicit {
		t.Errorf("?lang=en: %s %v", l, explicit)
	}
	r = httptest.NewRequest(http.MethodGet, "/?lang=de", nil)
	if l, explicit := pickLanguage(r); l != "fr" || explicit {
		t.Errorf("?lang=de: %s %v", l, explicit)
	}
}

func FuzzAcceptLanguage(f *testing.F) {
	for _, s := range []string{"", "en", "fr-FR,fr;q=0.9,en;q=0.8", "en;q=", ";;;,,,", "en;q=1e400", "x-" + strings.Repeat("a", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if l := acceptLanguage(h); l != "fr" && l != "en" {
			t.Fatalf("%q → %q", h, l)
		}
	})
}

func TestFormats(t *testing.T) {
	c, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	fr, en := c.localizer(langFR, false), c.localizer(langEN, true)
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ got, want string }{
		{fr.Km(3.21), "3,2\u00a0km"}, {en.Km(3.21), "3.2\u00a0km"},
		{fr.Km(52.4), "52\u00a0km"}, {en.Km(1234.4), "1,234\u00a0km"}, {fr.Km(1234.4), "1\u202f234\u00a0km"},
		{fr.Date(day), "23 novembre 2026"}, {en.Date(day), "23 November 2026"},
		{fr.DateString("2019-06-01"), "1 juin 2019"}, {fr.DateString("bientôt"), "bientôt"},
		{fr.Int(1234567), "1\u202f234\u202f567"}, {en.Int(-1234), "-1,234"}, {en.Int(12), "12"},
		{fr.Percent(0.875), "88\u00a0%"}, {en.Percent(0.5), "50%"},
		{fr.N("results.count", 0), "0 résultat"}, {fr.N("results.count", 2), "2 résultats"},
		{en.N("results.count", 1), "1 result"}, {en.N("results.count", 0), "0 results"},
		{fr.URL("/recherche", "q", "pad", "near", ""), "/recherche?q=pad"},
		{en.URL("/carte"), "/carte?lang=en"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// TestEveryKeyExists: keys named in templates and in Go code exist in both
// catalogs, English translates every French key, and New refuses to start
// when one is missing.
func TestEveryKeyExists(t *testing.T) {
	c, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]string{}
	goKey := regexp.MustCompile(`\.(?:T|N)\("([^"]+)"`)
	files, _ := filepath.Glob("*.go")
	tmpl, _ := filepath.Glob("templates/*/*.html")
	tmpl2, _ := filepath.Glob("templates/*.html")
	for _, p := range append(append(files, tmpl...), tmpl2...) {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		re := goKey
		if strings.HasSuffix(p, ".html") {
			re = keyUse
		}
		for _, m := range re.FindAllSubmatch(b, -1) {
			if strings.HasSuffix(string(m[1]), ".") {
				continue // a prefix of run-time keys: see dynamicKeys
			}
			used[string(m[1])] = p
		}
	}
	if len(used) < 100 {
		t.Fatalf("only %d keys found: the scan is broken", len(used))
	}
	for k, where := range used {
		if !c.has(k) {
			t.Errorf("%s: key %q missing from a catalog", where, k)
		}
	}
	for _, k := range dynamicKeys() {
		if !c.has(k) {
			t.Errorf("dynamic key %q missing", k)
		}
	}
	for k := range c[langFR] {
		if _, ok := c[langEN][k]; !ok {
			t.Errorf("en lacks %q", k)
		}
	}

	s := &Server{cat: catalogs{langFR: map[string]string{}, langEN: map[string]string{}}, assets: assets{}}
	for l, m := range c {
		for k, v := range m {
			s.cat[l][k] = v
		}
	}
	s.geo, _ = newMapGeometry()
	if s.assets, err = loadAssets(map[string][]byte{"france.svg": []byte("<svg/>")}); err != nil {
		t.Fatal(err)
	}
	if err := s.parseTemplates(); err != nil {
		t.Fatal(err)
	}
	if err := s.checkKeys(); err != nil {
		t.Fatalf("complete catalogs refused: %v", err)
	}
	delete(s.cat[langEN], "search.submit")
	if err := s.checkKeys(); err == nil || !strings.Contains(err.Error(), "search.submit") {
		t.Errorf("a missing key must fail at start, got %v", err)
	}
}
