package frontend

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"codeberg.org/portee/portee/catalog"
)

// compliancePages are the public pages of this area, rendered by the same
// language, weight, safety and escaping checks as the main pages.
var compliancePages = []string{
	"/conformite",
	"/conformite?departement=44&membership=member",
	"/statistiques",
}

func TestCompliancePagesInBothLanguages(t *testing.T) {
	f := newFixture(t)
	keys := f.srv.cat[langFR]
	for _, p := range compliancePages {
		for _, tc := range []struct {
			lang, path string
			header     []string
		}{
			{"fr", p, nil},
			{"en", p, []string{"Accept-Language", "en-GB,en;q=0.9"}},
			{"en", withLang(p, "en"), nil},
		} {
			rec := f.get(tc.path, tc.header...)
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: %d", tc.path, rec.Code)
			}
			body := rec.Body.String()
			mustContain(t, tc.path, body, `<html lang="`+tc.lang+`">`, `<main id="main"`, `<caption`)
			for k := range keys {
				if strings.Contains(body, ">"+k+"<") || strings.Contains(body, " "+k+" ") || strings.Contains(body, `"`+k+`"`) {
					t.Errorf("%s (%s): untranslated key %q", tc.path, tc.lang, k)
				}
			}
			if c := rec.Header().Values("Set-Cookie"); len(c) > 0 {
				t.Errorf("%s sets a cookie", tc.path)
			}
			if strings.Contains(body, "<script") || strings.Contains(body, "style=") || regexp.MustCompile(`<[^>]*\son[a-z]+=`).MatchString(body) {
				t.Errorf("%s: script, inline style or handler", tc.path)
			}
		}
	}
}

func TestCompliancePage(t *testing.T) {
	f := newFixture(t)
	ch := catalog.DefaultCharter()
	body := f.page("/conformite", http.StatusOK)
	// Five visible hosters; Chaton Nazairien answers every commitment, yes
	// for three in four, "en partie" for the fourth.
	mustContain(t, "compliance fr", body, "<h1>Conformité à la charte</h1>", "5 hébergeurs comptés", "1 a déclaré",
		"0 a un audit publié", `<th scope="rowgroup">Hébergeur</th>`, "Maîtrise des logiciels et des données",
		"20\u00a0% (1)", "80\u00a0% (4)", `href="/conformite.csv"`, `href="/api/v1/compliance"`,
		`<option value="`+ch.Version+`" selected>`, `<option value="44">44 Loire-Atlantique</option>`)
	mustNotContain(t, "compliance fr", body, "Chaton Discret", "Chaton Parti")
	// The axis summary adds up the answers of its commitments: Hébergeur has
	// three, Nazairien answered yes, yes, yes → 3 of 15 answers.
	if !regexp.MustCompile(`<tr class="axis"><th scope="rowgroup">Hébergeur</th><td class="n">20\x{a0}% \(3\)</td>`).MatchString(body) {
		t.Errorf("no Hébergeur summary row with 3 yes of 15 answers")
	}
	en := f.page("/conformite?lang=en", http.StatusOK)
	mustContain(t, "compliance en", en, "<h1>Charter compliance</h1>", "5 hosters counted", "Control of software and data", "20% (1)",
		`action="/conformite"`, `<input type="hidden" name="lang" value="en">`)

	filtered := f.page("/conformite?departement=69", http.StatusOK)
	mustContain(t, "filtered", filtered, "1 hébergeur compté", "0\u00a0% (0)", `<option value="69" selected>`, "retirer les filtres",
		`href="/conformite.csv?departement=69"`)
	other := f.page("/conformite?membership=other", http.StatusOK)
	mustContain(t, "non-members", other, "0 hébergeur compté")

	f.page("/conformite?departement=%3Cscript%3E", http.StatusBadRequest)
	f.page("/conformite?membership=vip", http.StatusBadRequest)
	f.page("/conformite?charter_version=1900", http.StatusNotFound)
}

