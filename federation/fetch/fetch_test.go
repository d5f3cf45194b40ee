package fetch

import (
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"codeberg.org/portee/portee/federation/httpsig"
)

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

func key(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	keyOnce.Do(func() {
		var err error
		if testKey, err = httpsig.GenerateKey(); err != nil {
			panic(err)
		}
	})
	return testKey
}

func jsonServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestLoopbackRefusedUnlessAllowed(t *testing.T) {
	srv := jsonServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/activity+json")
		io.WriteString(w, `{"type":"Organization"}`)
	})
	ctx := context.Background()
	strict := New(Options{})
	if _, err := strict.GetJSON(ctx, srv.URL+"/actor"); !errors.Is(err, ErrPrivateAddress) {
		t.Fatalf("loopback by IP: %v, want ErrPrivateAddress", err)
	}
	// A name that resolves to loopback is refused too: the check runs on the
	// resolved address, at dial time.
	byName := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	if _, err := strict.GetJSON(ctx, byName+"/actor"); !errors.Is(err, ErrPrivateAddress) {
		t.Fatalf("loopback by name: %v, want ErrPrivateAddress", err)
	}
	if err := strict.PostActivity(ctx, srv.URL+"/inbox", []byte(`{}`)); !errors.Is(err, ErrPrivateAddress) {
		t.Fatalf("POST to loopback: %v, want ErrPrivateAddress", err)
	}
	open := New(Options{AllowPrivate: true})
	b, err := open.GetJSON(ctx, srv.URL+"/actor")
	if err != nil || string(b) != `{"type":"Organization"}` {
		t.Fatalf("allowed: %q, %v", b, err)
	}
}

func TestIsPublicAddr(t *testing.T) {
	for s, want := range map[string]bool{
		"1.1.1.1": true, "8.8.8.8": true, "2a01:4f8::1": true, "193.51.224.1": true,
		"127.0.0.1": false, "127.8.9.10": false, "::1": false,
		"10.1.2.3": false, "172.16.0.1": false, "172.31.255.255": false, "192.168.1.1": false,
		"169.254.169.254": false, "fe80::1": false,
		"100.64.0.1": false, "100.127.255.255": false, "100.128.0.1": true,
		"fc00::1": false, "fd12:3456::1": false,
		"0.0.0.0": false, "0.1.2.3": false, "::": false,
		"224.0.0.1": false, "239.255.255.250": false, "ff02::1": false,
		"255.255.255.255": false, "240.0.0.1": false,
		"::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "::ffff:8.8.8.8": true,
		"64:ff9b::7f00:1": false, "64:ff9b::808:808": true,
		"2002:7f00:1::": false, "2002:808:808::": true,
		"192.0.2.1": false, "2001:db8::1": false, "198.18.0.1": false,
		// IPv4-compatible IPv6 and the special ranges of the IANA registries.
		"::a9fe:a9fe": false, "::7f00:1": false, "::808:808": false, "::ffff:0:a9fe:a9fe": false,
		"64:ff9b:1::a9fe:a9fe": false, "64:ff9b:1::808:808": false, "100:0:0:1::1": false,
		"2001::1": false, "2001:2::1": false, "2001:20::1": false, "3fff::1": false, "5f00::1": false,
		"192.88.99.1": false, "2606:4700::1111": true, "2001:4860:4860::8888": true,
	} {
		if got := IsPublicAddr(netip.MustParseAddr(s)); got != want {
			t.Errorf("IsPublicAddr(%s) = %v, want %v", s, got, want)
		}
	}
}

func TestSchemesRefused(t *testing.T) {
	c := New(Options{AllowPrivate: true})
	for _, u := range []string{"file:///etc/passwd", "ftp://example.org/x", "gopher://x", "javascript:alert(1)", "//example.org/x", "http://user:pw@example.org/"} {
		if _, err := c.GetJSON(context.Background(), u); err == nil {
			t.Errorf("%s fetched", u)
		}
	}
	if _, err := c.GetJSON(context.Background(), "file:///etc/passwd"); !errors.Is(err, ErrScheme) {
		t.Errorf("file: %v, want ErrScheme", err)
	}
}

