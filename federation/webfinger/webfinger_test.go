package webfinger

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"codeberg.org/portee/portee/federation/fetch"
)

func TestParseAcct(t *testing.T) {
	for _, c := range []struct{ in, user, host string }{
		{"acct:chaton@example.org", "chaton", "example.org"},
		{"ACCT:chaton@Example.ORG", "chaton", "example.org"},
		{"chaton@127.0.0.1:8081", "chaton", "127.0.0.1:8081"},
		{"@chaton@framasoft.org", "chaton", "framasoft.org"},
		{"acct:user.name-1_x@sub.domain.example", "user.name-1_x", "sub.domain.example"},
		{"acct:alice@[::1]:8080", "alice", "[::1]:8080"},
		{" acct:bob@example.org ", "bob", "example.org"},
	} {
		u, h, err := ParseAcct(c.in)
		if err != nil || u != c.user || h != c.host {
			t.Errorf("ParseAcct(%q) = %q, %q, %v", c.in, u, h, err)
		}
	}
	for _, in := range []string{
		"", "acct:", "chaton", "@chaton", "chaton@", "@example.org", "a@b@c",
		"acct:a/b@example.org", "a@exa mple.org", "a@example.org/path", "a@example.org?x", "a@example.org:",
		"a@example.org:123456", "a@user:pw@host", "a@.example.org", "a@exa..mple.org", "a@ex_ample.org",
		"a\n@example.org", "https://example.org/users/a",
	} {
		if u, h, err := ParseAcct(in); err == nil {
			t.Errorf("ParseAcct(%q) accepted: %q %q", in, u, h)
		}
	}
}

func TestParseJRD(t *testing.T) {
	// As Mastodon's documentation shows it.
	mastodon := `{
  "subject": "acct:Gargron@mastodon.social",
  "aliases": ["https://mastodon.social/@Gargron", "https://mastodon.social/users/Gargron"],
  "links": [
    {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": "https://mastodon.social/@Gargron"},
    {"rel": "self", "type": "application/activity+json", "href": "https://mastodon.social/users/Gargron"},
    {"rel": "http://ostatus.org/schema/1.0/subscribe", "template": "https://mastodon.social/authorize_interaction?uri={uri}"}
  ]
}`
	j, err := ParseJRD([]byte(mastodon))
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := j.ActorURL(); !ok || a != "https://mastodon.social/users/Gargron" {
		t.Fatalf("ActorURL = %q, %v", a, ok)
	}
	if j.Links[2].Template == "" || len(j.Aliases) != 2 {
		t.Fatalf("parsed %+v", j)
	}
	ld := `{"subject":"acct:a@b.example","links":[{"rel":"self","type":"application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"","href":"https://b.example/a"}]}`
	if j, err := ParseJRD([]byte(ld)); err != nil {
		t.Fatal(err)
	} else if a, ok := j.ActorURL(); !ok || a != "https://b.example/a" {
		t.Fatalf("ld+json self link: %q %v", a, ok)
	}
	for _, bad := range []string{`[]`, `{}`, `not json`, `{"links":[{"href":"x"}]}`} {
		if _, err := ParseJRD([]byte(bad)); err == nil {
			t.Errorf("ParseJRD(%s) accepted", bad)
		}
	}
	noAP := `{"subject":"acct:a@b","links":[{"rel":"self","type":"text/html","href":"https://b/a"},{"rel":"self","type":"application/activity+json","href":"javascript:alert(1)"}]}`
	if j, err := ParseJRD([]byte(noAP)); err != nil {
		t.Fatal(err)
	} else if a, ok := j.ActorURL(); ok {
		t.Fatalf("ActorURL accepted %q", a)
	}
}

func testHandler(host string) http.Handler {
	actors := map[string]string{"chaton": "http://" + host + "/actor", "Mixed_Case": "http://" + host + "/users/Mixed_Case"}
	return Handler(host,
		func(_ context.Context, user string) (string, bool) { a, ok := actors[user]; return a, ok },
		func(_ context.Context, actor string) (string, bool) {
			for u, a := range actors {
				if a == actor {
					return u, true
				}
			}
			return "", false
		})
}

