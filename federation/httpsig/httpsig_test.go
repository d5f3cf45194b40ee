package httpsig

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	gofed "github.com/go-fed/httpsig"
	"github.com/yaronf/httpsign"
)

var (
	keyOnce sync.Once
	keyA    *rsa.PrivateKey
	keyB    *rsa.PrivateKey
)

// testKeys returns two RSA-2048 keys shared by the tests of this package
// (generating keys is the slow part).
func testKeys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	keyOnce.Do(func() {
		var err error
		if keyA, err = GenerateKey(); err != nil {
			panic(err)
		}
		if keyB, err = GenerateKey(); err != nil {
			panic(err)
		}
	})
	return keyA, keyB
}

// staticKeys resolves key ids from a map; a second map answers refresh=true.
type staticKeys struct {
	mu      sync.Mutex
	keys    map[string]crypto.PublicKey
	fresh   map[string]crypto.PublicKey
	calls   int
	refresh int
}

func (s *staticKeys) PublicKey(_ context.Context, keyID string, refresh bool) (crypto.PublicKey, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	m := s.keys
	if refresh {
		s.refresh++
		if s.fresh != nil {
			m = s.fresh
		}
	}
	k, ok := m[keyID]
	if !ok {
		return nil, "", errors.New("unknown key")
	}
	owner, _, _ := strings.Cut(keyID, "#")
	return k, owner, nil
}

const (
	mastoKeyID = "https://mastodon.example/users/alice#main-key"
	gtsKeyID   = "https://gts.example/users/bob/main-key"
)

// toServer turns a client request into what a server handler receives, by
// writing it on the wire and reading it back.
func toServer(t testing.TB, r *http.Request) *http.Request {
	t.Helper()
	if r.GetBody != nil {
		b, err := r.GetBody()
		if err != nil {
			t.Fatal(err)
		}
		r.Body = b
	}
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatal(err)
	}
	return sr
}

func newRequest(t testing.TB, method, url string, body []byte) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		r.Header.Set("Content-Type", "application/activity+json")
	}
	return r
}

func verifier(keys map[string]crypto.PublicKey) (*Verifier, *staticKeys) {
	sk := &staticKeys{keys: keys}
	return &Verifier{Keys: sk}, sk
}

const followBody = `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://mastodon.example/users/alice#follows/1","type":"Follow","actor":"https://mastodon.example/users/alice","object":"https://node.example/actor"}`

func TestKeysPEMRoundTrip(t *testing.T) {
	k, _ := testKeys(t)
	if k.N.BitLen() != 2048 {
		t.Fatalf("key has %d bits, want 2048", k.N.BitLen())
	}
	got, err := DecodePrivateKeyPEM(EncodePrivateKeyPEM(k))
	if err != nil || !got.Equal(k) {
		t.Fatalf("PKCS#8 round trip: %v", err)
	}
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
	if got, err := DecodePrivateKeyPEM(pkcs1); err != nil || !got.Equal(k) {
		t.Fatalf("PKCS#1 private: %v", err)
	}
	pub, err := EncodePublicKeyPEM(&k.PublicKey)
	if err != nil || !strings.HasPrefix(pub, "-----BEGIN PUBLIC KEY-----") {
		t.Fatalf("public PEM %q: %v", pub, err)
	}
	for name, s := range map[string]string{
		"pkix":  pub,
		"pkcs1": string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&k.PublicKey)})),
	} {
		p, err := DecodePublicKeyPEM(s)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !k.PublicKey.Equal(p) {
			t.Fatalf("%s: decoded key differs", name)
		}
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	smallPEM, _ := EncodePublicKeyPEM(&small.PublicKey)
	if _, err := DecodePublicKeyPEM(smallPEM); err == nil {
		t.Fatal("a 1024-bit key was accepted")
	}
	for _, bad := range []string{"", "not pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"} {
		if _, err := DecodePublicKeyPEM(bad); err == nil {
			t.Fatalf("DecodePublicKeyPEM(%q) accepted", bad)
		}
		if _, err := DecodePrivateKeyPEM(bad); err == nil {
			t.Fatalf("DecodePrivateKeyPEM(%q) accepted", bad)
		}
	}
}

