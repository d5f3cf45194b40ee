package federation

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
)

func TestBackoff(t *testing.T) {
	e := &engine{cfg: Config{RetryMin: 5 * time.Second, RetryMax: 6 * time.Hour}}
	for attempt, base := range map[int]time.Duration{1: 5 * time.Second, 2: 10 * time.Second, 5: 80 * time.Second, 30: 6 * time.Hour} {
		for range 20 {
			d := e.backoff(attempt)
			if d < base*8/10 || d > base*12/10 {
				t.Errorf("backoff(%d) = %v, want %v ±20 %%", attempt, d, base)
			}
		}
	}
}

// TestDeliveryStatuses: 429 with Retry-After waits as told, then succeeds;
// 410 is final; every attempt is signed.
func TestDeliveryStatuses(t *testing.T) {
	var mu sync.Mutex
	attempts := map[string][]time.Time{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		attempts[r.URL.Path] = append(attempts[r.URL.Path], time.Now())
		n := len(attempts[r.URL.Path])
		mu.Unlock()
		if r.Header.Get("Signature") == "" || r.Header.Get("Digest") == "" {
			http.Error(w, "unsigned", http.StatusUnauthorized)
			return
		}
		switch {
		case r.URL.Path == "/busy" && n == 1:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		case r.URL.Path == "/gone":
			http.Error(w, "gone", http.StatusGone)
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	defer recv.Close()

	ctx := context.Background()
	store := openSQLite(t)
	ln, base := listen(t)
	h := localHoster(t, store, base, "nazairien")
	n, _ := startNode(t, store, ln, base)
	body := []byte(`{"id":"` + base + `/activities/t1","type":"Update","actor":"` + h.ActorID + `","object":"` + h.ActorID + `"}`)
	err := store.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := n.e.saveActivityTx(ctx, tx, outActivity{ID: base + "/activities/t1", Actor: h.ActorID, Type: "Update", Body: body}); err != nil {
			return err
		}
		return n.e.enqueueTx(ctx, tx, base+"/activities/t1", []string{recv.URL + "/busy", recv.URL + "/gone", recv.URL + "/busy"})
	})
	if err != nil {
		t.Fatal(err)
	}
	n.e.wakeQueue()
	status := func(inbox string) string {
		var s string
		_ = store.DB().Get(&s, `SELECT status FROM fed_deliveries WHERE inbox_url = ?`, inbox)
		return s
	}
	eventually(t, 10*time.Second, "both deliveries finished", func() bool {
		return status(recv.URL+"/busy") == deliveryDone && status(recv.URL+"/gone") == deliveryFailed
	})
	mu.Lock()
	defer mu.Unlock()
	busy := attempts["/busy"]
	if len(busy) != 2 || busy[1].Sub(busy[0]) < 900*time.Millisecond {
		t.Errorf("busy inbox attempts at %v: Retry-After not honoured (or duplicate rows)", busy)
	}
	if len(attempts["/gone"]) != 1 {
		t.Errorf("410 was retried: %d attempts", len(attempts["/gone"]))
	}
}
