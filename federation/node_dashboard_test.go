package federation

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"github.com/jmoiron/sqlx"
)

// What the node's dashboard shows: a follower and its last delivery, a
// delivery refused with the reason and the answer's excerpt, and the retry
// button that sends it again now.
func TestFollowersFailingDeliveriesAndRetry(t *testing.T) {
	engines(t, func(t *testing.T, open func(t testing.TB) *catalog.Store) {
		var fixed atomic.Bool
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !fixed.Load() {
				http.Error(w, "boom: unknown actor", http.StatusBadRequest)
				return
			}
			w.WriteHeader(http.StatusAccepted)
		}))
		defer recv.Close()
		ctx := context.Background()
		store := open(t)
		ln, base := listen(t)
		h := localHoster(t, store, base, "nazairien")
		n, _ := startNode(t, store, ln, base)
		inbox := recv.URL + "/inbox"
		now := dbNow()
		if _, err := store.DB().Exec(store.DB().Rebind(`INSERT INTO fed_followers (local_actor, actor_id, inbox_url, follow_id, created_at, kind)
			VALUES (?, ?, ?, ?, ?, 'directory')`), h.ActorID, recv.URL+"/actor", inbox, recv.URL+"/follows/1", now); err != nil {
			t.Fatal(err)
		}
		body := []byte(`{"id":"` + base + `/activities/r1","type":"Update","actor":"` + h.ActorID + `","object":"` + h.ActorID + `"}`)
		if err := store.InTx(ctx, func(tx *sqlx.Tx) error {
			if err := n.e.saveActivityTx(ctx, tx, outActivity{ID: base + "/activities/r1", Actor: h.ActorID, Type: "Update", Body: body}); err != nil {
				return err
			}
			return n.e.enqueueTx(ctx, tx, base+"/activities/r1", []string{inbox})
		}); err != nil {
			t.Fatal(err)
		}
		n.e.wakeQueue()
		// The node's own start-up activities may reach this follower too:
		// look for ours.
		ours := func() *FailingDelivery {
			failing, err := n.FailingDeliveries(ctx, 50)
			if err != nil {
				t.Fatal(err)
			}
			for i := range failing {
				if failing[i].ActivityID == base+"/activities/r1" {
					return &failing[i]
				}
			}
			return nil
		}
		eventually(t, 30*time.Second, "the delivery refused", func() bool {
			f := ours()
			return f != nil && f.Status == deliveryFailed
		})
		f := *ours()
		if f.Inbox != inbox || f.ActivityType != "Update" || f.Attempts != 1 || f.Reason == "" || !strings.Contains(f.Response, "boom") {
			t.Errorf("failing delivery = %+v", f)
		}
		fs, err := n.Followers(ctx, "nazairien")
		if err != nil || len(fs) != 1 || fs[0].Kind != "directory" || fs[0].LastDelivery != nil {
			t.Fatalf("followers before = %+v, %v", fs, err)
		}

		fixed.Store(true)
		ok, err := n.RetryDelivery(ctx, f.ID)
		if err != nil || !ok {
			t.Fatalf("retry: %v, %v", ok, err)
		}
		eventually(t, 30*time.Second, "the retried delivery done", func() bool { return ours() == nil })
		fs, err = n.Followers(ctx, "nazairien")
		if err != nil || len(fs) != 1 || fs[0].LastDelivery == nil || time.Since(*fs[0].LastDelivery) > time.Minute {
			t.Errorf("followers after = %+v, %v", fs, err)
		}
		if ok, err := n.RetryDelivery(ctx, f.ID); err != nil || ok {
			t.Errorf("retry of a done delivery: %v, %v (want nothing to retry)", ok, err)
		}
	})
}
