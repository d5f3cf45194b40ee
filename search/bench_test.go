package search

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/catalog/catalogtest/synth"
	"codeberg.org/portee/portee/internal/testenv"
)

// Benchmarks of issue 4 ("Speed"). Each one builds an index of a synthetic
// federation, then runs a fixed query mix through Service.Search from 16
// concurrent clients and reports, whatever b.N:
//
//	build_s        time to index every offer (embedded: on disk)
//	p50_ms, p99_ms latency of Service.Search (our whole layer)
//	raw_p50_ms, raw_p99_ms, p50_ratio (Meilisearch) the same queries sent
//	               straight to Meilisearch in the same run, and our p50 over it
//	serial_ms      mean latency of the mix from one client alone: the
//	               service time, without queueing behind the 15 others
//	heap_MB, disk_MB (embedded) Go heap held by the open index after a GC
//	               (the documents given to it released), and the size of its
//	               directory (scorch files are memory-mapped, not in the heap)
//
// Sizes: PORTEE_BENCH_SIZES (default "10000,100000"); 500000 offers run on
// Meilisearch when PORTEE_BENCH_500K=1.

const benchClients = 16

// benchMix is the fixed query mix: text with and without a place, typos,
// synonyms, facets, browse by place, a radius.
var benchMix = []Request{
	{Q: "nextcloud", Near: "44600"},
	{Q: "nextclud"},
	{Q: "visio", Near: "Lyon"},
	{Q: "pad", Near: "75011"},
	{Near: "35000"},
	{Q: "sondage"},
	{Q: "video call", Near: "Toulouse"},
	{Category: "cloud", Near: "Marseille"},
	{Q: "mastodon"},
	{Q: "courriel", Near: "Lille"},
	{Q: "etherpd", Near: "Nantes", RadiusKm: "50"},
	{Q: "peertube", Registration: "free"},
	{},
	{Q: "stockage", Near: "97400"},
	{Q: "chat", Near: "Bordeaux", Page: "2"},
	{Q: "wiki"},
}

// benchRounds: how many times each client runs the mix.
const benchRounds = 4

func benchSizes(b *testing.B, meili bool) []int {
	raw := os.Getenv("PORTEE_BENCH_SIZES")
	if raw == "" {
		raw = "10000,100000"
	}
	var out []int
	for _, s := range strings.Split(raw, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			b.Fatalf("PORTEE_BENCH_SIZES=%q: %q is not a positive number", raw, s)
		}
		out = append(out, n)
	}
	if meili && os.Getenv("PORTEE_BENCH_500K") == "1" && !slices.Contains(out, 500000) {
		out = append(out, 500000)
	}
	return out
}

