package observatory

import (
	"testing"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/internal/testenv"
	"codeberg.org/portee/portee/observatory/sitetest"
)

// TestBrowserFindsInjectedScript: a script that injects another script
// from a third party, and a cookie set from JavaScript, are seen only in
// browser mode; the third-party request never leaves (it is failed), and
// every request the sites answered came from our own client.
func TestBrowserFindsInjectedScript(t *testing.T) {
	chrome := testenv.Chromium(t)
	e := newEnv(t, "injecte.test")
	page := sitetest.HTML("Injecté", `<script src="/app.js"></script>`, `<p>bonjour</p>`)
	e.site("injecte.test", sitetest.Site{
		"/": {Body: page, Header: map[string]string{"Set-Cookie": "session=1; Path=/; HttpOnly"}},
		"/app.js": {ContentType: "text/javascript", Body: `document.cookie = "suivi=42; path=/";
setTimeout(function () { var s = document.createElement("script"); s.src = "https://www.google-analytics.com/analytics.js"; document.head.appendChild(s);
var i = new Image(); i.src = "https://pixel.ailleurs.test/p.gif"; }, 200);`},
		"/mentions-legales": {Body: sitetest.HTML("Mentions légales", "", "")},
	})
	h := e.hoster("injecte", "injecte.test", nil, catalog.Answer{Commitment: "neutre-pistage", Status: catalog.AnswerYes})

	plain := observe(t, e.observatory(nil), h)
	if got := find(plain, catalog.KindThirdParty, nil); len(got) != 0 {
		t.Fatalf("HTML parsing found third parties in a page that has none in its HTML: %+v", got)
	}
	before := len(e.requests)
	obs := observe(t, e.observatory(func(o *Options) { o.Browser = chrome }), h)
	if obs.Method != catalog.MethodBrowser {
		t.Errorf("method %q", obs.Method)
	}
	hosts := map[string]catalog.Finding{}
	for _, f := range find(obs, catalog.KindThirdParty, nil) {
		hosts[f.Host] = f
	}
	if f := hosts["www.google-analytics.com"]; f.Method != catalog.MethodBrowser || f.Category != "analytics" {
		t.Errorf("injected analytics: %+v (all:%s)", f, dump(obs))
	}
	if _, ok := hosts["pixel.ailleurs.test"]; !ok || len(hosts) != 2 {
		t.Errorf("third parties %v", hosts)
	}
	cookies := map[string]string{}
	for _, f := range find(obs, catalog.KindCookie, nil) {
		cookies[f.Value] = f.Method
	}
	if cookies["session"] != catalog.MethodHTTP || cookies["suivi"] != catalog.MethodBrowser {
		t.Errorf("cookies %v", cookies)
	}
	if !e.asked("injecte.test/app.js") {
		t.Error("the browser's request for the page's own script was not answered by the site")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for ua := range e.agents {
		if ua != UserAgent("https://annuaire.test", "test") {
			t.Errorf("a request reached the sites with user agent %q", ua)
		}
	}
	if len(e.requests) == before {
		t.Error("browser mode made no request through our client")
	}
	rep := Discrepancies(catalog.DefaultObservationMap(), mustDecl(t, e, h), obs.Findings)
	if len(rep) != 1 || rep[0].Finding.Host != "www.google-analytics.com" {
		t.Errorf("discrepancies %+v", rep)
	}
}