func TestAPICompliance(t *testing.T) {
	f := newFixture(t)
	rec := f.get("/api/v1/compliance")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	// Decode into the interface, refusing nothing: every field the
	// interface names must be there with its type.
	var doc struct {
		Charter struct {
			ID      *string `json:"id"`
			Version *string `json:"version"`
		} `json:"charter"`
		Hosters     *int `json:"hosters"`
		Commitments []struct {
			ID       string         `json:"id"`
			Axis     string         `json:"axis"`
			Declared map[string]int `json:"declared"`
			Audited  map[string]int `json:"audited"`
		} `json:"commitments"`
		Axes []json.RawMessage `json:"axes"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	ch := catalog.DefaultCharter()
	if doc.Charter.ID == nil || *doc.Charter.ID != ch.ID || doc.Charter.Version == nil || *doc.Charter.Version != ch.Version {
		t.Fatalf("charter %+v", doc.Charter)
	}
	if doc.Hosters == nil || *doc.Hosters != 5 || len(doc.Commitments) != len(ch.Commitments) || len(doc.Axes) != len(ch.Axes) {
		t.Fatalf("hosters %v, %d commitments, %d axes", doc.Hosters, len(doc.Commitments), len(doc.Axes))
	}
	// The counts agree with the hosters' declarations.
	decl, err := f.store.DeclarationByHoster(t.Context(), f.hoster["chaton-nazairien"].ID)
	if err != nil {
		t.Fatal(err)
	}
	answer := map[string]string{}
	for _, a := range decl.Answers {
		answer[a.Commitment] = a.Status
	}
	for i, c := range doc.Commitments {
		if c.ID != ch.Commitments[i].ID || c.Axis != ch.Commitments[i].Axis {
			t.Errorf("commitment %d: %s/%s", i, c.ID, c.Axis)
		}
		sum := 0
		for _, k := range []string{"yes", "partial", "no", "not-applicable", "none"} {
			n, ok := c.Declared[k]
			if !ok {
				t.Errorf("%s: declared lacks %q", c.ID, k)
			}
			sum += n
		}
		if sum != *doc.Hosters || len(c.Declared) != 5 {
			t.Errorf("%s: declared %v adds up to %d, not %d", c.ID, c.Declared, sum, *doc.Hosters)
		}
		if c.Declared[answer[c.ID]] != 1 || c.Declared["none"] != 4 {
			t.Errorf("%s: declared %v, Nazairien answered %q", c.ID, c.Declared, answer[c.ID])
		}
		for _, k := range []string{"conforme", "partiel", "non-conforme", "non-verifiable", "sans-objet", "none"} {
			if _, ok := c.Audited[k]; !ok {
				t.Errorf("%s: audited lacks %q", c.ID, k)
			}
		}
		if c.Audited["none"] != 5 || len(c.Audited) != 6 {
			t.Errorf("%s: audited %v", c.ID, c.Audited)
		}
	}
	if rec.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Error("no CORS header")
	}

	var one struct{ Hosters int }
	json.Unmarshal([]byte(f.page("/api/v1/compliance?departement=69", http.StatusOK)), &one)
	if one.Hosters != 1 {
		t.Errorf("filtered: %d hosters", one.Hosters)
	}
	for path, param := range map[string]string{
		"/api/v1/compliance?membership=x":          "membership",
		"/api/v1/compliance?departement=1234":      "departement",
		"/api/v1/compliance?charter_version=a%20b": "charter_version",
	} {
		rec := f.get(path)
		var e apiError
		if rec.Code != http.StatusBadRequest || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Param != param {
			t.Errorf("%s: %d %s", path, rec.Code, rec.Body.String())
		}
	}
	if rec := f.get("/api/v1/compliance?charter_version=1900"); rec.Code != http.StatusNotFound {
		t.Errorf("unknown version: %d", rec.Code)
	}
}

func TestComplianceCSV(t *testing.T) {
	f := newFixture(t)
	rec := f.get("/conformite.csv")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.Contains(rec.Header().Get("Content-Disposition"), "conformite-chatons-") {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	rows, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	ch := catalog.DefaultCharter()
	if len(rows) != 1+len(ch.Commitments)+len(ch.Axes) {
		t.Fatalf("%d rows", len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, name := range []string{"kind", "axis", "commitment", "total", "declared_yes", "declared_none", "audited_conforme", "audited_none", "yes_share", "yes_change_points"} {
		if _, ok := col[name]; !ok {
			t.Fatalf("no column %q in %v", name, rows[0])
		}
	}
	first := rows[1]
	if first[col["kind"]] != "commitment" || first[col["commitment"]] != ch.Commitments[0].ID || first[col["total"]] != "5" ||
		first[col["declared_yes"]] != "1" || first[col["declared_none"]] != "4" || first[col["yes_share"]] != "0.2000" || first[col["yes_change_points"]] != "" {
		t.Errorf("first row %v", first)
	}
	last := rows[len(rows)-1]
	if last[col["kind"]] != "axis" || last[col["commitment"]] != "" {
		t.Errorf("last row %v", last)
	}
	f.page("/conformite.csv?membership=nope", http.StatusBadRequest)
}

func TestStatisticsPage(t *testing.T) {
	f := newFixture(t)
	body := f.page("/statistiques", http.StatusOK)
	// Visible: 5 hosters (not the gone one, not the hidden one) and their 9 offers.
	mustContain(t, "statistics", body, "<h1>Statistiques</h1>", "5 hébergeurs visibles dans l&#39;annuaire proposent 9 services",
		`<svg class="chart"`, `aria-hidden="true"`, "<polyline", `<th scope="row">Etherpad</th><td class="n">4</td><td>2.1.1 (4)</td>`,
		`<th scope="row">Pays de la Loire</th>`, `href="/conformite"`)
	// Each chart is followed by its table.
	if charts, tables := strings.Count(body, `<svg class="chart"`), strings.Count(body, "<table>"); charts != 6 || tables != charts {
		t.Errorf("%d charts, %d tables", charts, tables)
	}
	en := f.page("/statistiques?lang=en", http.StatusOK)
	mustContain(t, "statistics en", en, "<h1>Statistics</h1>", "5 hosters visible in the directory offer 9 services", "The 20 most common software")
	mustNotContain(t, "statistics", body, "Chaton Discret", "Chaton Parti")
}

func TestComplianceAreaWeightsAndEscaping(t *testing.T) {
	f := newFixture(t)
	const budget = 30 * 1024
	for _, p := range append(compliancePages, "/conformite.csv", "/api/v1/compliance") {
		body := f.page(p, http.StatusOK)
		total := gzSize([]byte(body))
		for name, a := range f.srv.assets {
			if strings.Contains(body, f.srv.assets.URL(name)) {
				total += len(a.gz)
			}
		}
		t.Logf("%-50s %6d B gzip with assets", p, total)
		if total > budget {
			t.Errorf("%s weighs %d B, over %d", p, total, budget)
		}
		mustNotContain(t, p, body, "<script>alert", "<img src=x")
	}
}

// TestComplianceFollowsWrites: the cached table is counted again after a
// declaration changes.
func TestComplianceFollowsWrites(t *testing.T) {
	f := newFixture(t)
	yes := func() int {
		var doc struct {
			Commitments []struct{ Declared map[string]int }
		}
		if err := json.Unmarshal([]byte(f.page("/api/v1/compliance", http.StatusOK)), &doc); err != nil {
			t.Fatal(err)
		}
		return doc.Commitments[0].Declared["yes"]
	}
	before := yes()
	ch := catalog.DefaultCharter()
	erdre := f.hoster["erdre"]
	d := &catalog.CharterDeclaration{HosterID: erdre.ID, ObjectID: erdre.ActorID + "/charter", CharterID: ch.ID, CharterVersion: ch.Version,
		Updated: fixtureNow, Answers: catalog.Answers{{Commitment: ch.Commitments[0].ID, Status: catalog.AnswerYes}}}
	if err := f.store.UpsertDeclaration(t.Context(), d, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	if after := yes(); after != before+1 {
		t.Errorf("yes %d after a new declaration, was %d", after, before)
	}
	body := f.page("/conformite", http.StatusOK)
	mustContain(t, "after write", body, "2 ont déclaré", "40\u00a0% (2)")
}
