package frontend

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
)

func TestAPISearch(t *testing.T) {
	f := newFixture(t)
	rec := f.get("/api/v1/search?q=pad&near=44600")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	var resp struct {
		Hits []struct {
			Name   string
			Hoster struct{ Name, Acct string }
		}
		Total int
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Total != 4 || len(resp.Hits) == 0 || resp.Hits[0].Hoster.Name != "Chaton Nazairien" {
		t.Errorf("search: %+v", resp)
	}
	for _, tc := range []struct {
		path   string
		status int
		param  string
		list   string
	}{
		{"/api/v1/search?q=pad&radius_km=-3&near=44600", http.StatusBadRequest, "radius_km", ""},
		{"/api/v1/search?category=nope", http.StatusBadRequest, "category", ""},
		{"/api/v1/search?page=0", http.StatusBadRequest, "page", ""},
		{"/api/v1/search?near=saint+nazair", http.StatusUnprocessableEntity, "near", "suggestions"},
		{"/api/v1/search?near=Saint-Denis", http.StatusUnprocessableEntity, "near", "candidates"},
		{"/api/v1/hosters?limit=0", http.StatusBadRequest, "limit", ""},
		{"/api/v1/hosters?offset=x", http.StatusBadRequest, "offset", ""},
	} {
		rec := f.get(tc.path)
		var e map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != tc.status {
			t.Errorf("%s: %d %s", tc.path, rec.Code, rec.Body.String())
			continue
		}
		if e["error"] == "" || e["param"] != tc.param {
			t.Errorf("%s: body %v", tc.path, e)
		}
		if tc.list != "" {
			l, _ := e[tc.list].([]any)
			if len(l) == 0 {
				t.Errorf("%s: no %s in %v", tc.path, tc.list, e)
			}
		}
	}
}

func TestAPIHosters(t *testing.T) {
	f := newFixture(t)
	var out apiHosters
	if err := json.Unmarshal([]byte(f.page("/api/v1/hosters", http.StatusOK)), &out); err != nil {
		t.Fatal(err)
	}
	if out.Total != 5 || len(out.Hosters) != 5 {
		t.Fatalf("hosters: %+v", out)
	}
	byName := map[string]apiHoster{}
	for _, h := range out.Hosters {
		byName[h.Name] = h
	}
	n := byName["Chaton Nazairien"]
	if n.Acct != "chaton-nazairien@nazairien.example" || n.Offers != 3 || n.Status != "active" || n.LastSeen == nil ||
		n.PostalCode != "44600" || n.Departement != "44" || n.Actor != f.hoster["chaton-nazairien"].ActorID {
		t.Errorf("nazairien: %+v", n)
	}
	if byName["Chaton Lent"].Status != catalog.HosterDown {
		t.Errorf("lent: %+v", byName["Chaton Lent"])
	}
	if err := json.Unmarshal([]byte(f.page("/api/v1/hosters?limit=2&offset=4", http.StatusOK)), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Hosters) != 1 || out.Total != 5 || out.Limit != 2 || out.Offset != 4 {
		t.Errorf("page: %+v", out)
	}
}

// TestOpenAPI checks the document is OpenAPI 3.0 JSON whose references
// resolve, that it describes every API route, and that real answers carry
// the properties it says are required.
func TestOpenAPI(t *testing.T) {
	f := newFixture(t)
	var doc map[string]any
	if err := json.Unmarshal([]byte(f.page("/api/openapi.json", http.StatusOK)), &doc); err != nil {
		t.Fatal(err)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
		t.Fatalf("openapi %q", v)
	}
	if servers := doc["servers"].([]any); servers[0].(map[string]any)["url"] != "http://directory.example" {
		t.Errorf("servers %v", servers)
	}
	info := doc["info"].(map[string]any)
	if info["title"] == nil || info["version"] == nil {
		t.Error("info lacks title or version")
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				if resolve(doc, ref) == nil {
					t.Errorf("unresolved $ref %s", ref)
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(doc)
	paths := doc["paths"].(map[string]any)
	for _, r := range f.e.Routes() {
		if strings.HasPrefix(r.Path, "/api/v1/") && paths[openAPIPath(r.Path)] == nil {
			t.Errorf("route %s not described", r.Path)
		}
	}
	for path, op := range paths {
		get := op.(map[string]any)["get"].(map[string]any)
		ok := get["responses"].(map[string]any)["200"].(map[string]any)
		schema := ok["content"].(map[string]any)["application/json"].(map[string]any)["schema"]
		var body any
		if err := json.Unmarshal([]byte(f.page(samplePath(path)+"?near=44600", http.StatusOK)), &body); err != nil {
			t.Fatal(err)
		}
		for _, p := range validateSchema(doc, path, schema, body) {
			t.Error(p)
		}
	}
	var e any
	json.Unmarshal(f.get("/api/v1/search?near=saint+nazair").Body.Bytes(), &e)
	for _, p := range validateSchema(doc, "422", map[string]any{"$ref": "#/components/schemas/Error"}, e) {
		t.Error(p)
	}
}

func resolve(doc map[string]any, ref string) map[string]any {
	var cur any = doc
	for _, p := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	m, _ := cur.(map[string]any)
	return m
}

func asList(v any) []any { l, _ := v.([]any); return l }

// openAPIPath writes an echo route ("/hosters/:acct") as OpenAPI does
// ("/hosters/{acct}").
func openAPIPath(route string) string {
	parts := strings.Split(route, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") {
			parts[i] = "{" + p[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// samplePath fills an OpenAPI path's parameters with the fixture's values.
func samplePath(path string) string {
	return strings.NewReplacer("{acct}", "chaton-nazairien@nazairien.example").Replace(path)
}

func TestFeeds(t *testing.T) {
	f := newFixture(t)
	for _, p := range []string{"/flux/hebergeurs.atom", "/flux/offres.atom"} {
		rec := f.get(p)
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/atom+xml") {
			t.Fatalf("%s: %d %v", p, rec.Code, rec.Header())
		}
		var feed struct {
			XMLName xml.Name
			ID      string `xml:"id"`
			Updated string `xml:"updated"`
			Entries []struct {
				ID      string `xml:"id"`
				Title   string `xml:"title"`
				Updated string `xml:"updated"`
				Link    []struct {
					Rel  string `xml:"rel,attr"`
					Href string `xml:"href,attr"`
				} `xml:"link"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal(rec.Body.Bytes(), &feed); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if feed.XMLName.Space != "http://www.w3.org/2005/Atom" || feed.ID == "" || feed.Updated == "" {
			t.Errorf("%s: feed head %+v", p, feed)
		}
		titles := ""
		for _, e := range feed.Entries {
			if e.ID == "" || e.Updated == "" || len(e.Link) == 0 || !strings.HasPrefix(e.Link[0].Href, "http://directory.example/") {
				t.Errorf("%s: entry %+v", p, e)
			}
			titles += e.Title + "\n"
		}
		mustContain(t, p, titles, "Chaton Nazairien", evilName)
		mustNotContain(t, p, titles, "Chaton Parti", "Chaton Discret")
	}
	home := f.page("/", http.StatusOK)
	mustContain(t, "home", home, `<link rel="alternate" type="application/atom&#43;xml" href="/flux/offres.atom"`)
}

// TestFeedDatesAndConditionalGet: no entry is updated before it is
// published, and a reader polling with the validators it was given gets
// 304 and no body.
func TestFeedDatesAndConditionalGet(t *testing.T) {
	f := newFixture(t)
	for _, p := range []string{"/flux/hebergeurs.atom", "/flux/offres.atom"} {
		rec := f.get(p)
		var feed struct {
			Entries []struct {
				ID        string `xml:"id"`
				Updated   string `xml:"updated"`
				Published string `xml:"published"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal(rec.Body.Bytes(), &feed); err != nil || len(feed.Entries) == 0 {
			t.Fatalf("%s: %v (%d entries)", p, err, len(feed.Entries))
		}
		for _, e := range feed.Entries {
			pub, err1 := time.Parse(time.RFC3339, e.Published)
			upd, err2 := time.Parse(time.RFC3339, e.Updated)
			if err1 != nil || err2 != nil || upd.Before(pub) {
				t.Errorf("%s: %s published %s, updated %s", p, e.ID, e.Published, e.Updated)
			}
		}
		h := rec.Header()
		etag, lm := h.Get("ETag"), h.Get("Last-Modified")
		if !strings.HasPrefix(etag, `"`) || lm == "" || !strings.Contains(h.Get("Cache-Control"), "max-age=") {
			t.Fatalf("%s: validators %q %q %q", p, etag, lm, h.Get("Cache-Control"))
		}
		if r := f.get(p, "If-None-Match", etag); r.Code != http.StatusNotModified || r.Body.Len() != 0 || r.Header().Get("ETag") != etag {
			t.Errorf("%s If-None-Match: %d, %d bytes", p, r.Code, r.Body.Len())
		}
		if r := f.get(p, "If-None-Match", `"other", `+etag); r.Code != http.StatusNotModified {
			t.Errorf("%s If-None-Match list: %d", p, r.Code)
		}
		if r := f.get(p, "If-None-Match", `"stale"`); r.Code != http.StatusOK {
			t.Errorf("%s stale ETag: %d", p, r.Code)
		}
		if r := f.get(p, "If-Modified-Since", lm); r.Code != http.StatusNotModified {
			t.Errorf("%s If-Modified-Since: %d", p, r.Code)
		}
		old := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Format(http.TimeFormat)
		if r := f.get(p, "If-Modified-Since", old); r.Code != http.StatusOK {
			t.Errorf("%s old If-Modified-Since: %d", p, r.Code)
		}
		// Another language is another body and another ETag.
		if en := f.get(p, "Accept-Language", "en"); en.Header().Get("ETag") == etag {
			t.Errorf("%s: the same ETag in English", p)
		}
	}
}

// TestCountsAgree: the home page, the hosters page and the offers feed
// count the same offers, local-only ones included, and the home page says
// what it counts.
func TestCountsAgree(t *testing.T) {
	f := newFixture(t)
	oc, err := f.store.CountListedOffers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	body := f.page("/hebergeurs", http.StatusOK)
	sum := 0
	for _, m := range regexp.MustCompile(`<td class="n"[^>]*>(\d+)</td>`).FindAllStringSubmatch(body, -1) {
		n, _ := strconv.Atoi(m[1])
		sum += n
	}
	var feed struct {
		Entries []struct{ ID string } `xml:"entry"`
	}
	if err := xml.Unmarshal(f.get("/flux/offres.atom").Body.Bytes(), &feed); err != nil {
		t.Fatal(err)
	}
	if oc.Total != sum || oc.Total != len(feed.Entries) || oc.Local != 1 {
		t.Errorf("catalog %+v, hosters page %d, feed %d", oc, sum, len(feed.Entries))
	}
	home := f.page("/", http.StatusOK)
	mustContain(t, "home", home, fmt.Sprintf("5 hébergeurs, %d services, dont 1 réservé aux habitants d&#39;un territoire", sum),
		"Sont comptés les hébergeurs de la liste et tous leurs services publiés.")
}
