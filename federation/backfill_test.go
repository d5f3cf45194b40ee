package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/catalog/catalogtest"
	"codeberg.org/portee/portee/federation/httpsig"
	"codeberg.org/portee/portee/federation/vocab"
)

// deadItemsServer serves a collection at collPath listing n item IRIs under
// itemPrefix, every one of which fails with itemStatus; it counts the item
// fetches.
func deadItemsServer(t *testing.T, collPath, itemPrefix string, n, itemStatus int) (base string, itemGets *atomic.Int64) {
	t.Helper()
	itemGets = new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == collPath:
			iris := make([]string, n)
			for i := range iris {
				iris[i] = fmt.Sprintf("%s%s%d", base, itemPrefix, i)
			}
			w.Header().Set("Content-Type", "application/activity+json")
			json.NewEncoder(w).Encode(map[string]any{
				"@context": "https://www.w3.org/ns/activitystreams", "id": base + collPath,
				"type": "OrderedCollection", "totalItems": n, "orderedItems": iris,
			})
		case strings.HasPrefix(r.URL.Path, itemPrefix):
			itemGets.Add(1)
			http.Error(w, http.StatusText(itemStatus), itemStatus)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	base = srv.URL
	return base, itemGets
}

// TestReconcileOffersBoundsItemFetches: one page of a node's offers
// collection may list far more IRIs than a directory reads; the directory
// fetches at most maxOffersPerHoster of them and deletes nothing.
func TestReconcileOffersBoundsItemFetches(t *testing.T) {
	ctx := context.Background()
	const listed = maxOffersPerHoster + 1000
	base, itemGets := deadItemsServer(t, "/offers", "/offers/", listed, http.StatusNotFound)

	dirStore := openSQLite(t)
	dln, dbase := listen(t)
	d, _ := startDirectory(t, dirStore, dln, dbase, func(c *Config) { c.Timeout = 20 * time.Second })
	h := catalogtest.SampleHoster("gros", base)
	h.Updated = time.Now().UTC()
	if err := dirStore.UpsertHoster(ctx, h, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	kept := catalogtest.SampleOffer(h, "kept", "pad")
	kept.Updated = time.Now().UTC()
	if err := dirStore.UpsertOffer(ctx, kept, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	c, err := d.e.fetcher(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.reconcileOffers(ctx, c, h, base+"/offers"); err != nil {
		t.Fatal(err)
	}
	if n := itemGets.Load(); n > maxOffersPerHoster {
		t.Errorf("fetched %d offer IRIs, want at most %d", n, maxOffersPerHoster)
	}
	list, err := dirStore.OffersByHoster(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Errorf("an incomplete read changed the offers: %d left, want 1", len(list))
	}
}

// TestBackfillOutboxBoundsItemFetches: an outbox page listing many IRIs
// that fail costs at most BackfillMaxItems fetches.
func TestBackfillOutboxBoundsItemFetches(t *testing.T) {
	ctx := context.Background()
	const listed, limit = 400, 50
	base, itemGets := deadItemsServer(t, "/outbox", "/activities/", listed, http.StatusInternalServerError)

	dirStore := openSQLite(t)
	dln, dbase := listen(t)
	d, _ := startDirectory(t, dirStore, dln, dbase, func(c *Config) { c.BackfillMaxItems = limit })
	h := catalogtest.SampleHoster("bavard", base)
	h.OutboxURL = base + "/outbox"
	c, err := d.e.fetcher(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.backfillOutbox(ctx, c, h, h.OutboxURL); err != nil {
		t.Fatal(err)
	}
	if n := itemGets.Load(); n == 0 || n > limit {
		t.Errorf("fetched %d activity IRIs, want 1 to %d", n, limit)
	}
}

// TestRecoverTo: a panic while handling remote input becomes an error of
// that call instead of ending the process.
func TestRecoverTo(t *testing.T) {
	run := func() (err error) {
		defer recoverTo(&err, "refresh https://x.example/a")
		items := strings.Fields("")
		_ = items[len(items)] // an index out of range: what a parser bug looks like
		return nil
	}
	err := run()
	if err == nil || !strings.Contains(err.Error(), "refresh https://x.example/a") || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("recoverTo gave %v", err)
	}
	ok := func() (err error) {
		defer recoverTo(&err, "follow")
		return fmt.Errorf("plain")
	}
	if err := ok(); err == nil || err.Error() != "plain" {
		t.Errorf("recoverTo changed a normal error: %v", err)
	}
}

// TestStaleActorDocumentKeepsCachedKey: an actor document older than the
// stored one, or an activity already applied (both happen at every
// backfill of an outbox that holds old Updates of the actor), must not put
// back the key it carries: after a rotation that would reinstate the old,
// perhaps compromised, key.
func TestStaleActorDocumentKeepsCachedKey(t *testing.T) {
	ctx := context.Background()
	dirStore := openSQLite(t)
	dln, dbase := listen(t)
	d, _ := startDirectory(t, dirStore, dln, dbase)
	newPEM := func() string {
		k, err := httpsig.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		p, err := httpsig.EncodePublicKeyPEM(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	doc := func(pem string, updated time.Time) *vocab.RemoteActor {
		h := catalogtest.SampleHoster("tourne", "https://node.example")
		h.PublicKeyID, h.PublicKeyPEM, h.Updated = h.ActorID+"#main-key", pem, updated
		h.InboxURL = h.ActorID + "/inbox"
		return &vocab.RemoteActor{Hoster: *h, Type: "Organization", OffersURL: h.ActorID + "/offers"}
	}
	cached := func() string {
		var p string
		if err := dirStore.DB().Get(&p, `SELECT public_key_pem FROM fed_remote_actors WHERE actor_id = ?`, "https://node.example/hosters/tourne"); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t0 := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	oldPEM, curPEM, otherPEM := newPEM(), newPEM(), newPEM()

	if _, err := d.upsertActor(ctx, doc(curPEM, t0.Add(10*time.Minute)), catalog.WriteMeta{ActivityID: "https://node.example/activities/2"}); err != nil {
		t.Fatal(err)
	}
	if cached() != curPEM {
		t.Fatal("the current key was not cached")
	}
	if _, err := d.upsertActor(ctx, doc(oldPEM, t0), catalog.WriteMeta{ActivityID: "https://node.example/activities/1"}); err != nil {
		t.Fatal(err)
	}
	if cached() != curPEM {
		t.Error("an older actor document replaced the cached key")
	}
	if _, err := d.upsertActor(ctx, doc(otherPEM, t0.Add(20*time.Minute)), catalog.WriteMeta{ActivityID: "https://node.example/activities/2"}); err != nil {
		t.Fatal(err)
	}
	if cached() != curPEM {
		t.Error("an activity applied before replaced the cached key")
	}
}
