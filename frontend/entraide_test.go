package frontend

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/catalog/catalogtest"
)

func TestEntraidePage(t *testing.T) {
	f := newFixture(t)
	body := f.page("/entraide", http.StatusOK)
	mustContain(t, "entraide", body, "Ouvrir maintenant", `href="/entraide/pad/ouvrir"`, `href="/entraide/video-call/ouvrir"`,
		"Pad de l&#39;estuaire", "Deuxième visio")
	// Full, member-only, unreachable, gone and hidden hosters' offers are
	// never proposed.
	mustNotContain(t, "entraide", body, "Etherpad de Chaton Lent", "Chaton Parti", "Chaton Discret", "Ti Chaton Péi", "Nextcloud de")
}

func TestEntraideOpenRedirectsToHealthyInstances(t *testing.T) {
	f := newFixture(t)
	allowed := map[string]string{
		f.offer["chaton-nazairien/etherpad"].URL: "chaton-nazairien",
		f.offer["evil/pad"].URL:                  "evil",
	}
	count := map[string]int{}
	const draws = 2000
	for range draws {
		rec := f.get("/entraide/pad/ouvrir")
		if rec.Code != http.StatusFound || rec.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("%d %v", rec.Code, rec.Header())
		}
		who, ok := allowed[rec.Header().Get("Location")]
		if !ok {
			t.Fatalf("redirected to %q", rec.Header().Get("Location"))
		}
		count[who]++
	}
	for who, n := range count {
		if n < draws*40/100 || n > draws*60/100 {
			t.Errorf("%s drawn %d times of %d: the load is not spread", who, n, draws)
		}
	}
	if len(count) != 2 {
		t.Errorf("draws %v", count)
	}
	rec := f.get("/entraide/video-call/ouvrir")
	if loc := rec.Header().Get("Location"); !strings.Contains(loc, "erdre") {
		t.Errorf("video-call goes to %q, only Erdre Libre's are open and working", loc)
	}
	f.page("/entraide/mail/ouvrir", http.StatusNotFound)
	f.page("/entraide/nope/ouvrir", http.StatusNotFound)
}

// TestWeigh: a hoster listing three instances gets the same share as one
// listing one; a hoster with half its checks failed gets half.
func TestWeigh(t *testing.T) {
	hosters := map[int64]*catalog.Hoster{
		1: {ID: 1, Checks: 10, ChecksOK: 10},
		2: {ID: 2},
		3: {ID: 3, Checks: 10, ChecksOK: 5},
	}
	items := []entraideItem{{HosterID: 1}, {HosterID: 1}, {HosterID: 1}, {HosterID: 2}, {HosterID: 3}}
	weigh(items, hosters)
	share := map[int64]float64{}
	for _, it := range items {
		share[it.HosterID] += it.Weight
	}
	if share[1] != 1 || share[2] != 1 || share[3] != 0.5 {
		t.Errorf("shares %v", share)
	}
}

// TestEntraidePaginated: /entraide listed every instance of every kind
// (664 KB at 4,000 offers); it now lists a few per kind and links to the
// kind's own pages, 50 instances a page.
func TestEntraidePaginated(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	h := f.hoster["erdre"]
	const extra = 1200
	for i := range extra {
		o := catalogtest.SampleOffer(h, fmt.Sprintf("pad-%04d", i), "pad")
		o.Registration, o.Load, o.Status, o.Audience = catalog.RegistrationNone, catalog.LoadOpen, catalog.StatusOK, catalog.AudienceEveryone
		if err := f.store.UpsertOffer(ctx, o, catalog.WriteMeta{}); err != nil {
			t.Fatal(err)
		}
	}
	body := f.page("/entraide", http.StatusOK)
	if len(body) > 64<<10 {
		t.Errorf("/entraide is %d bytes with %d pads, want it bounded (under 64 KiB)", len(body), extra)
	}
	total := extra + 2 // the fixture's two open pads
	mustContain(t, "entraide", body, `href="/entraide/pad"`)
	if !regexp.MustCompile(fmt.Sprintf(`Voir les %d.{1,3}%03d services`, total/1000, total%1000)).MatchString(body) {
		t.Errorf("no link to all %d pads", total)
	}
	if n := strings.Count(body, "<bdi>"); n > 2*entraideInline*len(catalog.Categories) {
		t.Errorf("%d names listed inline", n)
	}
	first := f.page("/entraide/pad", http.StatusOK)
	if n := strings.Count(first, `rel="nofollow noopener"`); n != entraidePerPage {
		t.Errorf("first page lists %d instances, want %d", n, entraidePerPage)
	}
	pages := (total + entraidePerPage - 1) / entraidePerPage
	mustContain(t, "kind page", first, `href="/entraide/pad?page=2"`, `href="/entraide/pad/ouvrir"`)
	last := f.page(fmt.Sprintf("/entraide/pad?page=%d&lang=en", pages), http.StatusOK)
	if n := strings.Count(last, `rel="nofollow noopener"`); n != total-(pages-1)*entraidePerPage {
		t.Errorf("last page lists %d instances", n)
	}
	mustContain(t, "last page en", last, "Use now: ", fmt.Sprintf(`href="/entraide/pad?lang=en&amp;page=%d"`, pages-1))
	f.page(fmt.Sprintf("/entraide/pad?page=%d", pages+1), http.StatusNotFound)
	f.page("/entraide/mail", http.StatusNotFound)
	f.page("/entraide/nope", http.StatusNotFound)
}
