package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/portee/portee/internal/demo"
	"codeberg.org/portee/portee/internal/testenv"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestDirectoryInChromium walks the directory as a new visitor would:
// search "pad" near 44600, switch to English, follow a facet, open the
// hoster, use the entraide button; with JavaScript and without. Every
// request the pages make is recorded: none may leave the directory's host,
// except the entraide redirect, which is the point of the button (it is
// answered inside the browser, so nothing leaves the machine).
func TestDirectoryInChromium(t *testing.T) {
	chrome := testenv.Chromium(t)
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	d := startDemo(t, ctx)
	base := d.DirectoryURL()
	pads := entraidePads(t, base)
	for _, js := range []bool{true, false} {
		name := "javascript"
		if !js {
			name = "no-javascript"
		}
		t.Run(name, func(t *testing.T) { scenario(t, ctx, chrome, base, js, pads) })
	}
}

// entraidePads lists the service URLs the entraide pad button may open,
// from the JSON API.
func entraidePads(t *testing.T, base string) map[string]bool {
	resp, err := http.Get(base + "/api/v1/search?category=pad&registration=none&per_page=50")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct{ Hits []struct{ URL, Load string } }
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, h := range r.Hits {
		if h.Load == "open" {
			out[strings.TrimSuffix(h.URL, "/")] = true
		}
	}
	if len(out) == 0 {
		t.Fatal("the demo has no pad without account")
	}
	return out
}

// startDemo starts the demo on loopback ports for one test and waits until
// its directory follows every node; it is closed when the test ends.
func startDemo(t *testing.T, ctx context.Context) *demo.Demo {
	t.Helper()
	d, err := demo.Start(ctx, demo.Options{Listen: "127.0.0.1:0", DataDir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "e2e"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	wctx, wcancel := context.WithTimeout(ctx, time.Minute)
	defer wcancel()
	if err := d.WaitFederated(wctx); err != nil {
		t.Fatal(err)
	}
	return d
}

// registrationsDiffer tells whether the pads near 44600 (the scenario's
// search) have more than one kind of access.
func registrationsDiffer(t *testing.T, base string) bool {
	resp, err := http.Get(base + "/api/v1/search?q=pad&near=44600&per_page=1&lang=en")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Total  int
		Facets map[string]map[string]int
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	// As the results page: one value holding every result narrows nothing.
	values := r.Facets["registration"]
	for _, n := range values {
		if len(values) > 1 || n < r.Total {
			return true
		}
	}
	return false
}

type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	host string

	mu       sync.Mutex
	requests []string
	foreign  []string
	allowed  map[string]bool // other hosts served for real (the demo's nodes)
}

// allow lets requests to host through instead of faking them.
func (b *browser) allow(host string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.allowed == nil {
		b.allowed = map[string]bool{}
	}
	b.allowed[host] = true
}

func scenario(t *testing.T, parent context.Context, chrome, base string, js bool, pads map[string]bool) {
	b := startBrowser(t, parent, chrome, base, js)

	b.navigate("/")
	b.expect(`document.documentElement.lang`, "fr")
	b.expect(`document.querySelector("h1").textContent`, "Trouver un hébergeur éthique près de chez vous")
	b.expect(`!document.querySelector("[data-locate]").classList.contains("js-only")`, js)
	b.screenshot("home")

	b.do(chromedp.SendKeys(chromedp.ID("q"), "pad"), chromedp.SendKeys(chromedp.ID("near"), "44600"))
	b.clickAndLoad(`form.search button[type=submit]`)
	b.expectContains(`location.href`, "/recherche?q=pad&near=44600")
	b.expect(`document.querySelector("ol.hits li p.muted a").textContent`, "Chaton Nazairien")
	b.expectContains(`document.querySelector("#hits-title").textContent`, "près de Saint-Nazaire (44600)")
	b.expect(`document.querySelectorAll("figure.map svg a").length > 0`, true)
	b.screenshot("results")

	b.clickAndLoad(`a[hreflang=en]`)
	b.expect(`document.documentElement.lang`, "en")
	b.expectContains(`document.querySelector("#hits-title").textContent`, "near Saint-Nazaire (44600)")
	b.expect(`document.querySelector("ol.hits li p.muted a").textContent`, "Chaton Nazairien")

	// A facet is shown only when it narrows the results: the registration
	// facet is there exactly when the pads near 44600 differ in access
	// (the demo's imported ChatonsInfos hosters add some); the département
	// facet is.
	b.expect(`!!document.querySelector('aside a[href*="registration="]')`, registrationsDiffer(t, base))
	b.clickAndLoad(`aside a[href*="departement=44"]`)
	b.expectContains(`location.href`, "departement=44")
	b.expectContains(`location.href`, "lang=en")
	b.expect(`[...document.querySelectorAll("ol.hits li p.muted")].every(e => e.textContent.includes("(44)"))`, true)
	b.expectContains(`document.querySelector("ul.active-filters li").textContent`, "Loire-Atlantique")
	b.expect(`document.querySelector("fieldset.kept input[name=departement]").checked`, true)

	b.clickAndLoad(`ol.hits li p.muted a`)
	b.expect(`document.querySelector("h1").textContent`, "Chaton Nazairien")
	b.expect(`document.documentElement.lang`, "en")
	b.expectContains(`document.querySelector(".acct").textContent`, "@chaton-nazairien@")
	b.expect(`!!document.querySelector('link[rel=alternate][type="application/activity+json"]')`, true)
	b.screenshot("hoster")

	b.navigate("/entraide")
	b.expect(`document.documentElement.lang`, "fr")
	b.screenshot("entraide")
	b.do(chromedp.Click(chromedp.CSS(`a.button[href="/entraide/pad/ouvrir"]`)))
	target := b.waitForeign()
	// The demo may still be indexing what it imported when the test starts.
	if !pads[strings.TrimSuffix(target, "/")] {
		pads = entraidePads(t, b.base)
	}
	if !pads[strings.TrimSuffix(target, "/")] {
		t.Errorf("entraide opened %q, not one of the pads without account %v", target, pads)
	}

	if js {
		b.navigate("/carte")
		b.screenshot("map")
		b.navigate("/a-propos")
		b.screenshot("about")
		b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		b.navigate("/recherche?q=visio&near=Nantes")
		b.expect(`document.documentElement.scrollWidth <= 390`, true)
		b.screenshot("results-phone")
	}

	cookies, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cookies.Cookies) > 0 {
		t.Errorf("cookies set: %v", cookies.Cookies)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.requests) < 10 {
		t.Errorf("only %d requests recorded: the recorder is broken", len(b.requests))
	}
	if len(b.foreign) != 1 {
		t.Errorf("requests to other hosts: %v (only the entraide redirect is expected)", b.foreign)
	}
	t.Logf("%d requests, all to %s but the entraide redirect", len(b.requests), b.host)
}

