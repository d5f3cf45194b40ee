package frontend

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/catalog/catalogtest"
	"github.com/labstack/echo/v4"
)

func TestNodePages(t *testing.T) {
	store := catalogtest.NewSQLite(t)
	h := catalogtest.SampleHoster("chaton", "http://node.example")
	h.Local = true
	if err := store.UpsertHoster(t.Context(), h, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	o := catalogtest.SampleOffer(h, "pad", "pad")
	if err := store.UpsertOffer(t.Context(), o, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Store: store, BaseURL: "http://node.example", Role: "node", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	s.RegisterNode(e)
	e.GET("/hosters/:username", s.HosterActorPage())
	get := func(p string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		return rec
	}
	home := get("/")
	mustContain(t, "node home", home.Body.String(), `href="http://node.example/hosters/chaton"`, "@chaton@<wbr>node.<wbr>example")
	page := get("/hosters/chaton")
	if page.Code != http.StatusOK {
		t.Fatalf("actor page %d", page.Code)
	}
	mustContain(t, "node hoster", page.Body.String(), "<h1>Chaton chaton</h1>", o.Name, `href="`+o.URL+`"`,
		`<link rel="alternate" type="application/activity&#43;json" href="`+h.ActorID+`">`)
	mustNotContain(t, "node hoster", page.Body.String(), "/recherche", "/offres/", "/flux/")
	if get("/hosters/nobody").Code != http.StatusNotFound {
		t.Error("unknown local hoster")
	}
	if get("/recherche").Code != http.StatusNotFound {
		t.Error("a node has no search")
	}
}
