package federation

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/fedtest"
	"codeberg.org/portee/portee/federation/vocab"
)

// offerState is what must agree between a node and a directory.
func offerState(t *testing.T, s *catalog.Store, actorID string) map[string]string {
	t.Helper()
	ctx := context.Background()
	h, err := s.HosterByActor(ctx, actorID)
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.OffersByHoster(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, o := range list {
		out[o.ObjectID] = fmt.Sprintf("%s|%s|%s", o.Name, o.Load, o.Updated.UTC().Format(time.RFC3339Nano))
	}
	return out
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// publishRandom makes n seeded random edits (create, update, delete,
// revive) to the offers of h, each one change of the catalog.
func publishRandom(t *testing.T, s *catalog.Store, h *catalog.Hoster, n int, seed uint64) {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 7))
	categories := []string{"cloud", "pad", "poll", "video-call", "file-sharing", "chat", "wiki", "forms"}
	for i := range n {
		k := rng.IntN(len(categories))
		key := fmt.Sprintf("offer-%d", k)
		o, err := s.OfferByObjectID(ctx, vocab.Paths{Base: baseOf(h)}.Offer(h.Username, key))
		now := time.Now().UTC()
		switch {
		case err != nil:
			localOffer(t, s, h, key, categories[k])
		case o.DeletedAt != nil || rng.IntN(10) < 7:
			o.Name = fmt.Sprintf("Offre %d, version %d", k, i)
			o.Load = []string{catalog.LoadOpen, catalog.LoadFull}[rng.IntN(2)]
			o.Updated = now
			if err := s.UpsertOffer(ctx, o, catalog.WriteMeta{}); err != nil {
				t.Fatalf("edit %d: %v", i, err)
			}
		default:
			if err := s.DeleteOffer(ctx, o.ObjectID, now, catalog.WriteMeta{}); err != nil {
				t.Fatalf("edit %d: %v", i, err)
			}
		}
	}
}

func baseOf(h *catalog.Hoster) string {
	return h.ActorID[:len(h.ActorID)-len("/hosters/"+h.Username)]
}

// TestDirectoryDownWhileNodePublishes: the directory is down while the node
// makes 100 edits; when it comes back the queue's retries bring it to
// exactly the node's state.
func TestDirectoryDownWhileNodePublishes(t *testing.T) {
	engines(t, func(t *testing.T, open func(testing.TB) *catalog.Store) {
		nodeStore, dirStore, h, _, _, _, dr := followed(t, open)
		dbase := dr.Base
		dr.stop()

		publishRandom(t, nodeStore, h, 100, 1)
		eventually(t, 10*time.Second, "failed delivery attempts", func() bool {
			var n int
			_ = nodeStore.DB().Get(&n, `SELECT COUNT(*) FROM fed_deliveries WHERE status = 'pending' AND attempts > 0`)
			return n > 0
		})

		startDirectory(t, dirStore, relisten(t, dbase), dbase)
		want := offerState(t, nodeStore, h.ActorID)
		eventually(t, 3*time.Minute, "the directory to reach the node's state", func() bool {
			var pending int
			_ = nodeStore.DB().Get(&pending, `SELECT COUNT(*) FROM fed_deliveries WHERE status = 'pending'`)
			return pending == 0 && sameMap(offerState(t, dirStore, h.ActorID), want)
		})
		// Nothing was given up on. (New rows may be pending again by now:
		// the restarted directory follows again and gets an Accept.)
		var bad int
		if err := nodeStore.DB().Get(&bad, `SELECT COUNT(*) FROM fed_deliveries WHERE status NOT IN ('done', 'pending')`); err != nil || bad != 0 {
			t.Errorf("%d deliveries given up (%v)", bad, err)
		}
	})
}

