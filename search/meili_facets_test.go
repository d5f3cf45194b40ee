package search

import (
	"testing"
	"time"
)

func TestFacetCache(t *testing.T) {
	now := time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)
	c := newFacetCache()
	c.now = func() time.Time { return now }
	key := facetKey("pad", `hoster_status != "gone"`)
	if _, _, ok := c.get(key); ok {
		t.Fatal("empty cache answered")
	}
	_, gen, _ := c.get(key)
	c.put(key, gen, map[string]map[string]int{"category": {"pad": 3}})
	got, _, ok := c.get(key)
	if !ok || got["category"]["pad"] != 3 {
		t.Fatalf("get after put = %v, %v", got, ok)
	}
	got["category"]["pad"] = 99
	if again, _, _ := c.get(key); again["category"]["pad"] != 3 {
		t.Fatalf("a caller's change reached the cache: %v", again)
	}
	if _, _, ok := c.get(facetKey("pad", "")); ok {
		t.Fatal("another filter shares the entry")
	}

	// A count read before a write is not kept.
	_, gen, _ = c.get("other")
	c.invalidate()
	c.put("other", gen, map[string]map[string]int{"category": {}})
	if _, _, ok := c.get("other"); ok {
		t.Fatal("count read before a write was kept")
	}
	if _, _, ok := c.get(key); ok {
		t.Fatal("write did not empty the cache")
	}

	// Entries expire.
	_, gen, _ = c.get(key)
	c.put(key, gen, map[string]map[string]int{"category": {"pad": 1}})
	now = now.Add(facetTTL)
	if _, _, ok := c.get(key); ok {
		t.Fatal("entry outlived facetTTL")
	}
}
