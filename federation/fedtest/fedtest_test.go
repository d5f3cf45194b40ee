package fedtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/federation/fetch"
	"codeberg.org/portee/portee/federation/httpsig"
	"codeberg.org/portee/portee/federation/nodeinfo"
	"codeberg.org/portee/portee/federation/webfinger"
)

func TestDiscoveryAndActorDocuments(t *testing.T) {
	ctx := context.Background()
	for _, sw := range []string{Mastodon, GoToSocial} {
		t.Run(sw, func(t *testing.T) {
			s := NewServer(t, WithSoftware(sw))
			alice := s.AddActor("alice")
			org := s.AddOrganization("chatons")
			c := fetch.New(fetch.Options{AllowPrivate: true})

			id, err := webfinger.Lookup(ctx, c, alice.Acct())
			if err != nil || id != alice.ID {
				t.Fatalf("webfinger: %q, %v", id, err)
			}
			ni, err := nodeinfo.Discover(ctx, c, s.URL)
			if err != nil || ni.Software.Name != sw {
				t.Fatalf("nodeinfo: %+v, %v", ni, err)
			}
			// The key resolves through the actor (Mastodon) or the stub (GoToSocial).
			pub, owner, err := fetch.KeyResolver{Client: c}.PublicKey(ctx, alice.KeyID, false)
			if err != nil || owner != alice.ID || !alice.Key.PublicKey.Equal(pub) {
				t.Fatalf("key: %s, %v", owner, err)
			}
			if sw == GoToSocial && !strings.HasSuffix(alice.KeyID, "/main-key") {
				t.Fatalf("GoToSocial key id %s", alice.KeyID)
			}
			// A signed GET of the organization's actor from another fake server.
			other := NewServer(t)
			bob := other.AddActor("bob")
			resp, err := bob.Get(ctx, org.ID)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("signed GET: %v %v", resp, err)
			}
			var doc map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
				t.Fatal(err)
			}
			if doc["type"] != "Organization" || doc["preferredUsername"] != "chatons" || doc["inbox"] != org.Inbox {
				t.Fatalf("actor document %v", doc)
			}
			pk := doc["publicKey"].(map[string]any)
			if pk["id"] != org.KeyID || pk["owner"] != org.ID {
				t.Fatalf("publicKey %v", pk)
			}
			_, hasShared := doc["endpoints"]
			if hasShared != (sw == Mastodon) {
				t.Fatalf("endpoints present: %v for %s", hasShared, sw)
			}
			fetches := s.Fetches()
			last := fetches[len(fetches)-1]
			if !last.Signed || !last.Verified || last.Owner != bob.ID {
				t.Fatalf("fetch record %+v", last)
			}
			// GoToSocial refuses unsigned fetches of actors; Mastodon (without secure mode) serves them.
			unsigned, err := http.Get(org.ID)
			if err != nil {
				t.Fatal(err)
			}
			unsigned.Body.Close()
			want := http.StatusOK
			if sw == GoToSocial {
				want = http.StatusUnauthorized
			}
			if unsigned.StatusCode != want {
				t.Fatalf("unsigned GET: %d, want %d", unsigned.StatusCode, want)
			}
		})
	}
}

func TestFollowIsVerifiedAndAccepted(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		opts   []Option
		scheme string
	}{
		{"mastodon cavage", nil, httpsig.SchemeCavage},
		{"mastodon rfc9421", []Option{WithRFC9421()}, httpsig.SchemeRFC9421},
		{"gotosocial", []Option{WithSoftware(GoToSocial)}, httpsig.SchemeCavage},
	} {
		t.Run(c.name, func(t *testing.T) {
			remote := NewServer(t, c.opts...)
			alice := remote.AddActor("alice")
			home := NewServer(t, WithAutoAccept())
			chatons := home.AddOrganization("chatons")

			followID, resp, err := alice.Follow(ctx, chatons.ID, chatons.Inbox)
			if err != nil || resp.StatusCode != http.StatusAccepted {
				t.Fatalf("follow: %v %v", resp, err)
			}
			d := home.WaitDeliveries(t, 1, 5*time.Second)[0]
			if !d.Verified || d.Scheme != c.scheme || d.Owner != alice.ID || d.KeyID != alice.KeyID || d.Activity["type"] != "Follow" {
				t.Fatalf("delivery %+v", d)
			}
			if f := chatons.FollowerIDs(); len(f) != 1 || f[0] != alice.ID {
				t.Fatalf("followers %v", f)
			}
			// The Accept comes back, signed, with the Follow embedded.
			acc := remote.WaitDeliveries(t, 1, 5*time.Second)[0]
			if !acc.Verified || acc.Owner != chatons.ID || acc.Activity["type"] != "Accept" {
				t.Fatalf("accept %+v", acc)
			}
			emb, _ := acc.Activity["object"].(map[string]any)
			if emb["id"] != followID || emb["type"] != "Follow" || emb["actor"] != alice.ID {
				t.Fatalf("accept embeds %v", emb)
			}
			// Undo removes the follower.
			if resp, err := alice.UndoFollow(ctx, followID, chatons.ID, chatons.Inbox); err != nil || resp.StatusCode != http.StatusAccepted {
				t.Fatalf("undo: %v %v", resp, err)
			}
			if f := chatons.FollowerIDs(); len(f) != 0 {
				t.Fatalf("followers after undo %v", f)
			}
		})
	}
}

