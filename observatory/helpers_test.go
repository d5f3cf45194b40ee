package observatory

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/catalog/catalogtest"
	"codeberg.org/portee/portee/observatory/sitetest"
)

// env is a set of loopback sites under invented names (*.test), served
// over TLS with a certificate of a throwaway authority the observatory
// trusts, and over plain HTTP; Resolve points the names at them.
type env struct {
	t       testing.TB
	ca      *sitetest.CA
	hosts   *sitetest.Hosts
	tlsAddr string
	plain   string
	resolve map[string]string
	store   *catalog.Store

	mu       sync.Mutex
	requests []string // host+path of every request the sites answered
	agents   map[string]bool
	inFlight map[string]int
	maxPer   map[string]int
}

func newEnv(t testing.TB, names ...string) *env {
	t.Helper()
	ca, err := sitetest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ca: ca, hosts: &sitetest.Hosts{}, resolve: map[string]string{}, agents: map[string]bool{},
		inFlight: map[string]int{}, maxPer: map[string]int{}}
	var certNames []string
	for _, n := range names {
		certNames = append(certNames, n, "*."+n)
	}
	cert, err := ca.Issue(certNames, time.Now().Add(-time.Hour), time.Now().AddDate(0, 3, 0))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(e.record(e.hosts))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = nil
	srv.StartTLS()
	t.Cleanup(srv.Close)
	e.tlsAddr = srv.Listener.Addr().String()
	plain := httptest.NewServer(e.record(e.hosts))
	t.Cleanup(plain.Close)
	e.plain = plain.Listener.Addr().String()
	e.store = catalogtest.NewSQLite(t)
	return e
}

// site serves s at https://host; http://host redirects to it.
func (e *env) site(host string, s sitetest.Site) {
	e.hosts.Handle(host, s)
	e.resolve[host+":443"] = e.tlsAddr
	e.resolve[host+":80"] = e.plain
}

// record wraps the sites to keep who asked what and how many requests ran
// at once per host.
func (e *env) record(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if hh, _, err := net.SplitHostPort(host); err == nil {
			host = hh
		}
		e.mu.Lock()
		e.requests = append(e.requests, host+r.URL.Path)
		e.agents[r.UserAgent()] = true
		e.inFlight[host]++
		if e.inFlight[host] > e.maxPer[host] {
			e.maxPer[host] = e.inFlight[host]
		}
		e.mu.Unlock()
		defer func() {
			e.mu.Lock()
			e.inFlight[host]--
			e.mu.Unlock()
		}()
		if r.TLS == nil {
			// Plain HTTP: the sites redirect to HTTPS, as they should.
			http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusMovedPermanently)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (e *env) asked(hostPath string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range e.requests {
		if r == hostPath {
			return true
		}
	}
	return false
}

func (e *env) observatory(mod func(*Options)) *Observatory {
	o := Options{Store: e.store, AllowPrivate: true, RootCAs: e.ca.Pool, Resolve: e.resolve, BaseURL: "https://annuaire.test",
		Version: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if mod != nil {
		mod(&o)
	}
	ob, err := New(o)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { ob.Close() })
	return ob
}

// hoster stores a hoster at https://<domain>/ with the given offers (key →
// URL, software) and declaration answers.
func (e *env) hoster(username, domain string, offers []catalog.Offer, answers ...catalog.Answer) *catalog.Hoster {
	e.t.Helper()
	ctx := context.Background()
	h := catalogtest.SampleHoster(username, "https://"+domain)
	h.Domain = "node." + domain
	if err := e.store.UpsertHoster(ctx, h, catalog.WriteMeta{}); err != nil {
		e.t.Fatal(err)
	}
	for i := range offers {
		o := catalogtest.SampleOffer(h, offers[i].Key, "cloud")
		o.URL = offers[i].URL
		o.Software = offers[i].Software
		if err := e.store.UpsertOffer(ctx, o, catalog.WriteMeta{}); err != nil {
			e.t.Fatal(err)
		}
	}
	if len(answers) > 0 {
		d := &catalog.CharterDeclaration{HosterID: h.ID, ObjectID: h.ActorID + "/charter", CharterID: "chatons", CharterVersion: "2023",
			Answers: answers, Updated: time.Now()}
		if err := e.store.UpsertDeclaration(ctx, d, catalog.WriteMeta{}); err != nil {
			e.t.Fatal(err)
		}
	}
	return h
}

func observe(t testing.TB, ob *Observatory, h *catalog.Hoster) *catalog.Observation {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	obs, err := ob.ObserveHoster(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	return obs
}

// find returns the findings of kind (and, when set, of offer "key" or for
// url containing the given text).
func find(obs *catalog.Observation, kind string, match func(f catalog.Finding) bool) []catalog.Finding {
	var out []catalog.Finding
	for _, f := range obs.Findings {
		if f.Kind == kind && (match == nil || match(f)) {
			out = append(out, f)
		}
	}
	return out
}

func offer(key, url, software, version string) catalog.Offer {
	return catalog.Offer{Key: key, URL: url, Software: catalog.Software{Name: software, Version: version}}
}

func dump(obs *catalog.Observation) string {
	var b strings.Builder
	for _, f := range obs.Findings {
		b.WriteString("\n  " + f.Kind + " " + f.Status + " " + f.Offer + " " + f.URL + " code=" + f.Code + " reason=" + f.Reason +
			" host=" + f.Host + " cat=" + f.Category + " value=" + f.Value + " method=" + f.Method)
	}
	return b.String()
}