func sizeName(n int) string {
	if n%1000 == 0 {
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

// synthDocuments denormalises a synthetic federation of n offers, as the
// indexer would.
func synthDocuments(b testing.TB, n int) []Document {
	docs := make([]Document, 0, n)
	var hid, oid int64
	err := synth.Each(synth.Options{Offers: n, Seed: 4}, func(h catalog.Hoster, offers []catalog.Offer) error {
		hid++
		h.ID = hid
		hi := &hosterInfo{h: &h, indexable: true, charter: charterCounts{required: 20, answered: 16, score: 0.75}, changed: h.Updated}
		for i := range offers {
			oid++
			offers[i].ID, offers[i].HosterID = oid, hid
			docs = append(docs, offerDocument(hi, &offers[i]))
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return docs
}

// build indexes docs and returns the time it took.
func build(b *testing.B, idx Index, docs []Document) time.Duration {
	ctx := context.Background()
	if err := idx.Configure(ctx); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for i := 0; i < len(docs); i += 5 * batchSize {
		if err := idx.Upsert(ctx, docs[i:min(i+5*batchSize, len(docs))]); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start)
}

// latencies runs the mix from benchClients clients and returns every
// query's latency.
func latencies(b *testing.B, run func(r Request) error) []time.Duration {
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	errs := make(chan error, benchClients)
	for c := 0; c < benchClients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			local := make([]time.Duration, 0, benchRounds*len(benchMix))
			for round := 0; round < benchRounds; round++ {
				for i := range benchMix {
					r := benchMix[(i+c)%len(benchMix)] // clients out of step
					start := time.Now()
					if err := run(r); err != nil {
						errs <- err
						return
					}
					local = append(local, time.Since(start))
				}
			}
			mu.Lock()
			all = append(all, local...)
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return all
}

// serialMean runs the mix twice from one client and returns the mean
// latency of the second pass, in ms.
func serialMean(b *testing.B, run func(r Request) error) float64 {
	var sum time.Duration
	for pass := 0; pass < 2; pass++ {
		sum = 0
		for _, r := range benchMix {
			start := time.Now()
			if err := run(r); err != nil {
				b.Fatal(err)
			}
			sum += time.Since(start)
		}
	}
	return float64(sum) / float64(len(benchMix)) / float64(time.Millisecond)
}

func percentile(d []time.Duration, p float64) float64 {
	s := slices.Clone(d)
	slices.Sort(s)
	i := min(len(s)-1, int(p*float64(len(s))))
	return float64(s[i]) / float64(time.Millisecond)
}

func serviceRun(s *Service) func(Request) error {
	return func(r Request) error {
		_, err := s.Search(context.Background(), r)
		return err
	}
}

func heapMB() float64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

func dirMB(dir string) float64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return float64(n) / (1 << 20)
}

var benchDay = func() time.Time { return time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC) }

func BenchmarkEmbedded(b *testing.B) {
	for _, n := range benchSizes(b, false) {
		b.Run(sizeName(n), func(b *testing.B) {
			before := heapMB()
			docs := synthDocuments(b, n)
			dir := filepath.Join(b.TempDir(), "index")
			e, err := NewEmbedded(dir)
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			took := build(b, e, docs)
			docs = nil
			heap := heapMB() - before
			s := NewService(e, benchDay)
			b.ResetTimer()
			var lat []time.Duration
			for i := 0; i < b.N; i++ {
				lat = latencies(b, serviceRun(s))
			}
			b.StopTimer()
			b.ReportMetric(serialMean(b, serviceRun(s)), "serial_ms")
			b.ReportMetric(took.Seconds(), "build_s")
			b.ReportMetric(percentile(lat, 0.50), "p50_ms")
			b.ReportMetric(percentile(lat, 0.99), "p99_ms")
			b.ReportMetric(heap, "heap_MB")
			b.ReportMetric(dirMB(dir), "disk_MB")
		})
	}
}

func BenchmarkMeilisearch(b *testing.B) {
	url, key := testenv.Meili(b)
	for _, n := range benchSizes(b, true) {
		b.Run(sizeName(n), func(b *testing.B) {
			m, err := NewMeili(url, key, testenv.UniqueName("bench_"))
			if err != nil {
				b.Fatal(err)
			}
			defer func() {
				if err := m.Drop(context.Background()); err != nil {
					b.Error(err)
				}
				m.Close()
			}()
			took := build(b, m, synthDocuments(b, n))
			s := NewService(m, benchDay)
			raw := func(r Request) error {
				q, _, err := s.Parse(r)
				if err != nil {
					return err
				}
				req := meiliRequest(q)
				_, err = m.index.SearchRawWithContext(context.Background(), req.Query, req)
				return err
			}
			b.ResetTimer()
			var ours, theirs []time.Duration
			for i := 0; i < b.N; i++ {
				// Interleaved so that both see the same machine load.
				ours = latencies(b, serviceRun(s))
				theirs = latencies(b, raw)
			}
			b.StopTimer()
			b.ReportMetric(serialMean(b, serviceRun(s)), "serial_ms")
			b.ReportMetric(serialMean(b, raw), "raw_serial_ms")
			b.ReportMetric(took.Seconds(), "build_s")
			b.ReportMetric(percentile(ours, 0.50), "p50_ms")
			b.ReportMetric(percentile(ours, 0.99), "p99_ms")
			b.ReportMetric(percentile(theirs, 0.50), "raw_p50_ms")
			b.ReportMetric(percentile(theirs, 0.99), "raw_p99_ms")
			b.ReportMetric(percentile(ours, 0.50)/percentile(theirs, 0.50), "p50_ratio")
		})
	}
}

// BenchmarkQueryParse isolates our layer's own work before the backend.
func BenchmarkQueryParse(b *testing.B) {
	s := NewService(nil, benchDay)
	for i := 0; i < b.N; i++ {
		if _, _, err := s.Parse(benchMix[i%len(benchMix)]); err != nil {
			b.Fatal(err)
		}
	}
}
