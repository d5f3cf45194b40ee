package observatory

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/observatory/sitetest"
)

// BenchmarkRound: one full observation round of 100 hosters with 5 offers
// each (606 pages: websites, offers, legal notices; stylesheets, status.php
// and NodeInfo on top) against loopback sites over TLS, with the default 4
// hosters at a time. It reports the heap's peak during the round.
func BenchmarkRound(b *testing.B) {
	const hosters, offers = 100, 5
	var names []string
	for i := range hosters {
		names = append(names, fmt.Sprintf("chaton%03d.test", i))
	}
	e := newEnv(b, names...)
	for i, n := range names {
		third := ""
		if i%3 == 0 {
			third = `<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Roboto"><script src="https://www.googletagmanager.com/gtag/js"></script>`
		}
		e.site(n, sitetest.Site{
			"/":                 {Body: sitetest.HTML(n, `<link rel="stylesheet" href="/style.css">`+third, `<img src="/logo.png"><p>`+n+`</p>`)},
			"/style.css":        {ContentType: "text/css", Body: `body{font-family:sans-serif;background:url(/fond.png)}`},
			"/mentions-legales": {Body: sitetest.HTML("Mentions légales", "", "Éditeur")},
		})
		var os []catalog.Offer
		for j := range offers {
			host := fmt.Sprintf("s%d.%s", j, n)
			site := sitetest.Site{"/": {Body: sitetest.HTML(host, `<link rel="stylesheet" href="/app.css">`, "<p>service</p>")},
				"/app.css": {ContentType: "text/css", Body: "a{}"}}
			sw := []string{"Etherpad", "2.1"}
			switch j {
			case 0:
				site["/status.php"] = sitetest.NextcloudStatus("29.0.4")
				sw = []string{"Nextcloud", "29.0"}
			case 1:
				sitetest.NodeInfo(site, "https://"+host, "mastodon", "4.5.0")
				sw = []string{"Mastodon", "4.5.0"}
			}
			e.site(host, site)
			os = append(os, offer(fmt.Sprintf("s%d", j), "https://"+host+"/", sw[0], sw[1]))
		}
		e.hoster(fmt.Sprintf("chaton%03d", i), n, os, catalog.Answer{Commitment: "neutre-pistage", Status: catalog.AnswerYes})
	}
	ob := e.observatory(nil)
	ctx := context.Background()
	b.ReportAllocs()
	var peak atomic.Uint64
	for b.Loop() {
		runtime.GC()
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ms runtime.MemStats
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		}()
		if err := ob.ObserveAll(ctx); err != nil {
			b.Fatal(err)
		}
		close(stop)
		wg.Wait()
	}
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
	latest, err := e.store.LatestObservations(ctx)
	if err != nil || len(latest) != hosters {
		b.Fatalf("%d hosters observed, %v", len(latest), err)
	}
}
