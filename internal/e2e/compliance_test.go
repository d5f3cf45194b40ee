package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/internal/demo"
	"codeberg.org/portee/portee/internal/testenv"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestComplianceAndStatisticsInChromium opens the compliance table and the
// statistics on a 320 px phone, without JavaScript and with it: nothing
// scrolls sideways (the wide table scrolls inside its own region), the
// filters work as a plain form, the charts are drawn, and no cookie is set
// nor any other host asked.
func TestComplianceAndStatisticsInChromium(t *testing.T) {
	chrome := testenv.Chromium(t)
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	d := startDemo(t, ctx)
	base := d.DirectoryURL()
	// As "portee demo" does: staff accounts, two published audits, a draft.
	if _, err := d.SeedStaff(ctx, "mot de passe de la démo"); err != nil {
		t.Fatal(err)
	}
	checkComplianceAgreesWithDeclarations(t, ctx, d)
	for _, js := range []bool{false, true} {
		name := "no-javascript"
		if js {
			name = "javascript"
		}
		t.Run(name, func(t *testing.T) {
			b := startBrowser(t, ctx, chrome, base, js)
			b.do(chromedp.EmulateViewport(320, 640, chromedp.EmulateMobile))

			b.navigate("/conformite")
			b.expect(`document.documentElement.lang`, "fr")
			b.expect(`document.querySelector("h1").textContent`, "Conformité à la charte")
			b.expect(`document.documentElement.scrollWidth <= 320`, true)
			b.expect(`document.querySelectorAll("table.compliance tbody tr.axis").length >= 6`, true)
			// The table is wider than the phone, inside its own scrolling region.
			b.expect(`document.querySelector(".scroll").scrollWidth > document.querySelector(".scroll").clientWidth`, true)
			b.expectContains(`document.querySelector("main p:nth-of-type(2)").textContent`, "un audit publié")
			b.screenshot("compliance-320")

			b.do(chromedp.SetValue(chromedp.ID("departement"), "44"))
			b.clickAndLoad(`form.filters button[type=submit]`)
			b.expectContains(`location.href`, "departement=44")
			b.expectContains(`document.querySelector("main p:nth-of-type(2)").textContent`, "hébergeurs comptés")
			b.expect(`document.documentElement.scrollWidth <= 320`, true)

			b.clickAndLoad(`a[hreflang=en]`)
			b.expect(`document.documentElement.lang`, "en")
			b.expect(`document.querySelector("h1").textContent`, "Charter compliance")
			b.expectContains(`location.href`, "departement=44")

			b.navigate("/statistiques")
			b.expect(`document.querySelector("h1").textContent`, "Statistiques")
			b.expect(`document.documentElement.scrollWidth <= 320`, true)
			b.expect(`document.querySelectorAll("svg.chart").length`, 6)
			b.expect(`[...document.querySelectorAll("svg.chart")].every(s => s.getBoundingClientRect().width > 250 && s.getBoundingClientRect().width <= 320)`, true)
			b.expect(`[...document.querySelectorAll("svg.chart")].every(s => s.getAttribute("aria-hidden") === "true" && s.closest(".pair").querySelector("table") !== null)`, true)
			b.screenshot("statistics-320")

			cookies, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/"}})
			if err != nil {
				t.Fatal(err)
			}
			if len(cookies.Cookies) > 0 {
				t.Errorf("cookies set: %v", cookies.Cookies)
			}
			b.mu.Lock()
			defer b.mu.Unlock()
			if len(b.foreign) > 0 {
				t.Errorf("requests to other hosts: %v", b.foreign)
			}
		})
	}
}

// checkComplianceAgreesWithDeclarations: the demo's /api/v1/compliance
// counts exactly what the hosters declared, and the demo's published audit.
func checkComplianceAgreesWithDeclarations(t *testing.T, ctx context.Context, d *demo.Demo) {
	t.Helper()
	resp, err := http.Get(d.DirectoryURL() + "/api/v1/compliance")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Charter        struct{ ID, Version string }
		Hosters        int
		AuditedHosters int `json:"audited_hosters"`
		Commitments    []struct {
			ID       string
			Declared map[string]int
			Audited  map[string]int
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	hosters, err := d.Directory.Store.ListHosters(ctx, catalog.HosterFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int{}
	for _, h := range hosters {
		decl, err := d.Directory.Store.DeclarationByHoster(ctx, h.ID)
		if err != nil || decl.CharterID != doc.Charter.ID || decl.CharterVersion != doc.Charter.Version {
			continue
		}
		for _, a := range decl.Answers {
			if want[a.Commitment] == nil {
				want[a.Commitment] = map[string]int{}
			}
			want[a.Commitment][a.Status]++
		}
	}
	if doc.Hosters != len(hosters) || len(doc.Commitments) == 0 {
		t.Fatalf("compliance counts %d hosters over %d commitments; the directory lists %d", doc.Hosters, len(doc.Commitments), len(hosters))
	}
	for _, c := range doc.Commitments {
		for _, st := range []string{"yes", "partial", "no", "not-applicable"} {
			if c.Declared[st] != want[c.ID][st] {
				t.Errorf("%s: %d %s in the API, %d declared", c.ID, c.Declared[st], st, want[c.ID][st])
			}
		}
	}
	if doc.AuditedHosters < 1 {
		t.Errorf("the demo's published audits are not counted (%d audited hosters)", doc.AuditedHosters)
	}
}
