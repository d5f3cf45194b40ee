package frontend

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/catalog/catalogtest"
	"codeberg.org/portee/portee/search"
	"github.com/labstack/echo/v4"
)

// fixture is a directory frontend over a real SQLite catalog and the
// embedded search index, filled through the indexer as in production.
type fixture struct {
	t      testing.TB
	store  *catalog.Store
	srv    *Server
	e      *echo.Echo
	idx    search.Index
	hoster map[string]*catalog.Hoster // by username
	offer  map[string]*catalog.Offer  // by username/key
}

const evilName = `<script>alert(1)</script>`

var fixtureNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func ptrF(f float64) *float64 { return &f }

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, store: catalogtest.NewSQLite(t), hoster: map[string]*catalog.Hoster{}, offer: map[string]*catalog.Offer{}}
	if err := f.store.SaveCharter(ctx, catalog.DefaultCharter()); err != nil {
		t.Fatal(err)
	}
	place := func(h *catalog.Hoster, commune, pc, insee, dep string, lat, lon float64) {
		h.Commune, h.PostalCode, h.INSEE, h.Departement = commune, pc, insee, dep
		h.Latitude, h.Longitude = ptrF(lat), ptrF(lon)
	}
	nazairien := catalogtest.SampleHoster("chaton-nazairien", "https://nazairien.example")
	nazairien.Name = "Chaton Nazairien"
	erdre := catalogtest.SampleHoster("erdre", "https://erdre.example")
	erdre.Name = "Erdre Libre"
	place(erdre, "Nantes", "44000", "44109", "44", 47.2184, -1.5536)
	evil := catalogtest.SampleHoster("evil", "https://evil.example")
	evil.Name = evilName
	evil.Summary = `<img src=x onerror=alert(3)> "quoted" & co`
	place(evil, "Lyon", "69001", "69123", "69", 45.7640, 4.8357)
	pei := catalogtest.SampleHoster("pei", "https://pei.example")
	pei.Name = "Ti Chaton Péi"
	place(pei, "Saint-Denis", "97400", "97411", "974", -20.8823, 55.4504)
	down := catalogtest.SampleHoster("lent", "https://lent.example")
	down.Name = "Chaton Lent"
	place(down, "Paris", "75011", "75056", "75", 48.8589, 2.347)
	gone := catalogtest.SampleHoster("parti", "https://parti.example")
	gone.Name = "Chaton Parti"
	hidden := catalogtest.SampleHoster("discret", "https://discret.example")
	hidden.Name = "Chaton Discret"
	hidden.Discoverable = false
	for _, h := range []*catalog.Hoster{nazairien, erdre, evil, pei, down, gone, hidden} {
		if err := f.store.UpsertHoster(ctx, h, catalog.WriteMeta{}); err != nil {
			t.Fatal(err)
		}
		f.hoster[h.Username] = h
	}
	add := func(h *catalog.Hoster, key, category string, mod func(o *catalog.Offer)) {
		o := catalogtest.SampleOffer(h, key, category)
		if mod != nil {
			mod(o)
		}
		if err := f.store.UpsertOffer(ctx, o, catalog.WriteMeta{}); err != nil {
			t.Fatal(err)
		}
		f.offer[h.Username+"/"+key] = o
	}
	none := func(o *catalog.Offer) { o.Registration = catalog.RegistrationNone }
	add(nazairien, "etherpad", "pad", func(o *catalog.Offer) { o.Name = "Pad de l'estuaire"; none(o) })
	add(nazairien, "nextcloud", "cloud", func(o *catalog.Offer) { o.Registration = catalog.RegistrationMember })
	add(nazairien, "framadate", "poll", none)
	add(erdre, "etherpad", "pad", nil)
	add(erdre, "jitsi", "video-call", none)
	add(erdre, "jitsi2", "video-call", func(o *catalog.Offer) { none(o); o.Name = "Deuxième visio" })
	add(evil, "pad", "pad", func(o *catalog.Offer) {
		none(o)
		o.Name = `<i>Pad</i><script>alert(2)</script>`
		o.Summary = `<b>gras</b><img src=x onerror=alert(4)><a href="javascript:alert(5)">x</a>`
		o.Price = `<u>0 €</u>`
	})
	add(pei, "jitsi", "video-call", func(o *catalog.Offer) { none(o); o.Load = catalog.LoadFull })
	add(erdre, "nuage-local", "cloud", func(o *catalog.Offer) {
		o.Name = "Nuage des bords d'Erdre"
		o.Audience, o.AreaDepartements = catalog.AudienceLocal, catalog.StringList{"44"}
	})
	add(down, "pad", "pad", none)
	add(gone, "pad", "pad", none)
	add(hidden, "pad", "pad", none)
	for _, u := range []string{"lent", "lent", "lent"} {
		if _, err := f.store.RecordCheck(ctx, f.hoster[u].ID, false, false, fixtureNow, 3); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.store.RecordCheck(ctx, gone.ID, false, true, fixtureNow, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.RecordCheck(ctx, nazairien.ID, true, false, fixtureNow, 3); err != nil {
		t.Fatal(err)
	}
	decl := &catalog.CharterDeclaration{HosterID: nazairien.ID, ObjectID: nazairien.ActorID + "/charter",
		CharterID: "chatons", CharterVersion: catalog.DefaultCharter().Version, Updated: fixtureNow}
	ch := catalog.DefaultCharter()
	decl.CharterID = ch.ID
	for i, cm := range ch.Commitments {
		st := catalog.AnswerYes
		if i%4 == 3 {
			st = catalog.AnswerPartial
		}
		decl.Answers = append(decl.Answers, catalog.Answer{Commitment: cm.ID, Status: st})
	}
	if err := f.store.UpsertDeclaration(ctx, decl, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}

	idx, err := search.NewEmbedded("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	if err := idx.Configure(ctx); err != nil {
		t.Fatal(err)
	}
	if err := search.NewIndexer(f.store, idx, "search:test", slog.New(slog.NewTextHandler(io.Discard, nil))).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	f.idx = idx
	f.srv, err = New(Config{Store: f.store, Search: search.NewService(idx, func() time.Time { return fixtureNow }),
		BaseURL: "http://directory.example", Role: "directory", Version: "test",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return fixtureNow }})
	if err != nil {
		t.Fatal(err)
	}
	f.srv.rnd = rand.New(rand.NewPCG(1, 2))
	f.e = echo.New()
	f.srv.Register(f.e)
	return f
}

// get requests path with optional header pairs ("Accept-Language", "en").
func (f *fixture) get(path string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	f.e.ServeHTTP(rec, req)
	return rec
}

// page requests path and fails unless the status is want.
func (f *fixture) page(path string, want int, header ...string) string {
	f.t.Helper()
	rec := f.get(path, header...)
	if rec.Code != want {
		f.t.Fatalf("GET %s: status %d, want %d\n%s", path, rec.Code, want, truncate(rec.Body.String(), 2000))
	}
	return rec.Body.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func mustContain(t testing.TB, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("%s: missing %q", what, s)
		}
	}
}

func mustNotContain(t testing.TB, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(body, s) {
			t.Errorf("%s: unexpected %q", what, s)
		}
	}
}

func strconvI(n int64) string { return strconv.FormatInt(n, 10) }
