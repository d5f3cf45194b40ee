package observatory

import (
	"bytes"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Resource is something a page makes a browser load, or asks it to connect
// to ahead of time (preconnect, dns-prefetch, prefetch).
type Resource struct {
	URL string
	Tag string // "script", "stylesheet", "img", "iframe", "media", "preconnect", "import", "url"…
}

// Page is what the HTML of a page tells us.
type Page struct {
	Resources []Resource
	Generator string // <meta name="generator">
	Title     string
}

// maxResources bounds what one document can make us remember: a page of a
// million <img> must not grow the heap without end.
const maxResources = 2000

// ParseHTML lists the resources an HTML document makes a browser load,
// resolved against base (and its <base href>), and reads the generator
// and title. It never fails: malformed HTML gives what the tokenizer could
// make of it, as a browser would.
func ParseHTML(body []byte, base *url.URL) *Page {
	p := &Page{}
	z := html.NewTokenizer(bytes.NewReader(body))
	add := func(raw, tag string) {
		if len(p.Resources) >= maxResources {
			return
		}
		if u := resolve(base, raw); u != "" {
			p.Resources = append(p.Resources, Resource{URL: u, Tag: tag})
		}
	}
	var inStyle, inTitle, sawBase bool
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return p
		case html.TextToken:
			switch {
			case inStyle:
				for _, r := range ParseCSS(z.Text(), base) {
					add(r.URL, r.Tag)
				}
			case inTitle && p.Title == "":
				p.Title = strings.TrimSpace(string(z.Text()))
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.Style:
				inStyle = false
			case atom.Title:
				inTitle = false
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				key := string(k)
				if _, dup := attrs[key]; !dup {
					attrs[key] = string(v)
				}
			}
			if st, ok := attrs["style"]; ok {
				for _, r := range ParseCSS([]byte(st), base) {
					add(r.URL, r.Tag)
				}
			}
			switch a {
			case atom.Base:
				if h, ok := attrs["href"]; ok && !sawBase {
					sawBase = true
					if u, err := base.Parse(strings.TrimSpace(h)); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
						base = u
					}
				}
			case atom.Style:
				inStyle = tt == html.StartTagToken
			case atom.Title:
				inTitle = tt == html.StartTagToken
			case atom.Meta:
				if strings.EqualFold(strings.TrimSpace(attrs["name"]), "generator") && p.Generator == "" {
					p.Generator = strings.TrimSpace(attrs["content"])
				}
			case atom.Script:
				add(attrs["src"], "script")
			case atom.Link:
				for _, rel := range strings.Fields(strings.ToLower(attrs["rel"])) {
					switch rel {
					case "stylesheet":
						add(attrs["href"], "stylesheet")
					case "preconnect", "dns-prefetch", "prefetch", "preload", "modulepreload", "prerender":
						add(attrs["href"], rel)
					case "icon", "apple-touch-icon", "manifest":
						add(attrs["href"], "icon")
					}
				}
			case atom.Img, atom.Source, atom.Input:
				add(attrs["src"], "img")
				for _, s := range srcset(attrs["srcset"]) {
					add(s, "img")
				}
			case atom.Iframe, atom.Frame:
				add(attrs["src"], "iframe")
			case atom.Embed:
				add(attrs["src"], "media")
			case atom.Object:
				add(attrs["data"], "media")
			case atom.Video, atom.Audio, atom.Track:
				add(attrs["src"], "media")
				add(attrs["poster"], "img")
			}
		}
	}
}

// srcset splits "a.png 1x, b.png 2x" into its URLs.
func srcset(v string) []string {
	var out []string
	for _, part := range strings.Split(v, ",") {
		if f := strings.Fields(part); len(f) > 0 {
			out = append(out, f[0])
		}
	}
	return out
}

// resolve makes raw absolute against base; only http(s) URLs are kept
// (data:, blob:, javascript: load nothing from the network).
func resolve(base *url.URL, raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > 4096 {
		return ""
	}
	u, err := base.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.Fragment = ""
	return u.String()
}

// ParseCSS lists what a stylesheet loads: @import rules and url() values
// (fonts, images), resolved against base. Comments are skipped; strings and
// escapes are read as CSS reads them, enough to find URLs.
func ParseCSS(css []byte, base *url.URL) []Resource {
	var out []Resource
	s := string(css)
	n := len(s)
	for i := 0; i < n && len(out) < maxResources; {
		c := s[i]
		switch {
		case c == '/' && i+1 < n && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return out
			}
			i += end + 4
		case c == '"' || c == '\'':
			_, j := cssString(s, i)
			i = j
		case c == '@' && hasPrefixFold(s[i:], "@import"):
			i += len("@import")
			for i < n && isSpace(s[i]) {
				i++
			}
			var raw string
			switch {
			case i < n && (s[i] == '"' || s[i] == '\''):
				raw, i = cssString(s, i)
			case hasPrefixFold(s[i:], "url("):
				raw, i = cssURL(s, i+4)
			default:
				continue
			}
			if u := resolve(base, raw); u != "" {
				out = append(out, Resource{URL: u, Tag: "import"})
			}
		case (c == 'u' || c == 'U') && hasPrefixFold(s[i:], "url(") && (i == 0 || !isIdent(s[i-1])):
			var raw string
			raw, i = cssURL(s, i+4)
			if u := resolve(base, raw); u != "" {
				out = append(out, Resource{URL: u, Tag: "url"})
			}
		default:
			i++
		}
	}
	return out
}

// cssString reads a quoted string starting at s[i]; it returns the value
// and the index after the closing quote (or the end of the line/text).
func cssString(s string, i int) (string, int) {
	q := s[i]
	var b strings.Builder
	for i++; i < len(s); i++ {
		switch s[i] {
		case q:
			return b.String(), i + 1
		case '\n':
			return b.String(), i
		case '\\':
			if i+1 < len(s) {
				i++
				if s[i] != '\n' {
					b.WriteByte(s[i])
				}
			}
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), i
}

// cssURL reads the inside of url( … ) from s[i]; it returns the URL and the
// index after the closing parenthesis.
func cssURL(s string, i int) (string, int) {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	if i < len(s) && (s[i] == '"' || s[i] == '\'') {
		v, j := cssString(s, i)
		for j < len(s) && s[j] != ')' {
			j++
		}
		return v, min(j+1, len(s))
	}
	j := i
	for j < len(s) && s[j] != ')' {
		j++
	}
	return strings.TrimSpace(s[i:j]), min(j+1, len(s))
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

func isIdent(c byte) bool {
	return c == '-' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80
}
