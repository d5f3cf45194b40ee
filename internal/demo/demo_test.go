package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/internal/testenv"
)

// startDemo runs the whole demo on free loopback ports.
func startDemo(t testing.TB, o Options) *Demo {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	o.Listen = "127.0.0.1:0"
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	d, err := Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.WaitFederated(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}

type apiResult struct {
	Hits []struct {
		Name       string   `json:"name"`
		Software   string   `json:"software"`
		Category   string   `json:"category"`
		DistanceKm *float64 `json:"distance_km"`
		Hoster     struct {
			Name    string `json:"name"`
			Acct    string `json:"acct"`
			Commune string `json:"commune"`
		} `json:"hoster"`
	} `json:"hits"`
	Facets map[string]map[string]int `json:"facets"`
	Total  int                       `json:"total"`
}

func searchAPI(t *testing.T, d *Demo, params url.Values) (int, apiResult) {
	t.Helper()
	resp, err := http.Get(d.DirectoryURL() + "/api/v1/search?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r apiResult
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatalf("bad JSON %s: %v", body, err)
		}
	}
	return resp.StatusCode, r
}

func checkDemo(t *testing.T, d *Demo) {
	if len(d.Nodes) < 5 {
		t.Fatalf("%d nodes, want at least 5", len(d.Nodes))
	}
	code, r := searchAPI(t, d, url.Values{"q": {"pad"}, "near": {"44600"}})
	if code != 200 || len(r.Hits) == 0 {
		t.Fatalf("pad near 44600: status %d, %d hits", code, len(r.Hits))
	}
	if r.Hits[0].Hoster.Name != "Chaton Nazairien" {
		t.Errorf("first hit for pad near 44600 is %q (%s), want Chaton Nazairien", r.Hits[0].Hoster.Name, r.Hits[0].Name)
	}
	last := -1.0
	for _, h := range r.Hits {
		if h.DistanceKm == nil {
			t.Fatalf("hit %q has no distance_km", h.Name)
		}
		if *h.DistanceKm < last {
			t.Errorf("distance_km not increasing: %v after %v", *h.DistanceKm, last)
		}
		last = *h.DistanceKm
	}
	if len(r.Facets["category"]) == 0 {
		t.Errorf("no category facet: %v", r.Facets)
	}
	_, r = searchAPI(t, d, url.Values{"q": {"nextclud"}})
	found := false
	for _, h := range r.Hits[:min(3, len(r.Hits))] {
		found = found || h.Software == "Nextcloud"
	}
	if !found {
		t.Errorf("nextclud: no Nextcloud in the first 3 hits: %+v", r.Hits)
	}
	_, r = searchAPI(t, d, url.Values{"q": {"visio"}})
	if len(r.Hits) == 0 || r.Hits[0].Category != "video-call" {
		t.Errorf("visio: first hit is not a video call: %+v", r.Hits)
	}
	if code, _ := searchAPI(t, d, url.Values{"near": {"99999"}}); code < 400 {
		t.Errorf("near=99999 answered %d", code)
	}
	if code, _ := searchAPI(t, d, url.Values{"radius_km": {"abc"}}); code != 400 {
		t.Errorf("radius_km=abc answered %d, want 400", code)
	}
	checkDemoChatonsInfos(t, d)

	// Rename an offer in the Saint-Nazaire hoster file: the directory must
	// find the new name. How fast is BenchmarkEditToSearch's business
	// (issue 2 asks for under 2 s); here a generous bound only catches a
	// change that never arrives.
	delay, err := renameAndWait(d, "Pad de l'estuaire", "Pad des Chantiers Navals", 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("edit-to-search delay: %s", delay)
}

// renameAndWait renames an offer of the Saint-Nazaire demo hoster in its
// file and returns how long until the directory's search API finds it.
func renameAndWait(d *Demo, from, to string, limit time.Duration) (time.Duration, error) {
	file := d.HosterFile("chaton-nazairien")
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	edited := strings.Replace(string(data), "name: "+from, "name: "+to, 1)
	if edited == string(data) {
		return 0, fmt.Errorf("demo hoster file has no offer named %q", from)
	}
	start := time.Now()
	if err := os.WriteFile(file, []byte(edited), 0o640); err != nil {
		return 0, err
	}
	for {
		resp, err := http.Get(d.DirectoryURL() + "/api/v1/search?" + url.Values{"q": {to}}.Encode())
		if err != nil {
			return 0, err
		}
		var r apiResult
		err = json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if err == nil && len(r.Hits) > 0 && r.Hits[0].Name == to {
			return time.Since(start), nil
		}
		if time.Since(start) > limit {
			return 0, fmt.Errorf("renamed offer %q not searchable after %s", to, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// BenchmarkEditToSearch measures the delay from a hoster file edit to the
// new name being found by the directory's search API, through the whole
// chain: file watcher, reconcile, signed Update, inbox, index.
func BenchmarkEditToSearch(b *testing.B) {
	for _, backend := range []string{"embedded", "meilisearch"} {
		b.Run(backend, func(b *testing.B) {
			o := Options{}
			if backend == "meilisearch" {
				meiliURL, key := testenv.Meili(b)
				o = Options{MeiliURL: meiliURL, MeiliKey: key, DatabaseURL: testenv.PostgresURL(b),
					MeiliIndex: testenv.UniqueName("bench_")}
			}
			d := startDemo(b, o)
			name := "Pad de l'estuaire"
			var total, worst time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				next := fmt.Sprintf("Pad numéro %d", i)
				delay, err := renameAndWait(d, name, next, 30*time.Second)
				if err != nil {
					b.Fatal(err)
				}
				total += delay
				worst = max(worst, delay)
				name = next
			}
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/edit")
			b.ReportMetric(float64(worst.Milliseconds()), "worst_ms")
		})
	}
}

func TestDemoEmbedded(t *testing.T) {
	checkDemo(t, startDemo(t, Options{}))
}

func TestDemoMeilisearchAndPostgres(t *testing.T) {
	meiliURL, key := testenv.Meili(t)
	dsn := testenv.PostgresURL(t)
	d := startDemo(t, Options{MeiliURL: meiliURL, MeiliKey: key, DatabaseURL: dsn,
		MeiliIndex: fmt.Sprintf("demo_test_%d", time.Now().UnixNano())})
	if d.Directory.Index.Name() == "embedded" {
		t.Fatal("the directory is not using Meilisearch")
	}
	checkDemo(t, d)
}
