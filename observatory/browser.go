package observatory

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"codeberg.org/portee/portee/catalog"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// browser is one headless Chromium shared by the rounds, one page per
// worker at a time, each in its own browser context. Chromium itself reaches nothing: every request it makes is paused
// and either answered by our own fetch client (the hoster's hosts, within
// the same limits as HTTP mode) or failed and recorded (third parties).
// Name resolution is mapped to nothing and the proxy points nowhere, so a
// request that escaped interception would fail too.
type browser struct {
	ctx    context.Context
	cancel func()
	tabs   chan struct{} // pages loading at once: one per worker
}

func (ob *Observatory) startBrowser() (*browser, error) {
	ob.browserMu.Lock()
	defer ob.browserMu.Unlock()
	if ob.browser != nil {
		return ob.browser, nil
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(ob.o.Browser), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-domain-reliability", true), chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND"), chromedp.ProxyServer("http://127.0.0.1:9"),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
		chromedp.UserAgent(UserAgent(ob.o.BaseURL, ob.o.Version)))
	bctx, bcancel := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil {
		bcancel()
		acancel()
		return nil, fmt.Errorf("observatory: start Chromium %s: %w", ob.o.Browser, err)
	}
	ob.browser = &browser{ctx: bctx, cancel: func() { bcancel(); acancel() }, tabs: make(chan struct{}, ob.o.Workers)}
	return ob.browser, nil
}

func (b *browser) close() { b.cancel() }

// browseResult is what the browser saw of one page.
type browseResult struct {
	mu         sync.Mutex
	thirdParty map[string][]string // host → URLs, all failed
	served     int
	refused    int // own requests over the limit
	urls       []string
}

// browse loads pageURL in a fresh browser context, records the third-party
// hosts the page tried to reach and the cookies it holds at the end, and
// adds what the HTML parsing had not seen (Method browser).
func (r *round) browse(ctx context.Context, offer, pageURL string, seenHTML map[string]bool) {
	b, err := r.ob.startBrowser()
	if err != nil {
		r.ob.log.Warn("browser mode unavailable", "err", err)
		return
	}
	select {
	case b.tabs <- struct{}{}:
		defer func() { <-b.tabs }()
	case <-ctx.Done():
		return
	}
	r.browserUsed = true
	res := &browseResult{thirdParty: map[string][]string{}}
	tctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	tctx, tcancel := context.WithTimeout(tctx, 3*r.ob.o.Timeout)
	defer tcancel()
	stop := context.AfterFunc(ctx, tcancel)
	defer stop()

	var last sync.Mutex
	lastActivity := time.Now()
	touch := func() { last.Lock(); lastActivity = time.Now(); last.Unlock() }
	var wg sync.WaitGroup
	paused := chromedp.Events(tctx, fetch.RequestPaused)
	// The loop ends when tctx does; browse waits for it before returning,
	// so no event is handled (and no wg.Add runs) once the page is done.
	loopDone := make(chan struct{})
	go func() {
		defer close(loopDone)
		for ev, err := range paused {
			if err != nil {
				return
			}
			touch()
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.answer(tctx, res, &ev)
				touch()
			}()
		}
	}()
	_, err = chromedp.Call(tctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}})
	if err == nil {
		err = chromedp.Do(tctx, chromedp.Navigate(pageURL))
	}
	if err == nil {
		// Scripts that load other scripts do it after the load event:
		// wait until the page has been quiet for a moment.
		for tctx.Err() == nil {
			last.Lock()
			quiet := time.Since(lastActivity)
			last.Unlock()
			if quiet > 500*time.Millisecond {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	var cookies []*network.Cookie
	if err == nil {
		res.mu.Lock()
		urls := append([]string{pageURL}, res.urls...)
		res.mu.Unlock()
		if got, cerr := chromedp.Call(tctx, network.GetCookies, network.GetCookiesParams{URLs: urls}); cerr == nil {
			cookies = got.Cookies
		}
	}
	tcancel()
	<-loopDone
	wg.Wait()
	if err != nil {
		r.ob.log.Info("browser could not load the page", "url", pageURL, "err", err)
		return
	}
	res.mu.Lock()
	defer res.mu.Unlock()
	hosts := make([]string, 0, len(res.thirdParty))
	for h := range res.thirdParty {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	for _, h := range hosts {
		if seenHTML[h] {
			continue
		}
		path := ""
		if u, err := url.Parse(res.thirdParty[h][0]); err == nil {
			path = u.Path
		}
		r.add(catalog.Finding{Kind: catalog.KindThirdParty, URL: pageURL, Offer: offer, Method: catalog.MethodBrowser,
			Status: catalog.FindingProblem, Host: h, Category: Classify(h, path), Detail: strings.Join(res.thirdParty[h], "\n")})
	}
	known := map[string]bool{}
	for _, f := range r.findings {
		if f.Kind == catalog.KindCookie && f.URL == pageURL {
			known[f.Value+" "+f.Host] = true
		}
	}
	for _, c := range cookies {
		dom := strings.TrimPrefix(c.Domain, ".")
		if known[c.Name+" "+dom] {
			continue
		}
		known[c.Name+" "+dom] = true
		r.cookie(offer, pageURL, c.Name, dom, catalog.MethodBrowser)
	}
}

// answer serves one paused request: our fetch client answers for the
// hoster's own hosts, within the per-page limit; anything else fails and is
// recorded.
func (r *round) answer(ctx context.Context, res *browseResult, ev *fetch.EventRequestPaused) {
	fail := func(reason network.ErrorReason) {
		_, _ = chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: reason})
	}
	u, err := url.Parse(ev.Request.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		fail(network.ErrorReasonBlockedByClient)
		return
	}
	res.mu.Lock()
	if host := strings.ToLower(u.Hostname()); !r.own.Own(host) {
		if l := res.thirdParty[host]; len(l) < 10 {
			res.thirdParty[host] = append(l, ev.Request.URL)
		}
		res.mu.Unlock()
		fail(network.ErrorReasonBlockedByClient)
		return
	}
	// The page itself plus MaxResourcesPerPage of its own resources.
	if res.served > MaxResourcesPerPage || ev.Request.Method != http.MethodGet {
		res.refused++
		res.mu.Unlock()
		fail(network.ErrorReasonBlockedByClient)
		return
	}
	res.served++
	res.urls = append(res.urls, ev.Request.URL)
	res.mu.Unlock()
	if ok, err := r.ob.client.RobotsAllowed(ctx, ev.Request.URL); err != nil || !ok {
		fail(network.ErrorReasonBlockedByClient)
		return
	}
	accept := ""
	for k, v := range ev.Request.Headers {
		if strings.EqualFold(k, "Accept") {
			if s, ok := v.(string); ok {
				accept = s
			}
		}
	}
	p, err := r.ob.client.Probe(ctx, ev.Request.URL, accept)
	if err != nil {
		fail(network.ErrorReasonConnectionFailed)
		return
	}
	var headers []*fetch.HeaderEntry
	for k, vs := range p.Header {
		switch strings.ToLower(k) {
		case "content-length", "content-encoding", "transfer-encoding", "connection":
			continue
		}
		for _, v := range vs {
			headers = append(headers, &fetch.HeaderEntry{Name: k, Value: v})
		}
	}
	body := p.Body
	if body == nil {
		body = []byte{}
	}
	_, _ = chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: ev.RequestID,
		ResponseCode: int64(p.StatusCode), ResponseHeaders: headers, Body: body})
}