func TestParseCavageHeader(t *testing.T) {
	sig := base64.StdEncoding.EncodeToString([]byte("signature bytes"))
	cases := []struct {
		in      string
		ok      bool
		keyID   string
		alg     string
		headers string
	}{
		{`keyId="https://my.example.com/actor#main-key",headers="(request-target) host date",signature="` + sig + `"`, true, "https://my.example.com/actor#main-key", "", "(request-target) host date"},
		{`keyId="k", algorithm="RSA-SHA256", headers="(request-target) Host Date Digest", signature="` + sig + `"`, true, "k", "rsa-sha256", "(request-target) host date digest"},
		{`Signature keyId="k",algorithm="hs2019",headers="(request-target) (created) host",created=1700000000,signature="` + sig + `"`, true, "k", "hs2019", "(request-target) (created) host"},
		{`keyId="k",signature="` + sig + `"`, true, "k", "", "date"},
		{`keyId="a\"b",signature="` + sig + `"`, true, `a"b`, "", "date"},
		{`keyId="k,with,commas",signature="` + sig + `"`, true, "k,with,commas", "", "date"},
		{`headers="host",signature="` + sig + `"`, false, "", "", ""},
		{`keyId="k"`, false, "", "", ""},
		{`keyId="k",signature="***"`, false, "", "", ""},
		{`keyId="k",keyId="j",signature="` + sig + `"`, false, "", "", ""},
		{`keyId="k",headers="",signature="` + sig + `"`, false, "", "", ""},
		{`keyId="k,signature="` + sig, false, "", "", ""},
		{`keyId="k" x,signature="` + sig + `"`, false, "", "", ""},
		{`keyId="k",created=abc,signature="` + sig + `"`, false, "", "", ""},
		{``, false, "", "", ""},
		{`=`, false, "", "", ""},
	}
	for _, c := range cases {
		p, err := ParseCavageHeader(c.in)
		if (err == nil) != c.ok {
			t.Errorf("ParseCavageHeader(%q) error = %v, want ok=%v", c.in, err, c.ok)
			continue
		}
		if !c.ok {
			continue
		}
		if p.KeyID != c.keyID || p.Algorithm != c.alg || strings.Join(p.Headers, " ") != c.headers || string(p.Signature) != "signature bytes" {
			t.Errorf("ParseCavageHeader(%q) = %+v", c.in, p)
		}
	}
	if p, _ := ParseCavageHeader(`keyId="k",headers="(created)",created=1700000000,expires=1700000600,signature="` + sig + `"`); p.Created != 1700000000 || p.Expires != 1700000600 {
		t.Errorf("created/expires not read: %+v", p)
	}
}

// mastodonSign signs like Mastodon's documentation describes, written out
// here independently of signingString.
func mastodonSign(t testing.TB, r *http.Request, key *rsa.PrivateKey, keyID string, body []byte, date time.Time) {
	t.Helper()
	r.Header.Set("Date", date.UTC().Format(http.TimeFormat))
	lines := []string{
		"(request-target): " + strings.ToLower(r.Method) + " " + r.URL.RequestURI(),
		"host: " + r.URL.Host,
		"date: " + r.Header.Get("Date"),
	}
	headers := "(request-target) host date"
	if body != nil {
		sum := sha256.Sum256(body)
		r.Header.Set("Digest", "SHA-256="+base64.StdEncoding.EncodeToString(sum[:]))
		lines = append(lines, "digest: "+r.Header.Get("Digest"))
		headers += " digest"
	}
	h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:])
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Signature", fmt.Sprintf(`keyId="%s",algorithm="rsa-sha256",headers="%s",signature="%s"`, keyID, headers, base64.StdEncoding.EncodeToString(sig)))
}

func TestVerifyCavageLikeMastodon(t *testing.T) {
	k, _ := testKeys(t)
	v, _ := verifier(map[string]crypto.PublicKey{mastoKeyID: &k.PublicKey})
	ctx := context.Background()
	for _, body := range [][]byte{nil, []byte(followBody)} {
		method := http.MethodGet
		if body != nil {
			method = http.MethodPost
		}
		r := newRequest(t, method, "https://node.example/actor/inbox?page=2", body)
		mastodonSign(t, r, k, mastoKeyID, body, time.Now())
		got, err := v.Verify(ctx, toServer(t, r), body)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if got.KeyID != mastoKeyID || got.Owner != "https://mastodon.example/users/alice" || got.Scheme != SchemeCavage {
			t.Fatalf("%s: verified %+v", method, got)
		}
	}
}

