package federation

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzPeekObject: the id and type of a fetched object are read without
// panicking, whatever the remote sends.
func FuzzPeekObject(f *testing.F) {
	for _, s := range []string{
		`{"id":"https://a.example/hosters/x/offers/pad","type":"Service"}`,
		`{"id":"https://a.example/x","type":["schema:Thing","Service"]}`,
		`{"id":"https://a.example/x","type":[]}`,
		`{"id":"","type":"Note"}`,
		`{"id":1,"type":{"a":1}}`,
		`[]`, `null`, `"x"`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		id, typ, err := peekObject(b)
		if err == nil && (id == "" || typ == "") {
			t.Fatalf("peekObject(%q) = %q, %q without error", b, id, typ)
		}
	})
}

// FuzzInboxHeaders: Content-Type and Accept parsing never panics, and a
// type we accept is one of the two ActivityPub media types.
func FuzzInboxHeaders(f *testing.F) {
	for _, s := range []string{
		"application/activity+json",
		`application/ld+json; profile="https://www.w3.org/ns/activitystreams"; charset=utf-8`,
		"application/ld+json",
		"text/html;q=0.9, application/activity+json;q=0",
		"application/json; charset=",
		";;;,,,",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if inboxContentType(s) && !(len(s) >= len("application/") && (containsFold(s, "activity+json") || containsFold(s, "ld+json"))) {
			t.Fatalf("inboxContentType(%q) accepted a non-ActivityPub type", s)
		}
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept", s)
		_ = WantsActivityJSON(r)
	})
}

func containsFold(s, sub string) bool { return strings.Contains(strings.ToLower(s), sub) }

// FuzzUnderActor: an id judged under its actor shares the actor's scheme
// and host, starts with the actor's path and a slash, and has no dot
// segment; an offer id and a Host header never panic the checks.
func FuzzUnderActor(f *testing.F) {
	for _, s := range [][2]string{
		{"https://a.example/hosters/x/offers/pad", "https://a.example/hosters/x"},
		{"https://a.example/hosters/y/offers/pad", "https://a.example/hosters/x"},
		{"https://a.example/hosters/x/../y/offers/pad", "https://a.example/hosters/x"},
		{"https://a.example/hosters/x/%2e%2e/y", "https://a.example/hosters/x"},
		{"https://a.example/hosters/xs/offers/pad", "https://a.example/hosters/x"},
		{"HTTPS://A.example/hosters/x/o", "https://a.example/hosters/x"},
		{"//a.example/hosters/x/o", "https://a.example/hosters/x"},
		{"", ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, id, actor string) {
		if underActor(id, actor) {
			u, _ := url.Parse(id)
			a, _ := url.Parse(actor)
			if !strings.EqualFold(u.Host, a.Host) || !strings.HasPrefix(u.EscapedPath(), strings.TrimRight(a.EscapedPath(), "/")+"/") ||
				strings.Contains(u.EscapedPath(), "/../") || strings.HasSuffix(u.EscapedPath(), "/..") {
				t.Fatalf("underActor(%q, %q) = true", id, actor)
			}
		}
		_ = sameAuthority(id, actor, "https")
	})
}
