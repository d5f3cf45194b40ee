package search

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
)

// TestEmbeddedMemoryAfterChurn checks that the in-memory engine gives the
// same answers after deletions (enough to compact it), re-insertions and a
// reopen from disk as an index built directly with the final documents.
func TestEmbeddedMemoryAfterChurn(t *testing.T) {
	ctx := context.Background()
	docs := synthDocuments(t, 3000)
	dir := filepath.Join(t.TempDir(), "index")
	churned, err := NewEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := churned.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	var gone []string
	for _, d := range docs[:2000] {
		gone = append(gone, d.ID)
	}
	if err := churned.Delete(ctx, gone); err != nil {
		t.Fatal(err)
	}
	if n := len(churned.mem.docs); n != 1000 {
		t.Fatalf("after deleting 2000 of 3000 documents memory keeps %d slots, want 1000 (compacted)", n)
	}
	back := docs[500:1000]
	if err := churned.Upsert(ctx, back); err != nil {
		t.Fatal(err)
	}
	final := append(append([]Document{}, docs[2000:]...), back...)
	fresh, err := NewEmbedded("")
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if err := fresh.Upsert(ctx, final); err != nil {
		t.Fatal(err)
	}
	compare := func(label string, got *Embedded) {
		t.Helper()
		s := NewService(nil, benchDay)
		queries := append([]Request{{Q: "nextcloud", Near: "44600", Page: "3", PerPage: "7"}}, benchMix...)
		for _, r := range queries {
			q, _, err := s.Parse(r)
			if err != nil {
				t.Fatal(err)
			}
			want, err := fresh.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			res, err := got.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if want.Total == 0 && r.Q != "" && r.RadiusKm == "" {
				t.Errorf("%s %+v: no result in the reference index", label, r)
			}
			if !reflect.DeepEqual(res, want) {
				t.Errorf("%s %+v: total %d, %d hits; want total %d, %d hits", label, r, res.Total, len(res.Hits), want.Total, len(want.Hits))
			}
		}
	}
	compare("churned", churned)
	if err := churned.Close(); err != nil {
		t.Fatal(err)
	}
	reopened, err := NewEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	compare("reopened", reopened)
}
