package frontend

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/catalog/catalogtest"
	"codeberg.org/portee/portee/catalog/catalogtest/synth"
	"codeberg.org/portee/portee/search"
	"github.com/labstack/echo/v4"
)

// complianceBench fills store with 1,000 synthetic hosters answering the
// 25 commitments of the default charter, with a year and a half of
// declaration history, and returns a directory frontend over it.
func complianceBench(b *testing.B, store *catalog.Store) (*Server, *echo.Echo) {
	ctx := context.Background()
	ch := catalog.DefaultCharter()
	if err := store.SaveCharter(ctx, ch); err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	clock := now.AddDate(0, -18, 0)
	store.SetClock(func() time.Time { return clock })
	statuses := []string{catalog.AnswerYes, catalog.AnswerYes, catalog.AnswerPartial, catalog.AnswerNo, catalog.AnswerNotApplicable}
	fed := synth.Generate(synth.Options{Hosters: 1000, OffersPerHoster: 2, Seed: 10})
	r := rand.New(rand.NewPCG(10, 25))
	declare := func(h *catalog.Hoster) {
		d := &catalog.CharterDeclaration{HosterID: h.ID, ObjectID: h.ActorID + "/charter", CharterID: ch.ID,
			CharterVersion: ch.Version, Updated: clock}
		for _, cm := range ch.Commitments {
			if r.IntN(10) > 0 {
				d.Answers = append(d.Answers, catalog.Answer{Commitment: cm.ID, Status: statuses[r.IntN(len(statuses))]})
			}
		}
		if err := store.UpsertDeclaration(ctx, d, catalog.WriteMeta{}); err != nil {
			b.Fatal(err)
		}
	}
	for i := range fed.Hosters {
		h := &fed.Hosters[i]
		if err := store.UpsertHoster(ctx, h, catalog.WriteMeta{}); err != nil {
			b.Fatal(err)
		}
		for j := range fed.Offers[i] {
			o := &fed.Offers[i][j]
			o.HosterID = h.ID
			if err := store.UpsertOffer(ctx, o, catalog.WriteMeta{}); err != nil {
				b.Fatal(err)
			}
		}
		if i%10 != 0 {
			declare(h)
		}
	}
	clock = now.AddDate(0, -2, 0)
	for i := range fed.Hosters {
		if i%2 == 0 {
			declare(&fed.Hosters[i])
		}
	}
	clock = now
	idx, err := search.NewEmbedded("")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { idx.Close() })
	srv, err := New(Config{Store: store, Search: search.NewService(idx, nil), BaseURL: "http://bench.example",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	e := echo.New()
	srv.Register(e)
	return srv, e
}

// BenchmarkComplianceTable serves the compliance table at 1,000 hosters ×
// 25 commitments (the current counts and those of a year before), one
// request at a time, and reports p50 and p99 of the whole handler ("count":
// the counting alone, which a request pays after each catalog write;
// the pages then reuse it until the next write).
func BenchmarkComplianceTable(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			var store *catalog.Store
			if engine == "sqlite" {
				store = catalogtest.NewSQLite(b)
			} else {
				store = catalogtest.NewPostgres(b)
			}
			srv, e := complianceBench(b, store)
			// The count itself, as on the first request after a write.
			b.Run("count", func(b *testing.B) {
				ctx := context.Background()
				times := make([]time.Duration, 0, 1024)
				for b.Loop() {
					start := time.Now()
					if _, err := srv.countCompliance(ctx, catalog.ComplianceFilter{}); err != nil {
						b.Fatal(err)
					}
					times = append(times, time.Since(start))
				}
				reportPercentiles(b, times)
			})
			for _, path := range []string{"/conformite", "/api/v1/compliance", "/conformite.csv", "/conformite?departement=44", "/statistiques"} {
				b.Run(path, func(b *testing.B) {
					rec := httptest.NewRecorder()
					e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
					if rec.Code != http.StatusOK {
						b.Fatalf("%s: %d", path, rec.Code)
					}
					times := make([]time.Duration, 0, 1024)
					for b.Loop() {
						rec := httptest.NewRecorder()
						start := time.Now()
						e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
						times = append(times, time.Since(start))
					}
					reportPercentiles(b, times)
				})
			}
		})
	}
}

// reportPercentiles reports the p50 and p99 of the measured times.
func reportPercentiles(b *testing.B, times []time.Duration) {
	slices.Sort(times)
	pct := func(p float64) float64 {
		return float64(times[min(len(times)-1, int(p*float64(len(times))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "ms-p50")
	b.ReportMetric(pct(0.99), "ms-p99")
}
