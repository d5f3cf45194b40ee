package search

import (
	"context"
	"testing"

	"codeberg.org/portee/portee/internal/testenv"
	"github.com/meilisearch/meilisearch-go"
)

// An index configured and filled by an earlier version (other searchable
// fields, documents without offer_name, summary_text, services…) is
// rewritten by Configure, so that the relevance rules hold without a
// manual reindex.
func TestMeiliConfigureRewritesOlderDocuments(t *testing.T) {
	url, key := testenv.Meili(t)
	m, err := NewMeili(url, key, testenv.UniqueName("test_"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t.Cleanup(func() { m.Drop(ctx); m.Close() })
	ti, err := m.client.CreateIndexWithContext(ctx, &meilisearch.IndexConfig{Uid: m.uid, PrimaryKey: "id"})
	if err := m.wait(ctx, "create", ti, err); err != nil {
		t.Fatal(err)
	}
	old := meiliSettings()
	old.SearchableAttributes = []string{"name", "software", "category_text", "summary", "hoster_name"}
	old.FilterableAttributes = []string{"hoster_status", "audience", "area_departements", "radius_step", "_geo"}
	ti, err = m.index.UpdateSettingsWithContext(ctx, old)
	if err := m.wait(ctx, "old settings", ti, err); err != nil {
		t.Fatal(err)
	}
	docs := []Document{
		{ID: "o1", Kind: "offer", Name: "Nuage", Category: "cloud", Software: "Nextcloud", HosterName: "Chat Noir", HosterStatus: "active", Audience: "everyone"},
		{ID: "o2", Kind: "offer", Name: "Pads", Category: "pad", Software: "Etherpad", Summary: "Pas de visio ici.", HosterName: "Chat Noir", HosterStatus: "active", Audience: "everyone"},
	}
	ti, err = m.index.AddDocumentsWithContext(ctx, docs, nil)
	if err := m.wait(ctx, "old documents", ti, err); err != nil {
		t.Fatal(err)
	}
	if err := m.Configure(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q    Query
		want int
	}{
		{Query{Text: "agenda"}, 1},                   // services of Nextcloud
		{Query{Categories: []string{"calendar"}}, 1}, // services filter
		{Query{Text: "visio"}, 0},                    // negated mention
		{Query{Text: "chat"}, 0},                     // hoster name
	} {
		r, err := m.Search(ctx, c.q)
		if err != nil {
			t.Fatal(err)
		}
		if r.Total != c.want {
			t.Errorf("%+v: %d hits, want %d", c.q, r.Total, c.want)
		}
	}
}
