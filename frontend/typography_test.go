package frontend

import (
	"encoding/json"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// nbsp and nnbsp are the two no-break spaces French typography uses before
// « ; : ! ? » and inside « »: a plain space would let the sign or the quote
// start a line of its own.
const (
	nbsp  = '\u00a0'
	nnbsp = '\u202f'
)

func isNoBreak(r rune) bool { return r == nbsp || r == nnbsp }

// frenchTypography lists the faults of one French string: a plain space or
// no space before ; : ! ? and around the inside of « ».
func frenchTypography(s string) []string {
	var out []string
	rs := []rune(s)
	for i, r := range rs {
		var prev, next rune
		if i > 0 {
			prev = rs[i-1]
		}
		if i+1 < len(rs) {
			next = rs[i+1]
		}
		switch r {
		case ';', ':', '!', '?':
			switch {
			case r == ':' && next == '/': // a URL scheme
			case unicode.IsDigit(prev) && unicode.IsDigit(next): // 10:30
			case prev == ' ':
				out = append(out, "plain space before "+string(r))
			case i > 0 && !isNoBreak(prev) && (next == 0 || unicode.IsSpace(next)):
				out = append(out, "no no-break space before "+string(r))
			}
		case '«':
			if !isNoBreak(next) {
				out = append(out, "« not followed by a no-break space")
			}
		case '»':
			if !isNoBreak(prev) {
				out = append(out, "» not preceded by a no-break space")
			}
		}
	}
	return out
}

func TestFrenchTypographyRule(t *testing.T) {
	for s, bad := range map[string]bool{
		"Quoi ?": true, "Quoi?": true, "Quoi\u202f?": false, "Contours : IGN": true, "Contours\u00a0: IGN": false,
		"« pad »": true, "«\u00a0pad\u00a0»": false, "«\u202fpad\u202f»": false, "https://chatons.org": false,
		"à 10:30": false, "a ; b": true, "a\u202f; b": false, "Oui !": true,
	} {
		if got := len(frenchTypography(s)) > 0; got != bad {
			t.Errorf("%q: fault %v, want %v (%v)", s, got, bad, frenchTypography(s))
		}
	}
}

// TestFrenchCatalogTypography checks every French message of every locale
// file (fr.json and each <area>.fr.json) and the literal text of the
// templates.
func TestFrenchCatalogTypography(t *testing.T) {
	files, err := fs.Glob(localeFS, "locales/*.json")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, file := range files {
		name := strings.TrimSuffix(path.Base(file), ".json")
		if name != langFR && !strings.HasSuffix(name, "."+langFR) {
			continue
		}
		b, err := localeFS.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			checked++
			for _, p := range frenchTypography(m[k]) {
				t.Errorf("%s: %s: %s in %q (use U+202F before ; ! ?, U+00A0 before : and inside « »)", file, k, p, m[k])
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d French messages checked", checked)
	}
	// Code samples (a robots.txt, a command) are not French prose.
	tags := regexp.MustCompile(`(?s)<code>.*?</code>|<pre>.*?</pre>|{{.*?}}|<[^>]*>`)
	err = fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(p)
		if err != nil {
			return err
		}
		text := tags.ReplaceAllString(string(b), "\n")
		for _, line := range strings.Split(text, "\n") {
			for _, prob := range frenchTypography(line) {
				t.Errorf("%s: %s in %q", p, prob, line)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