func TestHandler(t *testing.T) {
	const host = "127.0.0.1:8081"
	h := testHandler(host)
	get := func(resource string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		target := "/.well-known/webfinger"
		if resource != "" {
			target += "?resource=" + url.QueryEscape(resource)
		}
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
		return w
	}
	for _, res := range []string{"acct:chaton@127.0.0.1:8081", "chaton@127.0.0.1:8081", "http://127.0.0.1:8081/actor"} {
		w := get(res)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d", res, w.Code)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/jrd+json" {
			t.Fatalf("%s: Content-Type %q", res, ct)
		}
		j, err := ParseJRD(w.Body.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if j.Subject != "acct:chaton@127.0.0.1:8081" {
			t.Fatalf("%s: subject %q", res, j.Subject)
		}
		if a, ok := j.ActorURL(); !ok || a != "http://127.0.0.1:8081/actor" {
			t.Fatalf("%s: actor %q", res, a)
		}
	}
	for res, want := range map[string]int{
		"":                                    http.StatusBadRequest,
		"acct:":                               http.StatusBadRequest,
		"nonsense":                            http.StatusBadRequest,
		"acct:chaton@other.example":           http.StatusNotFound,
		"acct:chaton@127.0.0.1:9999":          http.StatusNotFound,
		"acct:nobody@127.0.0.1:8081":          http.StatusNotFound,
		"http://127.0.0.1:8081/users/nobody":  http.StatusNotFound,
		"https://evil.example/actor":          http.StatusNotFound,
		"acct:Mixed_Case@127.0.0.1:8081":      http.StatusOK,
		"acct:chaton@127.0.0.1:8081/../admin": http.StatusBadRequest,
	} {
		if w := get(res); w.Code != want {
			t.Errorf("resource %q: status %d, want %d", res, w.Code, want)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/.well-known/webfinger?resource=acct:chaton@127.0.0.1:8081", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", w.Code)
	}
}

func TestLookup(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	mux.Handle("/.well-known/webfinger", testHandler(host))
	ctx := context.Background()

	c := fetch.New(fetch.Options{AllowPrivate: true})
	actor, err := Lookup(ctx, c, "chaton@"+host)
	if err != nil || actor != srv.URL+"/actor" {
		t.Fatalf("Lookup = %q, %v", actor, err)
	}
	if actor, err := Lookup(ctx, c, "@Mixed_Case@"+host); err != nil || actor != srv.URL+"/users/Mixed_Case" {
		t.Fatalf("Lookup mixed case = %q, %v", actor, err)
	}
	if _, err := Lookup(ctx, c, "nobody@"+host); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown account: %v", err)
	}
	if _, err := Lookup(ctx, c, "not an address"); err == nil {
		t.Fatal("bad address accepted")
	}
	// Without permission for private networks, loopback is out of reach.
	strict := fetch.New(fetch.Options{})
	if _, err := Lookup(ctx, strict, "chaton@"+host); !errors.Is(err, fetch.ErrPrivateAddress) {
		t.Fatalf("strict client: %v", err)
	}
}

func TestLookupRejectsAnswerWithoutActor(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ContentType)
		json.NewEncoder(w).Encode(JRD{Subject: r.URL.Query().Get("resource"), Links: []Link{{Rel: RelProfilePage, Type: "text/html", Href: "http://x/@a"}}})
	}))
	defer srv.Close()
	c := fetch.New(fetch.Options{AllowPrivate: true})
	if _, err := LookupScheme(context.Background(), c, "a@"+strings.TrimPrefix(srv.URL, "http://"), "http"); err == nil {
		t.Fatal("JRD without a self link accepted")
	}
}

func FuzzParseAcct(f *testing.F) {
	for _, s := range []string{"acct:chaton@example.org", "@a@127.0.0.1:8081", "a@[::1]:80", "a@b@c", "acct:", "@", "a@%zz", "a@\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		user, host, err := ParseAcct(s)
		if err != nil {
			return
		}
		if user == "" || host == "" || strings.ContainsAny(user+host, "@/?# \n") {
			t.Fatalf("ParseAcct(%q) = %q, %q", s, user, host)
		}
		// What we accept must survive being written out and read again.
		u2, h2, err := ParseAcct("acct:" + user + "@" + host)
		if err != nil || u2 != user || h2 != host {
			t.Fatalf("round trip of %q: %q %q %v", s, u2, h2, err)
		}
		if _, err := url.Parse("https://" + host + "/.well-known/webfinger"); err != nil {
			t.Fatalf("host %q makes a bad URL: %v", host, err)
		}
	})
}

func FuzzParseJRD(f *testing.F) {
	f.Add(`{"subject":"acct:a@b","links":[{"rel":"self","type":"application/activity+json","href":"https://b/a"}]}`)
	f.Add(`{"subject":"x","aliases":null,"links":null}`)
	f.Add(`{"links":[{"rel":"self","type":"application/ld+json","href":"http://[::1]/"}]}`)
	f.Add(`[1,2]`)
	f.Fuzz(func(t *testing.T, s string) {
		j, err := ParseJRD([]byte(s))
		if err != nil {
			return
		}
		if a, ok := j.ActorURL(); ok {
			u, err := url.Parse(a)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				t.Fatalf("ActorURL returned %q", a)
			}
		}
	})
}
