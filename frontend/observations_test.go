package frontend

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/observatory"
)

// TestObservations: the API returns the latest observation with its
// discrepancies in the documented shape; the hoster page tells the facts
// with their date; a hoster that refused observation says so; the about
// page publishes the method and the opt-out.
func TestObservations(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	h := f.hoster["chaton-nazairien"]
	if err := f.store.UpsertDeclaration(ctx, &catalog.CharterDeclaration{HosterID: h.ID, ObjectID: h.ActorID + "/charte", CharterID: "chatons",
		CharterVersion: "2023", Updated: time.Now(), Answers: catalog.Answers{
			{Commitment: "neutre-pistage", Status: catalog.AnswerYes},
			{Commitment: "transparent-cgu", Status: catalog.AnswerYes},
			{Commitment: "alternatif-alternatives", Status: catalog.AnswerNo},
		}}, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	obs := &catalog.Observation{HosterID: h.ID, ObservedAt: at, Method: catalog.MethodHTML, Findings: catalog.Findings{
		{Kind: catalog.KindReachability, URL: h.Website, Method: catalog.MethodHTTP, Status: catalog.FindingOK, Value: "200", Millis: 12},
		{Kind: catalog.KindTLS, URL: "https://pad.nazairien.example/", Offer: "pad", Method: catalog.MethodHTTP, Status: catalog.FindingProblem, Reason: "expired", Value: "-3"},
		{Kind: catalog.KindThirdParty, URL: h.Website, Method: catalog.MethodHTML, Status: catalog.FindingProblem, Host: "www.google-analytics.com", Category: "analytics"},
		{Kind: catalog.KindThirdParty, URL: h.Website, Method: catalog.MethodHTML, Status: catalog.FindingProblem, Host: "fonts.googleapis.com", Category: "fonts"},
		{Kind: catalog.KindDocument, URL: h.LegalURL, Method: catalog.MethodHTTP, Status: catalog.FindingProblem, Code: "legal-notice", Reason: "status-404"},
		{Kind: catalog.KindSoftware, URL: "https://pad.nazairien.example/", Offer: "pad", Method: catalog.MethodHTTP, Status: catalog.FindingProblem,
			Code: "generator", Value: "Etherpad 1.9", Declared: "Etherpad 2.1", Reason: "version-differs"},
	}}
	if err := f.store.SaveObservation(ctx, obs); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		ObservedAt    *time.Time `json:"observed_at"`
		Findings      []map[string]any
		Discrepancies []struct {
			Commitment, Declared string
			Finding              map[string]any
		}
	}
	body := f.page("/api/v1/hosters/"+h.Acct()+"/observations", http.StatusOK)
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.ObservedAt == nil || !rep.ObservedAt.Equal(at) || len(rep.Findings) != 6 {
		t.Errorf("report %s", body)
	}
	var got []string
	for _, d := range rep.Discrepancies {
		got = append(got, d.Commitment+" "+d.Declared+" "+d.Finding["kind"].(string))
	}
	// alternatif-alternatives is declared "no": the expired certificate
	// contradicts nothing.
	if strings.Join(got, ", ") != "neutre-pistage yes third-party, transparent-cgu yes document" {
		t.Errorf("discrepancies %v", got)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(f.page("/api/openapi.json", http.StatusOK)), &doc); err != nil {
		t.Fatal(err)
	}
	var anyBody any
	json.Unmarshal([]byte(body), &anyBody)
	for _, p := range validateSchema(doc, "observations", map[string]any{"$ref": "#/components/schemas/Observations"}, anyBody) {
		t.Error(p)
	}
	f.page("/api/v1/hosters/nobody@nowhere.example/observations", http.StatusNotFound)
	f.page("/api/v1/hosters/discret@discret.example/observations", http.StatusNotFound)
	f.page("/api/v1/hosters/sans-arobase/observations", http.StatusBadRequest)
	never := f.page("/api/v1/hosters/"+f.hoster["erdre"].Acct()+"/observations", http.StatusOK)
	if !strings.Contains(never, `"observed_at":null`) || !strings.Contains(never, `"findings":[]`) {
		t.Errorf("never observed: %s", never)
	}

	page := f.page("/hebergeurs/"+h.Acct(), http.StatusOK)
	for _, want := range []string{"Constats de l&#39;observatoire", "le 2 décembre 2026", "mesure d&#39;audience : www.google-analytics.com",
		"polices : fonts.googleapis.com", "pad : certificat expiré depuis 3 jour(s)", "Mentions légales : erreur HTTP 404",
		"Etherpad 1.9 (déclaré : Etherpad 2.1)", `href="/a-propos#observatoire"`} {
		if !strings.Contains(page, want) {
			t.Errorf("hoster page lacks %q", want)
		}
	}
	en := f.page("/hebergeurs/"+h.Acct()+"?lang=en", http.StatusOK)
	if !strings.Contains(en, "Observatory findings") || !strings.Contains(en, "audience measurement: www.google-analytics.com") {
		t.Error("English hoster page lacks the findings")
	}
	if p := f.page("/hebergeurs/"+f.hoster["erdre"].Acct(), http.StatusOK); !strings.Contains(p, "pas encore été observé") {
		t.Error("a hoster never observed does not say so")
	}
	pei := f.hoster["pei"]
	if err := f.store.SaveObservation(ctx, &catalog.Observation{HosterID: pei.ID, ObservedAt: at, Method: catalog.MethodHTML, OptedOut: true,
		Findings: catalog.Findings{{Kind: catalog.KindOptedOut, URL: pei.Website, Method: catalog.MethodHTTP, Status: catalog.FindingInfo}}}); err != nil {
		t.Fatal(err)
	}
	if p := f.page("/hebergeurs/"+pei.Acct(), http.StatusOK); !strings.Contains(p, "Observation refusée par l&#39;hébergeur.") {
		t.Error("an opted-out hoster does not show the refusal")
	}
	// Clean: no third party, said with the date.
	if err := f.store.SaveObservation(ctx, &catalog.Observation{HosterID: h.ID, ObservedAt: at.Add(time.Hour), Method: catalog.MethodBrowser,
		Findings: catalog.Findings{{Kind: catalog.KindReachability, URL: h.Website, Method: catalog.MethodHTTP, Status: catalog.FindingOK, Value: "200"}}}); err != nil {
		t.Fatal(err)
	}
	if p := f.page("/hebergeurs/"+h.Acct(), http.StatusOK); !strings.Contains(p, "Aucune ressource tierce observée le 2 décembre 2026.") ||
		!strings.Contains(p, "navigateur sans interface") {
		t.Error("a clean observation is not told with its date and method")
	}
	about := f.page("/a-propos", http.StatusOK)
	for _, want := range []string{`<section id="observatoire"><h2>Observatoire</h2>`, "User-agent: portee", "observation refusée par l&#39;hébergeur",
		`href="#observatoire"`, "tiers non classé"} {
		if !strings.Contains(about, want) {
			t.Errorf("about page lacks %q", want)
		}
	}
	if p := f.page("/a-propos?lang=en", http.StatusOK); !strings.Contains(p, "<h2>Observatory</h2>") {
		t.Error("English about page lacks the observatory section")
	}
}

