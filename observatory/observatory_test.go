package observatory

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/observatory/sitetest"
)

// TestCleanSite: a hoster whose pages load nothing from elsewhere, whose
// documents answer and whose software is as declared has only ok and info
// findings, and no discrepancy.
func TestCleanSite(t *testing.T) {
	e := newEnv(t, "propre.test")
	e.site("propre.test", sitetest.Site{
		"/": {Body: sitetest.HTML("Propre", `<link rel="stylesheet" href="/style.css"><link rel="icon" href="/favicon.png">`, `<img src="/logo.png" srcset="/logo2.png 2x">`),
			Header: map[string]string{"Strict-Transport-Security": "max-age=31536000"}},
		"/style.css":                 {ContentType: "text/css", Body: `@import "/more.css"; body{background:url(/fond.png)}`},
		"/more.css":                  {ContentType: "text/css", Body: `@font-face{src:url("/police.woff2")}`},
		"/mentions-legales":          {Body: sitetest.HTML("Mentions légales", "", "Éditeur : association Propre.")},
		"/cgu.pdf":                   {ContentType: "application/pdf", Body: "%PDF-1.7\n…"},
		"/.well-known/chatonsinfos/": {ContentType: "text/plain", Body: "propre.properties"},
	})
	cloud := sitetest.Site{"/": {Body: sitetest.HTML("Nuage", "", "")}, "/status.php": sitetest.NextcloudStatus("29.0.4")}
	e.site("nuage.propre.test", cloud)
	h := e.hoster("propre", "propre.test", []catalog.Offer{offer("nuage", "https://nuage.propre.test/", "Nextcloud", "29.0")},
		catalog.Answer{Commitment: "neutre-pistage", Status: catalog.AnswerYes},
		catalog.Answer{Commitment: "transparent-cgu", Status: catalog.AnswerYes, EvidenceURL: "https://propre.test/cgu.pdf"},
		catalog.Answer{Commitment: "ouvert-liste-logiciels", Status: catalog.AnswerYes})
	obs := observe(t, e.observatory(nil), h)
	for _, f := range obs.Findings {
		if f.Status == catalog.FindingProblem {
			t.Errorf("problem on a clean site: %+v", f)
		}
	}
	if obs.OptedOut || obs.Method != catalog.MethodHTML {
		t.Errorf("observation %+v", obs)
	}
	want := map[string]int{catalog.KindReachability: 2, catalog.KindTLS: 2, catalog.KindHSTS: 2, catalog.KindHTTPSRedirect: 2,
		catalog.KindDocument: 2, catalog.KindSoftware: 1, catalog.KindChatonsInfos: 1}
	for kind, n := range want {
		if got := find(obs, kind, nil); len(got) != n {
			t.Errorf("%d %s findings, want %d:%s", len(got), kind, n, dump(obs))
		}
	}
	tlsF := find(obs, catalog.KindTLS, nil)[0]
	if tlsF.Code != "TLS 1.3" || tlsF.Value == "" || tlsF.Value[0] == '-' {
		t.Errorf("TLS finding %+v", tlsF)
	}
	if hsts := find(obs, catalog.KindHSTS, func(f catalog.Finding) bool { return f.Offer == "" }); hsts[0].Status != catalog.FindingOK {
		t.Errorf("HSTS %+v", hsts)
	}
	if sw := find(obs, catalog.KindSoftware, nil)[0]; sw.Status != catalog.FindingOK || sw.Value != "Nextcloud 29.0.4" || sw.Code != "status.php" {
		t.Errorf("software %+v", sw)
	}
	// Own stylesheets were followed (and their @import), own images never fetched.
	if !e.asked("propre.test/more.css") || e.asked("propre.test/logo.png") {
		t.Errorf("requests: %v", e.requests)
	}
	for ua := range e.agents {
		if !strings.HasPrefix(ua, "Portée-observatoire/test (+https://annuaire.test/a-propos#observatoire)") {
			t.Errorf("user agent %q", ua)
		}
	}
	rep, err := Latest(context.Background(), e.store, h, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Discrepancies) != 0 || rep.ObservedAt == nil || rep.Availability == nil || *rep.Availability != 1 {
		t.Errorf("report %+v", rep)
	}
}

