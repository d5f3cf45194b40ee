package search_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/catalog/catalogtest"
	"codeberg.org/portee/portee/internal/testenv"
	"codeberg.org/portee/portee/search"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// world is a small catalog: three hosters with offers and one without.
type world struct {
	store   *catalog.Store
	hosters []*catalog.Hoster
	offers  []*catalog.Offer
	clock   time.Time
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{store: catalogtest.NewSQLite(t), clock: time.Date(2025, 4, 1, 8, 0, 0, 0, time.UTC)}
	for i, name := range []string{"nazairien", "erdre", "canut", "solitaire"} {
		h := catalogtest.SampleHoster(name, fmt.Sprintf("https://%s.example", name))
		if err := w.store.UpsertHoster(ctx, h, catalog.WriteMeta{}); err != nil {
			t.Fatal(err)
		}
		w.hosters = append(w.hosters, h)
		if i == 3 {
			continue
		}
		for _, cat := range []string{"cloud", "pad", "video-call"} {
			o := catalogtest.SampleOffer(h, cat+"-"+name, cat)
			if err := w.store.UpsertOffer(ctx, o, catalog.WriteMeta{}); err != nil {
				t.Fatal(err)
			}
			w.offers = append(w.offers, o)
		}
	}
	return w
}

func (w *world) tick() time.Time { w.clock = w.clock.Add(time.Minute); return w.clock }

