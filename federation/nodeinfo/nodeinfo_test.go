package nodeinfo

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"codeberg.org/portee/portee/federation/fetch"
)

// validateSchema applies the rules of the published NodeInfo JSON schemas
// (github.com/jhass/nodeinfo, schemas/2.0 and 2.1/schema.json) to a raw
// document, independently of our types: required members, no additional
// properties, the name pattern, the enums, minimums.
func validateSchema(t reporter, version string, b []byte) {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Errorf("not JSON: %v", err)
		return
	}
	onlyKeys := func(where string, m map[string]any, allowed ...string) {
		for k := range m {
			if !slices.Contains(allowed, k) {
				t.Errorf("%s: additional property %q not allowed by the %s schema", where, k, version)
			}
		}
	}
	required := func(where string, m map[string]any, keys ...string) {
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("%s: required %q missing", where, k)
			}
		}
	}
	obj := func(where string, v any) map[string]any {
		m, ok := v.(map[string]any)
		if !ok {
			t.Errorf("%s: not an object: %v", where, v)
		}
		return m
	}
	top := []string{"version", "software", "protocols", "services", "openRegistrations", "usage", "metadata"}
	required("document", doc, top...)
	onlyKeys("document", doc, top...)
	if doc["version"] != version {
		t.Errorf("version %v, want %s", doc["version"], version)
	}
	sw := obj("software", doc["software"])
	required("software", sw, "name", "version")
	if version == "2.0" {
		onlyKeys("software", sw, "name", "version")
	} else {
		onlyKeys("software", sw, "name", "version", "repository", "homepage")
	}
	if name, _ := sw["name"].(string); !regexp.MustCompile(`^[a-z0-9-]+$`).MatchString(name) {
		t.Errorf("software.name %q does not match the pattern", name)
	}
	if _, ok := sw["version"].(string); !ok {
		t.Errorf("software.version is not a string")
	}
	protocols := []string{"activitypub", "buddycloud", "dfrn", "diaspora", "libertree", "ostatus", "pumpio", "tent", "xmpp", "zot"}
	ps, ok := doc["protocols"].([]any)
	if !ok || len(ps) < 1 {
		t.Errorf("protocols must be an array of at least one item: %v", doc["protocols"])
	}
	for _, p := range ps {
		if s, _ := p.(string); !slices.Contains(protocols, s) {
			t.Errorf("protocol %v not in the enum", p)
		}
	}
	inbound := []string{"atom1.0", "gnusocial", "imap", "pnut", "pop3", "pumpio", "rss2.0", "twitter"}
	outbound := []string{"atom1.0", "blogger", "buddycloud", "diaspora", "dreamwidth", "drupal", "facebook", "friendica", "gnusocial", "google", "insanejournal", "libertree", "linkedin", "livejournal", "mediagoblin", "myspace", "pinterest", "pnut", "posterous", "pumpio", "redmatrix", "rss2.0", "smtp", "tent", "tumblr", "twitter", "wordpress", "xmpp"}
	if version == "2.1" {
		outbound = append(outbound, "acropolis")
	}
	sv := obj("services", doc["services"])
	required("services", sv, "inbound", "outbound")
	onlyKeys("services", sv, "inbound", "outbound")
	for key, enum := range map[string][]string{"inbound": inbound, "outbound": outbound} {
		list, ok := sv[key].([]any)
		if !ok {
			t.Errorf("services.%s is not an array", key)
		}
		for _, s := range list {
			if str, _ := s.(string); !slices.Contains(enum, str) {
				t.Errorf("services.%s: %v not in the enum", key, s)
			}
		}
	}
	if _, ok := doc["openRegistrations"].(bool); !ok {
		t.Errorf("openRegistrations is not a boolean")
	}
	usage := obj("usage", doc["usage"])
	required("usage", usage, "users")
	onlyKeys("usage", usage, "users", "localPosts", "localComments")
	users := obj("usage.users", usage["users"])
	onlyKeys("usage.users", users, "total", "activeHalfyear", "activeMonth")
	nonNegInt := func(where string, v any) {
		f, ok := v.(float64)
		if !ok || f < 0 || f != float64(int64(f)) {
			t.Errorf("%s: %v is not an integer ≥ 0", where, v)
		}
	}
	for k, v := range users {
		nonNegInt("usage.users."+k, v)
	}
	for _, k := range []string{"localPosts", "localComments"} {
		if v, ok := usage[k]; ok {
			nonNegInt("usage."+k, v)
		}
	}
	obj("metadata", doc["metadata"])
}

func testDoc(context.Context) Document {
	comments := 0
	return Portee("0.3.0", Usage{Users: Users{Total: 1, ActiveMonth: 1, ActiveHalfyear: 1}, LocalPosts: 12, LocalComments: &comments},
		map[string]any{"role": "node", "nodeName": "Chatons de Saint-Nazaire", "offers": 2})
}

