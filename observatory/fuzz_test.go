package observatory

import (
	"net/url"
	"strings"
	"testing"
)

var fuzzBase, _ = url.Parse("https://chaton.test/dossier/page.html")

// FuzzParseHTML: any document parses without panicking, every resource is
// an absolute http(s) URL, and the list stays bounded.
func FuzzParseHTML(f *testing.F) {
	for _, s := range []string{
		`<!doctype html><link rel="stylesheet preconnect" href="//fonts.googleapis.com/css"><script src=/a.js></script>`,
		`<base href="https://ailleurs.test/"><img src="x.png" srcset="a.png 1x, b.png 2x"><style>@import "c.css";</style>`,
		`<div style="background:url('data:image/png;base64,xx')"><iframe src="javascript:alert(1)">`,
		`<title>Erreur 404</title><meta name=generator content="Hugo 0.120">`,
		`<video poster=p.jpg src=v.mp4><track src=t.vtt></video><object data=o.swf><embed src=e>`,
		`<img src="` + strings.Repeat("a", 5000) + `">`, `<<<>>><script><!--`, "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := ParseHTML(b, fuzzBase)
		if len(p.Resources) > maxResources {
			t.Fatalf("%d resources", len(p.Resources))
		}
		for _, r := range p.Resources {
			u, err := url.Parse(r.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				t.Fatalf("resource %q is not an absolute http(s) URL", r.URL)
			}
		}
	})
}

// FuzzParseCSS: any stylesheet parses, URLs are absolute http(s).
func FuzzParseCSS(f *testing.F) {
	for _, s := range []string{
		`@import url("https://fonts.googleapis.com/css2?family=Roboto"); @import 'a.css' screen;`,
		`@font-face{src:url(/f.woff2) format("woff2"), URL( "g.woff" )}`,
		`/* url(x) */ a{b:url(}`, `@import`, `url(`, `"unterminated`, `@IMPORT "x"`, `background:myurl(a)`,
		`a{background:url("a\"b.png")}`, "url('a\\\nb')",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range ParseCSS([]byte(s), fuzzBase) {
			u, err := url.Parse(r.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				t.Fatalf("resource %q is not an absolute http(s) URL", r.URL)
			}
		}
	})
}

// TestParseCSS pins what the CSS reader finds.
func TestParseCSS(t *testing.T) {
	css := `/* @import "commente.css"; */ @import "a.css"; @import url(b.css) print; @IMPORT url('c.css');
a{background:url( "d.png" )} b{background:URL(e.png)} c{background:myurl(f.png)} d{content:"url(g.png)"}
@font-face{src:url(data:font/woff2;base64,AAAA), url(https://fonts.gstatic.com/h.woff2)}`
	var got []string
	for _, r := range ParseCSS([]byte(css), fuzzBase) {
		got = append(got, r.Tag+" "+r.URL)
	}
	want := []string{
		"import https://chaton.test/dossier/a.css", "import https://chaton.test/dossier/b.css", "import https://chaton.test/dossier/c.css",
		"url https://chaton.test/dossier/d.png", "url https://chaton.test/dossier/e.png", "url https://fonts.gstatic.com/h.woff2",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestClassify pins the list's matching rules: subdomains, first match by
// the most specific name, path-scoped entries, unknown hosts.
func TestClassify(t *testing.T) {
	for _, c := range []struct{ host, path, want string }{
		{"fonts.googleapis.com", "/css2", "fonts"},
		{"www.google-analytics.com", "/analytics.js", "analytics"},
		{"region1.google-analytics.com", "", "analytics"},
		{"ads.linkedin.com", "", "advertising"},
		{"platform.linkedin.com", "", "social"},
		{"www.google.com", "/recaptcha/api.js", "captcha"},
		{"www.google.com", "/search", Unclassified},
		{"fonts.gstatic.com", "", "fonts"},
		{"www.gstatic.com", "", "cdn"},
		{"WWW.YOUTUBE.COM.", "", "video"},
		{"chaton.test", "", Unclassified},
	} {
		if got := Classify(c.host, c.path); got != c.want {
			t.Errorf("Classify(%q, %q) = %q, want %q", c.host, c.path, got, c.want)
		}
	}
	d := Domains{}
	d.Add("https://nuage.chaton.test:8443/x")
	d.Add("node.autre-domaine.fr")
	d.Add("http://127.0.0.1:9000/")
	for host, want := range map[string]bool{"chaton.test": true, "pad.chaton.test:443": true, "www.autre-domaine.fr": true,
		"127.0.0.1:8080": true, "127.0.0.2": false, "chaton.test.evil.test": false, "fonts.googleapis.com": false} {
		if d.Own(host) != want {
			t.Errorf("Own(%q) = %v", host, !want)
		}
	}
}
