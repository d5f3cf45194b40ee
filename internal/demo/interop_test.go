package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/federation/fedtest"
)

// TestStandInRemoteServer plays a Mastodon (draft-cavage), a Mastodon 4.5
// (RFC 9421) and a GoToSocial server against the demo, as issue 3 asks:
// discover a hoster, fetch it with signed GETs, fail to get in with bad
// requests, follow it, get a signed Accept, then the Update of an edit.
func TestStandInRemoteServer(t *testing.T) {
	d := startDemo(t, Options{})
	node := d.Nodes[0]
	if node.Username != "chaton-nazairien" {
		t.Fatalf("first demo node is %s", node.Username)
	}
	servers := []struct {
		name string
		opts []fedtest.Option
	}{
		{"mastodon", []fedtest.Option{fedtest.WithSoftware(fedtest.Mastodon)}},
		{"mastodon-rfc9421", []fedtest.Option{fedtest.WithSoftware(fedtest.Mastodon), fedtest.WithRFC9421()}},
		{"gotosocial", []fedtest.Option{fedtest.WithSoftware(fedtest.GoToSocial)}},
	}
	for i, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			srv := fedtest.NewServer(t, s.opts...)
			alice := srv.AddActor("alice")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()

			// Discovery by WebFinger; the port is part of the host.
			host := strings.TrimPrefix(node.URL, "http://")
			resp, err := http.Get(node.URL + "/.well-known/webfinger?resource=" + url.QueryEscape("acct:"+node.Username+"@"+host))
			if err != nil {
				t.Fatal(err)
			}
			var jrd struct {
				Subject string
				Links   []struct{ Rel, Type, Href string }
			}
			decodeBody(t, resp, &jrd)
			actorURL := ""
			for _, l := range jrd.Links {
				if l.Rel == "self" && l.Type == "application/activity+json" {
					actorURL = l.Href
				}
			}
			if actorURL == "" {
				t.Fatalf("no rel=self activity+json link in %+v", jrd)
			}

			// Signed GETs of the actor and its outbox.
			var actor struct {
				ID, Type, Inbox, Outbox, PreferredUsername string
				PublicKey                                  struct{ ID, Owner, PublicKeyPem string }
				Endpoints                                  struct{ SharedInbox string }
			}
			resp, err = alice.Get(ctx, actorURL)
			if err != nil {
				t.Fatal(err)
			}
			decodeBody(t, resp, &actor)
			if actor.ID != actorURL || actor.Type != "Organization" || actor.PublicKey.Owner != actor.ID ||
				!strings.Contains(actor.PublicKey.PublicKeyPem, "PUBLIC KEY") || actor.PreferredUsername != node.Username {
				t.Fatalf("actor document: %+v", actor)
			}
			var outbox struct {
				Type       string
				TotalItems int
			}
			resp, err = alice.Get(ctx, actor.Outbox)
			if err != nil {
				t.Fatal(err)
			}
			decodeBody(t, resp, &outbox)
			if outbox.Type != "OrderedCollection" || outbox.TotalItems == 0 {
				t.Fatalf("outbox: %+v", outbox)
			}

			// Requests that must not get in.
			follow := alice.NewFollow(actor.ID)
			check := func(what string, want int, resp *http.Response, err error) {
				t.Helper()
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				resp.Body.Close()
				if resp.StatusCode != want {
					t.Errorf("%s: status %d, want %d", what, resp.StatusCode, want)
				}
			}
			resp, err = alice.UnsignedPost(ctx, actor.Inbox, follow)
			check("unsigned POST", http.StatusUnauthorized, resp, err)
			forged := alice.NewFollow(actor.ID)
			resp, err = alice.ForgedActorPost(ctx, actor.Inbox, srv.URL+"/users/mallory", forged)
			check("forged actor", http.StatusUnauthorized, resp, err)
			resp, err = alice.StaleDatePost(ctx, actor.Inbox, alice.NewFollow(actor.ID))
			check("stale date", http.StatusUnauthorized, resp, err)
			resp, err = alice.OversizePost(ctx, actor.Inbox, 3<<20)
			check("3 MiB body", http.StatusRequestEntityTooLarge, resp, err)
			if len(srv.Deliveries()) != 0 {
				t.Fatalf("the node answered a rejected request: %+v", srv.Deliveries())
			}

			// A real follow gets a signed Accept embedding the Follow.
			followID, resp, err := alice.Follow(ctx, actor.ID, actor.Inbox)
			check("follow", http.StatusAccepted, resp, err)
			got := srv.WaitDeliveries(t, 1, 10*time.Second)
			acc := got[0]
			if !acc.Verified || acc.Activity["type"] != "Accept" {
				t.Fatalf("first delivery: verified=%v type=%v err=%s", acc.Verified, acc.Activity["type"], acc.Err)
			}
			inner, _ := acc.Activity["object"].(map[string]any)
			if inner == nil || inner["id"] != followID || inner["type"] != "Follow" {
				t.Fatalf("Accept does not embed the Follow: %v", acc.Activity["object"])
			}

			// The hoster edits an offer in its file: the follower gets the Update.
			newName := fmt.Sprintf("Sondages du port %d", i)
			editHosterFile(t, d.HosterFile(node.Username), func(s string) string {
				return replaceLineAfter(s, "key: framadate", "    name: ", "    name: "+newName)
			})
			deadline := time.Now().Add(15 * time.Second)
			for {
				if u := findUpdate(srv.Deliveries(), newName); u != nil {
					if !u.Verified {
						t.Fatalf("Update not verifiable: %s", u.Err)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no Update for %q among %d deliveries", newName, len(srv.Deliveries()))
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

func findUpdate(ds []fedtest.Delivery, name string) *fedtest.Delivery {
	for i, d := range ds {
		if d.Activity["type"] != "Update" {
			continue
		}
		if obj, ok := d.Activity["object"].(map[string]any); ok && obj["type"] == "Service" && obj["name"] == name {
			return &ds[i]
		}
	}
	return nil
}

func decodeBody(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d: %s", resp.Request.URL, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v: %s", resp.Request.URL, err, b)
	}
}

func editHosterFile(t *testing.T, path string, edit func(string) string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := edit(string(b))
	if s == string(b) {
		t.Fatal("edit changed nothing")
	}
	if err := os.WriteFile(path, []byte(s), 0o640); err != nil {
		t.Fatal(err)
	}
}

// replaceLineAfter replaces the first line starting with prefix that
// follows the line containing anchor.
func replaceLineAfter(s, anchor, prefix, with string) string {
	lines := strings.Split(s, "\n")
	seen := false
	for i, l := range lines {
		if strings.Contains(l, anchor) {
			seen = true
			continue
		}
		if seen && strings.HasPrefix(l, prefix) {
			lines[i] = with
			break
		}
	}
	return strings.Join(lines, "\n")
}