func TestBadPostsAreRefused(t *testing.T) {
	ctx := context.Background()
	for _, opts := range [][]Option{nil, {WithRFC9421()}} {
		remote := NewServer(t, opts...)
		mallory := remote.AddActor("mallory")
		victim := remote.AddActor("victim")
		home := NewServer(t)
		chatons := home.AddOrganization("chatons")
		follow := mallory.NewFollow(chatons.ID)

		cases := []struct {
			name   string
			send   func() (*http.Response, error)
			status int
			errHas string
		}{
			{"unsigned", func() (*http.Response, error) { return mallory.UnsignedPost(ctx, chatons.Inbox, follow) }, 401, "no signature"},
			{"forged actor", func() (*http.Response, error) { return mallory.ForgedActorPost(ctx, chatons.Inbox, victim.ID, follow) }, 401, "is not the signer"},
			{"stale date", func() (*http.Response, error) { return mallory.StaleDatePost(ctx, chatons.Inbox, follow) }, 401, "window"},
			{"wrong key", func() (*http.Response, error) { return mallory.WrongKeyPost(ctx, chatons.Inbox, follow) }, 401, "bad signature"},
			{"tampered", func() (*http.Response, error) { return mallory.TamperedPost(ctx, chatons.Inbox, follow) }, 401, "digest"},
			{"3 MiB", func() (*http.Response, error) { return mallory.OversizePost(ctx, chatons.Inbox, 3<<20) }, 413, "over 1 MiB"},
		}
		for i, c := range cases {
			resp, err := c.send()
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if resp.StatusCode != c.status {
				b, _ := io.ReadAll(resp.Body)
				t.Fatalf("%s: status %d (%s), want %d", c.name, resp.StatusCode, b, c.status)
			}
			d := home.WaitDeliveries(t, i+1, 5*time.Second)[i]
			if d.Verified || !strings.Contains(d.Err, c.errHas) {
				t.Fatalf("%s: delivery %+v, want refusal mentioning %q", c.name, d, c.errHas)
			}
		}
		if f := chatons.FollowerIDs(); len(f) != 0 {
			t.Fatalf("a refused Follow was applied: %v", f)
		}
		// The size is exact: a 1 MiB body would have been read in full.
		big, err := mallory.OversizePost(ctx, chatons.Inbox, 1000)
		if err != nil || big.StatusCode != http.StatusAccepted {
			t.Fatalf("small signed post: %v %v", big, err)
		}
	}
}

func TestWaitDeliveriesTimesOut(t *testing.T) {
	s := NewServer(t)
	ft := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { recover() }()
		s.WaitDeliveries(ft, 1, 50*time.Millisecond)
	}()
	<-done
	if !ft.failed {
		t.Fatal("WaitDeliveries did not fail without deliveries")
	}
}

