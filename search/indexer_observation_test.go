package search_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/search"
)

// counting is an Index that counts the documents written.
type counting struct {
	search.Index
	upserts atomic.Int64
}

func (c *counting) Upsert(ctx context.Context, d []search.Document) error {
	c.upserts.Add(int64(len(d)))
	return c.Index.Upsert(ctx, d)
}

// An observation the directory stores is not in any search document: the
// indexer moves its cursor over its change row without rebuilding the
// hoster.
func TestIndexerSkipsObservations(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	idx := &counting{Index: newEmbedded(t, "")}
	x := search.NewIndexer(w.store, idx, "search:observations", quiet)
	if err := x.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	before := idx.upserts.Load()
	if err := w.store.SaveObservation(ctx, &catalog.Observation{HosterID: w.hosters[0].ID, ObservedAt: time.Now(), Method: catalog.MethodHTML}); err != nil {
		t.Fatal(err)
	}
	if err := x.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if n := idx.upserts.Load() - before; n != 0 {
		t.Fatalf("an observation rewrote %d documents", n)
	}
	last, err := w.store.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cur, err := w.store.Cursor(ctx, "search:observations"); err != nil || cur != last {
		t.Fatalf("cursor %d, want %d (%v)", cur, last, err)
	}
}
