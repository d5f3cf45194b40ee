package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/fedtest"
	"codeberg.org/portee/portee/federation/httpsig"
	"codeberg.org/portee/portee/federation/vocab"
)

// TestFollowAcceptUndo: remote accounts signing like Mastodon (cavage and
// RFC 9421) and GoToSocial (key stub) follow a hoster, get a signed Accept
// embedding their Follow, receive the offer's Update and Note, and stop
// receiving after Undo.
func TestFollowAcceptUndo(t *testing.T) {
	cases := []struct {
		name string
		opts []fedtest.Option
	}{
		{"mastodon-cavage", []fedtest.Option{fedtest.WithSoftware(fedtest.Mastodon)}},
		{"mastodon-rfc9421", []fedtest.Option{fedtest.WithSoftware(fedtest.Mastodon), fedtest.WithRFC9421()}},
		{"gotosocial", []fedtest.Option{fedtest.WithSoftware(fedtest.GoToSocial), fedtest.WithAuthorizedFetch()}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			store := openSQLite(t)
			ln, base := listen(t)
			h := localHoster(t, store, base, "nazairien")
			cloud := localOffer(t, store, h, "nextcloud", "cloud")
			startNode(t, store, ln, base)

			remote := fedtest.NewServer(t, tc.opts...)
			alice := remote.AddActor("alice")
			followID, resp, err := alice.Follow(ctx, h.ActorID, h.InboxURL)
			if err != nil || resp.StatusCode != http.StatusAccepted {
				t.Fatalf("Follow: %v %v", resp, err)
			}
			d := remote.WaitDeliveries(t, 1, 10*time.Second)[0]
			if !d.Verified || d.Owner != h.ActorID || d.Inbox != alice.Inbox {
				t.Fatalf("Accept delivery: verified=%v owner=%q inbox=%q err=%s", d.Verified, d.Owner, d.Inbox, d.Err)
			}
			if d.Activity["type"] != "Accept" || d.Activity["actor"] != h.ActorID {
				t.Fatalf("Accept = %v", d.Activity)
			}
			inner, ok := d.Activity["object"].(map[string]any)
			if !ok || inner["id"] != followID || inner["type"] != "Follow" || inner["actor"] != alice.ID || inner["object"] != h.ActorID {
				t.Fatalf("Accept does not embed the Follow: %v", d.Activity["object"])
			}
			if !strings.Contains(d.Header.Get("Signature"), `keyId="`+h.ActorID+`#main-key"`) {
				t.Errorf("Signature header = %q", d.Header.Get("Signature"))
			}
			// The same Follow delivered again is accepted once.
			if _, resp, err := alice.Follow(ctx, h.ActorID, h.InboxURL); err != nil || resp.StatusCode != http.StatusAccepted {
				t.Fatalf("second Follow: %v %v", resp, err)
			}

			cloud.Name = "Nextcloud de Chaton nazairien, nouvelle version"
			cloud.Updated = time.Now().UTC()
			if err := store.UpsertOffer(ctx, cloud, catalog.WriteMeta{}); err != nil {
				t.Fatal(err)
			}
			// The node had no followers when it published the offer's
			// Create, so the second Accept and then Note + actor Update arrive.
			ds := remote.WaitDeliveries(t, 4, 10*time.Second)
			types := map[string]int{}
			for _, d := range ds[1:] {
				if !d.Verified {
					t.Errorf("unverified delivery: %s", d.Err)
				}
				typ, _ := d.Activity["type"].(string)
				obj, _ := d.Activity["object"].(map[string]any)
				if obj != nil {
					typ += "/" + fmt.Sprint(obj["type"])
				}
				types[typ]++
				if typ == "Create/Note" {
					content, _ := obj["content"].(string)
					if !strings.Contains(content, "a renommé son offre « Nextcloud de Chaton nazairien » en « Nextcloud de Chaton nazairien, nouvelle version »") {
						t.Errorf("note content = %q", content)
					}
				}
				wantInbox := alice.Inbox
				if alice.SharedInbox != "" && typ != "Accept/Follow" {
					wantInbox = alice.SharedInbox
				}
				if d.Inbox != wantInbox {
					t.Errorf("%s delivered to %s, want %s", typ, d.Inbox, wantInbox)
				}
			}
			// A person's server gets what it understands: the Note and the
			// actor's Update (its featured offers changed), never our Offer.
			if types["Update/Organization"] != 1 || types["Create/Note"] != 1 || types["Accept/Follow"] != 1 || len(types) != 3 {
				t.Errorf("deliveries = %v", types)
			}

			if resp, err := alice.UndoFollow(ctx, followID, h.ActorID, h.InboxURL); err != nil || resp.StatusCode != http.StatusAccepted {
				t.Fatalf("Undo: %v %v", resp, err)
			}
			var n int
			if err := store.DB().Get(&n, `SELECT COUNT(*) FROM fed_followers`); err != nil || n != 0 {
				t.Fatalf("followers after Undo = %d, %v", n, err)
			}
			localOffer(t, store, h, "pad", "pad")
			time.Sleep(500 * time.Millisecond)
			if got := len(remote.Deliveries()); got != 4 {
				t.Errorf("%d deliveries after Undo, want 4", got)
			}
		})
	}
}

