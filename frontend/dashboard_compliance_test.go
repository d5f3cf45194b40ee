package frontend

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"codeberg.org/portee/portee/catalog"
)

const testCharter2025 = `id: chatons
version: "2025"
title_fr: Charte 2025
title_en: Charter 2025
axes:
  - {id: neutre, title_fr: Neutre, title_en: Neutral}
commitments:
  - id: neutre-pistage
    axis: neutre
    required: true
    title_fr: Pas de pistage
    text_fr: Aucun traceur.
`

func TestDashboardComplianceAndChartersRoles(t *testing.T) {
	f := newFixture(t)
	f.account(t, "admin@x.org", catalog.RoleAdmin)
	f.account(t, "audit@x.org", catalog.RoleAuditor)
	admin, auditor := f.signIn(t, "admin@x.org"), f.signIn(t, "audit@x.org")
	for _, p := range []struct {
		path  string
		admin bool
	}{{dashboardPath + "/conformite", false}, {dashboardPath + "/conformite?departement=44", false}, {dashboardPath + "/chartes", true}} {
		rec := f.get(p.path)
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/connexion") {
			t.Errorf("anonymous GET %s: %d %q", p.path, rec.Code, rec.Header().Get("Location"))
		}
		admin.get(t, p.path, http.StatusOK)
		want := http.StatusOK
		if p.admin {
			want = http.StatusForbidden
		}
		auditor.get(t, p.path, want)
	}
	body := auditor.get(t, dashboardPath+"/conformite", http.StatusOK)
	mustContain(t, "dashboard compliance", body, "<h1>Conformité à la charte</h1>", `action="/tableau-de-bord/conformite"`,
		"Versions de la charte chargées", `aria-current="page">Conformité</a>`, `href="/statistiques"`, "5 hébergeurs comptés")
	mustNotContain(t, "auditor", body, `href="/tableau-de-bord/chartes"`)
	mustContain(t, "admin menu", admin.get(t, dashboardPath, http.StatusOK), `href="/tableau-de-bord/chartes"`, `href="/tableau-de-bord/conformite"`)
	en := admin.get(t, dashboardPath+"/conformite?lang=en", http.StatusOK)
	mustContain(t, "dashboard compliance en", en, "<h1>Charter compliance</h1>", "Loaded charter versions")
	mustContain(t, "charters en", admin.get(t, dashboardPath+"/chartes?lang=en", http.StatusOK), "<h1>Charter versions</h1>", "Load a version")

	// An auditor cannot load a charter, even with a good token.
	auditor.post(t, dashboardPath+"/chartes", url.Values{"charter": {testCharter2025}}, http.StatusForbidden)
	if _, err := f.store.Charter(context.Background(), "chatons", "2025"); err == nil {
		t.Fatal("an auditor loaded a charter")
	}
}

func TestDashboardCharterLoad(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.account(t, "admin@x.org", catalog.RoleAdmin)
	admin := f.signIn(t, "admin@x.org")

	// Without or with a wrong CSRF token: 403 and nothing loaded.
	for _, tok := range []string{"", "wrong"} {
		admin.post(t, dashboardPath+"/chartes", url.Values{"csrf": {tok}, "charter": {testCharter2025}}, http.StatusForbidden)
	}
	if _, err := f.store.Charter(ctx, "chatons", "2025"); err == nil {
		t.Fatal("a POST without the CSRF token loaded a charter")
	}

	// Errors name the line and the field; nothing is stored.
	bad := strings.Replace(testCharter2025, "axis: neutre", "axis: <b>neutr</b>", 1)
	body := admin.post(t, dashboardPath+"/chartes", url.Values{"charter": {bad}}, http.StatusUnprocessableEntity).Body.String()
	mustContain(t, "invalid charter", body, "charte.yaml:9: commitments[0].axis:", "is not an axis of this charter", "rien n&#39;a été chargé")
	mustNotContain(t, "invalid charter", body, "<b>neutr")
	if _, err := f.store.Charter(ctx, "chatons", "2025"); err == nil {
		t.Fatal("an invalid charter was stored")
	}

	rec := admin.post(t, dashboardPath+"/chartes", url.Values{"charter": {testCharter2025}}, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); !strings.HasPrefix(loc, dashboardPath+"/chartes?chargee=") {
		t.Fatalf("redirect to %q", loc)
	}
	if _, err := f.store.Charter(ctx, "chatons", "2025"); err != nil {
		t.Fatal(err)
	}
	page := admin.get(t, rec.Header().Get("Location"), http.StatusOK)
	mustContain(t, "loaded", page, "Charte chatons 2025 chargée.", `charter_version=2025`)
	log, err := f.store.ActivityLog(ctx, 5, 0)
	if err != nil || len(log) == 0 || log[0].Action != catalog.ActionCharterLoad || log[0].AccountEmail != "admin@x.org" || log[0].Subject != "chatons/2025" {
		t.Fatalf("activity log %+v, %v", log, err)
	}

	// Other wording under the same version: 409 unless replace is ticked.
	changed := strings.Replace(testCharter2025, "Aucun traceur.", "Aucun traceur tiers.", 1)
	admin.post(t, dashboardPath+"/chartes", url.Values{"charter": {changed}}, http.StatusConflict)
	if c, _ := f.store.Charter(ctx, "chatons", "2025"); c.Commitments[0].TextFR != "Aucun traceur." {
		t.Fatal("the wording changed without replace")
	}

	// The same as a file, with replace.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", admin.csrf)
	mw.WriteField("replace", "1")
	fw, _ := mw.CreateFormFile("file", "charte-2025.yaml")
	fw.Write([]byte(changed))
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, dashboardPath+"/chartes", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(admin.cookie)
	rr := httptest.NewRecorder()
	f.e.ServeHTTP(rr, req)
	if rr.Code != http.StatusSeeOther {
		t.Fatalf("file upload: %d\n%s", rr.Code, truncate(rr.Body.String(), 800))
	}
	if c, _ := f.store.Charter(ctx, "chatons", "2025"); c.Commitments[0].TextFR != "Aucun traceur tiers." {
		t.Fatal("replace by file did not change the wording")
	}

	// The compliance table per version: 2025 has no declaration yet.
	body = admin.get(t, dashboardPath+"/conformite?charter_version=2025", http.StatusOK)
	mustContain(t, "version 2025", body, "Pas de pistage", "0 a déclaré", `<option value="2025" selected>`)

	// Too big: refused before parsing.
	admin.post(t, dashboardPath+"/chartes", url.Values{"charter": {strings.Repeat("#", charterUploadMax+1)}}, http.StatusRequestEntityTooLarge)
}