func TestBodyLimit(t *testing.T) {
	big := strings.Repeat("x", 2048)
	srv := jsonServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chunked" {
			// No Content-Length: the limit must hold while reading.
			for i := 0; i < 4; i++ {
				io.WriteString(w, big[:512])
				w.(http.Flusher).Flush()
			}
			return
		}
		io.WriteString(w, big)
	})
	c := New(Options{AllowPrivate: true, MaxBody: 1000})
	for _, p := range []string{"/length", "/chunked"} {
		if _, err := c.GetJSON(context.Background(), srv.URL+p); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v, want ErrTooLarge", p, err)
		}
	}
	c = New(Options{AllowPrivate: true, MaxBody: 2048})
	if b, err := c.GetJSON(context.Background(), srv.URL+"/length"); err != nil || len(b) != 2048 {
		t.Fatalf("at the limit: %d bytes, %v", len(b), err)
	}
}

func TestRedirects(t *testing.T) {
	other := jsonServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"other":true}`) })
	srv := jsonServer(t, func(w http.ResponseWriter, r *http.Request) {
		var n int
		switch {
		case r.URL.Path == "/away":
			http.Redirect(w, r, other.URL+"/x", http.StatusFound)
		case r.URL.Path == "/final":
			io.WriteString(w, `{"final":true}`)
		case r.URL.Path == "/inbox":
			http.Redirect(w, r, "/final", http.StatusPermanentRedirect)
		default:
			// /hop/N redirects N more times before /final.
			if _, err := fmt.Sscanf(r.URL.Path, "/hop/%d", &n); err != nil {
				http.NotFound(w, r)
				return
			}
			if n == 0 {
				http.Redirect(w, r, "/final", http.StatusFound)
				return
			}
			http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusMovedPermanently)
		}
	})
	c := New(Options{AllowPrivate: true})
	ctx := context.Background()
	if _, err := c.GetJSON(ctx, srv.URL+"/away"); !errors.Is(err, ErrCrossOrigin) {
		t.Fatalf("cross-origin: %v", err)
	}
	// /hop/2 → /hop/1 → /hop/0 → /final: three redirects, allowed.
	resp, err := c.Get(ctx, srv.URL+"/hop/2", AcceptActivity)
	if err != nil || string(resp.Body) != `{"final":true}` || resp.URL != srv.URL+"/final" {
		t.Fatalf("3 redirects: %+v, %v", resp, err)
	}
	// Four redirects: refused.
	if _, err := c.GetJSON(ctx, srv.URL+"/hop/3"); !errors.Is(err, ErrTooManyRedirects) {
		t.Fatalf("4 redirects: %v", err)
	}
	// A POST is never replayed elsewhere: the caller sees the 308.
	var se *StatusError
	if err := c.PostActivity(ctx, srv.URL+"/inbox", []byte(`{}`)); !errors.As(err, &se) || se.Code != http.StatusPermanentRedirect {
		t.Fatalf("POST redirect: %v", err)
	}
}

func TestStatusErrors(t *testing.T) {
	date := time.Now().Add(2 * time.Minute).UTC().Format(http.TimeFormat)
	srv := jsonServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/gone":
			w.WriteHeader(http.StatusGone)
		case "/slow-down":
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/maintenance":
			w.Header().Set("Retry-After", date)
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	})
	c := New(Options{AllowPrivate: true})
	ctx := context.Background()
	_, err := c.GetJSON(ctx, srv.URL+"/gone")
	if !IsGone(err) {
		t.Fatalf("410: %v", err)
	}
	_, err = c.GetJSON(ctx, srv.URL+"/missing")
	if IsGone(err) {
		t.Fatal("404 reported as gone")
	}
	var se *StatusError
	if err := c.PostActivity(ctx, srv.URL+"/slow-down", []byte(`{}`)); !errors.As(err, &se) || se.Code != 429 || se.RetryAfter != 2*time.Minute {
		t.Fatalf("429: %#v", err)
	}
	if _, err := c.GetJSON(ctx, srv.URL+"/maintenance"); !errors.As(err, &se) || se.Code != 503 || se.RetryAfter < 100*time.Second || se.RetryAfter > 121*time.Second {
		t.Fatalf("503 with date: %#v", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                              0,
		"30":                            30 * time.Second,
		" 7 ":                           7 * time.Second,
		"0":                             0,
		"-5":                            0,
		"soon":                          0,
		"Fri, 02 Jan 2026 03:14:05 GMT": 10 * time.Minute,
		"Fri, 02 Jan 2026 02:00:00 GMT": 0,
		"99999999999":                   30 * 24 * time.Hour,
	} {
		if got := ParseRetryAfter(in, now); got != want {
			t.Errorf("ParseRetryAfter(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestPerHostLimit(t *testing.T) {
	var cur, max atomic.Int32
	srv := jsonServer(t, func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		for {
			m := max.Load()
			if n <= m || max.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(30 * time.Millisecond)
		cur.Add(-1)
		io.WriteString(w, `{}`)
	})
	const limit, requests = 3, 18
	c := New(Options{AllowPrivate: true, PerHost: limit})
	var wg sync.WaitGroup
	errs := make(chan error, requests)
	for i := 0; i < requests; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.GetJSON(context.Background(), srv.URL+"/x"); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if m := max.Load(); m > limit || m < 2 {
		t.Fatalf("max concurrency seen by the server: %d, want 2..%d", m, limit)
	}
}

func TestTimeout(t *testing.T) {
	srv := jsonServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	c := New(Options{AllowPrivate: true, Timeout: 100 * time.Millisecond})
	if _, err := c.GetJSON(context.Background(), srv.URL+"/slow"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("timeout: %v", err)
	}
}

func TestRequestsAreSigned(t *testing.T) {
	k := key(t)
	const keyID = "https://directory.example/actor#main-key"
	v := &httpsig.Verifier{Keys: staticKeys{keyID: &k.PublicKey}}
	var mu sync.Mutex
	var seen []string
	srv := jsonServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/actor", http.StatusFound)
			return
		}
		body, _ := io.ReadAll(r.Body)
		got, err := v.Verify(r.Context(), r, body)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			seen = append(seen, r.Method+" "+r.URL.Path+" unsigned: "+err.Error())
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		seen = append(seen, r.Method+" "+r.URL.Path+" "+got.Owner)
		if r.Header.Get("User-Agent") != "Portée/test (+https://directory.example)" {
			t.Errorf("User-Agent %q", r.Header.Get("User-Agent"))
		}
		if r.Method == http.MethodPost {
			if ct := r.Header.Get("Content-Type"); ct != "application/activity+json" {
				t.Errorf("Content-Type %q", ct)
			}
			w.WriteHeader(http.StatusAccepted)
			return
		}
		if r.Header.Get("Accept") != AcceptActivity {
			t.Errorf("Accept %q", r.Header.Get("Accept"))
		}
		io.WriteString(w, `{}`)
	})
	c := New(Options{AllowPrivate: true, UserAgent: "Portée/test (+https://directory.example)", Signer: &httpsig.Signer{KeyID: keyID, Key: k}})
	ctx := context.Background()
	if _, err := c.GetJSON(ctx, srv.URL+"/actor?page=1"); err != nil {
		t.Fatal(err)
	}
	if err := c.PostActivity(ctx, srv.URL+"/inbox", []byte(`{"type":"Follow"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetJSON(ctx, srv.URL+"/moved"); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GET /actor https://directory.example/actor",
		"POST /inbox https://directory.example/actor",
		"GET /actor https://directory.example/actor",
	}
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Fatalf("server saw:\n%s\nwant:\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
	// Without a signer the same server refuses us.
	if _, err := New(Options{AllowPrivate: true}).GetJSON(ctx, srv.URL+"/actor"); err == nil {
		t.Fatal("unsigned GET accepted")
	}
}

