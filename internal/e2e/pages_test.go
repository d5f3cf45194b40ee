package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/internal/testenv"
	"github.com/chromedp/chromedp"
)

// publicPage is one page every width check visits. A feature that adds a
// public page adds a line to publicPages; {hoster:USERNAME} and
// {offer:QUERY} are replaced with the demo's actual paths on the directory,
// {node:USERNAME} and {actor:USERNAME} with the URLs of that hoster's node
// home page and of its own page on the node.
type publicPage struct {
	name, path string
	results    bool   // a results list whose first item must be on a phone's first screen
	narrow     string // an expression that must be true at 320 px
}

// factsStacked: on a phone a fact's value sits under its label, and the
// fediverse handle stays inside the page.
const factsStacked = `(() => { const dt = document.querySelector("dl.facts dt"), dd = dt.nextElementSibling;
	const a = document.querySelector(".acct").getBoundingClientRect();
	return dd.getBoundingClientRect().top >= dt.getBoundingClientRect().bottom - 1 && a.right <= document.documentElement.clientWidth })()`

var publicPages = []publicPage{
	{name: "home", path: "/"},
	{name: "results", path: "/recherche?q=pad&near=44600", results: true},
	{name: "results-category-filter", path: "/recherche?q=visio&near=97400&category=video-call", results: true},
	{name: "results-empty", path: "/recherche?q=introuvable&near=44600"},
	{name: "results-en", path: "/recherche?q=pad&near=44600&lang=en", results: true},
	{name: "category", path: "/categories/pad", results: true},
	{name: "category-place", path: "/categories/cloud?near=Lyon", results: true},
	{name: "hosters", path: "/hebergeurs"},
	{name: "hoster", path: "{hoster:chaton-nazairien}", narrow: factsStacked},
	{name: "hoster-en", path: "{hoster:chaton-nazairien}?lang=en", narrow: factsStacked},
	{name: "hoster-overseas", path: "{hoster:ti-chaton-pei}", narrow: factsStacked},
	{name: "offer", path: "{offer:pad}"},
	{name: "map", path: "/carte"},
	{name: "entraide", path: "/entraide"},
	{name: "about", path: "/a-propos"},
	{name: "not-found", path: "/nulle-part"},
	{name: "node-home", path: "{node:chaton-nazairien}"},
	{name: "node-hoster", path: "{actor:chaton-nazairien}", narrow: factsStacked},
}

// widths are the screens every page is drawn on: a small phone, a common
// phone and a laptop.
var widths = []struct{ w, h int64 }{{320, 640}, {390, 844}, {1280, 900}}

// TestPublicPagesAtEveryWidth saves a screenshot of every public page at
// 320, 390 and 1280 px under artifacts/screenshots/, fails when a page
// scrolls sideways at 320 px (WCAG 1.4.10 reflow), and checks that the
// first result of a results page is on the first screen of a 390×844 phone.
func TestPublicPagesAtEveryWidth(t *testing.T) {
	chrome := testenv.Chromium(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	d := startDemo(t, ctx)
	base := d.DirectoryURL()
	b := startBrowser(t, ctx, chrome, base, true)
	for _, p := range publicPages {
		path := resolvePath(t, base, p.path)
		if u, err := url.Parse(path); err == nil && u.Host != "" {
			b.allow(u.Host) // a node of the demo: its real page, not a stand-in
		}
		for _, sz := range widths {
			t.Run(fmt.Sprintf("%s-%d", p.name, sz.w), func(t *testing.T) {
				b.t = t
				b.do(chromedp.EmulateViewport(sz.w, sz.h, chromedp.EmulateScale(1)))
				b.navigate(path)
				if sz.w == 320 {
					// What sticks out is named, to tell which rule to fix.
					b.expect(`document.documentElement.scrollWidth <= document.documentElement.clientWidth || `+
						`[...document.querySelectorAll("body *")].filter(e => !e.closest("svg") && e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map(e => e.tagName + "." + e.className).slice(0, 5).join(" ")`, true)
					if p.narrow != "" {
						b.expect(p.narrow, true)
					}
				}
				// Map dots are touch targets of 24 px at least, on every screen.
				b.expect(`[...document.querySelectorAll("figure.map svg a circle")].filter(c => c.getBoundingClientRect().width < 23.5).length`, 0)
				if p.results {
					// The facets follow the results in the page; on screen too
					// (below, or to the right), so eye and keyboard agree.
					b.expect(`(() => { const a = document.querySelector("aside"), h = document.querySelector("ol.hits"); if (!a) return true;
						const ar = a.getBoundingClientRect(), hr = h.getBoundingClientRect(); return ar.top >= hr.bottom || ar.left >= hr.right })()`, true)
				}
				if p.results && sz.w == 390 {
					b.expect(`(() => { const h = document.querySelector("ol.hits > li h3"); return !!h && h.getBoundingClientRect().bottom <= innerHeight })()`, true)
				}
				b.screenshotAs(fmt.Sprintf("page-%s-%d", p.name, sz.w))
			})
		}
	}
}

// resolvePath fills the placeholders of a page path from the JSON API.
func resolvePath(t *testing.T, base, p string) string {
	t.Helper()
	rest := ""
	if i := strings.Index(p, "}"); strings.HasPrefix(p, "{") && i > 0 {
		p, rest = p[:i+1], p[i+1:]
	} else {
		return p
	}
	kind, arg, _ := strings.Cut(strings.Trim(p, "{}"), ":")
	switch kind {
	case "hoster", "node", "actor":
		var r struct {
			Hosters []struct{ Acct, URL, Actor string }
		}
		getJSON(t, base+"/api/v1/hosters", &r)
		for _, h := range r.Hosters {
			if !strings.HasPrefix(h.Acct, arg+"@") {
				continue
			}
			u, err := url.Parse(h.URL)
			if kind != "hoster" {
				u, err = url.Parse(h.Actor)
			}
			if err != nil {
				t.Fatal(err)
			}
			switch kind {
			case "node":
				return u.Scheme + "://" + u.Host + "/" + rest
			case "actor":
				return h.Actor + rest
			}
			return u.EscapedPath() + rest
		}
	case "offer":
		var r struct{ Hits []struct{ ID string } }
		getJSON(t, base+"/api/v1/search?q="+url.QueryEscape(arg), &r)
		if len(r.Hits) > 0 {
			return "/offres/" + strings.TrimPrefix(r.Hits[0].ID, "o") + rest
		}
	}
	t.Fatalf("no page for %s", p)
	return ""
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", u, err)
	}
}
