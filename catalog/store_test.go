package catalog_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/catalog/catalogtest"
	"codeberg.org/portee/portee/internal/testenv"
)

func TestContractSQLite(t *testing.T) {
	catalogtest.RunContract(t, func(t *testing.T) *catalog.Store { return catalogtest.NewSQLite(t) })
}

func TestContractPostgres(t *testing.T) {
	catalogtest.RunContract(t, func(t *testing.T) *catalog.Store { return catalogtest.NewPostgres(t) })
}

func TestOpenRejectsEmptyDSN(t *testing.T) {
	if s, err := catalog.Open(context.Background(), " "); err == nil {
		s.Close()
		t.Fatal("Open accepted an empty DSN")
	}
}

func TestSQLiteDSNForms(t *testing.T) {
	dir := t.TempDir()
	for _, dsn := range []string{
		filepath.Join(dir, "plain.db"),
		"sqlite:" + filepath.Join(dir, "prefixed.db"),
		"file:" + filepath.Join(dir, "uri.db"),
		filepath.Join(dir, "sub", "dir", "nested.db"),
	} {
		s, err := catalog.Open(context.Background(), dsn)
		if err != nil {
			t.Errorf("Open(%q): %v", dsn, err)
			continue
		}
		if s.Engine() != catalog.EngineSQLite {
			t.Errorf("Open(%q).Engine() = %q", dsn, s.Engine())
		}
		var mode string
		if err := s.DB().Get(&mode, `PRAGMA journal_mode`); err != nil || mode != "wal" {
			t.Errorf("Open(%q): journal_mode %q, %v; want wal", dsn, mode, err)
		}
		var fk int
		if err := s.DB().Get(&fk, `PRAGMA foreign_keys`); err != nil || fk != 1 {
			t.Errorf("Open(%q): foreign_keys %d, %v", dsn, fk, err)
		}
		s.Close()
	}
}