type staticKeys map[string]crypto.PublicKey

func (s staticKeys) PublicKey(_ context.Context, keyID string, _ bool) (crypto.PublicKey, string, error) {
	k, ok := s[keyID]
	if !ok {
		return nil, "", errors.New("unknown key")
	}
	owner, _, _ := strings.Cut(keyID, "#")
	return k, owner, nil
}

func TestKeyResolver(t *testing.T) {
	k := key(t)
	other, err := httpsig.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pemOf := func(k *rsa.PrivateKey) string { s, _ := httpsig.EncodePublicKeyPEM(&k.PublicKey); return s }
	var base string
	docs := map[string]func() any{}
	srv := jsonServer(t, func(w http.ResponseWriter, r *http.Request) {
		d, ok := docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/activity+json")
		json.NewEncoder(w).Encode(d())
	})
	base = srv.URL
	actor := func(id, keyID, pem string) map[string]any {
		return map[string]any{"id": id, "type": "Person", "publicKey": map[string]any{"id": keyID, "owner": id, "publicKeyPem": pem}}
	}
	// Mastodon: the key is in the actor, under a fragment.
	docs["/users/alice"] = func() any { return actor(base+"/users/alice", base+"/users/alice#main-key", pemOf(k)) }
	// A bare key document whose owner claims it back.
	docs["/keys/bob"] = func() any {
		return map[string]any{"id": base + "/keys/bob", "owner": base + "/users/bob", "publicKeyPem": pemOf(k)}
	}
	docs["/users/bob"] = func() any { return actor(base+"/users/bob", base+"/keys/bob", pemOf(k)) }
	// A bare key claiming an owner that lists another key.
	docs["/keys/mallory"] = func() any {
		return map[string]any{"id": base + "/keys/mallory", "owner": base + "/users/carol", "publicKeyPem": pemOf(other)}
	}
	docs["/users/carol"] = func() any { return actor(base+"/users/carol", base+"/users/carol#main-key", pemOf(k)) }

	kr := KeyResolver{Client: New(Options{AllowPrivate: true})}
	ctx := context.Background()
	for _, c := range []struct{ keyID, owner string }{
		{base + "/users/alice#main-key", base + "/users/alice"},
		{base + "/keys/bob", base + "/users/bob"},
	} {
		pub, owner, err := kr.PublicKey(ctx, c.keyID, false)
		if err != nil {
			t.Fatalf("%s: %v", c.keyID, err)
		}
		if owner != c.owner || !k.PublicKey.Equal(pub) {
			t.Fatalf("%s: owner %s", c.keyID, owner)
		}
	}
	for _, keyID := range []string{base + "/keys/mallory", base + "/users/alice#other", base + "/nothing#main-key"} {
		if _, _, err := kr.PublicKey(ctx, keyID, false); err == nil {
			t.Fatalf("%s resolved", keyID)
		}
	}
}

// TestHostSlotsDropped: the per-host limiter forgets a host once no request
// to it is running or waiting, so that key ids and inboxes naming endless
// distinct hosts do not grow the client's memory.
func TestHostSlotsDropped(t *testing.T) {
	srv := jsonServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{}`) })
	c := New(Options{AllowPrivate: true, PerHost: 2, Timeout: 2 * time.Second})
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.GetJSON(ctx, srv.URL+"/x"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// Hosts that refuse the connection: one entry each while it lasts.
	for port := 1; port <= 40; port++ {
		c.GetJSON(ctx, fmt.Sprintf("http://127.0.0.1:%d/key", port))
	}
	c.mu.Lock()
	n := len(c.hosts)
	c.mu.Unlock()
	if n != 0 {
		t.Errorf("%d hosts still tracked after every request ended", n)
	}
}