func TestHandlerServesValidDocuments(t *testing.T) {
	mux := http.NewServeMux()
	Register(mux, "http://127.0.0.1:8081/", testDoc)
	get := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d", path, w.Code)
		}
		return w
	}
	w := get(WellKnownPath)
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("well-known Content-Type %q", ct)
	}
	var wk struct{ Links []Link }
	if err := json.Unmarshal(w.Body.Bytes(), &wk); err != nil {
		t.Fatal(err)
	}
	// 2.0 last: GoToSocial follows the last link.
	want := []Link{{Schema21, "http://127.0.0.1:8081/nodeinfo/2.1"}, {Schema20, "http://127.0.0.1:8081/nodeinfo/2.0"}}
	if !slices.Equal(wk.Links, want) {
		t.Fatalf("links %v, want %v", wk.Links, want)
	}
	if href, err := ParseWellKnown(w.Body.Bytes()); err != nil || href != want[0].Href {
		t.Fatalf("ParseWellKnown = %q, %v", href, err)
	}
	for _, c := range []struct{ path, version, ct string }{{Path20, "2.0", `application/json; profile="` + Schema20 + `#"`}, {Path21, "2.1", "application/json"}} {
		w := get(c.path)
		if ct := w.Header().Get("Content-Type"); ct != c.ct {
			t.Fatalf("%s: Content-Type %q", c.path, ct)
		}
		validateSchema(t, c.version, w.Body.Bytes())
		d, err := Parse(w.Body.Bytes())
		if err != nil {
			t.Fatalf("%s: our own document does not parse: %v", c.path, err)
		}
		if d.Software.Name != "portee" || !d.SupportsActivityPub() || d.OpenRegistrations || d.Metadata["role"] != "node" || d.Usage.LocalPosts != 12 {
			t.Fatalf("%s: %+v", c.path, d)
		}
		if c.version == "2.1" && d.Software.Repository == "" {
			t.Fatalf("2.1 without repository")
		}
	}
	// A document function that leaves lists and metadata nil still gives a valid document.
	bare := Handler("https://dir.example", func(context.Context) Document {
		return Document{Software: Software{Name: "portee", Version: "dev"}}
	})
	for _, c := range []struct{ path, version string }{{Path20, "2.0"}, {Path21, "2.1"}} {
		w := httptest.NewRecorder()
		bare.ServeHTTP(w, httptest.NewRequest(http.MethodGet, c.path, nil))
		validateSchema(t, c.version, w.Body.Bytes())
	}
	w = httptest.NewRecorder()
	bare.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/nodeinfo/3.0", nil))
	if w.Code != http.StatusNotFound {
		t.Fatalf("unknown version: %d", w.Code)
	}
}

func TestSchemaValidatorCatchesMistakes(t *testing.T) {
	// The validator above must be able to fail, or the test proves nothing.
	bad := []string{
		`{"version":"2.0","software":{"name":"Portée","version":"1"},"protocols":["activitypub"],"services":{"inbound":[],"outbound":[]},"openRegistrations":false,"usage":{"users":{}},"metadata":{}}`,
		`{"version":"2.0","software":{"name":"portee","version":"1","repository":"x"},"protocols":["activitypub"],"services":{"inbound":[],"outbound":[]},"openRegistrations":false,"usage":{"users":{}},"metadata":{}}`,
		`{"version":"2.1","software":{"name":"portee","version":"1"},"protocols":[],"services":{"inbound":[],"outbound":[]},"openRegistrations":false,"usage":{"users":{}},"metadata":{}}`,
		`{"version":"2.1","software":{"name":"portee","version":"1"},"protocols":["http"],"services":{"inbound":[],"outbound":[]},"openRegistrations":false,"usage":{"users":{}},"metadata":{}}`,
		`{"version":"2.1","software":{"name":"portee","version":"1"},"protocols":["activitypub"],"services":{"inbound":[],"outbound":["mastodon"]},"openRegistrations":false,"usage":{"users":{}},"metadata":{}}`,
		`{"version":"2.1","software":{"name":"portee","version":"1"},"protocols":["activitypub"],"services":{"inbound":[],"outbound":[]},"openRegistrations":false,"usage":{"users":{"total":-1}},"metadata":{}}`,
		`{"version":"2.1","software":{"name":"portee","version":"1"},"protocols":["activitypub"],"services":{"inbound":[],"outbound":[]},"openRegistrations":false,"usage":{"users":{}},"metadata":{},"role":"node"}`,
	}
	for i, doc := range bad {
		version := "2.1"
		if strings.Contains(doc, `"2.0"`) {
			version = "2.0"
		}
		r := &recorder{}
		validateSchema(r, version, []byte(doc))
		if !r.failed {
			t.Errorf("bad document %d passed the schema check", i)
		}
	}
}

type reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

