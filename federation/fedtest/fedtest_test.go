package fedtest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
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