// storedRows counts every row federation or the catalog could have written.
func storedRows(t *testing.T, s *catalog.Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"fed_followers", "fed_follows", "fed_activities", "fed_deliveries", "fed_objects",
		"applied_activities", "changes", "offers", "hosters", "declarations"} {
		var n int
		if err := s.DB().Get(&n, `SELECT COUNT(*) FROM `+table); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// TestInboxRejects posts bad activities to a node's and a directory's
// inboxes: each gets its status, nothing is stored, the server goes on.
func TestInboxRejects(t *testing.T) {
	ctx := context.Background()
	nodeStore, dirStore := openSQLite(t), openSQLite(t)
	nln, nbase := listen(t)
	dln, dbase := listen(t)
	h := localHoster(t, nodeStore, nbase, "nazairien")
	startNode(t, nodeStore, nln, nbase)
	startDirectory(t, dirStore, dln, dbase)

	remote := fedtest.NewServer(t)
	mallory := remote.AddActor("mallory")
	bob := remote.AddActor("bob")
	follow := func() map[string]any { return mallory.NewFollow(h.ActorID) }
	note := func(objectID string) map[string]any {
		return map[string]any{
			"@context": fedtest.ASContext, "id": mallory.ID + "/creates/x" + fmt.Sprint(time.Now().UnixNano()), "type": "Create",
			"actor": mallory.ID, "to": []string{fedtest.Public},
			"object": map[string]any{"id": objectID, "type": "Service", "attributedTo": mallory.ID, "name": "x"},
		}
	}
	rawPost := func(inbox, contentType string, body []byte) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, inbox, bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return resp, err
	}
	signedPost := func(inbox, contentType string, activity any) (*http.Response, error) {
		body, _ := json.Marshal(activity)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, inbox, bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		s := httpsig.Signer{KeyID: mallory.KeyID, Key: mallory.Key}
		if err := s.SignRequest(req, body); err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return resp, err
	}

	type target struct {
		name  string
		inbox string
		store *catalog.Store
		alive string
	}
	targets := []target{
		{"node personal inbox", h.InboxURL, nodeStore, h.ActorID},
		{"node shared inbox", nbase + "/inbox", nodeStore, h.ActorID},
		{"directory inbox", dbase + "/actor/inbox", dirStore, dbase + "/actor"},
	}
	cases := []struct {
		name string
		want int
		post func(inbox string) (*http.Response, error)
	}{
		{"unsigned", 401, func(in string) (*http.Response, error) { return mallory.UnsignedPost(ctx, in, follow()) }},
		{"forged actor", 401, func(in string) (*http.Response, error) {
			f := follow()
			return mallory.ForgedActorPost(ctx, in, bob.ID, f)
		}},
		{"stale date", 401, func(in string) (*http.Response, error) { return mallory.StaleDatePost(ctx, in, follow()) }},
		{"wrong key", 401, func(in string) (*http.Response, error) { return mallory.WrongKeyPost(ctx, in, follow()) }},
		{"tampered body", 401, func(in string) (*http.Response, error) { return mallory.TamperedPost(ctx, in, follow()) }},
		{"3 MiB body", 413, func(in string) (*http.Response, error) { return mallory.OversizePost(ctx, in, 3<<20) }},
		{"text/plain", 415, func(in string) (*http.Response, error) { return rawPost(in, "text/plain", []byte("{}")) }},
		{"ld+json without profile", 415, func(in string) (*http.Response, error) {
			return signedPost(in, "application/ld+json", follow())
		}},
		{"unknown type", 202, func(in string) (*http.Response, error) {
			return mallory.Post(ctx, in, map[string]any{"@context": fedtest.ASContext, "id": mallory.ID + "/wiggles/1",
				"type": "Wiggle", "actor": mallory.ID, "object": h.ActorID})
		}},
		{"cross-host object", 403, func(in string) (*http.Response, error) {
			return mallory.Post(ctx, in, note(nbase+"/hosters/nazairien/offers/evil"))
		}},
		{"update of another actor", 403, func(in string) (*http.Response, error) {
			return mallory.Post(ctx, in, map[string]any{"@context": fedtest.ASContext, "id": mallory.ID + "/updates/1",
				"type": "Update", "actor": mallory.ID,
				"object": map[string]any{"id": bob.ID, "type": "Person", "inbox": bob.Inbox}})
		}},
		{"not JSON", 400, func(in string) (*http.Response, error) {
			return signedPost(in, `application/ld+json; profile="https://www.w3.org/ns/activitystreams"; charset=utf-8`, "not an object")
		}},
	}
	for _, tg := range targets {
		for _, tc := range cases {
			t.Run(tg.name+"/"+tc.name, func(t *testing.T) {
				before := storedRows(t, tg.store)
				resp, err := tc.post(tg.inbox)
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != tc.want {
					t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
				}
				after := storedRows(t, tg.store)
				for k, v := range before {
					if after[k] != v {
						t.Errorf("%s: %d rows → %d", k, v, after[k])
					}
				}
				getAP(t, tg.alive).Body.Close()
			})
		}
	}
	// Both content types of the interop facts are accepted, charset or not.
	for _, ct := range []string{"application/activity+json", "application/activity+json; charset=utf-8",
		`application/ld+json; profile="https://www.w3.org/ns/activitystreams"`,
		`application/ld+json; charset=utf-8; profile="https://www.w3.org/ns/activitystreams"`} {
		resp, err := signedPost(h.InboxURL, ct, follow())
		if err != nil || resp.StatusCode != http.StatusAccepted {
			t.Errorf("Content-Type %s: %v %v", ct, resp.StatusCode, err)
		}
	}
}