// recorder notes whether validateSchema complained.
type recorder struct{ failed bool }

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }

func TestParseRealDocuments(t *testing.T) {
	// Shaped as mastodon.social and a GoToSocial instance serve them.
	mastodon := `{"version":"2.0","software":{"name":"mastodon","version":"4.5.0"},"protocols":["activitypub"],"services":{"outbound":[],"inbound":[]},"usage":{"users":{"total":2800000,"activeMonth":280000,"activeHalfyear":700000},"localPosts":130000000},"openRegistrations":true,"metadata":{"nodeName":"Mastodon","nodeDescription":""}}`
	gts := `{"version":"2.1","software":{"name":"gotosocial","version":"0.19.1","repository":"https://codeberg.org/superseriousbusiness/gotosocial","homepage":"https://docs.gotosocial.org"},"protocols":["activitypub"],"services":{"inbound":[],"outbound":[]},"openRegistrations":false,"usage":{"users":{"total":3},"localPosts":420},"metadata":{"nodeName":"gts.example.org"}}`
	for name, doc := range map[string]string{"mastodon": mastodon, "gotosocial": gts} {
		d, err := Parse([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d.Software.Name != name || !d.SupportsActivityPub() {
			t.Fatalf("%s: %+v", name, d)
		}
	}
	for _, bad := range []string{
		`{}`, `[]`, `null`,
		strings.Replace(mastodon, `"name":"mastodon"`, `"name":"Mastodon"`, 1),
		strings.Replace(mastodon, `"version":"2.0"`, `"version":"1.0"`, 1),
		strings.Replace(mastodon, `"protocols":["activitypub"]`, `"protocols":[]`, 1),
		strings.Replace(mastodon, `,"metadata":{"nodeName":"Mastodon","nodeDescription":""}`, ``, 1),
		strings.Replace(mastodon, `"services":{"outbound":[],"inbound":[]}`, `"services":{"outbound":[]}`, 1),
		strings.Replace(mastodon, `"users":{"total":2800000,"activeMonth":280000,"activeHalfyear":700000},`, ``, 1),
		strings.Replace(mastodon, `"total":2800000`, `"total":-1`, 1),
		strings.Replace(mastodon, `{"name":"mastodon","version":"4.5.0"}`, `{"name":"mastodon"}`, 1),
		strings.Replace(mastodon, `"openRegistrations":true`, `"openRegistrations":null`, 1),
	} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse accepted %s", bad)
		}
	}
}

func TestDiscover(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	Register(mux, srv.URL, testDoc)
	d, err := Discover(context.Background(), fetch.New(fetch.Options{AllowPrivate: true}), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if d.Version != "2.1" || d.Software.Name != SoftwareName || d.Metadata["nodeName"] != "Chatons de Saint-Nazaire" {
		t.Fatalf("discovered %+v", d)
	}
	if _, err := Discover(context.Background(), fetch.New(fetch.Options{}), srv.URL); err == nil {
		t.Fatal("strict client reached loopback")
	}
}

func TestParseWellKnown(t *testing.T) {
	for in, want := range map[string]string{
		`{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":"https://a.example/nodeinfo/2.0"}]}`:                                                                               "https://a.example/nodeinfo/2.0",
		`{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.1","href":"https://a.example/21"},{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":"https://a.example/20"}]}`: "https://a.example/21",
		`{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0#","href":"https://a.example/20"}]}`:                                                                                        "https://a.example/20",
	} {
		if got, err := ParseWellKnown([]byte(in)); err != nil || got != want {
			t.Errorf("ParseWellKnown(%s) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{`{}`, `{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/1.0","href":"https://a/1"}]}`, `{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":"file:///etc/passwd"}]}`, `x`} {
		if _, err := ParseWellKnown([]byte(bad)); err == nil {
			t.Errorf("ParseWellKnown(%s) accepted", bad)
		}
	}
}

func FuzzNodeInfoParse(f *testing.F) {
	b, _ := json.Marshal(testDoc(context.Background()).as("2.1"))
	f.Add(string(b))
	f.Add(`{"version":"2.0","software":{"name":"mastodon","version":"4.5.0"},"protocols":["activitypub"],"services":{"outbound":[],"inbound":[]},"usage":{"users":{}},"openRegistrations":true,"metadata":{}}`)
	f.Add(`{"version":"2.1","software":{"name":"","version":1},"protocols":"activitypub"}`)
	f.Add(`{"links":[]}`)
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse([]byte(s))
		if err != nil {
			return
		}
		if !namePattern.MatchString(d.Software.Name) || len(d.Protocols) == 0 || (d.Version != "2.0" && d.Version != "2.1") {
			t.Fatalf("Parse accepted %+v", d)
		}
		ParseWellKnown([]byte(s))
		if _, err := json.Marshal(d.as(d.Version)); err != nil {
			t.Fatalf("re-encode: %v", err)
		}
	})
}
