// Package observatory looks at hosters' public sites from outside, as any
// visitor could: reachability, TLS, third-party resources (by parsing HTML
// and CSS, or in headless Chromium with every request intercepted), cookies,
// software and documents. It classifies third parties, maps findings to the
// charter's commitments, finds discrepancies with the declarations and
// schedules the rounds. Every request goes through federation/fetch.
package observatory

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/fetch"
)

// Limits of one observation, published on the about page.
const (
	MaxDocument         = 2 << 20          // bytes read of any document
	RequestTimeout      = 10 * time.Second // per request
	MaxResourcesPerPage = 20               // stylesheets (HTTP mode) or requests (browser mode) inspected per page
	MaxRedirects        = 5
	DefaultEvery        = 24 * time.Hour
)

// Options configure an Observatory.
type Options struct {
	Store        *catalog.Store
	AllowPrivate bool              // demo and tests: loopback sites
	RootCAs      *x509.CertPool    // nil: the system roots
	Resolve      map[string]string // "host:port" → "ip:port" (the demo's invented domains)
	Browser      string            // Chromium binary; "" = HTML and CSS parsing only
	BaseURL      string            // the directory's, for the user agent's link to the method
	Version      string
	Every        time.Duration // default 24 h per hoster, with jitter
	Tick         time.Duration // how often the schedule is looked at; default 1 min
	Settle       time.Duration // a catalog change re-observes a hoster observed longer ago; default 1 h
	Quiet        time.Duration // a hoster whose data changed this recently waits (updates come in bursts); default 10 s
	Workers      int           // hosters observed at once; default 4
	KeepDetails  time.Duration // raw details kept; default 90 days
	Timeout      time.Duration // per request; default RequestTimeout
	Logger       *slog.Logger
	Now          func() time.Time
}

// Observatory observes hosters. It is safe for concurrent use.
type Observatory struct {
	o      Options
	store  *catalog.Store
	client *fetch.Client
	m      *catalog.ObservationMap
	log    *slog.Logger
	now    func() time.Time

	browserMu sync.Mutex
	browser   *browser

	trigger chan int64
}

// UserAgent names Portée and links to the published method.
func UserAgent(baseURL, version string) string {
	if version == "" {
		version = "dev"
	}
	ua := "Portée-observatoire/" + version
	if baseURL != "" {
		ua += " (+" + strings.TrimRight(baseURL, "/") + "/a-propos#observatoire)"
	}
	return ua
}

// New builds an Observatory; Run schedules it.
func New(o Options) (*Observatory, error) {
	if o.Store == nil {
		return nil, errors.New("observatory: Options.Store is required")
	}
	if o.Every <= 0 {
		o.Every = DefaultEvery
	}
	if o.Tick <= 0 {
		o.Tick = time.Minute
	}
	if o.Settle <= 0 {
		o.Settle = time.Hour
	}
	if o.Quiet <= 0 {
		o.Quiet = 10 * time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.KeepDetails <= 0 {
		o.KeepDetails = 90 * 24 * time.Hour
	}
	if o.Timeout <= 0 {
		o.Timeout = RequestTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	ob := &Observatory{o: o, store: o.Store, m: catalog.DefaultObservationMap(), log: o.Logger.With("part", "observatory"),
		now: o.Now, trigger: make(chan int64, 64)}
	ob.client = fetch.New(fetch.Options{
		AllowPrivate: o.AllowPrivate, Timeout: o.Timeout, MaxBody: MaxDocument,
		// One request at a time per host: a small hoster's server must not
		// feel us.
		PerHost:   1,
		UserAgent: UserAgent(o.BaseURL, o.Version),
		RootCAs:   o.RootCAs, Resolve: o.Resolve,
	})
	return ob, nil
}

// Method is how third parties are found: MethodBrowser when Chromium is
// configured, MethodHTML otherwise.
func (ob *Observatory) Method() string {
	if ob.o.Browser != "" {
		return catalog.MethodBrowser
	}
	return catalog.MethodHTML
}

// Close stops the browser, if one was started.
func (ob *Observatory) Close() error {
	ob.browserMu.Lock()
	defer ob.browserMu.Unlock()
	if ob.browser != nil {
		ob.browser.close()
		ob.browser = nil
	}
	return nil
}

// ObserveHoster observes one hoster now and stores the observation.
func (ob *Observatory) ObserveHoster(ctx context.Context, hosterID int64) (*catalog.Observation, error) {
	h, err := ob.store.HosterByID(ctx, hosterID)
	if err != nil {
		return nil, err
	}
	offers, err := ob.store.OffersByHoster(ctx, h.ID)
	if err != nil {
		return nil, err
	}
	decl, err := ob.store.DeclarationByHoster(ctx, h.ID)
	if err != nil && !errors.Is(err, catalog.ErrNotFound) {
		return nil, err
	}
	obs := ob.Observe(ctx, h, offers, decl)
	if err := ob.store.SaveObservation(ctx, obs); err != nil {
		return nil, err
	}
	return obs, nil
}

// Observe looks at a hoster's website, legal notice, evidence links and
// offers, and returns the observation without storing it.
func (ob *Observatory) Observe(ctx context.Context, h *catalog.Hoster, offers []catalog.Offer, decl *catalog.CharterDeclaration) *catalog.Observation {
	start := ob.now()
	r := &round{ob: ob, h: h, own: Domains{}, docs: map[string]docResult{}, origins: map[string]bool{}}
	r.own.Add(h.Domain)
	for _, u := range []string{h.Website, h.LegalURL} {
		if u != "" {
			r.own.Add(u)
		}
	}
	for _, of := range offers {
		if of.URL != "" {
			r.own.Add(of.URL)
		}
	}
	obs := &catalog.Observation{HosterID: h.ID, ObservedAt: start, Method: catalog.MethodHTML}
	if h.Website != "" {
		allowed, err := ob.client.RobotsAllowed(ctx, h.Website)
		if err == nil && !allowed {
			obs.OptedOut = true
			obs.Findings = catalog.Findings{{Kind: catalog.KindOptedOut, URL: h.Website, Method: catalog.MethodHTTP, Status: catalog.FindingInfo}}
			obs.DurationMS = ob.now().Sub(start).Milliseconds()
			return obs
		}
		r.visit(ctx, "", h.Website, nil)
		r.chatonsInfos(ctx, h.Website)
	}
	if h.LegalURL != "" {
		r.document(ctx, "legal-notice", "", h.LegalURL)
	}
	if decl != nil {
		for _, a := range decl.Answers {
			if a.EvidenceURL != "" {
				r.document(ctx, "evidence", a.Commitment, a.EvidenceURL)
			}
		}
	}
	for i := range offers {
		of := &offers[i]
		if of.URL == "" {
			continue
		}
		sw := of.Software
		r.visit(ctx, of.Key, of.URL, &sw)
	}
	if r.browserUsed {
		obs.Method = catalog.MethodBrowser
	}
	obs.Findings = r.findings
	obs.DurationMS = ob.now().Sub(start).Milliseconds()
	return obs
}
