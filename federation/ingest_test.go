package federation

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/vocab"
	"github.com/labstack/echo/v4"
)

// TestIngestOrderAndDuplicates: an old Update arriving after a newer one
// changes nothing, and the same activity delivered twice is applied once.
func TestIngestOrderAndDuplicates(t *testing.T) {
	engines(t, func(t *testing.T, open func(testing.TB) *catalog.Store) {
		ctx := context.Background()
		nodeStore, dirStore, h, n, _, _, dr := followed(t, open)
		list, err := nodeStore.OffersByHoster(ctx, h.ID)
		if err != nil || len(list) != 1 {
			t.Fatal(list, err)
		}
		client, err := n.e.clientFor(ctx, h.ActorID)
		if err != nil {
			t.Fatal(err)
		}
		update := func(name string, updated time.Time) []byte {
			o := list[0]
			o.Name, o.Updated = name, updated
			obj, err := vocab.Offer(n.e.paths, h, &o)
			if err != nil {
				t.Fatal(err)
			}
			b, err := vocab.Marshal(vocab.Activity{ID: n.e.paths.Activity(newID()), Type: "Update", Actor: h.ActorID, Object: obj,
				To: []string{vocab.Public}, Published: time.Now()})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		inbox := dr.Base + "/inbox"
		base := time.Now().UTC().Add(time.Minute) // after the offer's date, within catalog.MaxClockSkew
		newer := update("Nouveau nom", base.Add(time.Minute))
		older := update("Ancien nom", base)
		for _, b := range [][]byte{newer, older} {
			if err := client.PostActivity(ctx, inbox, b); err != nil {
				t.Fatal(err)
			}
		}
		got, err := dirStore.OfferByObjectID(ctx, list[0].ObjectID)
		if err != nil || got.Name != "Nouveau nom" {
			t.Fatalf("after newer then older: %v %v", got, err)
		}
		seq, _ := dirStore.LastSeq(ctx)
		if err := client.PostActivity(ctx, inbox, newer); err != nil {
			t.Fatalf("duplicate delivery must get 202: %v", err)
		}
		seq2, _ := dirStore.LastSeq(ctx)
		if seq2 != seq {
			t.Errorf("duplicate delivery appended %d change rows", seq2-seq)
		}
	})
}

// TestBackfillAfterGiveUp: the directory is down longer than the queue
// waits; the node gives up and marks the inbox dead. When the directory
// is back, a probe revives the inbox and a refresh backfills what was missed.
func TestBackfillAfterGiveUp(t *testing.T) {
	ctx := context.Background()
	giveUp := func(c *Config) { c.GiveUpAfter = 300 * time.Millisecond }
	nodeStore, dirStore, h, _, _, d, dr := followed(t, openSQLite, giveUp)
	dbase := dr.Base
	dr.stop()
	publishRandom(t, nodeStore, h, 30, 2)
	eventually(t, 20*time.Second, "the node to give up", func() bool {
		var dead, pending int
		_ = nodeStore.DB().Get(&dead, `SELECT COUNT(*) FROM fed_inboxes WHERE dead = 1`)
		_ = nodeStore.DB().Get(&pending, `SELECT COUNT(*) FROM fed_deliveries WHERE status = 'pending'`)
		return dead == 1 && pending == 0
	})
	localOffer(t, nodeStore, h, "skipped-1", "wiki")
	eventually(t, 5*time.Second, "a skipped delivery", func() bool {
		var n int
		_ = nodeStore.DB().Get(&n, `SELECT COUNT(*) FROM fed_deliveries WHERE status = 'skipped'`)
		return n > 0
	})

	d2, _ := startDirectory(t, dirStore, relisten(t, dbase), dbase, giveUp)
	if err := d2.Refresh(ctx, h.ActorID); err != nil {
		t.Fatal(err)
	}
	if want, got := offerState(t, nodeStore, h.ActorID), offerState(t, dirStore, h.ActorID); !sameMap(want, got) {
		t.Errorf("after backfill the directory has\n%v\nthe node\n%v", got, want)
	}
	// The next edit probes the dead inbox, which answers: it is alive again.
	time.Sleep(500 * time.Millisecond)
	localOffer(t, nodeStore, h, "after-probe", "forms")
	eventually(t, 10*time.Second, "the inbox revived by a probe", func() bool {
		var dead int
		_ = nodeStore.DB().Get(&dead, `SELECT COUNT(*) FROM fed_inboxes WHERE dead = 1`)
		return dead == 0
	})
	eventually(t, 10*time.Second, "the probed offer in the directory", func() bool {
		return sameMap(offerState(t, nodeStore, h.ActorID), offerState(t, dirStore, h.ActorID))
	})
	_ = d
}

// TestRefreshFreshness: repeated failures mark a hoster down, a success
// active again, 410 or a Tombstone gone; robots.txt stops the crawl;
// discoverable=false hides the hoster.
func TestRefreshFreshness(t *testing.T) {
	ctx := context.Background()
	nodeStore, dirStore := openSQLite(t), openSQLite(t)
	nln, nbase := listen(t)
	dln, dbase := listen(t)
	a := localHoster(t, nodeStore, nbase, "alpha")
	b := localHoster(t, nodeStore, nbase, "beta")
	modes := map[string]*atomic.Value{a.ActorID: {}, b.ActorID: {}}
	for _, m := range modes {
		m.Store("ok")
	}
	var robotsDeny atomic.Bool
	startNodeEcho(t, nodeStore, nln, nbase, func(e *echo.Echo) {
		e.GET("/robots.txt", func(c echo.Context) error {
			if robotsDeny.Load() {
				return c.String(http.StatusOK, "User-agent: *\nDisallow: /\n")
			}
			return c.String(http.StatusNotFound, "")
		})
		e.Pre(func(next echo.HandlerFunc) echo.HandlerFunc {
			return func(c echo.Context) error {
				m, ok := modes[nbase+c.Request().URL.Path]
				if !ok || c.Request().Method != http.MethodGet {
					return next(c)
				}
				switch m.Load() {
				case "down":
					return c.String(http.StatusServiceUnavailable, "maintenance")
				case "gone":
					return c.String(http.StatusGone, "gone")
				case "tombstone":
					body, _ := vocab.Tombstone(nbase+c.Request().URL.Path, "Organization", time.Now())
					return c.Blob(http.StatusOK, vocab.ContentType, body)
				}
				return next(c)
			}
		})
	})
	d, _ := startDirectory(t, dirStore, dln, dbase)
	for _, h := range []*catalog.Hoster{a, b} {
		if err := d.Follow(ctx, h.ActorID); err != nil {
			t.Fatal(err)
		}
	}
	status := func(h *catalog.Hoster) *catalog.Hoster {
		t.Helper()
		got, err := dirStore.HosterByActor(ctx, h.ActorID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	modes[a.ActorID].Store("down")
	for i := 1; i <= 3; i++ {
		if err := d.Refresh(ctx, a.ActorID); err == nil {
			t.Fatal("refresh of a down actor succeeded")
		}
		want := catalog.HosterActive
		if i == 3 {
			want = catalog.HosterDown
		}
		if got := status(a); got.Status != want || got.FailCount != i {
			t.Fatalf("after %d failures: status %q, fail count %d", i, got.Status, got.FailCount)
		}
	}
	modes[a.ActorID].Store("ok")
	if err := d.Refresh(ctx, a.ActorID); err != nil {
		t.Fatal(err)
	}
	if got := status(a); got.Status != catalog.HosterActive || got.FailCount != 0 || got.ChecksOK < 2 || got.Checks != got.ChecksOK+3 {
		t.Fatalf("after recovery: %+v", got)
	}
	modes[a.ActorID].Store("gone")
	_ = d.Refresh(ctx, a.ActorID)
	if got := status(a); got.Status != catalog.HosterGone {
		t.Errorf("after 410: status %q", got.Status)
	}
	modes[b.ActorID].Store("tombstone")
	_ = d.Refresh(ctx, b.ActorID)
	if got := status(b); got.Status != catalog.HosterGone {
		t.Errorf("after Tombstone: status %q", got.Status)
	}

	// discoverable=false: kept, but hidden from the listing.
	modes[b.ActorID].Store("ok")
	b.Discoverable = false
	b.Updated = time.Now().UTC()
	if err := nodeStore.UpsertHoster(ctx, b, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the hidden hoster", func() bool { return !status(b).Discoverable })
	listed, err := dirStore.ListHosters(ctx, catalog.HosterFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range listed {
		if h.ActorID == b.ActorID {
			t.Error("a hoster with discoverable=false is listed")
		}
	}

	// robots.txt: no crawl, no check recorded.
	d2Store := openSQLite(t)
	d2ln, d2base := listen(t)
	d2, _ := startDirectory(t, d2Store, d2ln, d2base)
	modes[a.ActorID].Store("ok")
	alphaCloud := localOffer(t, nodeStore, a, "cloud", "cloud")
	robotsDeny.Store(true)
	if err := d2.Follow(ctx, a.ActorID); err != nil {
		t.Fatal(err)
	}
	if _, err := d2Store.OfferByObjectID(ctx, alphaCloud.ObjectID); err == nil {
		t.Error("backfill crawled despite robots.txt")
	}
	before, _ := d2Store.HosterByActor(ctx, a.ActorID)
	if err := d2.Refresh(ctx, a.ActorID); err != nil {
		t.Fatal(err)
	}
	after, _ := d2Store.HosterByActor(ctx, a.ActorID)
	if after.Checks != before.Checks {
		t.Errorf("robots.txt disallows us, yet the refresh crawled (%d → %d checks)", before.Checks, after.Checks)
	}
}
