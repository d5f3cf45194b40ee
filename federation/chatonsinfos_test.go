package federation

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/chatonsinfos"
	"codeberg.org/portee/portee/federation/fetch"
	"codeberg.org/portee/portee/federation/librehosters"
	"codeberg.org/portee/portee/federation/vocab"
)

func importer(s *catalog.Store, kind string) *chatonsinfos.Importer {
	c := fetch.New(fetch.Options{AllowPrivate: true, Timeout: 5 * time.Second})
	im := &chatonsinfos.Importer{Store: s, Kind: kind, Getter: chatonsinfos.HTTPGetter{Client: c},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if kind == catalog.SourceLibrehosters {
		im.Crawl = librehosters.Crawl
	}
	return im
}

func get(t *testing.T, url string) (int, string, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// TestChatonsInfosRoundTrip: what a node exports, a directory imports back
// as the same hoster and offers; the organisation file carries every
// mandatory key and the free chatonsinfos: map.
func TestChatonsInfosRoundTrip(t *testing.T) {
	engines(t, func(t *testing.T, open func(testing.TB) *catalog.Store) {
		ctx := context.Background()
		nodeStore, dirStore := open(t), open(t)
		ln, base := listen(t)
		h := localHoster(t, nodeStore, base, "nazairien")
		h.ActorID = vocab.Paths{Base: base}.Actor("nazairien")
		localOffer(t, nodeStore, h, "nextcloud", "cloud")
		localOffer(t, nodeStore, h, "pad", "pad")
		localOffer(t, nodeStore, h, "visio", "video-call")
		n, _ := startNode(t, nodeStore, ln, base)
		n.SetChatonsInfosExtra("nazairien", map[string]string{"host.provider.type": "HOSTEDSERVER", "organization.name": "ignored", "metrics.http.hits.2024.months": "1,2,3"})

		orgURL := base + chatonsinfos.OrganizationPath("nazairien")
		code, ctype, body := get(t, orgURL)
		if code != 200 || !strings.HasPrefix(ctype, "text/plain") {
			t.Fatalf("organisation file: %d %s", code, ctype)
		}
		f := chatonsinfos.Parse(orgURL, []byte(body))
		for _, k := range []string{"file.class", "file.generator", "file.datetime", "file.protocol", "organization.name",
			"organization.website", "organization.status.level", "subs.nextcloud", "metrics.http.hits.2024.months"} {
			if f.Get(k) == "" {
				t.Errorf("organisation file has no %s:\n%s", k, body)
			}
		}
		if f.Get("organization.name") != h.Name {
			t.Errorf("the free map overrode organization.name: %q", f.Get("organization.name"))
		}
		_, _, svc := get(t, f.Get("subs.pad"))
		sf := chatonsinfos.Parse("svc", []byte(svc))
		for _, k := range []string{"file.class", "file.protocol", "service.name", "service.website", "service.status.level",
			"service.registration", "service.registration.load", "software.name", "host.provider.type"} {
			if sf.Get(k) == "" {
				t.Errorf("service file has no %s:\n%s", k, svc)
			}
		}
		if code, _, _ := get(t, base+chatonsinfos.ServicePath("nazairien", "nope")); code != 404 {
			t.Errorf("unknown service: %d", code)
		}
		// The actor and NodeInfo point at the file.
		_, _, actor := get(t, base+"/.well-known/nodeinfo")
		if actor == "" {
			t.Fatal("no nodeinfo")
		}
		req, _ := http.NewRequest(http.MethodGet, h.ActorID, nil)
		req.Header.Set("Accept", "application/activity+json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if doc["portee:chatonsInfos"] != orgURL {
			t.Errorf("actor links %v, want %s", doc["portee:chatonsInfos"], orgURL)
		}

		rep, err := importer(dirStore, "").Import(ctx, orgURL)
		if err != nil || rep.Organizations != 1 || rep.Services != 3 {
			t.Fatalf("import: %+v %v", rep, err)
		}
		got, err := dirStore.HosterByActor(ctx, orgURL)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != h.Name || got.Summary != h.Summary || got.Website != h.Website || got.Email != h.Email ||
			got.LegalURL != h.LegalURL || got.IconURL != h.IconURL || got.OrgType != h.OrgType ||
			got.MemberSince != h.MemberSince || got.PostalCode != h.PostalCode || got.Country != h.Country ||
			!got.HasCoords() || *got.Latitude != *h.Latitude || *got.Longitude != *h.Longitude {
			t.Errorf("round trip changed the hoster:\n got %+v\nwant %+v", got, h)
		}
		want, _ := nodeStore.OffersByHoster(ctx, h.ID)
		offers, _ := dirStore.OffersByHoster(ctx, got.ID)
		if len(offers) != len(want) {
			t.Fatalf("%d offers, want %d", len(offers), len(want))
		}
		for i, o := range offers {
			w := want[i]
			if o.Key != w.Key || o.Name != w.Name || o.Summary != w.Summary || o.Category != w.Category || o.URL != w.URL ||
				o.Software != w.Software || o.Registration != w.Registration || o.Load != w.Load || o.Status != w.Status ||
				o.StartDate != w.StartDate {
				t.Errorf("offer %s:\n got %+v\nwant %+v", w.Key, o, w)
			}
		}

		// librehost.json round trip too.
		code, ctype, lj := get(t, base+librehosters.Path)
		if code != 200 || !strings.Contains(ctype, "json") || !strings.Contains(lj, `"@context": "https://schema.org"`) {
			t.Fatalf("librehost.json: %d %s\n%s", code, ctype, lj)
		}
		lh, lo, probs, err := librehosters.Parse("l", []byte(lj))
		if err != nil || lh.Name != h.Name || len(lo) != 3 || len(probs) != 0 {
			t.Errorf("librehost.json read back: %q, %d offers, %v, %v", lh.Name, len(lo), probs, err)
		}
	})
}

// TestChatonsInfosHosterMergedIntoLaterNode: an organisation imported from
// ChatonsInfos that later runs a Portée node (same website) is shown once,
// with the node's signed data; a later import does not bring it back.
func TestChatonsInfosHosterMergedIntoLaterNode(t *testing.T) {
	engines(t, func(t *testing.T, open func(testing.TB) *catalog.Store) {
		ctx := context.Background()
		nodeStore, dirStore := open(t), open(t)
		nln, nbase := listen(t)
		dln, dbase := listen(t)
		h := localHoster(t, nodeStore, nbase, "nazairien")
		localOffer(t, nodeStore, h, "nextcloud", "cloud")
		startNode(t, nodeStore, nln, nbase)

		// The same organisation's hand-written ChatonsInfos file, served
		// elsewhere, read before the node exists for the directory.
		files := http.NewServeMux()
		files.HandleFunc("/org.properties", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "file.class = Organization\norganization.name = Chaton nazairien (fiche)\norganization.website = "+h.Website+"\nsubs.pad = /pad.properties\n")
		})
		files.HandleFunc("/pad.properties", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "file.class = Service\nservice.name = Pad\nservice.website = https://pad.example/\nsoftware.name = Etherpad\n")
		})
		fsrv := httptest.NewServer(files)
		t.Cleanup(fsrv.Close)
		fbase := fsrv.URL
		im := importer(dirStore, "")
		if _, err := im.Import(ctx, fbase+"/org.properties"); err != nil {
			t.Fatal(err)
		}
		imported, err := dirStore.HosterByActor(ctx, fbase+"/org.properties")
		if err != nil || !imported.Discoverable || imported.Source != catalog.SourceChatonsInfos {
			t.Fatalf("imported: %+v %v", imported, err)
		}

		d, _ := startDirectory(t, dirStore, dln, dbase)
		if err := d.Follow(ctx, h.ActorID); err != nil {
			t.Fatal(err)
		}
		visible := func() []catalog.Hoster {
			hs, err := dirStore.ListHosters(ctx, catalog.HosterFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return hs
		}
		hs := visible()
		if len(hs) != 1 || hs[0].ActorID != h.ActorID || hs[0].Source != catalog.SourcePortee {
			t.Fatalf("after the node: %d hosters shown (%+v)", len(hs), hs)
		}
		if os, _ := dirStore.OffersByHoster(ctx, imported.ID); len(os) != 0 {
			t.Errorf("the imported record still has %d offers", len(os))
		}
		rep, err := im.Import(ctx, fbase+"/org.properties")
		if err != nil {
			t.Fatal(err)
		}
		if hs := visible(); len(hs) != 1 {
			t.Errorf("a later import shows the hoster twice")
		}
		found := false
		for _, p := range rep.Problems {
			found = found || strings.Contains(p.Reason, "Portée node")
		}
		if !found {
			t.Errorf("report does not say the node wins: %v", rep.Problems)
		}

		// The directory's federation file lists the node's own file.
		_, _, fed := get(t, dbase+chatonsinfos.FederationPath)
		ff := chatonsinfos.Parse("fed", []byte(fed))
		if ff.Class() != "federation" || len(ff.WithPrefix("subs.")) != 1 ||
			ff.WithPrefix("subs.")[0].Value != nbase+chatonsinfos.OrganizationPath("nazairien") {
			t.Errorf("federation file:\n%s", fed)
		}
	})
}
