package federation

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/catalog/catalogtest"
	"codeberg.org/portee/portee/federation/fetch"
	"codeberg.org/portee/portee/federation/vocab"
)

// asHoster posts activities to the directory's inbox signed by a node's
// hoster, as the node itself would.
type asHoster struct {
	t     *testing.T
	n     *Node
	h     *catalog.Hoster
	inbox string
}

func (a asHoster) post(typ string, obj []byte) int {
	a.t.Helper()
	ctx := context.Background()
	c, err := a.n.e.clientFor(ctx, a.h.ActorID)
	if err != nil {
		a.t.Fatal(err)
	}
	b, err := vocab.Marshal(vocab.Activity{ID: a.n.e.paths.Activity(newID()), Type: typ, Actor: a.h.ActorID, Object: obj,
		To: []string{vocab.Public}, Published: time.Now()})
	if err != nil {
		a.t.Fatal(err)
	}
	err = c.PostActivity(ctx, a.inbox, b)
	var se *fetch.StatusError
	switch {
	case err == nil:
		return http.StatusAccepted
	case errors.As(err, &se):
		return se.Code
	}
	a.t.Fatal(err)
	return 0
}

func (a asHoster) offer(o *catalog.Offer) []byte {
	a.t.Helper()
	obj, err := vocab.Offer(a.n.e.paths, a.h, o)
	if err != nil {
		a.t.Fatal(err)
	}
	return obj
}

func (a asHoster) actor(h *catalog.Hoster) []byte {
	a.t.Helper()
	k, err := a.n.e.keyFor(context.Background(), a.h.ActorID)
	if err != nil {
		a.t.Fatal(err)
	}
	obj, err := vocab.Hoster(a.n.e.paths, h, k.pubPEM)
	if err != nil {
		a.t.Fatal(err)
	}
	return obj
}