func TestVerifyCavageLikeGoToSocial(t *testing.T) {
	// go-fed/httpsig is the library GoToSocial signs with; it announces hs2019.
	_, k := testKeys(t)
	v, _ := verifier(map[string]crypto.PublicKey{gtsKeyID: &k.PublicKey})
	ctx := context.Background()
	for _, body := range [][]byte{nil, []byte(followBody)} {
		method, headers := http.MethodGet, []string{gofed.RequestTarget, "host", "date"}
		if body != nil {
			method, headers = http.MethodPost, append(headers, "digest")
		}
		s, _, err := gofed.NewSigner([]gofed.Algorithm{gofed.RSA_SHA256}, gofed.DigestSha256, headers, gofed.Signature, 0)
		if err != nil {
			t.Fatal(err)
		}
		r := newRequest(t, method, "https://node.example/actor/outbox", body)
		r.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
		r.Header.Set("Host", r.URL.Host)
		if err := s.SignRequest(k, gtsKeyID, r, body); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.Header.Get("Signature"), `algorithm="hs2019"`) {
			t.Fatalf("go-fed did not sign with hs2019: %s", r.Header.Get("Signature"))
		}
		r.Header.Del("Host")
		if _, err := v.Verify(ctx, toServer(t, r), body); err != nil {
			t.Fatalf("%s: %v", method, err)
		}
	}
}

func TestSignRequestRoundTrip(t *testing.T) {
	k, _ := testKeys(t)
	v, _ := verifier(map[string]crypto.PublicKey{mastoKeyID: &k.PublicKey})
	for _, alg := range []string{"", "rsa-sha256", "hs2019"} {
		s := Signer{KeyID: mastoKeyID, Key: k, Algorithm: alg}
		body := []byte(followBody)
		r := newRequest(t, http.MethodPost, "https://node.example/inbox", body)
		if err := s.SignRequest(r, body); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(r.Header.Get("Digest"), "SHA-256=") || r.Header.Get("Date") == "" {
			t.Fatalf("headers not set: %v", r.Header)
		}
		if !strings.Contains(r.Header.Get("Signature"), `headers="(request-target) host date digest"`) {
			t.Fatalf("signature header: %s", r.Header.Get("Signature"))
		}
		if _, err := v.Verify(context.Background(), toServer(t, r), body); err != nil {
			t.Fatalf("alg %q: %v", alg, err)
		}
		// The same signature must also satisfy an independent verifier (go-fed).
		gv, err := gofed.NewVerifier(toServer(t, r))
		if err != nil {
			t.Fatal(err)
		}
		if err := gv.Verify(&k.PublicKey, gofed.RSA_SHA256); err != nil {
			t.Fatalf("go-fed rejects our signature (alg %q): %v", alg, err)
		}
	}
	if err := (Signer{KeyID: "k", Key: k, Algorithm: "rsa-sha1"}).SignRequest(newRequest(t, "GET", "https://x.example/", nil), nil); err == nil {
		t.Fatal("unsupported algorithm accepted")
	}
	if err := (Signer{}).SignRequest(newRequest(t, "GET", "https://x.example/", nil), nil); err == nil {
		t.Fatal("signer without key accepted")
	}
}

