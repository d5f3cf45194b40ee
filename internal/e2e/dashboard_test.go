package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/internal/demo"
	"codeberg.org/portee/portee/internal/testenv"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestDashboardInChromium is the auditor's walk through the demo: sign in,
// open the audit of the Saint-Nazaire hoster, set verdicts, publish, find
// the audit on the public hoster page and on the hoster's node, sign out;
// with JavaScript and without. The dashboard must fit a 320 px screen.
func TestDashboardInChromium(t *testing.T) {
	chrome := testenv.Chromium(t)
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	d := startDemo(t, ctx)
	password, err := d.SeedStaff(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var node string
	for _, n := range d.Nodes {
		if n.Username == "chaton-nazairien" {
			node = n.URL + "/hosters/chaton-nazairien"
		}
	}
	for i, js := range []bool{true, false} {
		name := "javascript"
		if !js {
			name = "no-javascript"
		}
		comment := "Serveurs en propre, visite " + name
		t.Run(name, func(t *testing.T) {
			b := startBrowser(t, ctx, chrome, d.DirectoryURL(), js)
			b.navigate("/tableau-de-bord")
			b.expectContains(`location.pathname`, "/connexion")
			b.do(chromedp.SendKeys(chromedp.ID("email"), demo.AuditorEmail), chromedp.SendKeys(chromedp.ID("password"), password))
			b.clickAndLoad(`form.stack button[type=submit]`)
			b.expect(`location.pathname`, "/tableau-de-bord")
			b.expect(`document.querySelector("h1").textContent`, "Vue d'ensemble")
			if i == 0 {
				b.expectContains(`document.querySelector("#brouillons").textContent`, "Chaton Nazairien")
			}
			b.do(chromedp.EmulateViewport(320, 700, chromedp.EmulateMobile))
			b.navigate("/tableau-de-bord")
			b.expect(`document.documentElement.scrollWidth <= 320`, true)
			b.screenshot("dashboard-phone")
			b.do(chromedp.EmulateViewport(1280, 900))

			b.navigate("/tableau-de-bord/audits")
			row := `tr[data-hoster^="chaton-nazairien@"] td:last-child `
			if i == 0 {
				b.clickAndLoad(row + "a") // the demo's draft
			} else {
				b.clickAndLoad(row + "button") // a new audit, superseding the first
			}
			b.expectContains(`document.querySelector("h1").textContent`, "Chaton Nazairien")
			b.expectContains(`document.querySelector("#c-hebergeur-controle").textContent`, "Comment vérifier")
			b.do(chromedp.SetValue(chromedp.CSS("#v-hebergeur-controle"), "conforme"),
				chromedp.SetValue(chromedp.CSS("#v-hebergeur-materiel"), "non-verifiable"),
				chromedp.SendKeys(chromedp.CSS("#c-hebergeur-controle-t"), comment),
				chromedp.SendKeys(chromedp.CSS("#n-hebergeur-controle"), "note privée e2e"))
			b.do(chromedp.EmulateViewport(320, 700, chromedp.EmulateMobile))
			b.expect(`document.documentElement.scrollWidth <= 320`, true)
			b.screenshot("audit-form-phone")
			b.do(chromedp.EmulateViewport(1280, 900))
			b.clickAndLoad(`button[value=publish]`)
			b.expectContains(`location.pathname`, "/hebergeurs/chaton-nazairien@")
			b.expectContains(`document.body.textContent`, comment)
			b.expect(`document.body.textContent.includes("note privée e2e")`, false)
			b.screenshot("audit-public")

			b.clickAndLoad(`p a[href^="/hebergeurs/chaton-nazairien@"]`)
			b.expectContains(`document.querySelector("#audit-title").parentElement.textContent`, "Dernier audit du collectif")
			b.expect(`document.querySelector("#audit-title").parentElement.querySelector("tbody tr td").textContent`, "1")

			// The node shows it once the directory's Create arrives.
			deadline := time.Now().Add(15 * time.Second)
			for {
				body := getText(t, node)
				if strings.Contains(body, "audit-title") && strings.Contains(nodeAudit(t, node), comment) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the node %s never showed the audit", node)
				}
				time.Sleep(100 * time.Millisecond)
			}

			b.navigate("/tableau-de-bord")
			b.clickAndLoad(`nav.dash form button`)
			b.navigate("/tableau-de-bord")
			b.expectContains(`location.pathname`, "/connexion")
			cookies, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{d.DirectoryURL() + "/"}})
			if err != nil {
				t.Fatal(err)
			}
			if len(cookies.Cookies) > 0 {
				t.Errorf("cookies left after sign-out: %v", cookies.Cookies)
			}
		})
	}
}

func getText(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// nodeAudit follows the node page's link to its latest audit.
func nodeAudit(t *testing.T, page string) string {
	t.Helper()
	body := getText(t, page)
	i := strings.Index(body, `href="/hosters/chaton-nazairien/audits/`)
	if i < 0 {
		return ""
	}
	rest := body[i+len(`href="`):]
	path := rest[:strings.IndexByte(rest, '"')]
	u := page[:strings.Index(page, "/hosters/")] + path
	return getText(t, u)
}
