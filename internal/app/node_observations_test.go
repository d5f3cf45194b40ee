package app

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/frontend/auth"
)

// The node dashboard's overview shows, per directory and dated, the
// discrepancies and findings of the observation reports the node received
// (French first, English on request); before any, it says none came.
func TestNodeDashboardShowsObservationReports(t *testing.T) {
	n, _ := startTestNode(t, &syncBuffer{})
	ctx := context.Background()
	hs, _ := n.Store.LocalHosters(ctx)
	h := hs[0]
	hash, _ := auth.HashPassword("mot de passe du test")
	if err := n.Store.CreateAccount(ctx, &catalog.Account{Email: "admin@n.test", Role: catalog.RoleAdmin, PasswordHash: hash}, catalog.StaffRef{Email: "test"}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t)
	page := get(t, c, n.URL+"/connexion", http.StatusOK)
	resp, err := c.PostForm(n.URL+"/connexion", url.Values{"csrf": {formValue(t, page, "csrf")}, "email": {"admin@n.test"}, "password": {"mot de passe du test"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	page = html.UnescapeString(get(t, c, n.URL+"/gestion", http.StatusOK))
	if !strings.Contains(page, "Aucun annuaire ne vous a encore envoyé d'observation.") || strings.Contains(page, "pas encore envoyées aux nœuds") {
		t.Fatalf("overview before any report:\n%s", page)
	}
	tracker := catalog.Finding{Kind: catalog.KindThirdParty, URL: "https://chaton.example/", Status: catalog.FindingProblem,
		Host: "www.google-analytics.com", Category: "analytics"}
	tls := catalog.Finding{Kind: catalog.KindTLS, URL: "https://chaton.example/", Status: catalog.FindingOK, Value: "TLS 1.3"}
	if err := n.Store.ReceiveObservationReport(ctx, &catalog.ObservationReport{HosterID: h.ID, DirectoryActor: "http://annuaire.test/actor",
		ObjectID: "http://annuaire.test/activities/1#report", ObservedAt: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC),
		Findings:      catalog.Findings{tracker, tls},
		Discrepancies: catalog.ReportDiscrepancies{{Commitment: "neutre-pistage", Declared: catalog.AnswerYes, Finding: tracker}}}, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	var title catalog.Commitment
	for _, cm := range catalog.DefaultCharter().Commitments {
		if cm.ID == "neutre-pistage" {
			title = cm
		}
	}
	page = strings.ReplaceAll(html.UnescapeString(get(t, c, n.URL+"/gestion", http.StatusOK)), "<wbr>", "")
	for _, want := range []string{"Observé le 30 novembre 2026 par", "annuaire.test/actor", "1 écart avec votre déclaration\u00a0:",
		title.TitleFR, "www.google-analytics.com", "1 problème constaté", "TLS 1.3"} {
		if !strings.Contains(page, want) {
			t.Errorf("French overview lacks %q", want)
		}
	}
	page = html.UnescapeString(get(t, c, n.URL+"/gestion?lang=en", http.StatusOK))
	for _, want := range []string{"Observed on", "1 discrepancy with your declaration:", title.TitleEN, "www.google-analytics.com"} {
		if !strings.Contains(page, want) {
			t.Errorf("English overview lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(page)
	}
}
