// Command gen writes the signed-request fixtures of fedtest with signers
// independent of ours: a hand-written Mastodon-style draft-cavage signer,
// go-fed/httpsig (what GoToSocial signs with) and yaronf/httpsign for RFC
// 9421. Run from federation/fedtest: go run ./testdata/gen
package main

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	gofed "github.com/go-fed/httpsig"
	"github.com/yaronf/httpsign"
)

const (
	mastodonKeyID = "https://my.example.com/users/alice#main-key"
	gtsKeyID      = "https://gts.example.org/users/example_user/main-key"
	node          = "https://chatons-saint-nazaire.example"
)

func main() {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	write("testdata/signer_key.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	follow, err := os.ReadFile("testdata/follow.json")
	if err != nil {
		log.Fatal(err)
	}
	date := time.Now().UTC().Format(http.TimeFormat)

	// Mastodon (app/lib/request.rb): rsa-sha256 over every header it sets
	// but User-Agent and Accept-Encoding.
	r := request(http.MethodPost, node+"/actor/inbox", follow)
	r.Header.Set("User-Agent", "http.rb/5.2.0 (Mastodon/4.3.2; +https://my.example.com/)")
	r.Header.Set("Date", date)
	r.Header.Set("Content-Type", "application/activity+json")
	sum := sha256.Sum256(follow)
	r.Header.Set("Digest", "SHA-256="+base64.StdEncoding.EncodeToString(sum[:]))
	lines := []string{
		"(request-target): post /actor/inbox",
		"host: chatons-saint-nazaire.example",
		"date: " + date,
		"digest: " + r.Header.Get("Digest"),
		"content-type: application/activity+json",
	}
	h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:])
	if err != nil {
		log.Fatal(err)
	}
	r.Header.Set("Signature", fmt.Sprintf(`keyId="%s",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="%s"`,
		mastodonKeyID, base64.StdEncoding.EncodeToString(sig)))
	dump("testdata/signed_cavage_mastodon.http", r)

	// GoToSocial: go-fed/httpsig, hs2019, keyId …/main-key, signed GET with a query.
	r = request(http.MethodGet, node+"/actor/outbox?page=true", nil)
	r.Header.Set("Accept", `application/activity+json`)
	r.Header.Set("User-Agent", "gotosocial (+https://gts.example.org) gotosocial/0.19.1")
	r.Header.Set("Date", date)
	r.Header.Set("Host", "chatons-saint-nazaire.example")
	s, _, err := gofed.NewSigner([]gofed.Algorithm{gofed.RSA_SHA256}, gofed.DigestSha256, []string{gofed.RequestTarget, "host", "date"}, gofed.Signature, 0)
	if err != nil {
		log.Fatal(err)
	}
	if err := s.SignRequest(key, gtsKeyID, r, nil); err != nil {
		log.Fatal(err)
	}
	r.Header.Del("Host")
	dump("testdata/signed_cavage_gotosocial.http", r)

	// Mastodon 4.5, RFC 9421: ("@method" "@target-uri" "content-digest");created;keyid.
	r = request(http.MethodPost, node+"/actor/inbox", follow)
	r.Header.Set("User-Agent", "http.rb/5.2.0 (Mastodon/4.5.0; +https://my.example.com/)")
	r.Header.Set("Date", date)
	r.Header.Set("Content-Type", "application/activity+json")
	rc := io.NopCloser(bytes.NewReader(follow))
	cd, err := httpsign.GenerateContentDigestHeader(&rc, []string{httpsign.DigestSha256})
	if err != nil {
		log.Fatal(err)
	}
	r.Header.Set("Content-Digest", cd)
	hs, err := httpsign.NewRSASigner(*key, httpsign.NewSignConfig().SignAlg(false).SetKeyID(mastodonKeyID),
		httpsign.Headers("@method", "@target-uri", "content-digest"))
	if err != nil {
		log.Fatal(err)
	}
	in, sigHeader, err := httpsign.SignRequest("sig1", *hs, r)
	if err != nil {
		log.Fatal(err)
	}
	r.Header.Set("Signature-Input", in)
	r.Header.Set("Signature", sigHeader)
	r.Body = io.NopCloser(bytes.NewReader(follow))
	dump("testdata/signed_rfc9421_mastodon.http", r)
}

func request(method, url string, body []byte) *http.Request {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequest(method, url, rd)
	if err != nil {
		log.Fatal(err)
	}
	return r
}

func dump(path string, r *http.Request) {
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		log.Fatal(err)
	}
	write(path, buf.Bytes())
}

func write(path string, b []byte) {
	if err := os.WriteFile(path, b, 0o644); err != nil {
		log.Fatal(err)
	}
}
