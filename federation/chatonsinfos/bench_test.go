package chatonsinfos

import (
	"context"
	"testing"

	"codeberg.org/portee/portee/catalog/catalogtest"
)

// BenchmarkImport300Services imports a federation of 50 organisations and
// 300 services served on loopback into an empty SQLite catalog: the whole
// crawl (351 files over HTTP, robots.txt included), the mapping and the
// writes. ns/op is one full import; B/op and allocs/op its memory.
//
//	go test -run '^$' -bench Import300 -benchmem ./federation/chatonsinfos/
func BenchmarkImport300Services(b *testing.B) {
	ff := newFakeFederation(b, 50, 6)
	ff.clean = true
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		s := catalogtest.NewSQLite(b)
		im := quietImporter(s)
		b.StartTimer()
		rep, err := im.Import(ctx, ff.url("/federation.properties"))
		if err != nil || rep.Services != 300 {
			b.Fatalf("imported %+v: %v", rep, err)
		}
	}
}

// BenchmarkRefresh300Services re-imports the same unchanged federation:
// what every refresh costs once the catalog holds it (nothing is written).
func BenchmarkRefresh300Services(b *testing.B) {
	ff := newFakeFederation(b, 50, 6)
	ff.clean = true
	ctx := context.Background()
	s := catalogtest.NewSQLite(b)
	im := quietImporter(s)
	if _, err := im.Import(ctx, ff.url("/federation.properties")); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		rep, err := im.Import(ctx, ff.url("/federation.properties"))
		if err != nil || rep.Services != 300 {
			b.Fatalf("imported %+v: %v", rep, err)
		}
	}
}
