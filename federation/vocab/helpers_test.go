package vocab

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"sync"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
)

var testPaths = Paths{Base: "http://127.0.0.1:8081"}

var (
	pemOnce sync.Once
	pemText string
)

// testPEM is a real RSA-2048 public key, generated once per test binary.
func testPEM(t testing.TB) string {
	pemOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
		if err != nil {
			panic(err)
		}
		pemText = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	})
	return pemText
}

func ptr(f float64) *float64 { return &f }

func sampleHoster() *catalog.Hoster {
	return &catalog.Hoster{
		ActorID:  testPaths.Actor("nazairien"),
		Username: "nazairien",
		Domain:   "127.0.0.1:8081",
		Name:     "Chaton Nazairien",
		Summary:  "Association d'hébergement éthique <libre> & locale.\nDepuis 2019.\n\nDeuxième paragraphe.",
		Website:  "https://chaton-nazairien.example",
		Email:    "contact@chaton-nazairien.example",
		LegalURL: "https://chaton-nazairien.example/mentions-legales",
		IconURL:  "https://chaton-nazairien.example/logo.png",
		OrgType:  "association",
		Location: catalog.Location{
			Address: "12 rue de la Paix", PostalCode: "44600", Commune: "Saint-Nazaire",
			INSEE: "44184", Departement: "44", Region: "Pays de la Loire", Country: "FR",
			Latitude: ptr(47.2735), Longitude: ptr(-2.2138),
		},
		MemberSince:  "2019-03-12",
		Portee:       7,
		Discoverable: true,
		Updated:      time.Date(2025, 5, 6, 7, 8, 9, 123456000, time.UTC),
		CreatedAt:    time.Date(2019, 3, 12, 10, 0, 0, 0, time.UTC),
	}
}

func sampleOffer(h *catalog.Hoster) *catalog.Offer {
	return &catalog.Offer{
		Key:      "etherpad",
		ObjectID: testPaths.Offer(h.Username, "etherpad"),
		Name:     "Etherpad de Chaton Nazairien",
		Summary:  "Écrire à plusieurs, en direct.",
		Category: "pad",
		Software: catalog.Software{Name: "Etherpad", Version: "2.2.7", License: "Apache-2.0",
			SourceURL: "https://github.com/ether/etherpad-lite", Website: "https://etherpad.org"},
		Registration:     catalog.RegistrationNone,
		Load:             catalog.LoadOpen,
		Price:            "gratuit",
		Quota:            "100 pads",
		Audience:         catalog.AudienceLocal,
		AreaDepartements: catalog.StringList{"44"},
		AreaRadiusKm:     30.5,
		Languages:        catalog.StringList{"fr"},
		Status:           catalog.StatusOK,
		URL:              "https://pad.chaton-nazairien.example",
		StartDate:        "2020-01-15",
		Updated:          time.Date(2025, 5, 6, 7, 8, 9, 500000000, time.UTC),
		CreatedAt:        time.Date(2020, 1, 15, 0, 0, 0, 0, time.UTC),
	}
}