// TestFutureDatedOfferDoesNotPin: an Update dated 2099 through the inbox
// made every later Update and Delete of the offer stale.
func TestFutureDatedOfferDoesNotPin(t *testing.T) {
	ctx := context.Background()
	nodeStore, dirStore, h, n, _, _, dr := followed(t, openSQLite)
	list, _ := nodeStore.OffersByHoster(ctx, h.ID)
	as := asHoster{t, n, h, dr.Base + "/inbox"}
	o := list[0]
	o.Name, o.Updated = "Épinglé", time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	if code := as.post("Update", as.offer(&o)); code != http.StatusAccepted {
		t.Fatalf("Update dated 2099: %d", code)
	}
	o.Name, o.Updated = "Plus tard", time.Now().Add(time.Second)
	if code := as.post("Update", as.offer(&o)); code != http.StatusAccepted {
		t.Fatalf("later Update: %d", code)
	}
	got, err := dirStore.OfferByObjectID(ctx, o.ObjectID)
	if err != nil || got.Name != "Plus tard" {
		t.Fatalf("after a 2099 Update and a later one: %+v %v", got, err)
	}
	tomb, err := vocab.Tombstone(o.ObjectID, "Service", time.Now().Add(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if code := as.post("Delete", tomb); code != http.StatusAccepted {
		t.Fatalf("Delete: %d", code)
	}
	if got, _ := dirStore.OfferByObjectID(ctx, o.ObjectID); got.DeletedAt == nil {
		t.Error("the Delete after a 2099 Update was dropped as stale")
	}
}

// TestRemoteFieldsHeldToHosterFileRules: a 10,000-character hoster name, a
// 300 KB summary, a département of 44"><script>, a 20 KB price were
// stored; NUL, ESC and bidi overrides were stored raw.
func TestRemoteFieldsHeldToHosterFileRules(t *testing.T) {
	ctx := context.Background()
	nodeStore, dirStore, h, n, _, _, dr := followed(t, openSQLite)
	list, _ := nodeStore.OffersByHoster(ctx, h.ID)
	as := asHoster{t, n, h, dr.Base + "/inbox"}
	before, err := dirStore.HosterByActor(ctx, h.ActorID)
	if err != nil {
		t.Fatal(err)
	}
	later := func(i int) time.Time { return time.Now().Add(time.Duration(i) * time.Millisecond) }
	for i, bad := range []func(*catalog.Hoster){
		func(x *catalog.Hoster) { x.Name = strings.Repeat("n", 10000) },
		func(x *catalog.Hoster) { x.Summary = strings.Repeat("résumé ", 300<<10/8) },
		func(x *catalog.Hoster) { x.Departement = `44"><script>alert(1)</script>` },
		func(x *catalog.Hoster) { x.INSEE = "<b>" },
		func(x *catalog.Hoster) { x.Commune = strings.Repeat("c", 1000) },
	} {
		x := *h
		bad(&x)
		x.Updated = later(i + 1)
		if code := as.post("Update", as.actor(&x)); code != http.StatusBadRequest {
			t.Errorf("hoster case %d: status %d, want 400", i, code)
		}
	}
	if got, _ := dirStore.HosterByActor(ctx, h.ActorID); got.Name != before.Name || got.Summary != before.Summary ||
		got.Departement != before.Departement || got.Commune != before.Commune {
		t.Errorf("a refused actor Update changed the hoster: %+v", got)
	}
	for i, bad := range []func(*catalog.Offer){
		func(o *catalog.Offer) { o.Price = strings.Repeat("€", 20<<10/3) },
		func(o *catalog.Offer) { o.Quota = strings.Repeat("Go ", 1000) },
		func(o *catalog.Offer) { o.Software.Version = strings.Repeat("1.", 500) },
		func(o *catalog.Offer) { o.Languages = make(catalog.StringList, 500); fill(o.Languages, "fr") },
	} {
		o := list[0]
		bad(&o)
		o.Updated = later(10 + i)
		if code := as.post("Update", as.offer(&o)); code != http.StatusBadRequest {
			t.Errorf("offer case %d: status %d, want 400", i, code)
		}
	}
	o := list[0]
	o.Name = "Nextcloud\x00\x1b[31m\u202e\u2066 libre"
	o.Summary = "ligne\r\nsuite\x07\u202d"
	o.Updated = later(20)
	if code := as.post("Update", as.offer(&o)); code != http.StatusAccepted {
		t.Fatalf("offer with control characters: %d", code)
	}
	got, _ := dirStore.OfferByObjectID(ctx, o.ObjectID)
	if got.Name != "Nextcloud[31m libre" || got.Summary != "ligne\nsuite" {
		t.Errorf("stored name %q, summary %q: control or bidi characters kept", got.Name, got.Summary)
	}
	x := *h
	x.Name, x.Updated = "Chaton\u202e nazairien\x1b", later(30)
	if code := as.post("Update", as.actor(&x)); code != http.StatusAccepted {
		t.Fatalf("actor with control characters: %d", code)
	}
	if got, _ := dirStore.HosterByActor(ctx, h.ActorID); got.Name != "Chaton nazairien" {
		t.Errorf("stored hoster name %q", got.Name)
	}
}

func fill(l []string, v string) {
	for i := range l {
		l[i] = v
	}
}

// TestOfferIDMustLieUnderItsActor: a hoster could create an offer whose
// id lies under another hoster's path on the same node, and squat it.
func TestOfferIDMustLieUnderItsActor(t *testing.T) {
	ctx := context.Background()
	nodeStore, dirStore, h, n, _, _, dr := followed(t, openSQLite)
	as := asHoster{t, n, h, dr.Base + "/inbox"}
	other := localHoster(t, nodeStore, baseOf(h), "voisin")
	for _, id := range []string{
		n.e.paths.Offer(other.Username, "pad"),
		h.ActorID + "/../voisin/offers/pad",
		h.ActorID + "s/offers/pad", // a sibling path sharing the prefix
	} {
		o := catalogtest.SampleOffer(h, "pad", "pad")
		o.ObjectID, o.Updated = id, time.Now()
		obj := as.offer(o)
		obj = []byte(strings.ReplaceAll(string(obj), `"`+n.e.paths.Offer(h.Username, "pad")+`"`, `"`+id+`"`))
		if code := as.post("Create", obj); code != http.StatusForbidden {
			t.Errorf("Create of %s: status %d, want 403", id, code)
		}
		if _, err := dirStore.OfferByObjectID(ctx, id); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("%s was stored: %v", id, err)
		}
	}
}

// TestInboxOfferCap: the backfill kept at most 2,000 offers per hoster,
// but Creates pushed through the inbox were all stored.
func TestInboxOfferCap(t *testing.T) {
	ctx := context.Background()
	_, dirStore, h, n, _, _, dr := followed(t, openSQLite)
	dh, err := dirStore.HosterByActor(ctx, h.ActorID)
	if err != nil {
		t.Fatal(err)
	}
	live, _ := dirStore.CountHosterOffers(ctx, dh.ID)
	for i := live; i < maxOffersPerHoster; i++ {
		o := catalogtest.SampleOffer(dh, fmt.Sprintf("o%d", i), "pad")
		if err := dirStore.UpsertOffer(ctx, o, catalog.WriteMeta{}); err != nil {
			t.Fatal(err)
		}
	}
	as := asHoster{t, n, h, dr.Base + "/inbox"}
	o := catalogtest.SampleOffer(h, "encore-une", "pad")
	o.ObjectID, o.Updated = n.e.paths.Offer(h.Username, "encore-une"), time.Now()
	if code := as.post("Create", as.offer(o)); code != http.StatusForbidden {
		t.Errorf("Create beyond %d offers: status %d, want 403", maxOffersPerHoster, code)
	}
	if got, _ := dirStore.CountHosterOffers(ctx, dh.ID); got != maxOffersPerHoster {
		t.Errorf("%d live offers, want %d", got, maxOffersPerHoster)
	}
	// An Update of an offer already kept still goes through.
	list, _ := dirStore.OffersByHoster(ctx, dh.ID)
	for _, cur := range list {
		if cur.ObjectID == n.e.paths.Offer(h.Username, "nextcloud") {
			cur.Name, cur.Updated = "Nextcloud renommé", time.Now()
			if code := as.post("Update", as.offer(&cur)); code != http.StatusAccepted {
				t.Errorf("Update of a kept offer at the cap: %d", code)
			}
		}
	}
}

// TestInvalidCollectionItemKeepsStaleRemoval: one offer of the node's
// collection that the directory refuses made the whole list "incomplete",
// so offers the node had dropped were never removed.
func TestInvalidCollectionItemKeepsStaleRemoval(t *testing.T) {
	ctx := context.Background()
	nodeStore, dirStore, h, _, _, d, _ := followed(t, openSQLite)
	pad := localOffer(t, nodeStore, h, "pad", "pad")
	if err := d.Refresh(ctx, h.ActorID); err != nil {
		t.Fatal(err)
	}
	if got, err := dirStore.OfferByObjectID(ctx, pad.ObjectID); err != nil || got.DeletedAt != nil {
		t.Fatalf("pad not ingested: %v %v", got, err)
	}
	// Behind the change feed's back, so that no Delete is delivered: the
	// node drops the pad and now publishes its cloud with a category the
	// directory refuses.
	nc := catalogtest.SampleOffer(h, "nextcloud", "cloud")
	for q, args := range map[string][]any{
		`UPDATE offers SET deleted_at = ? WHERE object_id = ?`: {time.Now().UTC(), pad.ObjectID},
		`UPDATE offers SET category = ? WHERE object_id = ?`:   {"no-such-category", nc.ObjectID},
	} {
		if _, err := nodeStore.DB().ExecContext(ctx, nodeStore.DB().Rebind(q), args...); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Refresh(ctx, h.ActorID); err != nil {
		t.Fatal(err)
	}
	if got, _ := dirStore.OfferByObjectID(ctx, pad.ObjectID); got.DeletedAt == nil {
		t.Error("the pad the node dropped is still listed")
	}
	if got, err := dirStore.OfferByObjectID(ctx, nc.ObjectID); err != nil || got.DeletedAt != nil || got.Category != "cloud" {
		t.Errorf("the listed but unreadable cloud lost its stored version: %+v %v", got, err)
	}
}
