package vocab

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/portee/portee/catalog"
)

// fuzzSeeds are the fixtures, our own documents, and garbage of the shapes
// that break parsers: wrong types everywhere, depth bombs, truncation.
func fuzzSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	h := sampleHoster()
	o := sampleOffer(h)
	for _, build := range []func() ([]byte, error){
		func() ([]byte, error) { return Hoster(testPaths, h, testPEM(f)) },
		func() ([]byte, error) { return Offer(testPaths, h, o) },
		func() ([]byte, error) { return OfferNote(testPaths, h, o, OfferEvent{Kind: OfferCreated}, "n") },
		func() ([]byte, error) {
			return Declaration(testPaths, h, &catalog.CharterDeclaration{CharterID: "c", CharterVersion: "1",
				Answers: catalog.Answers{{Commitment: "a", Status: "yes"}}})
		},
		func() ([]byte, error) {
			return OrderedCollection(testPaths.Outbox("x"), 3, testPaths.Outbox("x")+"?page=1")
		},
		func() ([]byte, error) {
			return OrderedCollectionPage(testPaths.Outbox("x")+"?page=1", testPaths.Outbox("x"), testPaths.Outbox("x")+"?page=2", "",
				[]json.RawMessage{json.RawMessage(`"https://a.example/1"`)})
		},
	} {
		b, err := build()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `"x"`, `1e999`, `{"type":null}`, `{"type":[[]]}`, `{"id":{},"type":{}}`,
		`{"id":"https://a.example/1","type":"Create","actor":[],"object":[[]]}`,
		`{"id":"https://a.example/u","type":"Person","preferredUsername":"u","inbox":"https://a.example/i","publicKey":[1,null,{}]}`,
		`{"id":"https://a.example/o/x","type":"Service","attributedTo":{},"portee:software":[{"name":[]}]}`,
		`{"type":"OrderedCollection","first":{"type":"OrderedCollectionPage","first":{}},"totalItems":-1e300}`,
		`{"@context":[{"p":"https://portee.codeberg.page/ns#","x":{"@id":"p:"}},null],"type":"Service"}`,
		`{"location":{"latitude":"NaN","longitude":1e400,"address":[]},"type":"Person"}`,
		strings.Repeat("[", 10000), strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40),
		`{"a":"\u0000\ud800"}`, "\xff\xfe{}",
	} {
		f.Add([]byte(s))
	}
}

func FuzzParseActivity(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseActivity(b)
		if err != nil {
			return
		}
		if p.ID == "" || p.Type == "" || p.Actor == "" {
			t.Fatalf("accepted without id, type or actor: %+v", p)
		}
		// An embedded object is itself within the limits.
		if p.Object != nil && !json.Valid(p.Object) {
			t.Fatalf("invalid embedded object %q", p.Object)
		}
	})
}

func FuzzParseActor(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseActor(b)
		if err != nil {
			return
		}
		h := a.Hoster
		if h.ActorID == "" || h.InboxURL == "" || h.PublicKeyPEM == "" || h.Username == "" || h.Domain == "" {
			t.Fatalf("accepted an incomplete actor: %+v", h)
		}
		for _, u := range []string{h.Website, h.LegalURL, h.IconURL} {
			if u != "" && absURL(u) == "" {
				t.Fatalf("unsafe URL %q", u)
			}
		}
	})
}

func FuzzParseOffer(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		o, by, err := ParseOffer(b)
		if err != nil {
			return
		}
		if by == "" || o.Validate() != nil {
			t.Fatalf("accepted an invalid offer: %+v by %q", o, by)
		}
	})
}

func FuzzParseCollection(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		items, iris, _, _, total, err := ParseCollection(b)
		if err != nil {
			return
		}
		if total < 0 {
			t.Fatalf("negative total %d", total)
		}
		for _, it := range items {
			if !json.Valid(it) {
				t.Fatalf("invalid item %q", it)
			}
		}
		for _, s := range iris {
			if absURL(s) == "" {
				t.Fatalf("unsafe item IRI %q", s)
			}
		}
	})
}

func FuzzParseDeclaration(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		d, by, err := ParseDeclaration(b)
		if err != nil {
			return
		}
		if by == "" || d.CharterID == "" {
			t.Fatalf("accepted %+v by %q", d, by)
		}
		_ = IsTombstone(b)
	})
}
