package search_test

import (
	"context"
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