// TestThirdParties: third parties in HTML (script, stylesheet, preconnect,
// iframe, inline style) and in CSS (@import, url()) are found, one finding
// per host, classified; analytics contradicts a declared "no tracking".
func TestThirdParties(t *testing.T) {
	e := newEnv(t, "pistage.test", "pistage-cdn.test")
	head := `<link rel="preconnect" href="https://fonts.gstatic.com">
<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Roboto">
<link rel="stylesheet" href="/style.css">
<script async src="https://www.googletagmanager.com/gtag/js?id=G-XXXX"></script>
<script src="https://static.pistage-cdn.test/lib.js"></script>
<style>@import url('https://cdn.jsdelivr.net/npm/x.css'); .a{background:url(https://images.ailleurs.test/a.png)}</style>`
	e.site("pistage.test", sitetest.Site{
		"/":                 {Body: sitetest.HTML("Pistage", head, `<iframe src="https://www.youtube.com/embed/x"></iframe><div style="background-image:url('https://pixels.ailleurs.test/p.gif')"></div><script src="/own.js"></script><img src="https://www.google.com/recaptcha/api.js">`)},
		"/style.css":        {ContentType: "text/css", Body: `/* url(https://comment.test/x) */ @import "https://use.typekit.net/abc.css"; @font-face{src:url(https://fonts.bunny.net/f.woff2)}`},
		"/mentions-legales": {Body: sitetest.HTML("Mentions", "", "")},
	})
	h := e.hoster("pistage", "pistage.test", nil,
		catalog.Answer{Commitment: "neutre-pistage", Status: catalog.AnswerYes},
		catalog.Answer{Commitment: "hebergeur-prestataires", Status: catalog.AnswerNo})
	obs := observe(t, e.observatory(nil), h)
	got := map[string]string{}
	for _, f := range find(obs, catalog.KindThirdParty, nil) {
		if f.Method != catalog.MethodHTML || f.Status != catalog.FindingProblem {
			t.Errorf("third party %+v", f)
		}
		got[f.Host] = f.Category
	}
	want := map[string]string{
		"fonts.gstatic.com": "fonts", "fonts.googleapis.com": "fonts", "www.googletagmanager.com": "analytics",
		"static.pistage-cdn.test": Unclassified, "cdn.jsdelivr.net": "cdn", "images.ailleurs.test": Unclassified,
		"www.youtube.com": "video", "pixels.ailleurs.test": Unclassified, "use.typekit.net": "fonts", "fonts.bunny.net": "fonts",
		"www.google.com": "captcha",
	}
	for h, c := range want {
		if got[h] != c {
			t.Errorf("%s: category %q, want %q", h, got[h], c)
		}
	}
	if len(got) != len(want) {
		t.Errorf("third parties %v, want %v", got, want)
	}
	d := Discrepancies(catalog.DefaultObservationMap(), mustDecl(t, e, h), obs.Findings)
	if len(d) != 3 { // analytics, video embed and captcha, on neutre-pistage
		t.Errorf("discrepancies %+v", d)
	}
	for _, x := range d {
		if x.Commitment != "neutre-pistage" || x.Declared != catalog.AnswerYes {
			t.Errorf("discrepancy %+v", x)
		}
	}
}

