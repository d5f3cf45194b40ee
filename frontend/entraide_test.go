package frontend

import (
	"net/http"
	"strings"
	"testing"

	"codeberg.org/portee/portee/catalog"
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
