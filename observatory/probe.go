package observatory

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/fetch"
)

// round is one observation of one hoster: its findings so far, the
// documents already checked and the origins whose HTTP redirect was tried.
type round struct {
	ob          *Observatory
	h           *catalog.Hoster
	own         Domains
	findings    []catalog.Finding
	docs        map[string]docResult
	origins     map[string]bool
	browserUsed bool
}

func (r *round) add(f catalog.Finding) { r.findings = append(r.findings, f) }

const acceptHTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"

var (
	errRedirectLoop     = errors.New("redirect loop")
	errTooManyRedirects = fmt.Errorf("more than %d redirects", MaxRedirects)
	errRobots           = errors.New("robots.txt forbids a page of the redirect chain")
)

// follow fetches raw and follows its redirects itself (each hop checked
// against robots.txt), returning every answer, the last one last.
func (r *round) follow(ctx context.Context, raw, accept string) ([]*fetch.Probed, error) {
	var hops []*fetch.Probed
	seen := map[string]bool{}
	for i := 0; ; i++ {
		if seen[raw] {
			return hops, errRedirectLoop
		}
		seen[raw] = true
		if i > MaxRedirects {
			return hops, errTooManyRedirects
		}
		if i > 0 {
			ok, err := r.ob.client.RobotsAllowed(ctx, raw)
			if err != nil {
				return hops, err
			}
			if !ok {
				return hops, errRobots
			}
		}
		p, err := r.ob.client.Probe(ctx, raw, accept)
		if err != nil {
			return hops, err
		}
		hops = append(hops, p)
		loc := p.Header.Get("Location")
		if p.StatusCode < 300 || p.StatusCode > 399 || loc == "" {
			return hops, nil
		}
		base, _ := url.Parse(raw)
		next := resolve(base, loc)
		if next == "" {
			return hops, nil
		}
		raw = next
	}
}

// failReason names a failed request for people: "timeout", "refused",
// "dns", "expired"…
func failReason(err error, now time.Time) string {
	if code, _ := tlsFailure(err, now); code != "" {
		return code
	}
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, errRedirectLoop):
		return "redirect-loop"
	case errors.Is(err, errTooManyRedirects):
		return "too-many-redirects"
	case errors.Is(err, errRobots):
		return "robots"
	case errors.Is(err, fetch.ErrPrivateAddress):
		return "private-address"
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.As(err, &dnsErr):
		return "dns"
	case strings.Contains(err.Error(), "connection refused"):
		return "refused"
	}
	return "unreachable"
}

// tlsFailure recognises a certificate or handshake failure and returns its
// reason and, when the server sent one, its certificate.
func tlsFailure(err error, now time.Time) (string, *x509.Certificate) {
	var cert *x509.Certificate
	var cve *tls.CertificateVerificationError
	if errors.As(err, &cve) && len(cve.UnverifiedCertificates) > 0 {
		cert = cve.UnverifiedCertificates[0]
	}
	var inv x509.CertificateInvalidError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var rh tls.RecordHeaderError
	var alert tls.AlertError
	switch {
	case errors.As(err, &inv):
		if inv.Cert != nil {
			cert = inv.Cert
		}
		if inv.Reason == x509.Expired {
			if cert != nil && cert.NotBefore.After(cert.NotAfter) || cert != nil && now.Before(cert.NotBefore) {
				return "not-yet-valid", cert
			}
			return "expired", cert
		}
		return "invalid-certificate", cert
	case errors.As(err, &hn):
		return "name-mismatch", hn.Certificate
	case errors.As(err, &ua):
		if ua.Cert != nil {
			cert = ua.Cert
		}
		if cert != nil && cert.Subject.String() == cert.Issuer.String() {
			return "self-signed", cert
		}
		return "unknown-authority", cert
	case errors.As(err, &rh):
		return "not-tls", nil
	case errors.As(err, &alert), strings.Contains(err.Error(), "tls: "):
		return "handshake-failed", cert
	}
	return "", nil
}