// edit makes a round of every kind of change: rename, delete, a new offer,
// a hoster unlisted, a hoster gone, a hoster without offers getting one.
func (w *world) edit(t *testing.T, round int) {
	t.Helper()
	ctx := context.Background()
	s := w.store
	o := *w.offers[0]
	o.Name, o.Updated = fmt.Sprintf("Nuage nazairien, version %d", round), w.tick()
	if err := s.UpsertOffer(ctx, &o, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	w.offers[0] = &o
	switch round {
	case 1:
		if err := s.DeleteOffer(ctx, w.offers[1].ObjectID, w.tick(), catalog.WriteMeta{}); err != nil {
			t.Fatal(err)
		}
		n := catalogtest.SampleOffer(w.hosters[3], "sondage", "poll")
		n.Updated = w.tick()
		if err := s.UpsertOffer(ctx, n, catalog.WriteMeta{}); err != nil {
			t.Fatal(err)
		}
	case 2:
		h := *w.hosters[1]
		h.Discoverable, h.Updated = false, w.tick()
		if err := s.UpsertHoster(ctx, &h, catalog.WriteMeta{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordCheck(ctx, w.hosters[2].ID, false, true, w.tick(), 3); err != nil {
			t.Fatal(err)
		}
	}
}

func checkEqual(t *testing.T, w *world, idx search.Index) {
	t.Helper()
	diff, err := search.Check(context.Background(), w.store, idx)
	if err != nil {
		t.Fatal(err)
	}
	if !diff.Empty() {
		t.Errorf("index differs from the catalog:\n%s", diff)
	}
}

func TestIndexerFollowsTheFeed(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	idx := newEmbedded(t, "")
	x := search.NewIndexer(w.store, idx, "search:test", quiet)
	if err := x.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	checkEqual(t, w, idx)
	ids, _ := idx.IDs(ctx)
	if len(ids) != 10 || ids[fmt.Sprintf("h%d", w.hosters[3].ID)] == 0 {
		t.Errorf("ids after first catch-up: %v", ids)
	}
	for round := 1; round <= 2; round++ {
		w.edit(t, round)
		if err := x.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		checkEqual(t, w, idx)
	}
	ids, _ = idx.IDs(ctx)
	// Round 1: one offer deleted, the solitaire hoster got an offer (its
	// hoster document goes); round 2: erdre unlisted, canut gone.
	want := []string{fmt.Sprintf("o%d", w.offers[0].ID), fmt.Sprintf("o%d", w.offers[2].ID)}
	if len(ids) != 3 || ids[want[0]] == 0 || ids[want[1]] == 0 {
		t.Errorf("ids after edits: %v, want %v and the solitaire's poll", ids, want)
	}
	r, err := idx.Search(ctx, search.Query{Text: "version 2", Page: 1, PerPage: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Hits) != 1 || r.Hits[0].Document.Name != "Nuage nazairien, version 2" {
		t.Errorf("renamed offer: %+v", r.Hits)
	}
	d := r.Hits[0].Document
	if d.HosterAcct != "nazairien@nazairien.example" || d.Commune != "Saint-Nazaire" || d.Lat == nil || d.Category != "cloud" ||
		d.Software != "Nextcloud" || d.OfferURL != w.offers[0].ObjectID {
		t.Errorf("denormalised document: %+v", d)
	}
	// At least once: applying the same changes again changes nothing.
	if err := w.store.SetCursor(ctx, "search:test", 0); err != nil {
		t.Fatal(err)
	}
	if err := x.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	checkEqual(t, w, idx)
}

func TestBuildDocumentsCharterScore(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	c := catalog.DefaultCharter()
	if err := w.store.SaveCharter(ctx, c); err != nil {
		t.Fatal(err)
	}
	// Required commitments answered in turn yes, no, not applicable, and
	// not at all: the unanswered are not failures, "not applicable" is
	// neither kept nor failed (issue 9 item 14, issue 10).
	var answers catalog.Answers
	required, yes, judged := 0, 0, 0
	for _, cm := range c.Commitments {
		if !cm.Required {
			continue
		}
		switch required % 4 {
		case 0:
			answers = append(answers, catalog.Answer{Commitment: cm.ID, Status: catalog.AnswerYes})
			yes++
			judged++
		case 1:
			answers = append(answers, catalog.Answer{Commitment: cm.ID, Status: catalog.AnswerNo})
			judged++
		case 2:
			answers = append(answers, catalog.Answer{Commitment: cm.ID, Status: catalog.AnswerNotApplicable})
		}
		required++
	}
	h := w.hosters[0]
	d := &catalog.CharterDeclaration{HosterID: h.ID, ObjectID: h.ActorID + "/charter", CharterID: c.ID,
		CharterVersion: c.Version, Answers: answers, Updated: w.tick()}
	if err := w.store.UpsertDeclaration(ctx, d, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	docs, del, err := search.BuildDocuments(ctx, w.store, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := float64(yes) / float64(judged)
	if len(docs) != 3 || len(del) != 1 || del[0] != fmt.Sprintf("h%d", h.ID) {
		t.Fatalf("documents %d, deletions %v", len(docs), del)
	}
	stored, err := w.store.HosterByID(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Updated is the latest change of the offer, its hoster or declaration.
	latest := d.Updated
	for _, u := range []time.Time{stored.Updated, stored.ModifiedAt, w.offers[0].Updated} {
		if u.After(latest) {
			latest = u
		}
	}
	for _, doc := range docs {
		if doc.CharterScore != want || doc.CharterRequired != required || doc.CharterAnswered != len(answers) {
			t.Errorf("%s: charter score %v of %d answered out of %d required, want %v of %d out of %d",
				doc.ID, doc.CharterScore, doc.CharterAnswered, doc.CharterRequired, want, len(answers), required)
		}
		if doc.Updated != latest.Unix() {
			t.Errorf("%s: updated %d, want %d", doc.ID, doc.Updated, latest.Unix())
		}
	}
	if _, _, err := search.BuildDocuments(ctx, w.store, 999); err != nil {
		t.Errorf("unknown hoster: %v", err)
	}
}

// flaky is an Index whose writes fail with ErrUnavailable while down.
type flaky struct {
	search.Index
	down   atomic.Bool
	failed atomic.Int64
}

func (f *flaky) Upsert(ctx context.Context, d []search.Document) error {
	if f.down.Load() {
		f.failed.Add(1)
		return fmt.Errorf("flaky: %w", search.ErrUnavailable)
	}
	return f.Index.Upsert(ctx, d)
}

func (f *flaky) Delete(ctx context.Context, ids []string) error {
	if f.down.Load() {
		f.failed.Add(1)
		return fmt.Errorf("flaky: %w", search.ErrUnavailable)
	}
	return f.Index.Delete(ctx, ids)
}

func (f *flaky) Search(ctx context.Context, q search.Query) (search.Result, error) {
	if f.down.Load() {
		return search.Result{}, fmt.Errorf("flaky: %w", search.ErrUnavailable)
	}
	return f.Index.Search(ctx, q)
}

// runIndexer runs x until the test ends.
func runIndexer(t *testing.T, x *search.Indexer) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- x.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("indexer run: %v", err)
		}
	})
}

// converges waits (bounded) until the index equals the catalog.
func converges(t *testing.T, w *world, idx search.Index, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		diff, err := search.Check(context.Background(), w.store, idx)
		if err == nil && diff.Empty() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("index did not converge within %s: %v %v", within, err, diff)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestIndexerSurvivesBackendFailure(t *testing.T) {
	w := newWorld(t)
	inner := newEmbedded(t, "")
	idx := &flaky{Index: inner}
	x := search.NewIndexer(w.store, idx, "search:flaky", quiet)
	x.PollEvery, x.MaxBackoff = 100*time.Millisecond, 200*time.Millisecond
	runIndexer(t, x)
	converges(t, w, inner, 10*time.Second)

	idx.down.Store(true)
	before, _ := w.store.Cursor(context.Background(), "search:flaky")
	w.edit(t, 1)
	deadline := time.Now().Add(10 * time.Second)
	for idx.failed.Load() < 2 { // the indexer tried, failed, and retried
		if time.Now().After(deadline) {
			t.Fatal("the indexer did not try the backend while it was down")
		}
		time.Sleep(10 * time.Millisecond)
	}
	w.edit(t, 2)
	if after, _ := w.store.Cursor(context.Background(), "search:flaky"); after != before {
		t.Errorf("cursor moved from %d to %d while the backend was down", before, after)
	}
	idx.down.Store(false)
	converges(t, w, inner, 10*time.Second)
}

// proxy forwards TCP to a backend and can be cut, as if the backend
// stopped: new connections are refused and open ones closed.
type proxy struct {
	t       *testing.T
	target  string
	mu      sync.Mutex
	ln      net.Listener
	addr    string
	conns   []net.Conn
	stopped chan struct{}
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target}
	p.start("127.0.0.1:0")
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) start(addr string) {
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may linger a moment after stop
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("proxy listen: %v", err)
	}
	p.mu.Lock()
	p.ln, p.addr, p.stopped = ln, ln.Addr().String(), make(chan struct{})
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, b)
			p.mu.Unlock()
			go func() { io.Copy(b, c); b.Close() }()
			go func() { io.Copy(c, b); c.Close() }()
		}
	}()
}

