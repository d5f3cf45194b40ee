package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/internal/demo"
	"codeberg.org/portee/portee/internal/testenv"
	"github.com/chromedp/chromedp"
)

// dashboardPages are the node dashboard's pages (on a demo node, signed
// in), drawn at every width like publicPages. A feature that adds a page
// to the node's dashboard adds a line here.
var dashboardPages = []publicPage{
	{name: "gestion", path: "/gestion"},
	{name: "gestion-identite", path: "/gestion/identite"},
	{name: "gestion-offres", path: "/gestion/offres"},
	{name: "gestion-offre", path: "/gestion/offres/etherpad"},
	{name: "gestion-offre-en", path: "/gestion/offres/etherpad?lang=en"},
	{name: "gestion-nouvelle-offre", path: "/gestion/nouvelle-offre"},
	{name: "gestion-charte", path: "/gestion/charte"},
}

const e2ePassword = "mot de passe e2e du nœud"

// TestNodeDashboardInChromium signs in to a demo node's dashboard, with
// JavaScript and without: an offer's new name becomes searchable in the
// directory and is written to the node's hoster file, a validation error
// shows next to its field in French, a charter answer reaches the
// directory's compliance table, and signing out ends the session. The
// dashboard's pages are drawn at 320, 390 and 1280 px without sideways
// scrolling.
func TestNodeDashboardInChromium(t *testing.T) {
	chrome := testenv.Chromium(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	d := startDemo(t, ctx)
	if _, err := d.SeedStaff(ctx, e2ePassword); err != nil {
		t.Fatal(err)
	}
	n := d.Nodes[0]
	if n.Username != "chaton-nazairien" {
		t.Fatalf("first demo node is %s", n.Username)
	}
	for _, js := range []bool{true, false} {
		t.Run(fmt.Sprintf("js=%v", js), func(t *testing.T) {
			b := startBrowser(t, ctx, chrome, n.URL, js)
			b.navigate("/gestion")
			b.expectContains(`location.pathname`, "/connexion")
			b.do(chromedp.SendKeys(chromedp.ID("email"), demo.NodeAdminEmail(n.Username)), chromedp.SendKeys(chromedp.ID("password"), e2ePassword))
			b.clickAndLoad(`form.stack button[type=submit]`)
			b.expect(`location.pathname`, "/gestion")
			b.expectContains(`document.querySelector("h1").textContent`, "Tableau de bord du nœud")

			// An offer's new name, from the list to the directory's search.
			b.navigate("/gestion/offres")
			b.clickAndLoad(`a[href="/gestion/offres/etherpad"]`)
			name := fmt.Sprintf("Pad zorglub %v", js)
			b.setValue("f-name", name)
			b.clickAndLoad(`form.stack > button[type=submit]`)
			saved := time.Now()
			b.expectContains(`location.search`, "enregistre=1")
			b.expect(`document.getElementById("f-name").value`, name)
			q := "zorglub"
			found := false
			for time.Since(saved) < 10*time.Second && !found {
				var r struct{ Hits []struct{ Name string } }
				getJSON(t, d.DirectoryURL()+"/api/v1/search?q="+url.QueryEscape(q), &r)
				for _, h := range r.Hits {
					found = found || h.Name == name
				}
				time.Sleep(50 * time.Millisecond)
			}
			if !found {
				t.Fatalf("%q not searchable in the directory 10 s after the save", name)
			}
			t.Logf("searchable in the directory %v after the save", time.Since(saved).Round(10*time.Millisecond))
			if b, _ := os.ReadFile(d.HosterFile(n.Username)); !strings.Contains(string(b), "name: "+name) {
				t.Errorf("hoster file not rewritten:\n%s", b)
			}

			// A validation error, next to its field, in French.
			b.setValue("f-url", "ftp://pad.example") // the browser takes it, the charter does not
			b.clickAndLoad(`form.stack > button[type=submit]`)
			b.expect(`document.getElementById("e-url").textContent`, "n'est pas une adresse http ou https complète")
			b.expect(`document.getElementById("f-url").getAttribute("aria-invalid")`, "true")
			b.screenshot("validation")

			// A charter answer, to the directory's compliance table.
			commitment, answer := "transparent-statistiques", "partial"
			if !js {
				commitment, answer = "neutre-pistage", "no"
			}
			before := declared(t, d.DirectoryURL(), commitment, answer)
			b.navigate("/gestion/charte")
			b.setValue("s-"+commitment, answer)
			b.setValue("m-"+commitment, "Réponse modifiée au tableau de bord.")
			b.clickAndLoad(`form[action="/gestion/charte"] > button[type=submit]`)
			b.expectContains(`location.search`, "enregistre=1")
			b.expect(`document.getElementById("s-`+commitment+`").value`, answer)
			deadline := time.Now().Add(10 * time.Second)
			for declared(t, d.DirectoryURL(), commitment, answer) != before+1 && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			if got := declared(t, d.DirectoryURL(), commitment, answer); got != before+1 {
				t.Errorf("compliance table: %s declared %s by %d hosters, want %d", commitment, answer, got, before+1)
			}

			if js {
				for _, p := range dashboardPages {
					for _, sz := range widths {
						t.Run(fmt.Sprintf("%s-%d", p.name, sz.w), func(t *testing.T) {
							b.t = t
							b.do(chromedp.EmulateViewport(sz.w, sz.h, chromedp.EmulateScale(1)))
							b.navigate(p.path)
							b.expect(`location.pathname + location.search`, p.path)
							if sz.w == 320 {
								b.expect(`document.documentElement.scrollWidth <= document.documentElement.clientWidth || `+
									`[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map(e => e.tagName + "." + e.className + "#" + e.id).slice(0, 5).join(" ") || document.documentElement.scrollWidth`, true)
							}
							b.screenshotAs(fmt.Sprintf("page-%s-%d", p.name, sz.w))
						})
					}
				}
				b.t = t
				b.do(chromedp.EmulateViewport(1280, 900, chromedp.EmulateScale(1)))
			}

			// Sign out: the session is gone.
			b.navigate("/gestion")
			b.clickAndLoad(`nav.dash form button[type=submit]`)
			b.expect(`location.pathname`, "/")
			b.navigate("/gestion")
			b.expectContains(`location.pathname`, "/connexion")
			b.mu.Lock()
			defer b.mu.Unlock()
			if len(b.foreign) > 0 {
				t.Errorf("requests to other hosts: %v", b.foreign)
			}
		})
	}
}

// setValue sets a form field through DevTools, which works with the
// page's scripts disabled too.
func (b *browser) setValue(id, value string) {
	b.t.Helper()
	b.expect(fmt.Sprintf(`(() => { const e = document.getElementById(%q); e.value = %q; return e.value })()`, id, value), value)
}

// declared is how many hosters the directory's compliance table counts
// with that answer to the commitment.
func declared(t *testing.T, base, commitment, answer string) int {
	var r struct {
		Commitments []struct {
			ID       string
			Declared map[string]int
		}
	}
	getJSON(t, base+"/api/v1/compliance", &r)
	for _, c := range r.Commitments {
		if c.ID == commitment {
			return c.Declared[answer]
		}
	}
	t.Fatalf("compliance table has no commitment %s", commitment)
	return 0
}
