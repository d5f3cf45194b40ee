package chatonsinfos

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/catalog/catalogtest"
	"codeberg.org/portee/portee/federation/fetch"
)

// fakeFederation serves a ChatonsInfos federation of orgs organisations
// with perOrg services each, in the three styles of the wild (hand-written,
// YunoHost quotes and sections, Latin-1 with CRLF), and the traps of the
// wild: a 404, a 10 MB file, a redirect loop, a robots.txt disallow, a
// non-http sub, a broken service, an organisation whose subs name another
// one's service files. Version 2 (after bump) renames organisation 1,
// drops a service of organisation 2 and makes organisation 3 answer 410.
type fakeFederation struct {
	srv     *httptest.Server
	orgs    int
	perOrg  int
	clean   bool // no traps: only the organisations (benchmarks)
	version atomic.Int32
}

func newFakeFederation(t testing.TB, orgs, perOrg int) *fakeFederation {
	ff := &fakeFederation{orgs: orgs, perOrg: perOrg}
	ff.version.Store(1)
	ff.srv = httptest.NewServer(http.HandlerFunc(ff.serve))
	t.Cleanup(ff.srv.Close)
	return ff
}

func (ff *fakeFederation) url(path string) string { return ff.srv.URL + path }

func (ff *fakeFederation) serve(w http.ResponseWriter, r *http.Request) {
	v := ff.version.Load()
	p := r.URL.Path
	switch {
	case p == "/robots.txt":
		fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
	case p == "/federation.properties":
		fmt.Fprint(w, "file.class = Federation\nfederation.name = Fausse fédération\n")
		for i := 0; i < ff.orgs; i++ {
			if v > 2 && i == 4 {
				continue // organisation 4 left the collective
			}
			fmt.Fprintf(w, "subs.org%d = %s\n", i, ff.url(fmt.Sprintf("/org/%d.properties", i)))
		}
		if ff.clean {
			return
		}
		fmt.Fprintf(w, "subs.missing = %s\nsubs.big = %s\nsubs.loop = %s\nsubs.private = %s\nsubs.js = javascript:alert(1)\nsubs.evil = %s\n",
			ff.url("/org/missing.properties"), ff.url("/big.properties"), ff.url("/loop/a"), ff.url("/private/org.properties"), ff.url("/evil.properties"))
	case p == "/big.properties":
		w.Header().Set("Content-Type", "text/plain")
		chunk := []byte(strings.Repeat("# padding\n", 1000))
		for written := 0; written < 10<<20; written += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	case strings.HasPrefix(p, "/loop/"):
		next := "/loop/b"
		if p == "/loop/b" {
			next = "/loop/a"
		}
		http.Redirect(w, r, next, http.StatusFound)
	case p == "/private/org.properties":
		fmt.Fprint(w, "file.class = Organization\norganization.name = Caché\n")
	case p == "/evil.properties":
		// An organisation that names organisation 5's service files.
		fmt.Fprint(w, "file.class = Organization\norganization.name = Intrus\norganization.website = https://intrus.example\n")
		for s := 0; s < ff.perOrg; s++ {
			fmt.Fprintf(w, "subs.s%d = %s\n", s, ff.url(fmt.Sprintf("/org/5/s%d.properties", s)))
		}
	default:
		var org, svc int
		if n, _ := fmt.Sscanf(p, "/org/%d/s%d.properties", &org, &svc); n == 2 {
			ff.service(w, org, svc, v)
			return
		}
		if n, _ := fmt.Sscanf(p, "/org/%d.properties", &org); n == 1 && org < ff.orgs {
			ff.organization(w, org, v)
			return
		}
		http.NotFound(w, r)
	}
}

var softwares = []string{"Etherpad", "Nextcloud", "Jitsi Meet", "Framadate", "PeerTube", "Mastodon"}

func (ff *fakeFederation) organization(w http.ResponseWriter, i int, v int32) {
	if v > 1 && i == 3 {
		w.WriteHeader(http.StatusGone)
		return
	}
	name := fmt.Sprintf("Chaton n°%d", i)
	if v > 1 && i == 1 {
		name = "Chaton renommé"
	}
	services := ff.perOrg
	if v > 1 && i == 2 {
		services--
	}
	site := fmt.Sprintf("https://chaton-%d.example", i)
	switch i % 3 {
	case 0: // hand-written
		fmt.Fprintf(w, "# [File]\nfile.class = Organization\nfile.protocol = ChatonsInfos-0.5\n\n# [Organisation]\norganization.name = %s\norganization.website = %s\norganization.description = Un chaton \\\n    qui écrit à la main.\norganization.geolocation.address = 1 place de la Mairie, 44600 Saint-Nazaire\n", name, site)
		for s := 0; s < services; s++ {
			fmt.Fprintf(w, "subs.s%d = %s\n", s, ff.url(fmt.Sprintf("/org/%d/s%d.properties", i, s)))
		}
	case 1: // YunoHost app
		fmt.Fprintf(w, "[File]\nfile.class = 'organization'\n\n[Organisation]\norganization.name = '%s'\norganization.website = '%s'\norganization.geolocation.latitude = '47,2'\norganization.geolocation.longitude = '-1,5'\n\n[Subs]\n", name, site)
		for s := 0; s < services; s++ {
			fmt.Fprintf(w, "s%d = '%s'\n", s, ff.url(fmt.Sprintf("/org/%d/s%d.properties", i, s)))
		}
	default: // Latin-1, CRLF
		body := fmt.Sprintf("file.class = Organization\r\norganization.name = %s (\xe9t\xe9)\r\norganization.website = %s\r\nthis line is broken\r\n", latin1(name), site)
		for s := 0; s < services; s++ {
			body += fmt.Sprintf("subs.s%d = %s\r\n", s, ff.url(fmt.Sprintf("/org/%d/s%d.properties", i, s)))
		}
		_, _ = io.WriteString(w, body)
	}
}

