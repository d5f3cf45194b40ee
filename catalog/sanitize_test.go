package catalog

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCleanText: remote text comes out valid UTF-8, without control
// characters but line feed and tab, without bidi embeddings, overrides or
// isolates, and cleaning twice changes nothing more.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"Chaton\u202e nazairien", "a\x00b\x1b[31mc\r\nd\x7f\u0085e", "\xff\xfe", "\u2066x\u2069", "ok"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := CleanText(s)
		if !utf8.ValidString(c) {
			t.Fatalf("CleanText(%q) = %q: invalid UTF-8", s, c)
		}
		for _, r := range c {
			if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r <= 0x9f) ||
				(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
				t.Fatalf("CleanText(%q) = %q keeps %U", s, c, r)
			}
		}
		if CleanText(c) != c {
			t.Fatalf("CleanText is not idempotent on %q", s)
		}
		if l := cleanLine(s); strings.ContainsAny(l, "\n\t") {
			t.Fatalf("cleanLine(%q) = %q keeps a line break", s, l)
		}
	})
}

func TestCleanRemote(t *testing.T) {
	h := Hoster{Name: " Chaton\u202e\tnazairien\x00 ", Summary: "l1\r\nl2\x1b", Location: Location{Departement: "44\u2066"}}
	h.CleanRemote()
	if h.Name != "Chaton nazairien" || h.Summary != "l1\nl2" || h.Departement != "44" {
		t.Errorf("%q %q %q", h.Name, h.Summary, h.Departement)
	}
	o := Offer{Name: "Pad\u202d", Price: "1\u00a0€\x07", Languages: StringList{"fr\x00"}, AreaDepartements: StringList{"\u202a44"}}
	o.CleanRemote()
	if o.Name != "Pad" || o.Price != "1\u00a0€" || o.Languages[0] != "fr" || o.AreaDepartements[0] != "44" {
		t.Errorf("%q %q %q %q", o.Name, o.Price, o.Languages, o.AreaDepartements)
	}
}