// reopen checks the migrations of an existing database: data written under
// version 1 survives a second Open, which applies nothing.
func reopen(t *testing.T, dsn string) {
	ctx := context.Background()
	s, err := catalog.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	h := catalogtest.SampleHoster("persiste", "https://persiste.example")
	if err := s.UpsertHoster(ctx, h, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	o := catalogtest.SampleOffer(h, "pad", "pad")
	if err := s.UpsertOffer(ctx, o, catalog.WriteMeta{ActivityID: "act-1"}); err != nil {
		t.Fatal(err)
	}
	var before []int
	if err := s.DB().Select(&before, `SELECT version FROM schema_migrations ORDER BY version`); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = catalog.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	defer s.Close()
	var after []int
	if err := s.DB().Select(&after, `SELECT version FROM schema_migrations ORDER BY version`); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(before) != fmt.Sprint(after) || len(after) == 0 {
		t.Errorf("schema_migrations %v after reopen, was %v", after, before)
	}
	got, err := s.OfferByObjectID(ctx, o.ObjectID)
	if err != nil || got.Name != o.Name || got.HosterID != h.ID {
		t.Errorf("offer after reopen = %+v, %v", got, err)
	}
	if ok, _ := s.ActivityApplied(ctx, "act-1"); !ok {
		t.Error("applied activities lost on reopen")
	}
	if n, _ := s.LastSeq(ctx); n != 2 {
		t.Errorf("LastSeq after reopen = %d, want 2", n)
	}
}

func TestReopenSQLite(t *testing.T) { reopen(t, filepath.Join(t.TempDir(), "catalog.db")) }

func TestReopenPostgres(t *testing.T) { reopen(t, testenv.PostgresURL(t)) }

// TestMigrateFromEmptyVersionTable covers a database in the oldest shape: a
// file where an earlier start created schema_migrations (and an unrelated
// table of the operator's) but applied nothing yet.
func TestMigrateFromEmptyVersionTable(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)`,
		`CREATE TABLE notes (body TEXT)`,
		`INSERT INTO notes VALUES ('gardé')`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()
	s, err := catalog.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("Open on an empty versioned database: %v", err)
	}
	defer s.Close()
	var versions []int
	if err := s.DB().Select(&versions, `SELECT version FROM schema_migrations ORDER BY version`); err != nil || len(versions) == 0 || versions[0] != 1 {
		t.Fatalf("versions after Open = %v, %v", versions, err)
	}
	var note string
	if err := s.DB().Get(&note, `SELECT body FROM notes`); err != nil || note != "gardé" {
		t.Errorf("existing table touched: %q, %v", note, err)
	}
	h := catalogtest.SampleHoster("ancien", "https://ancien.example")
	if err := s.UpsertHoster(context.Background(), h, catalog.WriteMeta{}); err != nil {
		t.Errorf("store unusable after migrating: %v", err)
	}
}

func benchmarkUpsertOffer(b *testing.B, s *catalog.Store) {
	ctx := context.Background()
	h := catalogtest.SampleHoster("bench", "https://bench.example")
	if err := s.UpsertHoster(ctx, h, catalog.WriteMeta{}); err != nil {
		b.Fatal(err)
	}
	base := time.Now()
	b.ResetTimer()
	start := time.Now()
	i := 0
	for b.Loop() {
		// Like federation ingest: a new activity each time, alternating
		// creates and updates of a bounded set of offers.
		o := catalogtest.SampleOffer(h, fmt.Sprintf("o%d", i%1000), "pad")
		o.Name = fmt.Sprintf("Offre %d", i)
		o.Updated = base.Add(time.Duration(i) * time.Millisecond)
		if err := s.UpsertOffer(ctx, o, catalog.WriteMeta{ActivityID: fmt.Sprintf("https://bench.example/act/%d", i)}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i)/time.Since(start).Seconds(), "ops/s")
}

func BenchmarkUpsertOffer(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchmarkUpsertOffer(b, catalogtest.NewSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchmarkUpsertOffer(b, catalogtest.NewPostgres(b)) })
}

// BenchmarkUpsertOfferParallel measures ingest with several workers, as the
// directory runs them.
func BenchmarkUpsertOfferParallel(b *testing.B) {
	for _, eng := range []string{"sqlite", "postgres"} {
		b.Run(eng, func(b *testing.B) {
			var s *catalog.Store
			if eng == "sqlite" {
				s = catalogtest.NewSQLite(b)
			} else {
				s = catalogtest.NewPostgres(b)
			}
			ctx := context.Background()
			h := catalogtest.SampleHoster("bench", "https://bench.example")
			if err := s.UpsertHoster(ctx, h, catalog.WriteMeta{}); err != nil {
				b.Fatal(err)
			}
			var n atomic.Int64
			start := time.Now()
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					o := catalogtest.SampleOffer(h, fmt.Sprintf("o%d", i), "pad")
					if err := s.UpsertOffer(ctx, o, catalog.WriteMeta{ActivityID: fmt.Sprintf("https://bench.example/act/%d", i)}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "ops/s")
		})
	}
}

// TestSQLiteTwoStoresOneFile stands for two processes on one SQLite file:
// their write transactions are not serialised in process, so BEGIN
// IMMEDIATE and the busy timeout must keep SQLITE_BUSY from reaching callers.
func TestSQLiteTwoStoresOneFile(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "shared.db")
	ctx := context.Background()
	a, err := catalog.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := catalog.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	h := catalogtest.SampleHoster("partage", "https://partage.example")
	if err := a.UpsertHoster(ctx, h, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	const perStore, writers = 40, 4
	var wg sync.WaitGroup
	errs := make(chan error, 2*perStore*writers)
	for si, s := range []*catalog.Store{a, b} {
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < perStore; i++ {
					o := catalogtest.SampleOffer(h, fmt.Sprintf("s%d-w%d-%d", si, w, i), "pad")
					if err := s.UpsertOffer(ctx, o, catalog.WriteMeta{}); err != nil {
						errs <- err
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, _ := b.CountOffers(ctx); n != 2*perStore*writers {
		t.Errorf("CountOffers = %d, want %d", n, 2*perStore*writers)
	}
}

// A database URL that does not parse must not come back in the error with
// its password: the error is printed and logged.
func TestOpenUnparsableURLHidesPassword(t *testing.T) {
	for _, dsn := range []string{
		"postgres://portee:s3cr%zzet@127.0.0.1:1/portee",
		"postgresql://portee:s3cr%zzet@127.0.0.1:1/portee",
	} {
		s, err := catalog.Open(context.Background(), dsn)
		if err == nil {
			s.Close()
			t.Fatalf("Open(%q) succeeded", dsn)
		}
		if strings.Contains(err.Error(), "s3cr") {
			t.Errorf("Open error reveals the password: %v", err)
		}
	}
}
