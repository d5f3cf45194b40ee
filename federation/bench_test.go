package federation

import (
	"bytes"
	"context"
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
	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"
)

// BenchmarkIngest measures the directory's inbox: a signed Create of a new
// offer goes through the real handler (content type, body limit, signature
// verification with a cached key, parsing, authority checks) into the
// catalog (offer row, applied activity, change row), one transaction each.
func BenchmarkIngest(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchIngest(b, catalogtest.NewSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchIngest(b, catalogtest.NewPostgres(b)) })
}

func benchIngest(b *testing.B, store *catalog.Store) {
	ctx := context.Background()
	const dirBase, remoteBase = "http://directory.test", "http://node.test"
	d, err := NewDirectory(store, testConfig(dirBase))
	if err != nil {
		b.Fatal(err)
	}
	e := echo.New()
	d.Register(e)

	// A followed remote hoster whose key the directory already cached.
	h := catalogtest.SampleHoster("bench", remoteBase)
	key, err := httpsig.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	if h.PublicKeyPEM, err = httpsig.EncodePublicKeyPEM(&key.PublicKey); err != nil {
		b.Fatal(err)
	}
	if err := store.UpsertHoster(ctx, h, catalog.WriteMeta{}); err != nil {
		b.Fatal(err)
	}
	if err := d.e.saveRemoteActor(ctx, &remoteActor{ActorID: h.ActorID, KeyID: h.PublicKeyID, PublicKey: h.PublicKeyPEM, Inbox: h.InboxURL}); err != nil {
		b.Fatal(err)
	}
	signer := httpsig.Signer{KeyID: h.PublicKeyID, Key: key}
	paths := vocab.Paths{Base: remoteBase}

	// Requests are built and signed before the clock starts: signing is
	// the sender's cost.
	reqs := make([]*http.Request, b.N)
	for i := range reqs {
		o := catalogtest.SampleOffer(h, fmt.Sprintf("offer-%d", i), "pad")
		o.Updated = time.Now().UTC()
		obj, err := vocab.Offer(paths, h, o)
		if err != nil {
			b.Fatal(err)
		}
		body, err := vocab.Marshal(vocab.Activity{ID: paths.Activity(fmt.Sprintf("c%d", i)), Type: "Create", Actor: h.ActorID,
			Object: obj, To: []string{vocab.Public}, Published: time.Now()})
		if err != nil {
			b.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodPost, dirBase+"/inbox", bytes.NewReader(body))
		r.Header.Set("Content-Type", vocab.ContentType)
		if err := signer.SignRequest(r, body); err != nil {
			b.Fatal(err)
		}
		reqs[i] = r
	}
	var next atomic.Int64
	// Senders deliver concurrently; four per core keeps the database busy
	// while other requests verify signatures.
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := reqs[next.Add(1)-1]
			w := httptest.NewRecorder()
			e.ServeHTTP(w, r)
			if w.Code != http.StatusAccepted {
				b.Errorf("status %d: %s", w.Code, w.Body.String())
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "activities/s")
	if n, err := store.CountOffers(ctx); err != nil || n != b.N {
		b.Fatalf("%d offers stored for %d activities (%v)", n, b.N, err)
	}
}

// BenchmarkFanout1000 measures one offer update reaching 1,000 followers'
// inboxes (people's accounts: the Note and the actor's Update, 2,000
// signed POSTs) on one loopback receiver: the time from the catalog write
// to the last delivery.
func BenchmarkFanout1000(b *testing.B) {
	const followers = 1000
	ctx := context.Background()
	var received atomic.Int64
	arrived := make(chan struct{}, 1)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.Contains(r.Header.Get("Signature"), "keyId=") {
			http.Error(w, "unsigned", http.StatusUnauthorized)
			return
		}
		received.Add(1)
		select {
		case arrived <- struct{}{}:
		default:
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer recv.Close()

	store := catalogtest.NewSQLite(b)
	ln, base := listen(b)
	h := localHoster(b, store, base, "fanout")
	o := localOffer(b, store, h, "nextcloud", "cloud")
	_, nr := startNode(b, store, ln, base, func(c *Config) { c.Workers = 0 })
	defer nr.stop()
	err := store.InTx(ctx, func(tx *sqlx.Tx) error {
		for i := range followers {
			actor := fmt.Sprintf("%s/users/f%d", recv.URL, i)
			if _, err := tx.ExecContext(ctx, store.DB().Rebind(`INSERT INTO fed_followers (local_actor, actor_id, inbox_url, shared_inbox_url, follow_id, kind, created_at)
				VALUES (?, ?, ?, '', ?, ?, ?)`), h.ActorID, actor, actor+"/inbox", actor+"/follows/1", followerOther, dbNow()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		start := received.Load()
		o.Name = fmt.Sprintf("Nextcloud %d", i)
		o.Updated = time.Now().UTC()
		if err := store.UpsertOffer(ctx, o, catalog.WriteMeta{}); err != nil {
			b.Fatal(err)
		}
		deadline := time.After(5 * time.Minute)
		for received.Load() < start+2*followers {
			select {
			case <-arrived:
			case <-deadline:
				b.Fatalf("%d of %d deliveries after 5 min", received.Load()-start, 2*followers)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(2*followers*b.N)/b.Elapsed().Seconds(), "deliveries/s")
}