func TestVerifyCavageRejects(t *testing.T) {
	k, other := testKeys(t)
	ctx := context.Background()
	body := []byte(followBody)
	signed := func(mod func(r *http.Request)) *http.Request {
		r := newRequest(t, http.MethodPost, "https://node.example/inbox", body)
		if err := (Signer{KeyID: mastoKeyID, Key: k}).SignRequest(r, body); err != nil {
			t.Fatal(err)
		}
		sr := toServer(t, r)
		if mod != nil {
			mod(sr)
		}
		return sr
	}
	cases := []struct {
		name string
		req  *http.Request
		body []byte
		keys map[string]crypto.PublicKey
		want error
	}{
		{"unsigned", toServer(t, newRequest(t, http.MethodPost, "https://node.example/inbox", body)), body, nil, ErrNoSignature},
		{"tampered body", signed(nil), []byte(strings.Replace(followBody, "Follow", "Block", 1)), nil, ErrDigestMismatch},
		{"digest header changed", signed(func(r *http.Request) { r.Header.Set("Digest", "SHA-256=AAAA") }), body, nil, ErrDigestMismatch},
		{"unknown digest only", signed(func(r *http.Request) { r.Header.Set("Digest", "MD5=AAAA") }), body, nil, ErrDigestMismatch},
		{"wrong key", signed(nil), body, map[string]crypto.PublicKey{mastoKeyID: &other.PublicKey}, ErrBadSignature},
		{"unknown key", signed(nil), body, map[string]crypto.PublicKey{}, ErrBadSignature},
		{"other path", signed(func(r *http.Request) { r.RequestURI = "/other"; r.URL.Path = "/other" }), body, nil, ErrBadSignature},
		{"other method", signed(func(r *http.Request) { r.Method = http.MethodPut }), body, nil, ErrBadSignature},
		{"other host", signed(func(r *http.Request) { r.Host = "evil.example" }), body, nil, ErrBadSignature},
		{"garbage header", signed(func(r *http.Request) { r.Header.Set("Signature", "garbage") }), body, nil, ErrBadSignature},
		{"date not signed", signed(func(r *http.Request) {
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), " date", "", 1))
		}), body, nil, ErrBadSignature},
		{"digest not signed", signed(func(r *http.Request) {
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), " digest", "", 1))
		}), body, nil, ErrBadSignature},
		{"request-target not signed", signed(func(r *http.Request) {
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), "(request-target) ", "", 1))
		}), body, nil, ErrBadSignature},
		{"host not signed", signed(func(r *http.Request) {
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), " host", "", 1))
		}), body, nil, ErrBadSignature},
		{"unsupported algorithm", signed(func(r *http.Request) {
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), "rsa-sha256", "hmac-sha256", 1))
		}), body, nil, ErrBadSignature},
		{"unreadable date", signed(func(r *http.Request) { r.Header.Set("Date", "yesterday") }), body, nil, ErrStaleDate},
	}
	for _, c := range cases {
		keys := c.keys
		if keys == nil {
			keys = map[string]crypto.PublicKey{mastoKeyID: &k.PublicKey}
		}
		v, _ := verifier(keys)
		_, err := v.Verify(ctx, c.req, c.body)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
		}
	}
}

func TestVerifyDateWindow(t *testing.T) {
	k, _ := testKeys(t)
	body := []byte(followBody)
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		offset time.Duration
		window time.Duration
		ok     bool
	}{
		{0, 0, true},
		{-59 * time.Minute, 0, true},
		{59 * time.Minute, 0, true},
		{-2 * time.Hour, 0, false},
		{2 * time.Hour, 0, false},
		{-10 * time.Minute, 5 * time.Minute, false},
		{-10 * time.Minute, 15 * time.Minute, true},
	} {
		for _, scheme := range []string{SchemeCavage, SchemeRFC9421} {
			s := Signer{KeyID: mastoKeyID, Key: k, Now: func() time.Time { return now.Add(c.offset) }}
			r := newRequest(t, http.MethodPost, "https://node.example/inbox", body)
			var err error
			if scheme == SchemeCavage {
				err = s.SignRequest(r, body)
			} else {
				err = s.SignRequest9421(r, body)
			}
			if err != nil {
				t.Fatal(err)
			}
			v := &Verifier{Keys: &staticKeys{keys: map[string]crypto.PublicKey{mastoKeyID: &k.PublicKey}}, Window: c.window, Now: func() time.Time { return now }}
			_, err = v.Verify(context.Background(), toServer(t, r), body)
			if c.ok && err != nil {
				t.Errorf("%s offset %s window %s: %v", scheme, c.offset, c.window, err)
			}
			if !c.ok && !errors.Is(err, ErrStaleDate) {
				t.Errorf("%s offset %s window %s: error %v, want ErrStaleDate", scheme, c.offset, c.window, err)
			}
		}
	}
}