func mustDecl(t *testing.T, e *env, h *catalog.Hoster) *catalog.CharterDeclaration {
	d, err := e.store.DeclarationByHoster(context.Background(), h.ID)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDocumentsAndSoftware: a legal notice that is a 404, an evidence link
// to a parked page and one to a 200 "page introuvable", a software version
// other than declared (status.php, NodeInfo) and a generator meta.
func TestDocumentsAndSoftware(t *testing.T) {
	e := newEnv(t, "ecarts.test")
	e.site("ecarts.test", sitetest.Site{
		"/":          {Body: sitetest.HTML("Écarts", "", "")},
		"/stats":     {Body: sitetest.HTML("Ce domaine est à vendre", "", "buy this domain")},
		"/rapports":  {Body: sitetest.HTML("Page introuvable", "", "")},
		"/requetes":  {ContentType: "text/plain", Body: "rien"},
		"/infra.pdf": {ContentType: "application/pdf", Body: "pas un pdf"},
	})
	e.site("nuage.ecarts.test", sitetest.Site{"/": {Body: sitetest.HTML("Nuage", "", "")}, "/status.php": sitetest.NextcloudStatus("31.0.2")})
	social := sitetest.Site{"/": {Body: sitetest.HTML("Social", "", "")}}
	sitetest.NodeInfo(social, "https://social.ecarts.test", "mastodon", "4.5.0")
	e.site("social.ecarts.test", social)
	e.site("blog.ecarts.test", sitetest.Site{"/": {Body: sitetest.HTML("Blog", `<meta name="generator" content="WordPress 6.4.2">`, "")}})
	h := e.hoster("ecarts", "ecarts.test", []catalog.Offer{
		offer("nuage", "https://nuage.ecarts.test/", "Nextcloud", "29.0"),
		offer("social", "https://social.ecarts.test/", "Mastodon", "4.5.0"),
		offer("blog", "https://blog.ecarts.test/", "Dotclear", "2.28"),
	},
		catalog.Answer{Commitment: "transparent-cgu", Status: catalog.AnswerYes},
		catalog.Answer{Commitment: "transparent-statistiques", Status: catalog.AnswerYes, EvidenceURL: "https://ecarts.test/stats"},
		catalog.Answer{Commitment: "transparent-comptes", Status: catalog.AnswerYes, EvidenceURL: "https://ecarts.test/rapports"},
		catalog.Answer{Commitment: "neutre-requetes", Status: catalog.AnswerPartial, EvidenceURL: "https://ecarts.test/requetes"},
		catalog.Answer{Commitment: "transparent-technique", Status: catalog.AnswerYes, EvidenceURL: "https://ecarts.test/infra.pdf"},
		catalog.Answer{Commitment: "ouvert-liste-logiciels", Status: catalog.AnswerYes})
	obs := observe(t, e.observatory(nil), h)
	reasons := map[string]string{}
	for _, f := range find(obs, catalog.KindDocument, nil) {
		reasons[f.Code+" "+f.Commitment] = f.Reason
	}
	want := map[string]string{"legal-notice ": "status-404", "evidence transparent-statistiques": "parked",
		"evidence transparent-comptes": "error-page", "evidence neutre-requetes": "not-html-or-pdf", "evidence transparent-technique": "not-a-pdf"}
	for k, v := range want {
		if reasons[k] != v {
			t.Errorf("document %q: reason %q, want %q", k, reasons[k], v)
		}
	}
	sw := map[string]catalog.Finding{}
	for _, f := range find(obs, catalog.KindSoftware, nil) {
		sw[f.Offer] = f
	}
	if f := sw["nuage"]; f.Reason != "version-differs" || f.Value != "Nextcloud 31.0.2" || f.Declared != "Nextcloud 29.0" {
		t.Errorf("nuage %+v", f)
	}
	if f := sw["social"]; f.Status != catalog.FindingOK || f.Code != "nodeinfo" || f.Value != "mastodon 4.5.0" {
		t.Errorf("social %+v", f)
	}
	if f := sw["blog"]; f.Reason != "name-differs" || f.Code != "generator" || f.Value != "WordPress 6.4.2" {
		t.Errorf("blog %+v", f)
	}
	rep, err := Latest(context.Background(), e.store, h, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]int{}
	for _, d := range rep.Discrepancies {
		by[d.Commitment]++
	}
	// legal notice → cgu; stats and reports evidence; infra.pdf; two
	// software differences → the published list. neutre-requetes is only
	// "partial": no discrepancy.
	wantD := map[string]int{"transparent-cgu": 1, "transparent-statistiques": 1, "transparent-comptes": 1, "transparent-technique": 1, "ouvert-liste-logiciels": 2}
	for c, n := range wantD {
		if by[c] != n {
			t.Errorf("%s: %d discrepancies, want %d (%+v)", c, by[c], n, rep.Discrepancies)
		}
	}
	if len(by) != len(wantD) {
		t.Errorf("discrepancies by commitment %v", by)
	}
}

// TestTransportFailures: slow servers time out, redirect loops and long
// chains stop, and certificates that are expired, self-signed, for
// another name or from an unknown authority are told apart.
func TestTransportFailures(t *testing.T) {
	e := newEnv(t, "panne.test")
	e.site("panne.test", sitetest.Site{"/": {Body: sitetest.HTML("Panne", "", "")}})
	e.site("lent.panne.test", sitetest.Site{"/": {Body: "trop tard", Delay: 5 * time.Second}})
	e.site("boucle.panne.test", sitetest.Site{
		"/a": {Status: http.StatusFound, Header: map[string]string{"Location": "/b"}},
		"/b": {Status: http.StatusFound, Header: map[string]string{"Location": "https://boucle.panne.test/a"}},
	})
	chain := sitetest.Site{}
	for i := 0; i < 10; i++ {
		chain["/"+string(rune('a'+i))] = sitetest.Page{Status: http.StatusMovedPermanently, Header: map[string]string{"Location": "/" + string(rune('b'+i))}}
	}
	e.site("chaine.panne.test", chain)
	e.site("erreur.panne.test", sitetest.Site{"/": {Status: http.StatusBadGateway, Body: "bad gateway"}})

	certSite := func(cert tls.Certificate) string {
		s := httptest.NewUnstartedServer(sitetest.Site{"/": {Body: "ok"}})
		s.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.Config.ErrorLog = log.New(io.Discard, "", 0)
		s.StartTLS()
		t.Cleanup(s.Close)
		return s.Listener.Addr().String()
	}
	now := time.Now()
	expired, _ := sitetest.SelfSigned([]string{"expire.panne.test"}, now.AddDate(-1, 0, 0), now.AddDate(0, 0, -3))
	e.resolve["expire.panne.test:443"] = certSite(expired)
	self, _ := sitetest.SelfSigned([]string{"auto.panne.test"}, now.Add(-time.Hour), now.AddDate(1, 0, 0))
	e.resolve["auto.panne.test:443"] = certSite(self)
	other, _ := e.ca.Issue([]string{"autre-nom.test"}, now.Add(-time.Hour), now.AddDate(1, 0, 0))
	e.resolve["nom.panne.test:443"] = certSite(other)
	h := e.hoster("panne", "panne.test", []catalog.Offer{
		offer("lent", "https://lent.panne.test/", "", ""),
		offer("boucle", "https://boucle.panne.test/a", "", ""),
		offer("chaine", "https://chaine.panne.test/a", "", ""),
		offer("erreur", "https://erreur.panne.test/", "", ""),
		offer("expire", "https://expire.panne.test/", "", ""),
		offer("auto", "https://auto.panne.test/", "", ""),
		offer("nom", "https://nom.panne.test/", "", ""),
		offer("ferme", "https://127.0.0.1:1/", "", ""),
	}, catalog.Answer{Commitment: "alternatif-alternatives", Status: catalog.AnswerYes})
	// The slow site answers after 5 s; 2 s leaves loaded machines (-race)
	// time for the other handshakes.
	obs := observe(t, e.observatory(func(o *Options) { o.Timeout = 2 * time.Second }), h)
	reach := map[string]string{}
	for _, f := range find(obs, catalog.KindReachability, nil) {
		reach[f.Offer] = f.Reason
	}
	want := map[string]string{"": "", "lent": "timeout", "boucle": "redirect-loop", "chaine": "too-many-redirects", "erreur": "status-502",
		"expire": "expired", "auto": "self-signed", "nom": "name-mismatch", "ferme": "refused"}
	for k, v := range want {
		if reach[k] != v {
			t.Errorf("reachability of %q: %q, want %q", k, reach[k], v)
		}
	}
	tlsR := map[string]catalog.Finding{}
	for _, f := range find(obs, catalog.KindTLS, nil) {
		tlsR[f.Offer] = f
	}
	if f := tlsR["expire"]; f.Status != catalog.FindingProblem || f.Reason != "expired" || f.Value != "-3" && f.Value != "-4" {
		t.Errorf("expired certificate: %+v", f)
	}
	if tlsR["auto"].Reason != "self-signed" || tlsR["nom"].Reason != "name-mismatch" {
		t.Errorf("tls findings %+v", tlsR)
	}
	rep, err := Latest(context.Background(), e.store, h, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Availability == nil || rep.Checks != 9 || *rep.Availability > 0.12 {
		t.Errorf("availability %v over %d checks, want 1/9", rep.Availability, rep.Checks)
	}
	if len(rep.Discrepancies) < 7 {
		t.Errorf("%d discrepancies on alternatif-alternatives, want one per failing offer and certificate", len(rep.Discrepancies))
	}
}

// TestHugeAndMalformedPages: a page far over 2 MiB is read up to the limit
// (its third parties in that part found, the truncation noted); malformed
// HTML still gives its resources.
func TestHugeAndMalformedPages(t *testing.T) {
	e := newEnv(t, "gros.test")
	huge := `<!doctype html><title>Gros</title><script src="https://www.google-analytics.com/analytics.js"></script>` +
		strings.Repeat(`<p>bla bla <img src="/x.png">`, 200000) + `<script src="https://apres-la-limite.test/x.js"></script>`
	e.site("gros.test", sitetest.Site{"/": {Body: huge}})
	malformed := `<html><head><title>Cassé</title></head><body><table><tr><td><b><i>x</b></i><div><p><img src='https://pixel.ailleurs.test/p.gif' <iframe src=https://www.youtube.com/embed/z></iframe><IFRAME SRC=https://www.youtube.com/embed/z></iframe><link rel=stylesheet href="https://fonts.googleapis.com/css?x"><script src="https://cdn.jsdelivr.net/a.js"><img src="https://jamais.test/x.png">`
	e.site("casse.gros.test", sitetest.Site{"/": {Body: malformed}})
	h := e.hoster("gros", "gros.test", []catalog.Offer{offer("casse", "https://casse.gros.test/", "", "")})
	obs := observe(t, e.observatory(nil), h)
	hosts := map[string]bool{}
	for _, f := range find(obs, catalog.KindThirdParty, nil) {
		hosts[f.Offer+" "+f.Host] = true
	}
	if !hosts[" www.google-analytics.com"] || hosts[" apres-la-limite.test"] {
		t.Errorf("huge page third parties %v", hosts)
	}
	if len(find(obs, catalog.KindReachability, func(f catalog.Finding) bool { return f.Reason == "truncated" })) != 1 {
		t.Errorf("truncation not noted:%s", dump(obs))
	}
	if !hosts["casse cdn.jsdelivr.net"] || !hosts["casse www.youtube.com"] || !hosts["casse pixel.ailleurs.test"] ||
		!hosts["casse fonts.googleapis.com"] || hosts["casse jamais.test"] {
		t.Errorf("malformed page third parties %v", hosts)
	}
}

// TestRobots: a website that disallows us is an opt-out (nothing else
// fetched); an offer page disallowed is skipped and noted.
func TestRobots(t *testing.T) {
	e := newEnv(t, "refus.test", "partiel.test")
	e.site("refus.test", sitetest.Site{"/robots.txt": {ContentType: "text/plain", Body: "User-agent: portee\nDisallow: /\n"},
		"/": {Body: sitetest.HTML("Refus", "", "")}})
	e.site("pad.refus.test", sitetest.Site{"/": {Body: sitetest.HTML("Pad", "", "")}})
	h := e.hoster("refus", "refus.test", []catalog.Offer{offer("pad", "https://pad.refus.test/", "", "")})
	obs := observe(t, e.observatory(nil), h)
	if !obs.OptedOut || len(obs.Findings) != 1 || obs.Findings[0].Kind != catalog.KindOptedOut {
		t.Errorf("opted-out observation:%s", dump(obs))
	}
	if e.asked("refus.test/") || e.asked("pad.refus.test/") {
		t.Errorf("fetched pages of a hoster that opted out: %v", e.requests)
	}
	e.site("partiel.test", sitetest.Site{"/": {Body: sitetest.HTML("Partiel", "", "")}})
	e.site("pad.partiel.test", sitetest.Site{"/robots.txt": {ContentType: "text/plain", Body: "User-agent: *\nDisallow: /\n"},
		"/": {Body: sitetest.HTML("Pad", "", "")}})
	h2 := e.hoster("partiel", "partiel.test", []catalog.Offer{offer("pad", "https://pad.partiel.test/", "", "")})
	obs = observe(t, e.observatory(nil), h2)
	if obs.OptedOut || len(find(obs, catalog.KindRobots, func(f catalog.Finding) bool { return f.Offer == "pad" })) != 1 {
		t.Errorf("robots finding missing:%s", dump(obs))
	}
	if e.asked("pad.partiel.test/") {
		t.Error("fetched a page robots.txt disallows")
	}
	rep, _ := Latest(context.Background(), e.store, h, time.Now())
	if !rep.OptedOut {
		t.Errorf("report of a hoster that opted out: %+v", rep)
	}
}

// TestOneRequestPerHost: several offers on one host and a page with many
// stylesheets never have two requests at once on that host; no more than
// MaxResourcesPerPage stylesheets are fetched for a page.
func TestOneRequestPerHost(t *testing.T) {
	e := newEnv(t, "sage.test")
	var head strings.Builder
	site := sitetest.Site{}
	for i := 0; i < 40; i++ {
		p := "/s" + string(rune('A'+i)) + ".css"
		head.WriteString(`<link rel="stylesheet" href="` + p + `">`)
		site[p] = sitetest.Page{ContentType: "text/css", Body: "a{}", Delay: 5 * time.Millisecond}
	}
	site["/"] = sitetest.Page{Body: sitetest.HTML("Sage", head.String(), "")}
	site["/a/"] = site["/"]
	site["/b/"] = site["/"]
	e.site("sage.test", site)
	h := e.hoster("sage", "sage.test", []catalog.Offer{offer("a", "https://sage.test/a/", "", ""), offer("b", "https://sage.test/b/", "", "")})
	ob := e.observatory(func(o *Options) { o.Workers = 4 })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan struct{})
	for range 3 {
		go func() { ob.Observe(ctx, h, nil, nil); done <- struct{}{} }()
	}
	for range 3 {
		<-done
	}
	if e.maxPer["sage.test"] != 1 {
		t.Errorf("%d requests at once on one host", e.maxPer["sage.test"])
	}
	css := 0
	for _, r := range e.requests {
		if strings.HasSuffix(r, ".css") {
			css++
		}
	}
	if css != 3*MaxResourcesPerPage {
		t.Errorf("%d stylesheets fetched for 3 rounds of one page, want %d", css, 3*MaxResourcesPerPage)
	}
}

// TestPrivateAddressesRefused: without the flag, loopback sites are never
// reached.
func TestPrivateAddressesRefused(t *testing.T) {
	e := newEnv(t, "prive.test")
	e.site("prive.test", sitetest.Site{"/": {Body: "secret"}})
	h := e.hoster("prive", "prive.test", nil)
	obs := observe(t, e.observatory(func(o *Options) { o.AllowPrivate = false }), h)
	if len(e.requests) != 0 {
		t.Errorf("requests reached a private address: %v", e.requests)
	}
	if r := find(obs, catalog.KindReachability, nil); len(r) != 1 || r[0].Reason != "private-address" {
		t.Errorf("reachability:%s", dump(obs))
	}
}