func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		return
	}
	p.ln.Close()
	p.ln = nil
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func TestIndexerMeilisearchStoppedAndRestarted(t *testing.T) {
	m := newMeili(t)
	base, key := testenv.Meili(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, u.Host)
	// The indexer talks to Meilisearch through the proxy; checks go direct.
	viaProxy, err := search.NewMeili("http://"+p.addr, key, m.IndexName())
	if err != nil {
		t.Fatal(err)
	}
	defer viaProxy.Close()

	w := newWorld(t)
	embedded := newEmbedded(t, "")
	x := search.NewIndexer(w.store, viaProxy, "search:meilisearch", quiet)
	x.PollEvery, x.MaxBackoff = 100*time.Millisecond, 300*time.Millisecond
	runIndexer(t, x)
	converges(t, w, m, 30*time.Second)

	p.stop()
	w.edit(t, 1)
	fb := search.NewFallback(viaProxy, embedded)
	if err := embedded.Upsert(context.Background(), []search.Document{{ID: "o1", Name: "Secours", HosterStatus: "active"}}); err != nil {
		t.Fatal(err)
	}
	r, err := fb.Search(context.Background(), search.Query{Text: "secours", Page: 1, PerPage: 5})
	if err != nil || r.Total != 1 {
		t.Errorf("fallback search while Meilisearch is down: %v, %+v", err, r)
	}
	w.edit(t, 2)
	time.Sleep(300 * time.Millisecond) // let the indexer fail at least once
	p.start(p.addr)
	converges(t, w, m, 30*time.Second)
}

func TestReindexAndCheck(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.edit(t, 1)
	w.edit(t, 2)
	idx := newEmbedded(t, "")
	if err := idx.Upsert(ctx, []search.Document{{ID: "o999", Name: "left over"}}); err != nil {
		t.Fatal(err)
	}
	var calls, last int
	err := search.Reindex(ctx, w.store, idx, func(done, total int) { calls++; last = done })
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 || last != 9 {
		t.Errorf("progress: %d calls, last %d, want 9 live offers", calls, last)
	}
	checkEqual(t, w, idx)

	stale := search.Document{ID: fmt.Sprintf("o%d", w.offers[0].ID), Name: "old", Updated: 1}
	ids, _ := idx.IDs(ctx)
	var one string
	for id := range ids {
		if id != stale.ID {
			one = id
			break
		}
	}
	if err := idx.Delete(ctx, []string{one}); err != nil {
		t.Fatal(err)
	}
	if err := idx.Upsert(ctx, []search.Document{stale, {ID: "o12345", Name: "extra"}}); err != nil {
		t.Fatal(err)
	}
	diff, err := search.Check(ctx, w.store, idx)
	if err != nil {
		t.Fatal(err)
	}
	if len(diff.Missing) != 1 || diff.Missing[0] != one || len(diff.Extra) != 1 || diff.Extra[0] != "o12345" ||
		len(diff.Stale) != 1 || diff.Stale[0] != stale.ID || diff.Empty() {
		t.Errorf("diff = %+v, want %s missing, o12345 extra, %s stale", diff, one, stale.ID)
	}
}
