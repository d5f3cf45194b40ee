package chatonsinfos

import (
	"context"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wantValue(t *testing.T, f *File, key, want string) {
	t.Helper()
	if got := f.Get(key); got != want {
		t.Errorf("%s = %q, want %q", key, got, want)
	}
}

func TestParseHandWritten(t *testing.T) {
	f := Parse("https://erdre.example/org.properties", mustRead(t, "handwritten.properties"))
	if f.Class() != "organization" {
		t.Fatalf("class %q", f.Class())
	}
	wantValue(t, f, "organization.name", "Chaton de l'Erdre")
	wantValue(t, f, "organization.description", "Une association qui héberge des services libres près de Nantes.")
	wantValue(t, f, "organization.website", "https://erdre.example")
	wantValue(t, f, "organization.logo", "https://erdre.example/logo.png")
	wantValue(t, f, "organization.type", "ASSOCIATION")
	wantValue(t, f, "organization.owner.name", "José ☕")
	if f.Line("organization.website") != 12 {
		t.Errorf("website line %d, want 12", f.Line("organization.website"))
	}
	if len(f.Problems) != 0 {
		t.Errorf("problems: %v", f.Problems)
	}
	if n := len(f.WithPrefix("subs.")); n != 2 {
		t.Errorf("%d subs", n)
	}
}

func TestParseYunoHostQuotesAndSections(t *testing.T) {
	f := Parse("y", mustRead(t, "yunohost.properties"))
	wantValue(t, f, "file.class", "organization")
	wantValue(t, f, "organization.name", "Ti Chaton")
	wantValue(t, f, "organization.description", `Hébergement "maison" en Bretagne`)
	wantValue(t, f, "subs.nextcloud", "https://tichaton.example/.well-known/chatonsinfos/nextcloud.properties")
	wantValue(t, f, "subs.etherpad", "https://tichaton.example/.well-known/chatonsinfos/etherpad.properties")
	if len(f.Problems) != 0 {
		t.Errorf("problems: %v", f.Problems)
	}
}

func TestParseLatin1(t *testing.T) {
	data := []byte("file.class = Organization\norganization.name = Chaton de la For\xeat\norganization.description = \xe9t\xe9\n")
	f := Parse("l", data)
	if f.Encoding != "ISO-8859-1" {
		t.Errorf("encoding %q", f.Encoding)
	}
	wantValue(t, f, "organization.name", "Chaton de la Forêt")
	wantValue(t, f, "organization.description", "été")
}

func TestParseUTF8BOMAndCRLF(t *testing.T) {
	data := "\uFEFFfile.class = Service\r\nservice.name = Pad\r\nservice.description = un \\\r\n   pad\r\n\r\nservice.website = https://pad.example\r"
	f := Parse("c", []byte(data))
	wantValue(t, f, "file.class", "Service")
	wantValue(t, f, "service.description", "un pad")
	wantValue(t, f, "service.website", "https://pad.example")
	if f.Line("service.website") != 6 {
		t.Errorf("line %d", f.Line("service.website"))
	}
}

func TestParseEscapesAndSeparators(t *testing.T) {
	data := `a.b=1
a.c:2
a.d 3
a\ key.x = v
a.e = tab\there\nnew \\ back
a.f = \u00e9\uD83D\uDE00
a.g = \u00zz
a.h =
[not a section = x
`
	f := Parse("e", []byte(data))
	wantValue(t, f, "a.b", "1")
	wantValue(t, f, "a.c", "2")
	wantValue(t, f, "a.d", "3")
	wantValue(t, f, "a.e", "tab\there\nnew \\ back")
	wantValue(t, f, "a.f", "é😀")
	wantValue(t, f, "a.h", "")
	var lines []int
	for _, p := range f.Problems {
		lines = append(lines, p.Line)
	}
	// Line 4: a key with a space; 7: a bad \u escape; 9: not a key.
	if len(f.Problems) != 3 || lines[0] != 4 || lines[1] != 7 || lines[2] != 9 {
		t.Fatalf("problems %v", f.Problems)
	}
	if got := f.Problems[1].Error(); got != `e:7: a.g: malformed \u escape: "\\u00zz"` {
		t.Errorf("report %q", got)
	}
}

func TestParseMalformedLinesSkipped(t *testing.T) {
	data := "organization.name = A\ngarbage\n= nokey\norganization.name = B\n"
	f := Parse("https://x.example/o.properties", []byte(data))
	wantValue(t, f, "organization.name", "B")
	if len(f.Problems) != 3 {
		t.Fatalf("problems %v", f.Problems)
	}
	for _, p := range f.Problems {
		if !strings.HasPrefix(p.Error(), "https://x.example/o.properties:") {
			t.Errorf("report %q does not name the file and line", p.Error())
		}
	}
}

func TestWriterRoundTrip(t *testing.T) {
	values := map[string]string{
		"a.plain":   "Chaton nazairien",
		"a.lead":    "  indented",
		"a.multi":   "line one\nline two",
		"a.back":    `C:\path\to`,
		"a.quoted":  "'quoted'",
		"a.dquoted": `"x"`,
		"a.eq":      "=value",
		"a.unicode": "été ☕ 😀",
	}
	var w Writer
	w.Section("Test")
	for _, k := range sortedKeys(values) {
		w.Set(k, values[k])
	}
	f := Parse("w", w.Bytes())
	if len(f.Problems) != 0 {
		t.Fatalf("problems %v\n%s", f.Problems, w.Bytes())
	}
	for k, v := range values {
		if got := f.Get(k); got != v {
			t.Errorf("%s: %q, want %q\n%s", k, got, v, w.Bytes())
		}
	}
}

func TestInferCategory(t *testing.T) {
	for _, c := range []struct{ software, name, desc, want string }{
		{"Etherpad", "", "", "pad"},
		{"HedgeDoc", "", "", "pad"},
		{"CryptPad", "", "", "pad"},
		{"Nextcloud", "Mon nuage", "", "cloud"},
		{"", "Visio Jitsi", "", "video-call"},
		{"", "Sondages", "Framadate pour trouver une date", "poll"},
		{"PeerTube", "", "", "video"},
		{"", "Mise à jour", "update quotidien", "other"},
		{"Mastodon", "", "", "microblog"},
		{"Lufi", "", "", "file-sharing"},
		{"", "", "", "other"},
	} {
		if got := InferCategory(c.software, c.name, c.desc); got != c.want {
			t.Errorf("InferCategory(%q, %q, %q) = %q, want %q", c.software, c.name, c.desc, got, c.want)
		}
	}
}

// FuzzParse: whatever the bytes, Parse never panics, every value is valid
// UTF-8 and within the limits, and every problem names a line of the input.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"file.class = Organization\norganization.name = X\n",
		"[Subs]\nnext = 'https://x'\n",
		"a.b = \\u00e9\\\n  c",
		"a.b = \\uD83D",
		"a.b = \\",
		"\xef\xbb\xbfa.b:c\r\n",
		"a\\=b.c = d",
		"\xff\xfe",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file := Parse("fuzz", b)
		lines := strings.Count(string(b), "\n") + strings.Count(string(b), "\r") + 1
		for _, p := range file.Props {
			if !strings.Contains(p.Key, ".") || len(p.Key) > MaxKeyLen || len(p.Value) > MaxValueLen || !utf8.ValidString(p.Value) {
				t.Fatalf("kept %+v", p)
			}
			if p.Line < 1 || p.Line > lines {
				t.Fatalf("line %d of %d", p.Line, lines)
			}
			if file.Get(p.Key) != p.Value {
				t.Fatalf("Get(%q) != %q", p.Key, p.Value)
			}
		}
		for _, p := range file.Problems {
			if p.Line < 1 || p.Line > lines {
				t.Fatalf("problem line %d of %d: %v", p.Line, lines, p)
			}
		}
	})
}

func TestSingleOrganisationProblemsReportedOnce(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/org.properties"
	if err := os.WriteFile(path, []byte("file.class = Organization\norganization.name = X\nbroken\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := Crawl(context.Background(), FileGetter{}, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.AllProblems()); n != 1 {
		t.Errorf("%d problems, want 1: %v", n, res.AllProblems())
	}
}
