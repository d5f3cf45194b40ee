package e2e

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

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
	d, err := demo.Start(ctx, demo.Options{Listen: "127.0.0.1:0", DataDir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "e2e"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	wctx, wcancel := context.WithTimeout(ctx, time.Minute)
	defer wcancel()
	if err := d.WaitFederated(wctx); err != nil {
		t.Fatal(err)
	}
	base := d.DirectoryURL()
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
			b.expectContains(`document.querySelector("main p:nth-of-type(2)").textContent`, "5 hébergeurs comptés")
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
