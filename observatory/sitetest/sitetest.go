// Package sitetest serves small, real service sites on loopback for the
// observatory's tests, benchmark and the demo: certificates from a
// throwaway authority (or self-signed and expired), and pages chosen by
// host name, as a hoster's web server would.
package sitetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// CA is a throwaway certificate authority; Pool trusts it.
type CA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	Pool *x509.CertPool
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		panic(err)
	}
	return n
}

// NewCA makes an authority valid from an hour ago for ten years.
func NewCA() (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "Portée test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(10, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &CA{cert: cert, key: key, Pool: pool}, nil
}

// Issue makes a server certificate for names (host names or IP addresses)
// valid between the given times, signed by the authority.
func (ca *CA) Issue(names []string, notBefore, notAfter time.Time) (tls.Certificate, error) {
	return issue(names, notBefore, notAfter, ca.cert, ca.key)
}

// SelfSigned makes a certificate that signs itself.
func SelfSigned(names []string, notBefore, notAfter time.Time) (tls.Certificate, error) {
	return issue(names, notBefore, notAfter, nil, nil)
}

func issue(names []string, notBefore, notAfter time.Time, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: names[0]},
		NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tpl.IPAddresses = append(tpl.IPAddresses, ip)
		} else {
			tpl.DNSNames = append(tpl.DNSNames, n)
		}
	}
	if parent == nil {
		parent, parentKey = tpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// Hosts serves a handler per host name (without port, lower case); a host
// it does not know gets 421 Misdirected Request.
type Hosts struct {
	mu sync.RWMutex
	m  map[string]http.Handler
}

// Handle sets the handler of host.
func (hs *Hosts) Handle(host string, h http.Handler) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.m == nil {
		hs.m = map[string]http.Handler{}
	}
	hs.m[strings.ToLower(host)] = h
}

func (hs *Hosts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	hs.mu.RLock()
	h, ok := hs.m[strings.ToLower(host)]
	hs.mu.RUnlock()
	if !ok {
		http.Error(w, "unknown host", http.StatusMisdirectedRequest)
		return
	}
	h.ServeHTTP(w, r)
}

// Site is one host's pages: path → page. "/robots.txt" and any path not
// listed answer 404 unless given.
type Site map[string]Page

// Page is one answer.
type Page struct {
	Status      int // default 200
	ContentType string
	Body        string
	Header      map[string]string
	Delay       time.Duration
}

func (s Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p, ok := s[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if p.Delay > 0 {
		select {
		case <-time.After(p.Delay):
		case <-r.Context().Done():
			return
		}
	}
	for k, v := range p.Header {
		w.Header().Set(k, v)
	}
	ct := p.ContentType
	if ct == "" {
		ct = "text/html; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	if p.Status == 0 {
		p.Status = http.StatusOK
	}
	w.WriteHeader(p.Status)
	fmt.Fprint(w, p.Body)
}

// HTML makes a small page with title, extra head markup and a body text.
func HTML(title, head, body string) string {
	return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>` + title + `</title>` + head +
		`</head><body><h1>` + title + `</h1>` + body + `</body></html>`
}

// NextcloudStatus is the status.php of a Nextcloud at version.
func NextcloudStatus(version string) Page {
	return Page{ContentType: "application/json", Body: `{"installed":true,"maintenance":false,"needsDbUpgrade":false,"version":"` +
		version + `.0","versionstring":"` + version + `","edition":"","productname":"Nextcloud","extendedSupport":false}`}
}

// NodeInfo adds a NodeInfo 2.0 discovery document and document for the
// software to site, on origin (scheme://host[:port]).
func NodeInfo(site Site, origin, software, version string) {
	site["/.well-known/nodeinfo"] = Page{ContentType: "application/json",
		Body: `{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":"` + origin + `/nodeinfo/2.0"}]}`}
	site["/nodeinfo/2.0"] = Page{ContentType: "application/json",
		Body: `{"version":"2.0","software":{"name":"` + software + `","version":"` + version + `"},"protocols":["activitypub"],"openRegistrations":true,"usage":{"users":{}},"metadata":{}}`}
}
