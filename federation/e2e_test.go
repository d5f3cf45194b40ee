package federation

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/vocab"
)

// TestNodeDirectoryEndToEnd runs a node and a directory on loopback: the
// directory follows the hoster by WebFinger (port in the host), the node
// accepts, and the offer's life reaches the directory's catalog.
func TestNodeDirectoryEndToEnd(t *testing.T) {
	engines(t, func(t *testing.T, open func(testing.TB) *catalog.Store) {
		ctx := context.Background()
		nodeStore, dirStore := open(t), open(t)
		nln, nbase := listen(t)
		dln, dbase := listen(t)
		h := localHoster(t, nodeStore, nbase, "nazairien")
		cloud := localOffer(t, nodeStore, h, "nextcloud", "cloud")
		_, _ = startNode(t, nodeStore, nln, nbase)
		dir, _ := startDirectory(t, dirStore, dln, dbase)

		acct := "nazairien@" + strings.TrimPrefix(nbase, "http://")
		if err := dir.Follow(ctx, acct); err != nil {
			t.Fatalf("Follow(%s): %v", acct, err)
		}
		eventually(t, 10*time.Second, "the node to accept the follow", func() bool {
			st, _ := dir.FollowState(ctx, h.ActorID)
			return st == followAccepted
		})
		rh, err := dirStore.HosterByActor(ctx, h.ActorID)
		if err != nil {
			t.Fatalf("directory has no hoster after follow: %v", err)
		}
		if rh.Local || rh.Name != h.Name || rh.PostalCode != "44600" || rh.Status != catalog.HosterActive {
			t.Errorf("directory hoster = %+v", rh)
		}
		got, err := dirStore.OfferByObjectID(ctx, cloud.ObjectID)
		if err != nil {
			t.Fatalf("backfill did not bring the offer: %v", err)
		}
		if got.Name != cloud.Name || got.HosterID != rh.ID {
			t.Errorf("backfilled offer = %+v", got)
		}
		var followers int
		if err := nodeStore.DB().Get(&followers, `SELECT COUNT(*) FROM fed_followers`); err != nil || followers != 1 {
			t.Fatalf("node followers = %d, %v", followers, err)
		}

		// Update: the node publishes, the directory applies.
		cloud.Name = "Nextcloud renommé"
		cloud.Updated = time.Now().UTC()
		if err := nodeStore.UpsertOffer(ctx, cloud, catalog.WriteMeta{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 10*time.Second, "the renamed offer in the directory", func() bool {
			o, err := dirStore.OfferByObjectID(ctx, cloud.ObjectID)
			return err == nil && o.Name == "Nextcloud renommé"
		})

		// Create.
		pad := localOffer(t, nodeStore, h, "pad", "pad")
		eventually(t, 10*time.Second, "the new offer in the directory", func() bool {
			_, err := dirStore.OfferByObjectID(ctx, pad.ObjectID)
			return err == nil
		})

		// Delete.
		if err := nodeStore.DeleteOffer(ctx, pad.ObjectID, time.Now().UTC(), catalog.WriteMeta{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 10*time.Second, "the deleted offer gone from the directory", func() bool {
			o, err := dirStore.OfferByObjectID(ctx, pad.ObjectID)
			return err == nil && o.DeletedAt != nil
		})
		live, err := dirStore.OffersByHoster(ctx, rh.ID)
		if err != nil || len(live) != 1 || live[0].ObjectID != cloud.ObjectID {
			t.Errorf("directory live offers = %v, %v", live, err)
		}

		// Update of the actor itself.
		h.Name = "Chaton Nazairien"
		h.Updated = time.Now().UTC()
		if err := nodeStore.UpsertHoster(ctx, h, catalog.WriteMeta{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 10*time.Second, "the renamed hoster in the directory", func() bool {
			got, err := dirStore.HosterByActor(ctx, h.ActorID)
			return err == nil && got.Name == "Chaton Nazairien" && got.Checks >= 1
		})

		// Following again is a no-op for the follow.
		if err := dir.Follow(ctx, h.ActorID); err != nil {
			t.Fatal(err)
		}
		var follows int
		if err := dirStore.DB().Get(&follows, `SELECT COUNT(*) FROM fed_follows`); err != nil || follows != 1 {
			t.Errorf("fed_follows rows = %d, %v", follows, err)
		}

		// The outbox lists the Notes people read, and its count (a
		// profile's "posts") is theirs: the Notes of the cloud's Create and
		// rename, and of the pad's Create and removal. The activities
		// collection lists everything, newest first.
		var coll struct {
			Type       string `json:"type"`
			TotalItems int    `json:"totalItems"`
			First      string `json:"first"`
		}
		var page struct {
			Type         string            `json:"type"`
			OrderedItems []json.RawMessage `json:"orderedItems"`
		}
		decode(t, getAP(t, h.OutboxURL), &coll)
		if coll.Type != "OrderedCollection" || coll.TotalItems != 4 || coll.First == "" {
			t.Fatalf("outbox = %+v, want 4 Notes", coll)
		}
		decode(t, getAP(t, coll.First), &page)
		if page.Type != "OrderedCollectionPage" || len(page.OrderedItems) != coll.TotalItems {
			t.Fatalf("outbox page: type %q, %d items, want %d", page.Type, len(page.OrderedItems), coll.TotalItems)
		}
		for _, raw := range page.OrderedItems {
			if a, err := vocab.ParseActivity(raw); err != nil || a.Type != "Create" || a.ObjectType != "Note" {
				t.Errorf("outbox item %+v, %v: not the Create of a Note", a, err)
			}
		}
		decode(t, getAP(t, vocab.Paths{Base: nbase}.Activities(h.Username)), &coll)
		if coll.TotalItems < 12 {
			t.Fatalf("activities = %+v, want every activity", coll)
		}
		decode(t, getAP(t, coll.First), &page)
		first, err := vocab.ParseActivity(page.OrderedItems[0])
		if err != nil || first.Type != "Update" || first.ObjectID != h.ActorID {
			t.Errorf("newest activity = %+v, %v", first, err)
		}
	})
}

func getAP(t *testing.T, url string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept", vocab.ContentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	return resp
}

func decode(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(errors.Join(errors.New(resp.Request.URL.String()), err))
	}
}