func TestVerifyQuerylessRequestTarget(t *testing.T) {
	// Mastodon before 4.3 left the query out of (request-target).
	k, _ := testKeys(t)
	r := newRequest(t, http.MethodGet, "https://node.example/actor/outbox?page=true", nil)
	date := time.Now().UTC().Format(http.TimeFormat)
	r.Header.Set("Date", date)
	str := "(request-target): get /actor/outbox\nhost: node.example\ndate: " + date
	h := sha256.Sum256([]byte(str))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, h[:])
	r.Header.Set("Signature", fmt.Sprintf(`keyId="%s",algorithm="rsa-sha256",headers="(request-target) host date",signature="%s"`, mastoKeyID, base64.StdEncoding.EncodeToString(sig)))
	v, _ := verifier(map[string]crypto.PublicKey{mastoKeyID: &k.PublicKey})
	if _, err := v.Verify(context.Background(), toServer(t, r), nil); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyCreatedInsteadOfDate(t *testing.T) {
	k, _ := testKeys(t)
	now := time.Now()
	r := newRequest(t, http.MethodGet, "https://node.example/actor", nil)
	created := now.Unix()
	str := fmt.Sprintf("(request-target): get /actor\nhost: node.example\n(created): %d", created)
	h := sha256.Sum256([]byte(str))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, h[:])
	r.Header.Set("Signature", fmt.Sprintf(`keyId="%s",algorithm="hs2019",created=%d,headers="(request-target) host (created)",signature="%s"`, gtsKeyID, created, base64.StdEncoding.EncodeToString(sig)))
	v := &Verifier{Keys: &staticKeys{keys: map[string]crypto.PublicKey{gtsKeyID: &k.PublicKey}}}
	if _, err := v.Verify(context.Background(), toServer(t, r), nil); err != nil {
		t.Fatal(err)
	}
	v.Now = func() time.Time { return now.Add(3 * time.Hour) }
	if _, err := v.Verify(context.Background(), toServer(t, r), nil); !errors.Is(err, ErrStaleDate) {
		t.Fatalf("old (created): %v", err)
	}
}

func TestVerifyRefreshesKeyOnce(t *testing.T) {
	oldKey, newKey := testKeys(t)
	body := []byte(followBody)
	for _, scheme := range []string{SchemeCavage, SchemeRFC9421} {
		r := newRequest(t, http.MethodPost, "https://node.example/inbox", body)
		s := Signer{KeyID: mastoKeyID, Key: newKey}
		sign := s.SignRequest
		if scheme == SchemeRFC9421 {
			sign = s.SignRequest9421
		}
		if err := sign(r, body); err != nil {
			t.Fatal(err)
		}
		// The cache still holds the old key; a refresh gives the rotated one.
		sk := &staticKeys{
			keys:  map[string]crypto.PublicKey{mastoKeyID: &oldKey.PublicKey},
			fresh: map[string]crypto.PublicKey{mastoKeyID: &newKey.PublicKey},
		}
		v := &Verifier{Keys: sk}
		if _, err := v.Verify(context.Background(), toServer(t, r), body); err != nil {
			t.Fatalf("%s: rotated key: %v", scheme, err)
		}
		if sk.calls != 2 || sk.refresh != 1 {
			t.Fatalf("%s: %d calls, %d refreshes; want 2 and 1", scheme, sk.calls, sk.refresh)
		}
		// A key that never matches: asked twice, then rejected.
		sk = &staticKeys{keys: map[string]crypto.PublicKey{mastoKeyID: &oldKey.PublicKey}}
		v = &Verifier{Keys: sk}
		if _, err := v.Verify(context.Background(), toServer(t, r), body); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("%s: wrong key: %v", scheme, err)
		}
		if sk.calls != 2 || sk.refresh != 1 {
			t.Fatalf("%s: wrong key: %d calls, %d refreshes; want 2 and 1", scheme, sk.calls, sk.refresh)
		}
	}
}

func TestRFC9421OurSignerVerifiedByLibrary(t *testing.T) {
	// Our hand-built RFC 9421 signature must verify with yaronf/httpsign
	// directly, an implementation independent of ours.
	k, _ := testKeys(t)
	body := []byte(followBody)
	r := newRequest(t, http.MethodPost, "https://node.example/inbox", body)
	if err := (Signer{KeyID: mastoKeyID, Key: k}).SignRequest9421(r, body); err != nil {
		t.Fatal(err)
	}
	in := r.Header.Get("Signature-Input")
	if !strings.HasPrefix(in, `sig1=("@method" "@target-uri" "content-digest");created=`) || !strings.Contains(in, `;keyid="`+mastoKeyID+`"`) {
		t.Fatalf("Signature-Input = %s", in)
	}
	if !strings.HasPrefix(r.Header.Get("Content-Digest"), "sha-256=:") {
		t.Fatalf("Content-Digest = %s", r.Header.Get("Content-Digest"))
	}
	hv, err := httpsign.NewRSAVerifier(k.PublicKey, httpsign.NewVerifyConfig().SetVerifyCreated(false), httpsign.Headers("@method", "@target-uri", "content-digest"))
	if err != nil {
		t.Fatal(err)
	}
	if err := httpsign.VerifyRequest("sig1", *hv, r); err != nil {
		t.Fatal(err)
	}
}