// TestDashboardObservations: the overview lists the observed discrepancies
// (the auditors' to-do list) and the audit form shows, beside each
// commitment, the findings that inform it, discrepancies marked first.
func TestDashboardObservations(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.account(t, "audit@x.org", catalog.RoleAuditor)
	sc := f.signIn(t, "audit@x.org")
	h := f.hoster["erdre"]
	if err := f.store.UpsertDeclaration(ctx, &catalog.CharterDeclaration{HosterID: h.ID, ObjectID: h.ActorID + "/charte", CharterID: "chatons",
		CharterVersion: "2023", Updated: time.Now(), Answers: catalog.Answers{
			{Commitment: "neutre-pistage", Status: catalog.AnswerYes},
			{Commitment: "hebergeur-prestataires", Status: catalog.AnswerPartial},
		}}, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	if body := sc.get(t, dashboardPath, http.StatusOK); !strings.Contains(body, `<section id="ecarts"><h2>Écarts observés (0)</h2>`) {
		t.Error("overview without observations lacks the empty discrepancies section")
	}
	at := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	if err := f.store.SaveObservation(ctx, &catalog.Observation{HosterID: h.ID, ObservedAt: at, Method: catalog.MethodBrowser, Findings: catalog.Findings{
		{Kind: catalog.KindThirdParty, URL: h.Website, Method: catalog.MethodBrowser, Status: catalog.FindingProblem, Host: "www.googletagmanager.com", Category: "analytics"},
		{Kind: catalog.KindThirdParty, URL: h.Website, Method: catalog.MethodHTML, Status: catalog.FindingProblem, Host: "fonts.googleapis.com", Category: "fonts"},
		{Kind: catalog.KindDocument, URL: h.LegalURL, Method: catalog.MethodHTTP, Status: catalog.FindingOK, Code: "legal-notice", Value: "html"},
	}}); err != nil {
		t.Fatal(err)
	}
	body := sc.get(t, dashboardPath, http.StatusOK)
	mustContain(t, "overview", body, "Écarts observés (1)", "Erdre Libre",
		"Pas de pistage\u00a0: site web\u00a0: ressource tierce www.googletagmanager.com (mesure d&#39;audience) — navigateur sans interface")
	mustNotContain(t, "overview", body, "fonts.googleapis.com") // hebergeur-prestataires is only "partial"
	loc := sc.post(t, dashboardPath+"/audits", url.Values{"hoster": {h.Acct()}}, http.StatusSeeOther).Header().Get("Location")
	form := sc.get(t, loc, http.StatusOK)
	pistage := form[strings.Index(form, `id="c-neutre-pistage"`):]
	pistage = pistage[:strings.Index(pistage, "</fieldset>")]
	mustContain(t, "no-tracking commitment", pistage, "<strong>Écart\u00a0:</strong> site web\u00a0: ressource tierce www.googletagmanager.com", "observé le 2 décembre 2026")
	prest := form[strings.Index(form, `id="c-hebergeur-prestataires"`):]
	prest = prest[:strings.Index(prest, "</fieldset>")]
	mustContain(t, "providers commitment", prest, "fonts.googleapis.com (polices)")
	mustNotContain(t, "providers commitment", prest, "<strong>Écart")
	cgu := form[strings.Index(form, `id="c-transparent-cgu"`):]
	cgu = cgu[:strings.Index(cgu, "</fieldset>")]
	mustContain(t, "terms commitment", cgu, "Mentions légales\u00a0: répond")
	formEN := sc.get(t, loc+"?lang=en", http.StatusOK)
	mustContain(t, "English form", formEN, "<strong>Discrepancy:</strong> website: third-party resource www.googletagmanager.com (audience measurement)")
}

// TestDashboardObserveNow: "observe now" in the audit form asks the
// observatory, which observes the hoster at once; without an observatory
// (a node) the route answers 404; a foreign back link is not followed.
func TestDashboardObserveNow(t *testing.T) {
	f := newFixture(t)
	f.account(t, "audit@x.org", catalog.RoleAuditor)
	sc := f.signIn(t, "audit@x.org")
	h := f.hoster["erdre"]
	sc.post(t, dashboardPath+"/observer", url.Values{"hoster": {h.Acct()}}, http.StatusNotFound)
	ob, err := observatory.New(observatory.Options{Store: f.store, Timeout: time.Second, Tick: time.Hour, Every: 1000 * time.Hour,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	f.srv.cfg.Observatory = ob
	loc := sc.post(t, dashboardPath+"/audits", url.Values{"hoster": {h.Acct()}}, http.StatusSeeOther).Header().Get("Location")
	form := sc.get(t, loc, http.StatusOK)
	mustContain(t, "audit form", form, `action="/tableau-de-bord/observer"`, "Observer maintenant", "pas encore été observé")
	rec := sc.post(t, dashboardPath+"/observer", url.Values{"hoster": {h.Acct()}, "back": {"https://evil.example/"}}, http.StatusSeeOther)
	if got := rec.Header().Get("Location"); got != dashboardPath+"?observation=demandee" {
		t.Errorf("redirect to %q", got)
	}
	// Observed a moment ago: only the trigger makes the schedule observe
	// it again.
	ctx, cancel := context.WithCancel(context.Background())
	if err := f.store.SaveObservation(ctx, &catalog.Observation{HosterID: h.ID, ObservedAt: time.Now(), Method: catalog.MethodHTML}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- ob.Run(ctx) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := f.store.DB().Get(&n, f.store.DB().Rebind(`SELECT COUNT(*) FROM observations WHERE hoster_id = ?`), h.ID); err != nil {
			t.Fatal(err)
		}
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the triggered observation never came")
		}
		time.Sleep(50 * time.Millisecond)
	}
	mustContain(t, "audit form after", sc.get(t, loc, http.StatusOK), "observé le")
}