func latin1(s string) string {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r))
	}
	return string(b)
}

func (ff *fakeFederation) service(w http.ResponseWriter, org, svc int, v int32) {
	if org == 0 && svc == 0 && !ff.clean {
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	}
	sw := softwares[svc%len(softwares)]
	fmt.Fprintf(w, "file.class = Service\nservice.name = %s du chaton %d\nservice.website = https://s%d.chaton-%d.example/\nservice.registration = Free\nservice.registration.load = OPEN\nservice.status.level = OK\nsoftware.name = %s\nsoftware.license.name = AGPL\n",
		sw, org, svc, org, sw)
}

func quietImporter(s *catalog.Store) *Importer {
	c := fetch.New(fetch.Options{AllowPrivate: true, Timeout: 5 * time.Second, MaxBody: 1 << 20, PerHost: 4})
	return &Importer{Store: s, Getter: HTTPGetter{Client: c}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func engines(t *testing.T, fn func(t *testing.T, s *catalog.Store)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, catalogtest.NewSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, catalogtest.NewPostgres(t)) })
}

func hasProblem(rep *catalog.ImportReport, source, reason string) bool {
	for _, p := range rep.Problems {
		if strings.Contains(p.Source, source) && strings.Contains(p.Reason, reason) {
			return true
		}
	}
	return false
}

