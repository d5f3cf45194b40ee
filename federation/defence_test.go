package federation

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"codeberg.org/portee/portee/federation/fedtest"
)

// fetchesOf counts the GETs the fake server received whose path starts
// with prefix.
func fetchesOf(s *fedtest.Server, prefix string) int {
	n := 0
	for _, f := range s.Fetches() {
		if strings.HasPrefix(f.Path, prefix) {
			n++
		}
	}
	return n
}

func pathOf(t *testing.T, u string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Path
}

func wiggle(a *fedtest.Actor, target string, n int) map[string]any {
	return map[string]any{"@context": fedtest.ASContext, "id": fmt.Sprintf("%s/wiggles/%d", a.ID, n),
		"type": "Wiggle", "actor": a.ID, "object": target}
}

// TestForgedSignaturesDoNotAmplify: forged POSTs naming a known key with a
// wrong signature once made the directory fetch the key owner's actor
// each time (50 POSTs, 50 GETs to a third server), an unknown key cost 2
// GETs per POST and its actor was cached before any signature verified.
// Now a key is fetched at most once per keyRefetchEvery, nothing is cached
// for an unverified request, and invented key ids of one host are bounded.
func TestForgedSignaturesDoNotAmplify(t *testing.T) {
	ctx := context.Background()
	store := openSQLite(t)
	ln, base := listen(t)
	startDirectory(t, store, ln, base)
	inbox := base + "/actor/inbox"
	victim := fedtest.NewServer(t)
	mallory := victim.AddActor("mallory")
	eve := victim.AddActor("eve")

	// A genuine request makes mallory's key known.
	resp, err := mallory.Post(ctx, inbox, wiggle(mallory, base+"/actor", 0))
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("genuine POST: %v %v", resp, err)
	}
	known := fetchesOf(victim, pathOf(t, mallory.ID))
	if known != 1 {
		t.Fatalf("first contact fetched mallory %d times, want 1", known)
	}
	for i := range 50 {
		resp, err := mallory.WrongKeyPost(ctx, inbox, wiggle(mallory, base+"/actor", i+1))
		if err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("forged POST %d: %v %v", i, resp, err)
		}
	}
	if n := fetchesOf(victim, pathOf(t, mallory.ID)) - known; n > 1 {
		t.Errorf("50 forged POSTs naming a known key cost %d GETs of its owner, want at most 1", n)
	}

	for i := range 10 {
		resp, err := eve.WrongKeyPost(ctx, inbox, wiggle(eve, base+"/actor", i))
		if err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("forged POST as eve %d: %v %v", i, resp, err)
		}
	}
	if n := fetchesOf(victim, pathOf(t, eve.ID)); n > 1 {
		t.Errorf("10 forged POSTs naming an unknown key cost %d GETs, want at most 1", n)
	}
	var cached int
	if err := store.DB().Get(&cached, `SELECT COUNT(*) FROM fed_remote_actors WHERE actor_id = ?`, eve.ID); err != nil {
		t.Fatal(err)
	}
	if cached != 0 {
		t.Errorf("eve's actor was cached although no signature of hers verified")
	}

	// Key ids are free to invent: each new one on the same host is a GET,
	// up to the host's budget.
	for i := range keyFetchesPerHost + 15 {
		resp, err := mallory.KeyIDPost(ctx, inbox, fmt.Sprintf("%s?n=%d#main-key", mallory.ID, i), wiggle(mallory, base+"/actor", 100+i))
		if err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("invented key id %d: %v %v", i, resp, err)
		}
	}
	if n := fetchesOf(victim, pathOf(t, mallory.ID)+"?n="); n > keyFetchesPerHost {
		t.Errorf("%d invented key ids cost %d GETs to their host, want at most %d", keyFetchesPerHost+15, n, keyFetchesPerHost)
	}

	// The genuine actor still gets through.
	resp, err = mallory.Post(ctx, inbox, wiggle(mallory, base+"/actor", 1000))
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("genuine POST after the flood: %v %v", resp, err)
	}
}

// TestInboxRefusesDeliveryForAnotherHost: a delivery signed for one server
// (its Host header) and replayed to another was accepted (202); the signed
// host must be ours.
func TestInboxRefusesDeliveryForAnotherHost(t *testing.T) {
	ctx := context.Background()
	ln1, base1 := listen(t)
	ln2, base2 := listen(t)
	startDirectory(t, openSQLite(t), ln1, base1)
	startDirectory(t, openSQLite(t), ln2, base2)
	remote := fedtest.NewServer(t)
	mallory := remote.AddActor("mallory")
	host1 := strings.TrimPrefix(base1, "http://")

	resp, err := mallory.ReplayedPost(ctx, base2+"/actor/inbox", host1, wiggle(mallory, base1+"/actor", 1))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("replayed to another server: status %d, want 401", resp.StatusCode)
	}
	// The same request where it was meant to go is accepted.
	resp, err = mallory.ReplayedPost(ctx, base1+"/actor/inbox", host1, wiggle(mallory, base1+"/actor", 2))
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Errorf("delivered to its own host: %v %v", resp, err)
	}
	for _, c := range []struct {
		host, ours, scheme string
		want               bool
	}{
		{"Example.org", "example.org", "https", true},
		{"example.org:443", "example.org", "https", true},
		{"example.org:80", "example.org", "http", true},
		{"example.org:8443", "example.org", "https", false},
		{"example.org:80", "example.org", "https", false},
		{"evil.example", "example.org", "https", false},
		{"", "example.org", "https", false},
	} {
		if got := sameAuthority(c.host, c.ours, c.scheme); got != c.want {
			t.Errorf("sameAuthority(%q, %q, %s) = %v", c.host, c.ours, c.scheme, got)
		}
	}
}
