package librehosters

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/chatonsinfos"
	"codeberg.org/portee/portee/federation/fetch"
)

const sampleMember = `{
  "@context": "https://schema.org",
  "@type": "Organization",
  "name": "IndieChaton",
  "description": "Coopérative d'hébergement",
  "url": "https://indie.example",
  "logo": "javascript:alert(1)",
  "email": "hello@indie.example",
  "location": {"@type": "Place", "address": {"postalCode": "44600", "addressLocality": "Saint-Nazaire", "addressCountry": "FR"},
    "geo": {"latitude": 47.27, "longitude": -2.21}},
  "makesOffer": [
    {"@type": "Offer", "itemOffered": {"@type": "WebApplication", "name": "Pad", "url": "https://pad.indie.example", "software": "Etherpad"}},
    {"@type": "Offer", "itemOffered": {"@type": "WebApplication", "name": "Sans adresse"}}
  ],
  "services": [{"name": "Cloud", "url": "https://cloud.indie.example", "applicationCategory": "cloud", "isAccessibleForFree": false}]
}`

func TestParseMember(t *testing.T) {
	h, offers, probs, err := Parse("https://indie.example/librehost.json", []byte(sampleMember))
	if err != nil {
		t.Fatal(err)
	}
	if h.Name != "IndieChaton" || h.Website != "https://indie.example" || h.IconURL != "" || h.PostalCode != "44600" || !h.HasCoords() {
		t.Errorf("hoster %+v", h)
	}
	if len(offers) != 2 || offers[0].Name != "Cloud" || offers[0].Registration != catalog.RegistrationClient || offers[1].Category != "pad" {
		t.Errorf("offers %+v", offers)
	}
	var reasons []string
	for _, p := range probs {
		reasons = append(reasons, p.Error())
	}
	all := strings.Join(reasons, "\n")
	if !strings.Contains(all, "organization.logo") || !strings.Contains(all, "Sans adresse") && !strings.Contains(all, "services[") {
		t.Errorf("problems:\n%s", all)
	}
	if _, _, _, err := Parse("x", []byte(`{"name": ""}`)); err == nil {
		t.Error("a sampleMember without a name was accepted")
	}
	if _, _, _, err := Parse("x", []byte(`[1,2`)); err == nil {
		t.Error("broken JSON was accepted")
	}
}

func TestWriteReadsBack(t *testing.T) {
	lat, lon := 47.27, -2.21
	h := &catalog.Hoster{Name: "Chaton", Summary: "S", Website: "https://c.example", Email: "a@c.example",
		Location: catalog.Location{PostalCode: "44600", Commune: "Saint-Nazaire", Country: "FR", Latitude: &lat, Longitude: &lon}}
	offers := []catalog.Offer{{Key: "pad", Name: "Pad", URL: "https://pad.c.example", Category: "pad", Registration: "none", Load: "full",
		Software: catalog.Software{Name: "Etherpad"}}}
	b, err := Write(h, offers)
	if err != nil {
		t.Fatal(err)
	}
	got, gotOffers, probs, err := Parse("l", b)
	if err != nil || len(probs) != 0 {
		t.Fatalf("%v %v\n%s", err, probs, b)
	}
	if got.Name != h.Name || got.Website != h.Website || got.Email != h.Email || got.PostalCode != "44600" || *got.Latitude != lat {
		t.Errorf("hoster %+v", got)
	}
	if len(gotOffers) != 1 || gotOffers[0].Name != "Pad" || gotOffers[0].Software.Name != "Etherpad" || gotOffers[0].Category != "pad" {
		t.Errorf("offers %+v", gotOffers)
	}
}

func TestCrawlDirectory(t *testing.T) {
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("/directory.json", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"IndieChaton": "%s/a/librehost.json", "Broken": "%s/missing.json", "Bad": "ftp://x", "Again": "/a/librehost.json"}`, srv.URL, srv.URL)
	})
	mux.HandleFunc("/a/librehost.json", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, sampleMember) })
	srv = httptest.NewServer(mux)
	defer srv.Close()
	c := fetch.New(fetch.Options{AllowPrivate: true, Timeout: 5 * time.Second})
	res, err := Crawl(context.Background(), chatonsinfos.HTTPGetter{Client: c}, srv.URL+"/directory.json", chatonsinfos.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Organizations) != 2 || res.Services() != 2 {
		t.Fatalf("%d organisations, %d services", len(res.Organizations), res.Services())
	}
	all := fmt.Sprint(res.AllProblems())
	if !strings.Contains(all, "missing.json") || !strings.Contains(all, "ftp://x") {
		t.Errorf("problems %s", all)
	}
}

// FuzzParse: whatever a librehost.json holds, Parse never panics and what
// it returns passes the catalog's validation.
func FuzzParse(f *testing.F) {
	f.Add([]byte(sampleMember))
	f.Add([]byte(`{"name":"x","url":"https://x","services":[{"name":"a","url":"https://a"}]}`))
	f.Add([]byte(`{"name":"x","location":{"geo":{"latitude":1e999}}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, offers, _, err := Parse("fuzz", b)
		if err != nil {
			return
		}
		h.Username = "fuzz"
		if verr := h.Validate(); verr != nil {
			t.Fatalf("invalid hoster %+v: %v", h, verr)
		}
		for _, o := range offers {
			if verr := o.Validate(); verr != nil {
				t.Fatalf("invalid offer %+v: %v", o, verr)
			}
		}
	})
}
