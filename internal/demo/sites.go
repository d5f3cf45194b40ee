package demo

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"codeberg.org/portee/portee/observatory/sitetest"
)

// Sites are the demo hosters' small service sites, served on loopback so
// that the observatory finds something of every kind: one hoster is clean,
// one loads Google Fonts and an analytics script, one's legal notice is a
// 404, one runs another Nextcloud version than it declares, and one is
// served with an expired self-signed certificate. The hoster files keep
// their invented *.example addresses: Resolve sends them to these servers
// (HTTPS on one port, the expired certificate on another, plain HTTP that
// redirects to HTTPS on a third), and RootCAs trusts their authority.
type Sites struct {
	RootCAs *x509.CertPool
	Resolve map[string]string

	servers []*http.Server

	mu     sync.Mutex
	agents map[string]int // user agents of the requests answered
}

// siteHosts finds the host names of the demo's URLs in the hoster files.
var siteHosts = regexp.MustCompile(`https://([a-z0-9.-]+\.example)`)

// expiredHoster is served with an expired self-signed certificate.
const expiredHoster = "ti-chaton-pei"

func startSites(files map[string][]byte) (*Sites, error) {
	ca, err := sitetest.NewCA()
	if err != nil {
		return nil, err
	}
	s := &Sites{RootCAs: ca.Pool, Resolve: map[string]string{}, agents: map[string]int{}}
	hosts := &sitetest.Hosts{}
	var valid, expired []string
	for username, data := range files {
		site := demoSite(username)
		for _, m := range siteHosts.FindAllSubmatch(data, -1) {
			host := string(m[1])
			if !strings.HasSuffix(host, "."+username+".example") && host != username+".example" {
				continue
			}
			sub := strings.TrimSuffix(strings.TrimSuffix(host, username+".example"), ".")
			if sub == "" {
				hosts.Handle(host, site.website)
			} else {
				hosts.Handle(host, site.service(sub, host))
			}
			if username == expiredHoster {
				expired = append(expired, host)
			} else {
				valid = append(valid, host)
			}
		}
	}
	now := time.Now()
	validCert, err := ca.Issue(append([]string{"portee-demo.example"}, valid...), now.Add(-time.Hour), now.AddDate(0, 3, 0))
	if err != nil {
		return nil, err
	}
	expiredCert, err := sitetest.SelfSigned(append([]string{expiredHoster + ".example"}, expired...), now.AddDate(-1, 0, -12), now.AddDate(0, 0, -12))
	if err != nil {
		return nil, err
	}
	handler := s.record(hosts)
	validAddr, err := s.serve(handler, &tls.Config{Certificates: []tls.Certificate{validCert}})
	if err != nil {
		s.Close()
		return nil, err
	}
	expiredAddr, err := s.serve(handler, &tls.Config{Certificates: []tls.Certificate{expiredCert}})
	if err != nil {
		s.Close()
		return nil, err
	}
	plainAddr, err := s.serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://"+r.Host+r.URL.RequestURI(), http.StatusMovedPermanently)
	}), nil)
	if err != nil {
		s.Close()
		return nil, err
	}
	for _, h := range valid {
		s.Resolve[h+":443"], s.Resolve[h+":80"] = validAddr, plainAddr
	}
	for _, h := range expired {
		s.Resolve[h+":443"], s.Resolve[h+":80"] = expiredAddr, plainAddr
	}
	return s, nil
}

func (s *Sites) serve(h http.Handler, cfg *tls.Config) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	s.servers = append(s.servers, srv)
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	go srv.Serve(ln)
	return ln.Addr().String(), nil
}

func (s *Sites) record(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.agents[r.UserAgent()]++
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// UserAgents returns the user agents the sites answered, with counts.
func (s *Sites) UserAgents() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.agents))
	for k, v := range s.agents {
		out[k] = v
	}
	return out
}

// Close stops the sites.
func (s *Sites) Close() error {
	var errs []error
	for _, srv := range s.servers {
		errs = append(errs, srv.Close())
	}
	return errors.Join(errs...)
}

// demoSite is one hoster's website and service pages.
type demoSiteDef struct {
	website sitetest.Site
	service func(sub, host string) http.Handler
}

func demoSite(username string) demoSiteDef {
	name := strings.ReplaceAll(username, "-", " ")
	hsts := map[string]string{"Strict-Transport-Security": "max-age=31536000"}
	page := func(title, head, body string) sitetest.Page {
		return sitetest.Page{Body: sitetest.HTML(title, `<link rel="stylesheet" href="/style.css">`+head, body), Header: hsts}
	}
	css := sitetest.Page{ContentType: "text/css", Body: `body{font-family:sans-serif;max-width:40em;margin:auto}`}
	doc := func(title string) sitetest.Page { return page(title, "", "<p>"+title+" de "+name+".</p>") }
	web := sitetest.Site{
		"/":                 page(name, "", "<p>Services libres et éthiques.</p>"),
		"/style.css":        css,
		"/mentions-legales": doc("Mentions légales"),
		"/mentions":         doc("Mentions légales"),
		"/cgu":              doc("Conditions générales d'utilisation"),
		"/infra":            doc("Infrastructure"),
		"/rapports":         doc("Rapports d'activité"),
		"/requetes":         doc("Registre des réquisitions"),
		"/tarifs":           doc("Tarifs"),
		"/code":             doc("Nos contributions"),
	}
	nextcloud := "29.0.4"
	switch username {
	case "erdre-libre":
		web["/"] = page(name, `<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Open+Sans">
<script async src="https://www.googletagmanager.com/gtag/js?id=G-DEMO"></script>`, "<p>Coopérative de services libres.</p>")
	case "canut-numerique":
		delete(web, "/mentions")
		nextcloud = "30.0.5"
	case "faubourg-libre":
		nextcloud = "31.0.2"
	case "ti-chaton-pei":
		nextcloud = "30.0.1"
	}
	return demoSiteDef{website: web, service: func(sub, host string) http.Handler {
		site := sitetest.Site{
			"/":          page(sub+" — "+name, "", "<p>Service "+sub+".</p>"),
			"/style.css": css,
		}
		switch sub {
		case "nuage", "cloud":
			site["/status.php"] = sitetest.NextcloudStatus(nextcloud)
		case "social":
			sitetest.NodeInfo(site, "https://"+host, "mastodon", "4.5.0")
		case "videos":
			sitetest.NodeInfo(site, "https://"+host, "peertube", "7.0.1")
		}
		return site
	}}
}
