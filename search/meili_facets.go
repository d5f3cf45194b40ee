package search

import (
	"maps"
	"sync"
	"time"
)

// facetCache keeps the facet counts of recent Meilisearch queries, so that
// the next page of a query, or the same query again, does not make
// Meilisearch count every matching document by facet value once more
// (about a quarter of its time per query at 100k offers). The counts
// depend on the text and the filters, not on the page or the order.
// Writes through this backend empty the cache; writes by another process
// sharing the index show in the counts after facetTTL at the latest.
type facetCache struct {
	mu      sync.Mutex
	gen     uint64 // bumped by every write, so that a count read before it is not kept
	entries map[string]facetEntry
	now     func() time.Time
}

type facetEntry struct {
	facets  map[string]map[string]int
	expires time.Time
}

const (
	facetTTL        = 10 * time.Second
	maxFacetEntries = 1024
)

func newFacetCache() *facetCache {
	return &facetCache{entries: map[string]facetEntry{}, now: time.Now}
}

func facetKey(text, filter string) string { return text + "\x00" + filter }

// get returns a copy of cached counts, and the generation a count read now
// must be stored with.
func (c *facetCache) get(key string) (map[string]map[string]int, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !c.now().Before(e.expires) {
		return nil, c.gen, false
	}
	out := make(map[string]map[string]int, len(e.facets))
	for k, v := range e.facets {
		out[k] = maps.Clone(v)
	}
	return out, c.gen, true
}

// put keeps counts read at generation gen, unless a write came since.
func (c *facetCache) put(key string, gen uint64, facets map[string]map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.entries) >= maxFacetEntries {
		clear(c.entries)
	}
	kept := make(map[string]map[string]int, len(facets))
	for k, v := range facets {
		kept[k] = maps.Clone(v)
	}
	c.entries[key] = facetEntry{facets: kept, expires: c.now().Add(facetTTL)}
}

// invalidate forgets every count: documents changed.
func (c *facetCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}