// visit observes one page: a hoster's website (offer "") or an offer's URL.
func (r *round) visit(ctx context.Context, offer, raw string, sw *catalog.Software) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.add(catalog.Finding{Kind: catalog.KindReachability, URL: raw, Offer: offer, Method: catalog.MethodHTTP,
			Status: catalog.FindingProblem, Reason: "invalid-url"})
		return
	}
	allowed, err := r.ob.client.RobotsAllowed(ctx, raw)
	if err == nil && !allowed {
		r.add(catalog.Finding{Kind: catalog.KindRobots, URL: raw, Offer: offer, Method: catalog.MethodHTTP, Status: catalog.FindingInfo})
		return
	}
	var hops []*fetch.Probed
	if err == nil {
		hops, err = r.follow(ctx, raw, acceptHTML)
	}
	if u.Scheme == "https" {
		r.httpsRedirect(ctx, offer, u)
	}
	if err != nil {
		r.transportFailure(offer, raw, err)
		return
	}
	last := hops[len(hops)-1]
	reach := catalog.Finding{Kind: catalog.KindReachability, URL: raw, Offer: offer, Method: catalog.MethodHTTP,
		Status: catalog.FindingOK, Value: strconv.Itoa(last.StatusCode), Millis: hops[0].Elapsed.Milliseconds()}
	if len(hops) > 1 {
		var chain []string
		for _, h := range hops {
			chain = append(chain, strconv.Itoa(h.StatusCode)+" "+h.URL)
		}
		reach.Detail = strings.Join(chain, " → ")
	}
	if last.StatusCode < 200 || last.StatusCode > 299 {
		reach.Status, reach.Reason = catalog.FindingProblem, "status-"+strconv.Itoa(last.StatusCode)
	}
	r.add(reach)
	if u.Scheme == "http" {
		f := catalog.Finding{Kind: catalog.KindHTTPSRedirect, URL: raw, Offer: offer, Method: catalog.MethodHTTP, Status: catalog.FindingOK, Value: last.URL}
		if !strings.HasPrefix(last.URL, "https://") {
			f.Status, f.Reason = catalog.FindingProblem, "plain-http"
		}
		r.add(f)
	}
	if strings.HasPrefix(last.URL, "https://") {
		r.tlsFindings(offer, last)
	}
	for _, h := range hops {
		r.cookies(offer, h)
	}
	if last.StatusCode != http.StatusOK || !isHTML(last.Header.Get("Content-Type")) {
		if sw != nil {
			r.software(ctx, offer, last.URL, "", sw)
		}
		return
	}
	base, _ := url.Parse(last.URL)
	page := ParseHTML(last.Body, base)
	if last.Truncated {
		r.add(catalog.Finding{Kind: catalog.KindReachability, URL: last.URL, Offer: offer, Method: catalog.MethodHTTP,
			Status: catalog.FindingInfo, Reason: "truncated", Value: strconv.Itoa(MaxDocument)})
	}
	seen := r.thirdParties(ctx, offer, last.URL, page)
	if r.ob.o.Browser != "" {
		r.browse(ctx, offer, last.URL, seen)
	}
	if sw != nil {
		r.software(ctx, offer, last.URL, page.Generator, sw)
	}
}

// transportFailure records a page that did not answer, and its TLS problem.
func (r *round) transportFailure(offer, raw string, err error) {
	now := r.ob.now()
	reason := failReason(err, now)
	r.add(catalog.Finding{Kind: catalog.KindReachability, URL: raw, Offer: offer, Method: catalog.MethodHTTP,
		Status: catalog.FindingProblem, Reason: reason, Detail: err.Error()})
	if code, cert := tlsFailure(err, now); code != "" {
		f := catalog.Finding{Kind: catalog.KindTLS, URL: raw, Offer: offer, Method: catalog.MethodHTTP,
			Status: catalog.FindingProblem, Reason: code, Detail: err.Error()}
		if cert != nil {
			f.Value = strconv.Itoa(days(cert, now))
		}
		r.add(f)
	}
}

// days is how many whole days the certificate has left (negative: expired).
func days(c *x509.Certificate, now time.Time) int {
	return int(math.Floor(c.NotAfter.Sub(now).Hours() / 24))
}

func tlsVersion(v uint16) string {
	switch v {
	case tls.VersionTLS13:
		return "TLS 1.3"
	case tls.VersionTLS12:
		return "TLS 1.2"
	case tls.VersionTLS11:
		return "TLS 1.1"
	case tls.VersionTLS10:
		return "TLS 1.0"
	}
	return fmt.Sprintf("0x%04x", v)
}

// tlsFindings records a verified connection: protocol, days to expiry, HSTS.
func (r *round) tlsFindings(offer string, p *fetch.Probed) {
	if p.TLS != nil && len(p.TLS.PeerCertificates) > 0 {
		leaf := p.TLS.PeerCertificates[0]
		left := days(leaf, r.ob.now())
		f := catalog.Finding{Kind: catalog.KindTLS, URL: p.URL, Offer: offer, Method: catalog.MethodHTTP, Status: catalog.FindingOK,
			Code: tlsVersion(p.TLS.Version), Value: strconv.Itoa(left)}
		if left < 14 {
			f.Reason = "expires-soon"
		}
		if p.TLS.Version < tls.VersionTLS12 {
			f.Status, f.Reason = catalog.FindingProblem, "old-protocol"
		}
		r.add(f)
	}
	hsts := catalog.Finding{Kind: catalog.KindHSTS, URL: p.URL, Offer: offer, Method: catalog.MethodHTTP, Status: catalog.FindingOK}
	if v := p.Header.Get("Strict-Transport-Security"); v != "" {
		hsts.Value = v
	} else {
		hsts.Status, hsts.Reason = catalog.FindingInfo, "absent"
	}
	r.add(hsts)
}

