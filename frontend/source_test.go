package frontend

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/catalog/catalogtest"
	"codeberg.org/portee/portee/search"
	"github.com/labstack/echo/v4"
)

// TestImportedHosterShowsItsSource: a hoster imported from ChatonsInfos is
// marked "unsigned" on its page, in results and in both APIs; a node's is
// marked signed.
func TestImportedHosterShowsItsSource(t *testing.T) {
	ctx := context.Background()
	f := &fixture{t: t, store: catalogtest.NewSQLite(t)}
	node := catalogtest.SampleHoster("noeud", "https://noeud.example")
	imported := catalogtest.SampleHoster("fiche", "https://fiche.example")
	imported.ActorID = "https://fiche.example/.well-known/chatonsinfos/fiche.properties"
	imported.Source = catalog.SourceChatonsInfos
	for _, h := range []*catalog.Hoster{node, imported} {
		if err := f.store.UpsertHoster(ctx, h, catalog.WriteMeta{}); err != nil {
			t.Fatal(err)
		}
		o := catalogtest.SampleOffer(h, "pad", "pad")
		if err := f.store.UpsertOffer(ctx, o, catalog.WriteMeta{}); err != nil {
			t.Fatal(err)
		}
	}
	idx, err := search.NewEmbedded("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	if err := idx.Configure(ctx); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := search.NewIndexer(f.store, idx, "search:test", quiet).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	f.srv, err = New(Config{Store: f.store, Search: search.NewService(idx, time.Now), BaseURL: "http://directory.example",
		Role: "directory", Version: "test", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	f.e = echo.New()
	f.srv.Register(f.e)

	page := f.page("/hebergeurs/"+imported.Acct(), 200)
	mustContain(t, "imported hoster page", page, "fiche ChatonsInfos, non signée", imported.ActorID)
	mustNotContain(t, "imported hoster page", page, "@"+imported.Acct())
	mustContain(t, "node hoster page", f.page("/hebergeurs/"+node.Acct(), 200), "nœud Portée, signé")
	mustContain(t, "node hoster page in English", f.page("/hebergeurs/"+imported.Acct()+"?lang=en", 200), "ChatonsInfos record, unsigned")
	results := f.page("/recherche?q=pad", 200)
	mustContain(t, "results", results, "fiche ChatonsInfos, non signée")

	var hosters struct {
		Hosters []struct{ Acct, Source string } `json:"hosters"`
	}
	if err := json.Unmarshal([]byte(f.page("/api/v1/hosters", 200)), &hosters); err != nil {
		t.Fatal(err)
	}
	sources := map[string]string{}
	for _, h := range hosters.Hosters {
		sources[h.Acct] = h.Source
	}
	if sources[imported.Acct()] != "chatonsinfos" || sources[node.Acct()] != "portee" {
		t.Errorf("API hosters sources %v", sources)
	}
	var res struct {
		Hits []struct {
			Hoster struct{ Acct, Source string } `json:"hoster"`
		} `json:"hits"`
	}
	if err := json.Unmarshal([]byte(f.page("/api/v1/search?q=pad", 200)), &res); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, h := range res.Hits {
		want := map[string]string{imported.Acct(): "chatonsinfos", node.Acct(): "portee"}[h.Hoster.Acct]
		if h.Hoster.Source != want {
			t.Errorf("search hit of %s: source %q, want %q", h.Hoster.Acct, h.Hoster.Source, want)
		}
		seen++
	}
	if seen != 2 {
		t.Errorf("%d hits", seen)
	}
}

func TestMapAndListShowTheSource(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	h := catalogtest.SampleHoster("fiche", "https://fiche.example")
	h.ActorID = "https://fiche.example/chatonsinfos.properties"
	h.Source = catalog.SourceChatonsInfos
	h.Name = "Chaton de la fiche"
	if err := f.store.UpsertHoster(ctx, h, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/carte", "/hebergeurs"} {
		mustContain(t, p, f.page(p, 200), "Chaton de la fiche", "fiche ChatonsInfos, non signée")
	}
}