func TestCrawlFederationOfFiftyOrganisations(t *testing.T) {
	engines(t, func(t *testing.T, s *catalog.Store) {
		ctx := context.Background()
		ff := newFakeFederation(t, 50, 6)
		im := quietImporter(s)
		rep, err := im.Import(ctx, ff.url("/federation.properties"))
		if err != nil {
			t.Fatal(err)
		}
		// 50 organisations + the intruder; 300 services less the broken one,
		// plus the intruder's own copies of organisation 5's six.
		if rep.Organizations != 51 || rep.Services != 299+6 {
			t.Fatalf("imported %d organisations, %d services", rep.Organizations, rep.Services)
		}
		for _, c := range []struct{ source, reason string }{
			{"/org/missing.properties", "404"},
			{"/big.properties", "too large"},
			{"/loop/a", "redirects"},
			{"/private/org.properties", "robots.txt"},
			{"/federation.properties", "not an http(s) URL"},
			{"/org/0/s0.properties", "500"},
			{"/org/2.properties", "is not a ChatonsInfos key"},
		} {
			if !hasProblem(rep, c.source, c.reason) {
				t.Errorf("no problem %q for %s in %v", c.reason, c.source, rep.Problems)
			}
		}
		for _, p := range rep.Problems {
			if !strings.HasPrefix(chatonsProblem(p).Error(), "http://127.0.0.1") {
				t.Errorf("problem without its URL: %v", p)
			}
		}
		hs, err := s.ListHosters(ctx, catalog.HosterFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(hs) != 51 {
			t.Fatalf("%d hosters listed", len(hs))
		}
		byURL := map[string]catalog.Hoster{}
		for _, h := range hs {
			if h.Source != catalog.SourceChatonsInfos {
				t.Errorf("%s: source %q", h.Name, h.Source)
			}
			byURL[h.ActorID] = h
		}
		latin := byURL[ff.url("/org/2.properties")]
		if latin.Name != "Chaton n°2 (été)" {
			t.Errorf("Latin-1 name %q", latin.Name)
		}
		yuno := byURL[ff.url("/org/1.properties")]
		if !yuno.HasCoords() || *yuno.Latitude != 47.2 {
			t.Errorf("YunoHost coordinates %v", yuno.Latitude)
		}
		hand := byURL[ff.url("/org/0.properties")]
		if hand.PostalCode != "44600" || hand.Summary != "Un chaton qui écrit à la main." {
			t.Errorf("hand-written: %q %q", hand.PostalCode, hand.Summary)
		}
		o5, err := s.OffersByHoster(ctx, byURL[ff.url("/org/5.properties")].ID)
		if err != nil || len(o5) != 6 {
			t.Fatalf("organisation 5 has %d offers (%v)", len(o5), err)
		}
		if o5[0].Category != "pad" || o5[1].Category != "cloud" {
			t.Errorf("categories %q %q", o5[0].Category, o5[1].Category)
		}
		n, _ := s.CountOffers(ctx)
		if n != 305 {
			t.Errorf("%d offers stored", n)
		}

		// A second refresh, after the files changed.
		ff.version.Store(2)
		before, _ := s.LastSeq(ctx)
		rep, err = im.Import(ctx, ff.url("/federation.properties"))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Organizations != 50 || !hasProblem(rep, "/org/3.properties", "410") {
			t.Errorf("second refresh: %d organisations; problems %v", rep.Organizations, rep.Problems)
		}
		if h, _ := s.HosterByActor(ctx, ff.url("/org/1.properties")); h.Name != "Chaton renommé" {
			t.Errorf("renamed organisation: %q", h.Name)
		}
		if os, _ := s.OffersByHoster(ctx, byURL[ff.url("/org/2.properties")].ID); len(os) != 5 {
			t.Errorf("organisation 2 has %d offers after dropping one", len(os))
		}
		if h, _ := s.HosterByActor(ctx, ff.url("/org/3.properties")); h.Status != catalog.HosterGone {
			t.Errorf("organisation answering 410 is %q", h.Status)
		}
		if os, _ := s.OffersByHoster(ctx, byURL[ff.url("/org/0.properties")].ID); len(os) != 5 {
			t.Errorf("organisation 0 has %d offers (the broken one must not delete the others)", len(os))
		}
		// Only what changed was written: the renamed hoster, the dropped
		// offer, the gone hoster.
		after, _ := s.LastSeq(ctx)
		if after-before != 3 {
			t.Errorf("second refresh appended %d change rows, want 3", after-before)
		}
		reps, err := s.ImportReports(ctx, 10)
		if err != nil || len(reps) != 2 || len(reps[0].Problems) == 0 {
			t.Fatalf("reports %d (%v)", len(reps), err)
		}

		// Organisation 4 is no longer listed: it left, it is gone.
		ff.version.Store(3)
		if rep, err = im.Import(ctx, ff.url("/federation.properties")); err != nil {
			t.Fatal(err)
		}
		if h, _ := s.HosterByActor(ctx, ff.url("/org/4.properties")); h.Status != catalog.HosterGone {
			t.Errorf("organisation no longer listed is %q", h.Status)
		}
		if !hasProblem(rep, "/org/4.properties", "no longer listed") {
			t.Errorf("problems %v", rep.Problems)
		}
		if h, _ := s.HosterByActor(ctx, ff.url("/org/6.properties")); h.Status != catalog.HosterActive {
			t.Errorf("a listed organisation is %q", h.Status)
		}
	})
}

func chatonsProblem(p catalog.ImportProblem) Problem { return Problem(p) }

func TestImportedOrganisationCannotTakeANode(t *testing.T) {
	s := catalogtest.NewSQLite(t)
	ctx := context.Background()
	ff := newFakeFederation(t, 1, 1)
	node := catalogtest.SampleHoster("nazairien", ff.url(""))
	// A node whose actor id is the organisation file's URL: the import must
	// not overwrite it.
	node.ActorID = ff.url("/org/0.properties")
	if err := s.UpsertHoster(ctx, node, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	im := quietImporter(s)
	rep, err := im.Import(ctx, ff.url("/org/0.properties"))
	if err != nil {
		t.Fatal(err)
	}
	if !hasProblem(rep, "/org/0.properties", "not overwritten") {
		t.Errorf("problems %v", rep.Problems)
	}
	h, _ := s.HosterByActor(ctx, node.ActorID)
	if h.Name != node.Name || h.Source != catalog.SourcePortee {
		t.Errorf("node overwritten: %q %q", h.Name, h.Source)
	}
}

// TestNodeStoredDuringImportWins: a node of the same hoster stored while the
// import runs (after the import listed the nodes, before it writes that
// organisation) still wins: the import checks again after writing. The
// importer's clock is the seam: it is read once at the start, then once per
// organisation, after the nodes were listed.
func TestNodeStoredDuringImportWins(t *testing.T) {
	s := catalogtest.NewSQLite(t)
	ctx := context.Background()
	ff := newFakeFederation(t, 1, 2)
	im := quietImporter(s)
	calls := 0
	im.Now = func() time.Time {
		if calls++; calls == 2 {
			node := catalogtest.SampleHoster("chaton0", "https://chaton-0.example")
			if err := s.UpsertHoster(ctx, node, catalog.WriteMeta{}); err != nil {
				t.Error(err)
			}
		}
		return time.Now()
	}
	rep, err := im.Import(ctx, ff.url("/org/0.properties"))
	if err != nil {
		t.Fatal(err)
	}
	hs, err := s.ListHosters(ctx, catalog.HosterFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 1 || hs[0].Source != catalog.SourcePortee {
		t.Errorf("%d hosters shown: %+v; problems %v", len(hs), hs, rep.Problems)
	}
}