// httpsRedirect asks the plain-HTTP twin of an HTTPS page once per host
// whether it sends visitors to HTTPS.
func (r *round) httpsRedirect(ctx context.Context, offer string, u *url.URL) {
	if r.origins[u.Host] {
		return
	}
	r.origins[u.Host] = true
	plain := *u
	plain.Scheme = "http"
	if port := u.Port(); port != "" {
		// A non-default HTTPS port has no known plain twin.
		if port != "443" {
			return
		}
		plain.Host = u.Hostname()
	}
	f := catalog.Finding{Kind: catalog.KindHTTPSRedirect, URL: plain.String(), Offer: offer, Method: catalog.MethodHTTP}
	if ok, err := r.ob.client.RobotsAllowed(ctx, plain.String()); err == nil && !ok {
		return
	}
	p, err := r.ob.client.Probe(ctx, plain.String(), acceptHTML)
	switch {
	case err != nil:
		f.Status, f.Reason = catalog.FindingInfo, "http-closed"
	case p.StatusCode >= 300 && p.StatusCode <= 399 && strings.HasPrefix(strings.ToLower(p.Header.Get("Location")), "https://"):
		f.Status, f.Value = catalog.FindingOK, p.Header.Get("Location")
	default:
		f.Status, f.Reason, f.Value = catalog.FindingProblem, "no-redirect", strconv.Itoa(p.StatusCode)
	}
	r.add(f)
}

// cookies records the cookies an answer sets, first- or third-party by the
// cookie's domain.
func (r *round) cookies(offer string, p *fetch.Probed) {
	u, err := url.Parse(p.URL)
	if err != nil {
		return
	}
	for _, c := range (&http.Response{Header: p.Header}).Cookies() {
		dom := strings.TrimPrefix(c.Domain, ".")
		if dom == "" {
			dom = u.Hostname()
		}
		r.cookie(offer, p.URL, c.Name, dom, catalog.MethodHTTP)
	}
}

func (r *round) cookie(offer, pageURL, name, domain, method string) {
	f := catalog.Finding{Kind: catalog.KindCookie, URL: pageURL, Offer: offer, Method: method, Status: catalog.FindingInfo,
		Code: "first-party", Host: domain, Value: name}
	if !r.own.Own(domain) {
		f.Code, f.Status, f.Category = "third-party", catalog.FindingProblem, Classify(domain, "")
	}
	r.add(f)
}

func isHTML(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "text/html" || mt == "application/xhtml+xml" || (mt == "" && ct == "")
}

func isCSS(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "text/css" || mt == ""
}

// thirdParties records the page's third-party resources (one finding per
// host), following its own stylesheets and their @imports (at most
// MaxResourcesPerPage fetches). It returns the third-party hosts seen.
func (r *round) thirdParties(ctx context.Context, offer, pageURL string, page *Page) map[string]bool {
	byHost := map[string][]string{}
	queue := append([]Resource(nil), page.Resources...)
	fetched := 0
	done := map[string]bool{}
	for len(queue) > 0 {
		res := queue[0]
		queue = queue[1:]
		u, err := url.Parse(res.URL)
		if err != nil {
			continue
		}
		if host := strings.ToLower(u.Hostname()); !r.own.Own(host) {
			if len(byHost[host]) < 10 {
				byHost[host] = append(byHost[host], res.URL)
			}
			continue
		}
		if (res.Tag != "stylesheet" && res.Tag != "import") || done[res.URL] || fetched >= MaxResourcesPerPage {
			continue
		}
		done[res.URL] = true
		fetched++
		if ok, err := r.ob.client.RobotsAllowed(ctx, res.URL); err != nil || !ok {
			continue
		}
		p, err := r.ob.client.Probe(ctx, res.URL, "text/css,*/*;q=0.1")
		if err != nil || p.StatusCode != http.StatusOK || !isCSS(p.Header.Get("Content-Type")) {
			continue
		}
		r.cookies(offer, p)
		queue = append(queue, ParseCSS(p.Body, u)...)
	}
	hosts := make([]string, 0, len(byHost))
	for h := range byHost {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	seen := map[string]bool{}
	for _, h := range hosts {
		seen[h] = true
		first := ""
		if len(byHost[h]) > 0 {
			first = byHost[h][0]
		}
		path := ""
		if u, err := url.Parse(first); err == nil {
			path = u.Path
		}
		r.add(catalog.Finding{Kind: catalog.KindThirdParty, URL: pageURL, Offer: offer, Method: catalog.MethodHTML,
			Status: catalog.FindingProblem, Host: h, Category: Classify(h, path), Detail: strings.Join(byHost[h], "\n")})
	}
	return seen
}

// chatonsInfos notes a ChatonsInfos directory published on the website.
func (r *round) chatonsInfos(ctx context.Context, website string) {
	u, err := url.Parse(website)
	if err != nil {
		return
	}
	ci := u.Scheme + "://" + u.Host + "/.well-known/chatonsinfos/"
	if ok, err := r.ob.client.RobotsAllowed(ctx, ci); err != nil || !ok {
		return
	}
	p, err := r.ob.client.Probe(ctx, ci, "text/plain,text/html;q=0.9,*/*;q=0.5")
	if err != nil || p.StatusCode != http.StatusOK {
		return
	}
	r.add(catalog.Finding{Kind: catalog.KindChatonsInfos, URL: ci, Method: catalog.MethodHTTP, Status: catalog.FindingInfo, Value: "present"})
}
