package search_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"codeberg.org/portee/portee/internal/testenv"
	"codeberg.org/portee/portee/search"
	"codeberg.org/portee/portee/search/searchtest"
)

func TestEmbeddedContract(t *testing.T) {
	searchtest.RunContract(t, func(t *testing.T) search.Index { return newEmbedded(t, "") })
}

func TestEmbeddedOnDiskContract(t *testing.T) {
	searchtest.RunContract(t, func(t *testing.T) search.Index { return newEmbedded(t, t.TempDir()+"/index") })
}

func TestMeiliContract(t *testing.T) {
	searchtest.RunContract(t, func(t *testing.T) search.Index { return newMeili(t) })
}

func newEmbedded(t testing.TB, dir string) *search.Embedded {
	t.Helper()
	e, err := search.NewEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// newMeili returns a Meilisearch index of its own, dropped after the test.
func newMeili(t testing.TB) *search.Meili {
	t.Helper()
	url, key := testenv.Meili(t)
	m, err := search.NewMeili(url, key, testenv.UniqueName("test_"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Drop(context.Background()); err != nil {
			t.Errorf("drop test index: %v", err)
		}
		m.Close()
	})
	return m
}

// Concurrent Upserts on one Meili (an indexer's Run and a CatchUp do that)
// must be race-free and all land; run under -race.
func TestMeiliConcurrentUpserts(t *testing.T) {
	m := newMeili(t)
	ctx := context.Background()
	if err := m.Configure(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- m.Upsert(ctx, []search.Document{{ID: fmt.Sprintf("o%d", g+1), Kind: "offer", Name: fmt.Sprintf("Pad %d", g),
				HosterID: 1, HosterName: "Chaton", HosterStatus: "active"}})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	ids, err := m.IDs(ctx)
	if err != nil || len(ids) != 4 {
		t.Fatalf("ids %v, %v", ids, err)
	}
}