// TestNodeRestartMidDelivery stops the node while it delivers to three
// followers on two servers, then starts it again on the same store: every
// follower ends with every activity, and nothing was published twice.
func TestNodeRestartMidDelivery(t *testing.T) {
	engines(t, func(t *testing.T, open func(testing.TB) *catalog.Store) {
		ctx := context.Background()
		store := open(t)
		ln, base := listen(t)
		h := localHoster(t, store, base, "nazairien")
		cloud := localOffer(t, store, h, "nextcloud", "cloud")
		oneWorker := func(c *Config) { c.Workers = 1 }
		_, nr := startNode(t, store, ln, base, oneWorker)

		masto := fedtest.NewServer(t, fedtest.WithSoftware(fedtest.Mastodon))
		gts := fedtest.NewServer(t, fedtest.WithSoftware(fedtest.GoToSocial))
		followers := []*fedtest.Actor{masto.AddActor("a1"), masto.AddActor("a2"), gts.AddActor("b1")}
		for _, f := range followers {
			if _, resp, err := f.Follow(ctx, h.ActorID, h.InboxURL); err != nil || resp.StatusCode != http.StatusAccepted {
				t.Fatalf("follow by %s: %v %v", f.ID, resp, err)
			}
		}
		masto.WaitDeliveries(t, 2, 10*time.Second)
		gts.WaitDeliveries(t, 1, 10*time.Second)

		const edits = 60
		for i := range edits {
			cloud.Name = fmt.Sprintf("Nextcloud, version %d", i)
			cloud.Updated = time.Now().UTC()
			if err := store.UpsertOffer(ctx, cloud, catalog.WriteMeta{}); err != nil {
				t.Fatal(err)
			}
		}
		masto.WaitDeliveries(t, 10, 10*time.Second)
		nr.stop()
		var pending int
		if err := store.DB().Get(&pending, `SELECT COUNT(*) FROM fed_deliveries WHERE status = 'pending'`); err != nil || pending == 0 {
			t.Fatalf("the node was not stopped mid-delivery: %d pending (%v)", pending, err)
		}

		startNode(t, store, relisten(t, base), base, oneWorker)
		eventually(t, 3*time.Minute, "every delivery done", func() bool {
			var n int
			_ = store.DB().Get(&n, `SELECT COUNT(*) FROM fed_deliveries WHERE status <> 'done'`)
			return n == 0
		})

		// Each change was published once: one Update and one Note per edit,
		// plus the Note of the offer's creation (the featured Notes of each
		// version aside).
		var updates, notes int
		if err := store.DB().Get(&updates, store.DB().Rebind(`SELECT COUNT(*) FROM fed_activities WHERE type = 'Update' AND object_id = ?`), cloud.ObjectID); err != nil {
			t.Fatal(err)
		}
		if err := store.DB().Get(&notes, `SELECT COUNT(*) FROM fed_objects WHERE object_id LIKE '%/notes/%'`); err != nil {
			t.Fatal(err)
		}
		if updates != edits || notes != edits+1 {
			t.Errorf("published %d Updates and %d Notes for %d edits", updates, notes, edits)
		}

		// Every follower inbox got exactly the activities queued for it.
		for _, srv := range []*fedtest.Server{masto, gts} {
			got := map[string][]string{}
			dups := 0
			seen := map[string]bool{}
			refused := 0
			for _, d := range srv.Deliveries() {
				if !d.Verified {
					// A POST sent as the node stopped can fail its key
					// fetch on the receiver's side: refused, and retried.
					if d.Status < 300 {
						t.Errorf("unverified delivery to %s accepted: %s", d.Inbox, d.Err)
					}
					refused++
					continue
				}
				id, _ := d.Activity["id"].(string)
				if seen[d.Inbox+" "+id] {
					dups++
					continue
				}
				seen[d.Inbox+" "+id] = true
				got[d.Inbox] = append(got[d.Inbox], id)
			}
			var inboxes []string
			if err := store.DB().Select(&inboxes, store.DB().Rebind(`SELECT DISTINCT inbox_url FROM fed_deliveries WHERE inbox_url LIKE ?`), srv.URL+"%"); err != nil {
				t.Fatal(err)
			}
			for _, in := range inboxes {
				var want []string
				if err := store.DB().Select(&want, store.DB().Rebind(`SELECT activity_id FROM fed_deliveries WHERE inbox_url = ?`), in); err != nil {
					t.Fatal(err)
				}
				sort.Strings(want)
				have := got[in]
				sort.Strings(have)
				if fmt.Sprint(want) != fmt.Sprint(have) {
					t.Errorf("%s: received %d distinct activities, queued %d", in, len(have), len(want))
				}
			}
			t.Logf("%s: %d inboxes, %d redelivered after the restart (receivers dedupe by id), %d refused and retried", srv.Software, len(inboxes), dups, refused)
		}
		// Shared inbox dedupe: a1 and a2 share Mastodon's /inbox.
		var sharedRows int
		if err := store.DB().Get(&sharedRows, store.DB().Rebind(`SELECT COUNT(*) FROM fed_deliveries WHERE inbox_url = ?`), masto.URL+"/inbox"); err != nil {
			t.Fatal(err)
		}
		if sharedRows != 2*edits {
			t.Errorf("%d deliveries to the shared inbox, want %d (one per activity)", sharedRows, 2*edits)
		}
	})
}
