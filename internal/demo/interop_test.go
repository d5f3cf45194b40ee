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

			// The hoster edits an offer in its file: the follower gets the
			// Note that tells, and the actor's Update.
			newName := fmt.Sprintf("Sondages du port %d", i)
			editHosterFile(t, d.HosterFile(node.Username), func(s string) string {
				return replaceLineAfter(s, "key: framadate", "    name: ", "    name: "+newName)
			})
			deadline := time.Now().Add(15 * time.Second)
			for {
				if u := findNote(srv.Deliveries(), newName); u != nil {
					if !u.Verified {
						t.Fatalf("Note not verifiable: %s", u.Err)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no Note naming %q among %d deliveries", newName, len(srv.Deliveries()))
				}
				time.Sleep(50 * time.Millisecond)
			}
			if ps := srv.Problems(); len(ps) > 0 {
				t.Errorf("%s logged problems: %+v", s.name, ps)
			}
		})
	}
}

// findNote finds the delivered Create of a Note whose text names name.
func findNote(ds []fedtest.Delivery, name string) *fedtest.Delivery {
	for i, d := range ds {
		if d.Activity["type"] != "Create" {
			continue
		}
		if obj, ok := d.Activity["object"].(map[string]any); ok && obj["type"] == "Note" && strings.Contains(fmt.Sprint(obj["content"]), name) {
			return &ds[i]
		}
	}
	return nil
}

// TestDemoWithFediverseServers: a person on a GoToSocial-like and one on a
// Mastodon-like server follow a demo hoster while the directory follows it
// too. Through the follow, edits of the hoster and its offers, the removal
// of an offer and the unfollow, neither server answers or logs an error;
// the profile they show pins the current offers, counts as posts the
// Notes a person can read, has the node's avatar and the membership date;
// the links they show lead to HTML pages; the directory keeps up.
func TestDemoWithFediverseServers(t *testing.T) {
	d := startDemo(t, Options{})
	node := d.Nodes[0]
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	offers := func() int {
		n, err := node.Store.CountOffers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	type follower struct {
		srv      *fedtest.Server
		alice    *fedtest.Actor
		followID string
	}
	var fs []*follower
	var actorID string
	for _, sw := range []string{fedtest.GoToSocial, fedtest.Mastodon} {
		srv := fedtest.NewServer(t, fedtest.WithSoftware(sw))
		f := &follower{srv: srv, alice: srv.AddActor("alice")}
		id, p, err := f.alice.FollowRemote(ctx, node.Acct())
		if err != nil {
			t.Fatalf("%s: follow: %v", sw, err)
		}
		f.followID, actorID = id, p.ActorID
		if len(p.Pinned) != offers() || p.Posts != offers() || !strings.HasPrefix(p.Instance, "portee ") ||
			p.Joined.Format(time.DateOnly) != "2017-04-10" || !strings.HasSuffix(p.Avatar, "/avatar.png") {
			t.Errorf("%s shows %+v; want %d pinned offers and as many posts", sw, p, offers())
		}
		fs = append(fs, f)
	}
	for _, f := range fs {
		f.srv.WaitDeliveries(t, 1, 10*time.Second)
	}

	// The links a person follows are pages, not JSON.
	p := fs[0].srv.Profile(actorID)
	for _, link := range []string{p.Pinned[0].URL, actorID} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
		req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "<html") {
			t.Errorf("GET %s as a browser: %s %s", link, resp.Status, resp.Header.Get("Content-Type"))
		}
	}

	// The same offer URL still answers ActivityPub clients with the Offer.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.Pinned[0].URL, nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var offer struct{ Type, ID string }
	decodeBody(t, resp, &offer)
	if offer.Type != "Offer" || offer.ID != p.Pinned[0].URL {
		t.Errorf("offer as ActivityPub: %+v", offer)
	}

	// Edits: the hoster's summary, an offer renamed, an offer removed.
	editHosterFile(t, d.HosterFile(node.Username), func(s string) string {
		s = replaceLineAfter(s, "key: etherpad", "    name: ", "    name: Pad du port")
		s = strings.Replace(s, "Association d'éducation populaire", "Association nazairienne d'éducation populaire", 1)
		start := strings.Index(s, "  - key: framadate")
		end := strings.Index(s, "charter:")
		return s[:start] + s[end:]
	})
	for _, f := range fs {
		// Posts: the 3 Notes of the start, the rename's and the removal's.
		f.srv.WaitProfile(t, actorID, 20*time.Second, "two offers pinned, the pad renamed, 5 posts", func(p *fedtest.Profile) bool {
			all := ""
			for _, pin := range p.Pinned {
				all += pin.Content
			}
			return len(p.Pinned) == 2 && strings.Contains(all, "Pad du port") && !strings.Contains(all, "Sondages") && p.Posts == 5
		})
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		n := nodeOffersInDirectory(t, d)
		o, err := d.Directory.Store.OfferByObjectID(ctx, node.URL+"/hosters/"+node.Username+"/offers/etherpad")
		if n == offersInDemo(t, d) && err == nil && o.Name == "Pad du port" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the directory did not follow the edits: %d offers, %v", n, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, f := range fs {
		deadline := time.Now().Add(10 * time.Second)
		for findNote(f.srv.Deliveries(), "ne propose plus son offre « Sondages nazairiens »") == nil ||
			findNote(f.srv.Deliveries(), "a renommé son offre « Pad de l&#39;estuaire » en « Pad du port »") == nil {
			if time.Now().After(deadline) {
				t.Fatalf("%s: no removal or rename Note", f.srv.Software)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err := f.alice.UnfollowRemote(ctx, f.followID, actorID); err != nil {
			t.Fatal(err)
		}
	}
	var followers int
	if err := node.Store.DB().Get(&followers, `SELECT COUNT(*) FROM fed_followers`); err != nil || followers != 1 {
		t.Errorf("node followers after the unfollows = %d (want the directory alone), %v", followers, err)
	}
	for _, f := range fs {
		if ps := f.srv.Problems(); len(ps) > 0 {
			t.Errorf("%s logged %d problems: %+v", f.srv.Software, len(ps), ps)
		}
		for _, dl := range f.srv.Deliveries() {
			if dl.Status >= 400 {
				t.Errorf("%s answered %d to %v", f.srv.Software, dl.Status, dl.Activity["type"])
			}
		}
	}
}

// nodeOffersInDirectory counts the directory's live offers that come from
// Portée nodes (the demo also imports unsigned ChatonsInfos records).
func nodeOffersInDirectory(t *testing.T, d *Demo) int {
	t.Helper()
	var n int
	err := d.Directory.Store.DB().Get(&n, `SELECT COUNT(*) FROM offers o JOIN hosters h ON h.id = o.hoster_id
		WHERE o.deleted_at IS NULL AND h.source = 'portee'`)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// offersInDemo counts the offers of every demo node.
func offersInDemo(t *testing.T, d *Demo) int {
	t.Helper()
	total := 0
	for _, n := range d.Nodes {
		c, err := n.Store.CountOffers(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		total += c
	}
	return total
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
