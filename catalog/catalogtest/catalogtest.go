// Package catalogtest is the test kit of the catalog: stores on real SQLite
// and PostgreSQL for other packages' tests, realistic sample hosters and
// offers, and RunContract, the suite every Store engine must pass.
package catalogtest

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/internal/testenv"
)

// NewSQLite opens a migrated store on a SQLite file in t.TempDir, closed
// when the test ends.
func NewSQLite(t testing.TB) *catalog.Store {
	t.Helper()
	return open(t, filepath.Join(t.TempDir(), "catalog.db"))
}

// NewPostgres opens a migrated store on a fresh PostgreSQL database (see
// testenv.PostgresURL: skipped when no server is configured), closed and
// dropped when the test ends.
func NewPostgres(t testing.TB) *catalog.Store {
	t.Helper()
	return open(t, testenv.PostgresURL(t))
}

func open(t testing.TB, dsn string) *catalog.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := catalog.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("catalogtest: open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func ptr[T any](v T) *T { return &v }

// SampleHoster returns a valid remote hoster named after username, served
// at baseURL ("https://chaton.example" or an httptest URL), located in
// Saint-Nazaire. Its actor id is baseURL + "/hosters/" + username.
func SampleHoster(username, baseURL string) *catalog.Hoster {
	baseURL = strings.TrimSuffix(baseURL, "/")
	domain := baseURL
	if u, err := url.Parse(baseURL); err == nil && u.Host != "" {
		domain = u.Host
	}
	actor := baseURL + "/hosters/" + username
	return &catalog.Hoster{
		ActorID:  actor,
		Username: username,
		Domain:   domain,
		Source:   catalog.SourcePortee,
		Name:     "Chaton " + username,
		Summary:  "Association d'hébergement de services libres, éthiques et locaux.",
		Website:  baseURL + "/",
		Email:    "contact@" + hostOnly(domain),
		LegalURL: baseURL + "/mentions-legales",
		IconURL:  baseURL + "/icon.png",
		OrgType:  "association",
		Location: catalog.Location{
			Address:     "12 rue de la Paix",
			PostalCode:  "44600",
			Commune:     "Saint-Nazaire",
			INSEE:       "44184",
			Departement: "44",
			Region:      "Pays de la Loire",
			Country:     "FR",
			Latitude:    ptr(47.2735),
			Longitude:   ptr(-2.2138),
		},
		MemberSince:    "2019-06-01",
		Portee:         8,
		Discoverable:   true,
		InboxURL:       actor + "/inbox",
		SharedInboxURL: baseURL + "/inbox",
		OutboxURL:      actor + "/outbox",
		FollowersURL:   actor + "/followers",
		PublicKeyID:    actor + "#main-key",
		PublicKeyPEM:   "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n",
		Status:         catalog.HosterActive,
		Updated:        time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC),
	}
}

func hostOnly(hostport string) string {
	if i := strings.LastIndexByte(hostport, ':'); i > 0 && !strings.Contains(hostport[i:], "]") {
		return hostport[:i]
	}
	return hostport
}

// samples gives realistic software per category; others get generic values.
var samples = map[string]catalog.Software{
	"cloud":      {Name: "Nextcloud", Version: "29.0.4", License: "AGPL-3.0-or-later", SourceURL: "https://github.com/nextcloud/server", Website: "https://nextcloud.com"},
	"pad":        {Name: "Etherpad", Version: "2.1.1", License: "Apache-2.0", SourceURL: "https://github.com/ether/etherpad-lite", Website: "https://etherpad.org"},
	"video-call": {Name: "Jitsi Meet", Version: "2.0.9457", License: "Apache-2.0", SourceURL: "https://github.com/jitsi/jitsi-meet", Website: "https://jitsi.org"},
	"poll":       {Name: "Framadate", Version: "1.1.19", License: "CECILL-B", SourceURL: "https://framagit.org/framasoft/framadate/framadate"},
	"microblog":  {Name: "Mastodon", Version: "4.3.0", License: "AGPL-3.0-or-later", SourceURL: "https://github.com/mastodon/mastodon", Website: "https://joinmastodon.org"},
	"video":      {Name: "PeerTube", Version: "6.2.0", License: "AGPL-3.0-or-later", SourceURL: "https://github.com/Chocobozzz/PeerTube", Website: "https://joinpeertube.org"},
}

// SampleOffer returns a valid offer of hoster h (h.ID must be set before
// UpsertOffer) with this key and category. Its object id is the hoster's
// actor id + "/offers/" + key.
func SampleOffer(h *catalog.Hoster, key, category string) *catalog.Offer {
	sw, ok := samples[category]
	if !ok {
		sw = catalog.Software{Name: "Logiciel " + key, Version: "1.0", License: "GPL-3.0-or-later", SourceURL: "https://codeberg.org/example/" + key}
	}
	host := hostOnly(h.Domain)
	return &catalog.Offer{
		HosterID:         h.ID,
		Key:              key,
		ObjectID:         h.ActorID + "/offers/" + key,
		Name:             sw.Name + " de " + h.Name,
		Summary:          "Service " + sw.Name + " ouvert à toutes et tous, hébergé en France.",
		Category:         category,
		Software:         sw,
		Registration:     catalog.RegistrationFree,
		Load:             catalog.LoadOpen,
		Price:            "gratuit",
		Quota:            "5 Go",
		Audience:         catalog.AudienceEveryone,
		AreaDepartements: nil,
		Languages:        catalog.StringList{"fr", "en"},
		Status:           catalog.StatusOK,
		URL:              "https://" + key + "." + host + "/",
		StartDate:        "2020-09-01",
		Updated:          time.Date(2025, 3, 14, 10, 0, 0, 123456000, time.UTC),
	}
}