func startBrowser(t *testing.T, parent context.Context, chrome, base string, js bool) *browser {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	actx, acancel := chromedp.NewExecAllocator(parent,
		chromedp.ExecPath(chrome), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("lang", "fr-FR"), chromedp.Flag("accept-lang", "fr-FR,fr"), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	t.Cleanup(acancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	b := &browser{t: t, ctx: ctx, base: base, host: u.Host}

	// Every request of the page is paused here: requests to the directory
	// continue, any other is recorded and answered by the browser itself.
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			ru, _ := url.Parse(ev.Request.URL)
			b.mu.Lock()
			b.requests = append(b.requests, ev.Request.URL)
			local := ru != nil && (ru.Host == b.host || b.allowed[ru.Host])
			if !local {
				b.foreign = append(b.foreign, ev.Request.URL)
			}
			b.mu.Unlock()
			if local {
				_, err = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
			} else {
				_, err = chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: ev.RequestID, ResponseCode: 200,
					ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "text/html"}},
					Body:            []byte(`<!doctype html><link rel="icon" href="data:,"><title>service</title><p>service`)})
			}
			if err != nil && ctx.Err() == nil {
				t.Logf("interception: %v", err)
			}
		}
	}()
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if !js {
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

// navigate opens a path of the directory, or a full URL (a node's page).
func (b *browser) navigate(path string) {
	b.t.Helper()
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		b.do(chromedp.Navigate(path))
		return
	}
	b.do(chromedp.Navigate(b.base + path))
}

// clickAndLoad clicks the first element matching sel and waits for the page
// it leads to.
func (b *browser) clickAndLoad(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
}

// expect evaluates a DevTools expression (it runs even when the page's
// scripts are disabled) and compares its value.
func (b *browser) expect(expr string, want any) {
	b.t.Helper()
	got, err := chromedp.Run(b.ctx, chromedp.EvaluateAsDevTools[any](expr))
	if err != nil {
		b.t.Fatalf("%s: %v", expr, err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		b.t.Errorf("%s = %v, want %v", expr, got, want)
	}
}

func (b *browser) expectContains(expr, want string) {
	b.t.Helper()
	got, err := chromedp.Run(b.ctx, chromedp.EvaluateAsDevTools[string](expr))
	if err != nil {
		b.t.Fatalf("%s: %v", expr, err)
	}
	if !strings.Contains(got, want) {
		b.t.Errorf("%s = %q, want it to contain %q", expr, got, want)
	}
}

// waitForeign waits for the first request to another host.
func (b *browser) waitForeign() string {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		b.mu.Lock()
		if len(b.foreign) > 0 {
			u := b.foreign[0]
			b.mu.Unlock()
			return u
		}
		b.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatal("the entraide button led nowhere")
	return ""
}

// screenshot saves a PNG of the whole page under artifacts/screenshots/,
// named after the test.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	b.screenshotAs(strings.ReplaceAll(b.t.Name(), "/", "-") + "-" + name)
}

// screenshotAs saves a PNG of the whole page as artifacts/screenshots/NAME.png.
func (b *browser) screenshotAs(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	// Right after a cross-site navigation (back from the entraide redirect)
	// Chromium may swap the page's renderer and answer "Not attached to an
	// active page" once: try again shortly.
	for i := 0; err != nil && strings.Contains(err.Error(), "Not attached") && i < 3; i++ {
		time.Sleep(300 * time.Millisecond)
		png, err = chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	}
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join(repoRoot(b.t), "artifacts", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", p)
}

func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
}