// fakeTB records a Fatalf instead of stopping the real test.
type fakeTB struct {
	testing.TB
	failed bool
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(string, ...any) {
	f.failed = true
	panic("fatal")
}

// TestFakesRefuseLikeTheRealServers: the fake GoToSocial answers 500 where
// the real one does (an Update of an actor-typed object by someone else,
// an object type it does not know); the fake Mastodon takes everything
// and logs what it drops. Both count it as a Problem.
func TestFakesRefuseLikeTheRealServers(t *testing.T) {
	ctx := context.Background()
	for _, sw := range []string{GoToSocial, Mastodon} {
		t.Run(sw, func(t *testing.T) {
			home := NewServer(t, WithSoftware(sw))
			bob := home.AddActor("bob")
			remote := NewServer(t)
			mallory := remote.AddActor("mallory")
			post := func(act map[string]any) int {
				t.Helper()
				act["@context"], act["actor"] = ASContext, mallory.ID
				resp, err := mallory.Post(ctx, bob.Inbox, act)
				if err != nil {
					t.Fatal(err)
				}
				return resp.StatusCode
			}
			offer := map[string]any{"id": mallory.ID + "/offers/pad", "type": "Service", "attributedTo": mallory.ID}
			decl := map[string]any{"id": mallory.ID + "/charter", "type": "CharterDeclaration", "attributedTo": mallory.ID}
			note := map[string]any{"id": mallory.ID + "/notes/1", "type": "Note", "attributedTo": mallory.ID, "content": "<p>x</p>"}
			self := mallory.Document()
			want := map[string]int{"service": 500, "declaration": 500, "note": 202, "self": 202}
			if sw == Mastodon {
				want = map[string]int{"service": 202, "declaration": 202, "note": 202, "self": 202}
			}
			got := map[string]int{
				"service":     post(map[string]any{"id": mallory.ID + "/a/1", "type": "Update", "object": offer}),
				"declaration": post(map[string]any{"id": mallory.ID + "/a/2", "type": "Update", "object": decl}),
				"note":        post(map[string]any{"id": mallory.ID + "/a/3", "type": "Create", "object": note}),
				"self":        post(map[string]any{"id": mallory.ID + "/a/4", "type": "Update", "object": self}),
			}
			for k, w := range want {
				if got[k] != w {
					t.Errorf("%s: status %d, want %d", k, got[k], w)
				}
			}
			// Mastodon logs the Update of someone else's account; an
			// Update of a type it does not know it drops without a word.
			wantProblems := map[string]int{GoToSocial: 2, Mastodon: 1}[sw]
			if n := len(home.Problems()); n != wantProblems {
				t.Errorf("%d problems, want %d: %+v", n, wantProblems, home.Problems())
			}
		})
	}
}

// TestNodeInfoReaders reads a NodeInfo discovery as GoToSocial, Mastodon
// and Misskey do. Portée's own documents suit all three; the layout Portée
// served before (2.0 then 2.1, each with its profile type) fails
// GoToSocial as the real one failed.
func TestNodeInfoReaders(t *testing.T) {
	ctx := context.Background()
	doc := func(context.Context) nodeinfo.Document {
		return nodeinfo.Portee("1.2.3", nodeinfo.Usage{}, map[string]any{"role": "node"})
	}
	mux := http.NewServeMux()
	ours := httptest.NewServer(mux)
	defer ours.Close()
	nodeinfo.Register(mux, ours.URL, doc)
	old := http.NewServeMux()
	oldSrv := httptest.NewServer(old)
	defer oldSrv.Close()
	old.HandleFunc("/.well-known/nodeinfo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"links":[{"rel":%q,"href":%q},{"rel":%q,"href":%q}]}`,
			nodeinfo.Schema20, oldSrv.URL+"/nodeinfo/2.0", nodeinfo.Schema21, oldSrv.URL+"/nodeinfo/2.1")
	})
	old.HandleFunc("/nodeinfo/{v}", func(w http.ResponseWriter, r *http.Request) {
		v := r.PathValue("v")
		w.Header().Set("Content-Type", `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/`+v+`#"`)
		_ = json.NewEncoder(w).Encode(doc(ctx))
	})
	for _, reader := range []string{GoToSocial, Mastodon, Misskey} {
		name, version, err := ReadNodeInfo(ctx, http.DefaultClient, reader, ours.URL)
		if err != nil || name != "portee" || version != "1.2.3" {
			t.Errorf("%s reading Portée: %q %q, %v", reader, name, version, err)
		}
	}
	if _, _, err := ReadNodeInfo(ctx, http.DefaultClient, GoToSocial, oldSrv.URL); err == nil || !strings.Contains(err.Error(), "non nodeinfo schema 2.0 response") {
		t.Errorf("GoToSocial reading the old layout: %v, want non nodeinfo schema 2.0 response", err)
	}
}