// librarySign signs with yaronf/httpsign, as Mastodon 4.5 signs: the given
// components, created and keyid, no alg.
func librarySign(t testing.TB, r *http.Request, key *rsa.PrivateKey, keyID string, body []byte, components ...string) {
	t.Helper()
	if body != nil {
		rc := io.NopCloser(bytes.NewReader(body))
		cd, err := httpsign.GenerateContentDigestHeader(&rc, []string{httpsign.DigestSha256})
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Digest", cd)
	}
	s, err := httpsign.NewRSASigner(*key, httpsign.NewSignConfig().SignAlg(false).SetKeyID(keyID), httpsign.Headers(components...))
	if err != nil {
		t.Fatal(err)
	}
	in, sig, err := httpsign.SignRequest("sig1", *s, r)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Signature-Input", in)
	r.Header.Set("Signature", sig)
}

func TestVerifyRFC9421(t *testing.T) {
	k, other := testKeys(t)
	ctx := context.Background()
	body := []byte(followBody)
	keys := map[string]crypto.PublicKey{mastoKeyID: &k.PublicKey}

	t.Run("mastodon components", func(t *testing.T) {
		r := newRequest(t, http.MethodPost, "https://node.example/inbox", body)
		librarySign(t, r, k, mastoKeyID, body, "@method", "@target-uri", "content-digest")
		v, _ := verifier(keys)
		got, err := v.Verify(ctx, toServer(t, r), body)
		if err != nil {
			t.Fatal(err)
		}
		if got.Scheme != SchemeRFC9421 || got.KeyID != mastoKeyID || got.Owner != "https://mastodon.example/users/alice" {
			t.Fatalf("verified %+v", got)
		}
	})
	t.Run("path and authority", func(t *testing.T) {
		r := newRequest(t, http.MethodPost, "https://node.example/inbox", body)
		librarySign(t, r, k, mastoKeyID, body, "@method", "@path", "@authority", "content-digest")
		v, _ := verifier(keys)
		if _, err := v.Verify(ctx, toServer(t, r), body); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("GET without body", func(t *testing.T) {
		r := newRequest(t, http.MethodGet, "https://node.example/actor?x=1", nil)
		librarySign(t, r, k, mastoKeyID, nil, "@method", "@target-uri")
		v, _ := verifier(keys)
		if _, err := v.Verify(ctx, toServer(t, r), nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("plain http target", func(t *testing.T) {
		r := newRequest(t, http.MethodGet, "http://127.0.0.1:8081/actor", nil)
		librarySign(t, r, k, mastoKeyID, nil, "@method", "@target-uri")
		v, _ := verifier(keys)
		if _, err := v.Verify(ctx, toServer(t, r), nil); err != nil {
			t.Fatal(err)
		}
	})
	rejects := []struct {
		name       string
		components []string
		mod        func(r *http.Request)
		body       []byte
		keys       map[string]crypto.PublicKey
		want       error
	}{
		{"digest not covered", []string{"@method", "@target-uri"}, nil, body, nil, ErrBadSignature},
		{"method not covered", []string{"@target-uri", "content-digest"}, nil, body, nil, ErrBadSignature},
		{"target not covered", []string{"@method", "content-digest"}, nil, body, nil, ErrBadSignature},
		{"tampered body", []string{"@method", "@target-uri", "content-digest"}, nil, []byte(`{"type":"Delete"}`), nil, ErrDigestMismatch},
		{"wrong key", []string{"@method", "@target-uri", "content-digest"}, nil, body, map[string]crypto.PublicKey{mastoKeyID: &other.PublicKey}, ErrBadSignature},
		{"other path", []string{"@method", "@target-uri", "content-digest"}, func(r *http.Request) { r.URL.Path = "/other"; r.RequestURI = "/other" }, body, nil, ErrBadSignature},
		{"other host", []string{"@method", "@target-uri", "content-digest"}, func(r *http.Request) { r.Host = "evil.example" }, body, nil, ErrBadSignature},
		{"broken input", []string{"@method", "@target-uri", "content-digest"}, func(r *http.Request) { r.Header.Set("Signature-Input", "sig1=(") }, body, nil, ErrBadSignature},
		{"no keyid", []string{"@method", "@target-uri", "content-digest"}, func(r *http.Request) {
			r.Header.Set("Signature-Input", strings.Replace(r.Header.Get("Signature-Input"), ";keyid=", ";nokey=", 1))
		}, body, nil, ErrBadSignature},
		{"no created", []string{"@method", "@target-uri", "content-digest"}, func(r *http.Request) {
			r.Header.Set("Signature-Input", strings.Replace(r.Header.Get("Signature-Input"), ";created=", ";made=", 1))
		}, body, nil, ErrBadSignature},
	}
	for _, c := range rejects {
		t.Run(c.name, func(t *testing.T) {
			r := newRequest(t, http.MethodPost, "https://node.example/inbox", body)
			librarySign(t, r, k, mastoKeyID, body, c.components...)
			sr := toServer(t, r)
			if c.mod != nil {
				c.mod(sr)
			}
			ks := c.keys
			if ks == nil {
				ks = keys
			}
			v, _ := verifier(ks)
			if _, err := v.Verify(ctx, sr, c.body); !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
		})
	}
}

func TestVerifyOverHTTP(t *testing.T) {
	// Through a real server: Host, RequestURI and scheme as a handler sees them.
	k, _ := testKeys(t)
	v, _ := verifier(map[string]crypto.PublicKey{mastoKeyID: &k.PublicKey})
	var mu sync.Mutex
	var results []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got, err := v.Verify(r.Context(), r, body)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			results = append(results, "error: "+err.Error())
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		results = append(results, got.Scheme)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	s := Signer{KeyID: mastoKeyID, Key: k}
	body := []byte(followBody)
	for _, sign := range []func(*http.Request, []byte) error{s.SignRequest, s.SignRequest9421} {
		r := newRequest(t, http.MethodPost, srv.URL+"/users/chaton/inbox?via=test", body)
		if err := sign(r, body); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("status %d: %v", resp.StatusCode, results)
		}
	}
	if strings.Join(results, ",") != "cavage,rfc9421" {
		t.Fatalf("results %v", results)
	}
}

func TestParseKeyDocument(t *testing.T) {
	k, _ := testKeys(t)
	pemStr, _ := EncodePublicKeyPEM(&k.PublicKey)
	q := func(s string) string { b, _ := jsonString(s); return b }
	mastodon := `{"@context":["https://www.w3.org/ns/activitystreams","https://w3id.org/security/v1"],"id":"https://m.example/users/alice","type":"Person","publicKey":{"id":"https://m.example/users/alice#main-key","owner":"https://m.example/users/alice","publicKeyPem":` + q(pemStr) + `}}`
	stub := `{"id":"https://g.example/users/bob","type":"Person","preferredUsername":"bob","publicKey":{"id":"https://g.example/users/bob/main-key","owner":"https://g.example/users/bob","publicKeyPem":` + q(pemStr) + `}}`
	array := `{"id":"https://x.example/a","publicKey":[{"id":"https://x.example/a#other","owner":"https://x.example/a","publicKeyPem":"junk"},{"id":"https://x.example/a#main-key","owner":"https://x.example/a","publicKeyPem":` + q(pemStr) + `}]}`
	bare := `{"id":"https://y.example/keys/1","type":"CryptographicKey","owner":"https://y.example/actor","publicKeyPem":` + q(pemStr) + `}`
	for _, c := range []struct{ doc, keyID, owner, docID string }{
		{mastodon, "https://m.example/users/alice#main-key", "https://m.example/users/alice", "https://m.example/users/alice"},
		{stub, "https://g.example/users/bob/main-key", "https://g.example/users/bob", "https://g.example/users/bob"},
		{array, "https://x.example/a#main-key", "https://x.example/a", "https://x.example/a"},
		{bare, "https://y.example/keys/1", "https://y.example/actor", "https://y.example/keys/1"},
	} {
		info, err := ParseKeyDocument([]byte(c.doc), c.keyID)
		if err != nil {
			t.Fatalf("%s: %v", c.keyID, err)
		}
		if info.Owner != c.owner || info.DocumentID != c.docID || !k.PublicKey.Equal(info.Key) {
			t.Fatalf("%s: %+v", c.keyID, info)
		}
	}
	for _, c := range []struct{ doc, keyID string }{
		{mastodon, "https://m.example/users/alice#other-key"},
		{`{"id":"x"}`, "x#main-key"},
		{`not json`, "x"},
		{`{"publicKey":{"id":"k","publicKeyPem":` + q(pemStr) + `}}`, "k"},
		{`{"publicKey":{"id":"k","owner":"o","publicKeyPem":"garbage"}}`, "k"},
	} {
		if _, err := ParseKeyDocument([]byte(c.doc), c.keyID); err == nil {
			t.Fatalf("accepted %s for %s", c.doc, c.keyID)
		}
	}
}

func FuzzParseCavageHeader(f *testing.F) {
	sig := base64.StdEncoding.EncodeToString([]byte("sig"))
	for _, s := range []string{
		`keyId="https://my.example.com/actor#main-key",headers="(request-target) host date",signature="` + sig + `"`,
		`keyId="k",algorithm="hs2019",created=1700000000,expires=1700000600,headers="(request-target) (created) host",signature="` + sig + `"`,
		`Signature keyId="a\"b",signature="` + sig + `"`,
		`keyId=unquoted,signature=` + sig,
		`keyId="k",,signature=""`, `"`, `=`, `a=b=c`, ``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseCavageHeader(s)
		if err != nil {
			return
		}
		if p.KeyID == "" || len(p.Signature) == 0 || len(p.Headers) == 0 {
			t.Fatalf("accepted incomplete header %q: %+v", s, p)
		}
	})
}

func FuzzVerify(f *testing.F) {
	k, _ := testKeys(f)
	body := []byte(followBody)
	seed := func(sign func(Signer, *http.Request, []byte) error) {
		r := newRequest(f, http.MethodPost, "https://node.example/inbox", body)
		if err := sign(Signer{KeyID: mastoKeyID, Key: k}, r, body); err != nil {
			f.Fatal(err)
		}
		f.Add(r.Header.Get("Signature"), r.Header.Get("Signature-Input"), r.Header.Get("Date"), r.Header.Get("Digest"), r.Header.Get("Content-Digest"), "POST", "/inbox", string(body))
	}
	seed(Signer.SignRequest)
	seed(Signer.SignRequest9421)
	f.Add(`keyId="k",signature="AAAA"`, "", "", "", "", "GET", "/", "")
	f.Add("", `sig1=("@method");created=1;keyid="k"`, "", "", "sha-256=:AAAA:", "GET", "/x?y", "")
	v := &Verifier{Keys: &staticKeys{keys: map[string]crypto.PublicKey{mastoKeyID: &k.PublicKey, "k": &k.PublicKey}}}
	f.Fuzz(func(t *testing.T, sig, sigInput, date, digest, contentDigest, method, path, b string) {
		r, err := http.NewRequest(method, "https://node.example/", nil)
		if err != nil {
			return
		}
		r.RequestURI = path
		r.URL.Path = path
		for name, val := range map[string]string{"Signature": sig, "Signature-Input": sigInput, "Date": date, "Digest": digest, "Content-Digest": contentDigest} {
			if val != "" {
				r.Header.Set(name, val)
			}
		}
		got, err := v.Verify(context.Background(), r, []byte(b))
		if err == nil && got.Owner == "" {
			t.Fatalf("verified without an owner: %+v", got)
		}
		if err != nil && !errors.Is(err, ErrNoSignature) && !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrStaleDate) && !errors.Is(err, ErrDigestMismatch) {
			t.Fatalf("error outside the documented set: %v", err)
		}
	})
}

func FuzzParseKeyDocument(f *testing.F) {
	k, _ := testKeys(f)
	pemStr, _ := EncodePublicKeyPEM(&k.PublicKey)
	q, _ := jsonString(pemStr)
	f.Add(`{"id":"a","publicKey":{"id":"a#main-key","owner":"a","publicKeyPem":`+q+`}}`, "a#main-key")
	f.Add(`{"publicKey":[{"id":"k"},"x",3]}`, "k")
	f.Add(`{"id":"k","owner":"o","publicKeyPem":"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"}`, "k")
	f.Fuzz(func(t *testing.T, doc, keyID string) {
		info, err := ParseKeyDocument([]byte(doc), keyID)
		if err == nil && (info.Key == nil || info.Owner == "" || info.ID != keyID) {
			t.Fatalf("incomplete key info %+v", info)
		}
	})
}