func TestWantsActivityJSON(t *testing.T) {
	for accept, want := range map[string]bool{
		"application/activity+json": true,
		`application/ld+json; profile="https://www.w3.org/ns/activitystreams"`: true,
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8":      false,
		"": false,
		"application/activity+json;q=0, text/html": false,
		"text/html, application/activity+json":     true,
	} {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept", accept)
		if got := WantsActivityJSON(r); got != want {
			t.Errorf("WantsActivityJSON(%q) = %v, want %v", accept, got, want)
		}
	}
}

func TestActorContentNegotiation(t *testing.T) {
	store := openSQLite(t)
	ln, base := listen(t)
	h := localHoster(t, store, base, "nazairien")
	startNode(t, store, ln, base)
	resp := getAP(t, h.ActorID)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, vocab.ContentType) {
		t.Errorf("Content-Type = %q", ct)
	}
	var actor map[string]any
	decode(t, resp, &actor)
	if actor["type"] != "Organization" || actor["preferredUsername"] != "nazairien" || actor["inbox"] != h.InboxURL {
		t.Errorf("actor = %v", actor)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodGet, h.ActorID, nil)
	req.Header.Set("Accept", "text/html")
	r2, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusFound || r2.Header.Get("Location") != h.Website {
		t.Errorf("browser GET: %s → %q", r2.Status, r2.Header.Get("Location"))
	}
}
