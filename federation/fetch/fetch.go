// Package fetch owns Portée's outbound HTTP: every request to another server
// goes through its Client, which refuses private addresses at dial time,
// bounds time, size, redirects and per-host concurrency, and signs requests.
package fetch

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"codeberg.org/portee/portee/federation/httpsig"
)

// AcceptActivity is what we ask for when fetching ActivityPub documents.
const AcceptActivity = `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`

const (
	defaultTimeout = 10 * time.Second
	defaultMaxBody = 1 << 20
	defaultPerHost = 4
	maxRedirects   = 3
)

// Errors of the client, distinguishable with errors.Is.
var (
	ErrPrivateAddress   = errors.New("fetch: private or reserved address refused")
	ErrTooLarge         = errors.New("fetch: response body too large")
	ErrTooManyRedirects = errors.New("fetch: too many redirects")
	ErrCrossOrigin      = errors.New("fetch: redirect to another origin refused")
	ErrScheme           = errors.New("fetch: only http and https URLs are fetched")
)

// Options configure a Client.
type Options struct {
	AllowPrivate bool            // PORTEE_ALLOW_PRIVATE_NETWORKS; demo and tests set it
	Timeout      time.Duration   // whole request including body; default 10 s
	MaxBody      int64           // default 1 MiB
	PerHost      int             // concurrent requests per host; default 4
	UserAgent    string          // "Portée/<version> (+<base url>)"
	Signer       *httpsig.Signer // when set, every request (GET and POST) is signed
	// RootCAs replaces the system roots (tests and the demo trust their own CA).
	RootCAs *x509.CertPool
	// Resolve sends connections for "host:port" to another "ip:port": the
	// demo points its invented domains at its loopback sites. The address
	// check still applies to the address actually dialled.
	Resolve map[string]string
}

// Client is the SSRF-safe HTTP client. It is safe for concurrent use.
type Client struct {
	o          Options
	http       *http.Client
	noRedirect *http.Client // Probe: every hop is the caller's to see

	mu    sync.Mutex
	hosts map[string]*hostSlots

	robotsMu sync.Mutex
	robots   map[string]robotsEntry
	now      func() time.Time
}

// StatusError is a non-2xx answer.
type StatusError struct {
	URL        string
	Code       int
	RetryAfter time.Duration // from Retry-After (seconds or HTTP date); 0 when absent
	Body       string        // the first ErrorExcerpt bytes of the answer: why the server refused
}

// ErrorExcerpt is how much of a non-2xx answer StatusError keeps.
const ErrorExcerpt = 200

func (e *StatusError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("fetch: %s: status %d (retry after %s)", e.URL, e.Code, e.RetryAfter)
	}
	return fmt.Sprintf("fetch: %s: status %d", e.URL, e.Code)
}

// IsGone tells whether err is a 410 Gone answer.
func IsGone(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Code == http.StatusGone
}

// Response is a fully read 2xx answer.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	URL        string // final URL, after same-origin redirects
}

// New builds a Client.
func New(o Options) *Client {
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	if o.MaxBody <= 0 {
		o.MaxBody = defaultMaxBody
	}
	if o.PerHost <= 0 {
		o.PerHost = defaultPerHost
	}
	if o.UserAgent == "" {
		o.UserAgent = "Portée/dev"
	}
	c := &Client{o: o, hosts: map[string]*hostSlots{}, robots: map[string]robotsEntry{}, now: time.Now}
	dialer := &net.Dialer{Timeout: o.Timeout, KeepAlive: 30 * time.Second}
	if !o.AllowPrivate {
		dialer.Control = controlPublicOnly
	}
	dial := dialer.DialContext
	if len(o.Resolve) > 0 {
		dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if to, ok := o.Resolve[strings.ToLower(addr)]; ok {
				addr = to
			}
			return dialer.DialContext(ctx, network, addr)
		}
	}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would dial for us and escape the address check
		DialContext:           dial,
		TLSClientConfig:       &tls.Config{RootCAs: o.RootCAs},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   o.PerHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   o.Timeout,
		ResponseHeaderTimeout: o.Timeout,
		ExpectContinueTimeout: time.Second,
	}
	c.http = &http.Client{Transport: tr, CheckRedirect: c.checkRedirect}
	c.noRedirect = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return c
}

// AllowsPrivate tells whether the client may reach private addresses (demo, tests).
func (c *Client) AllowsPrivate() bool { return c.o.AllowPrivate }

// UserAgent is the User-Agent the client sends.
func (c *Client) UserAgent() string { return c.o.UserAgent }

func origin(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if via[0].Method != http.MethodGet && via[0].Method != http.MethodHead {
		// An inbox that redirects gets no second POST: the caller sees the 3xx.
		return http.ErrUseLastResponse
	}
	if len(via) > maxRedirects {
		return ErrTooManyRedirects
	}
	if origin(req.URL) != origin(via[0].URL) {
		return fmt.Errorf("%w: %s → %s", ErrCrossOrigin, origin(via[0].URL), origin(req.URL))
	}
	if c.o.Signer != nil {
		req.Header.Del("Signature")
		req.Header.Del("Date")
		req.Host = ""
		if err := c.o.Signer.SignRequest(req, nil); err != nil {
			return err
		}
	}
	return nil
}

// hostSlots limits the concurrent requests to one host. users counts the
// requests holding or waiting for a slot: at zero the entry is dropped, so
// that the map does not grow with every host a key id or an inbox ever
// named.
type hostSlots struct {
	sem   chan struct{}
	users int
}

// acquire takes one of the host's slots, waiting for ctx at most.
func (c *Client) acquire(ctx context.Context, host string) (func(), error) {
	c.mu.Lock()
	hs, ok := c.hosts[host]
	if !ok {
		hs = &hostSlots{sem: make(chan struct{}, c.o.PerHost)}
		c.hosts[host] = hs
	}
	hs.users++
	c.mu.Unlock()
	done := func() {
		c.mu.Lock()
		if hs.users--; hs.users == 0 {
			delete(c.hosts, host)
		}
		c.mu.Unlock()
	}
	select {
	case hs.sem <- struct{}{}:
		return func() { <-hs.sem; done() }, nil
	case <-ctx.Done():
		done()
		return nil, ctx.Err()
	}
}

func checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: %q", ErrScheme, raw)
	}
	if u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("fetch: %q: no host, or credentials in the URL", raw)
	}
	u.Fragment = ""
	return u, nil
}

// do sends one request, reads the whole body within the limits and releases
// the host slot before returning.
func (c *Client) do(ctx context.Context, method, raw string, header http.Header, body []byte) (*Response, error) {
	u, err := checkURL(raw)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	release, err := c.acquire(ctx, strings.ToLower(u.Host))
	if err != nil {
		return nil, fmt.Errorf("fetch: %s %s: %w", method, u.Redacted(), err)
	}
	defer release()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", c.o.UserAgent)
	if c.o.Signer != nil {
		if err := c.o.Signer.SignRequest(req, body); err != nil {
			return nil, fmt.Errorf("fetch: %s %s: %w", method, u.Redacted(), err)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch: %s %s: %w", method, u.Redacted(), err)
	}
	defer resp.Body.Close()
	final := resp.Request.URL.String()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, ErrorExcerpt))
		// Drain a little so the connection can be reused, but never much.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, &StatusError{URL: final, Code: resp.StatusCode, RetryAfter: ParseRetryAfter(resp.Header.Get("Retry-After"), c.now()),
			Body: strings.ToValidUTF8(string(excerpt), "")}
	}
	if resp.ContentLength > c.o.MaxBody {
		return nil, fmt.Errorf("%w: %s announces %d bytes, limit %d", ErrTooLarge, final, resp.ContentLength, c.o.MaxBody)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, c.o.MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("fetch: %s %s: read body: %w", method, final, err)
	}
	if int64(len(b)) > c.o.MaxBody {
		return nil, fmt.Errorf("%w: %s is over %d bytes", ErrTooLarge, final, c.o.MaxBody)
	}
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: b, URL: final}, nil
}

// Get fetches url with the given Accept header. Non-2xx answers are *StatusError.
func (c *Client) Get(ctx context.Context, url string, accept string) (*Response, error) {
	h := http.Header{}
	if accept != "" {
		h.Set("Accept", accept)
	}
	return c.do(ctx, http.MethodGet, url, h, nil)
}

// GetJSON fetches an ActivityPub/JSON document. It follows at most 3
// redirects, on the same origin only; a non-2xx answer is a *StatusError.
func (c *Client) GetJSON(ctx context.Context, url string) ([]byte, error) {
	resp, err := c.Get(ctx, url, AcceptActivity)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// PostActivity POSTs body to an inbox as application/activity+json, signed
// with its digest. A non-2xx answer is a *StatusError (RetryAfter set for 429
// and 503 when the server says).
func (c *Client) PostActivity(ctx context.Context, inbox string, body []byte) error {
	if body == nil {
		body = []byte{}
	}
	h := http.Header{}
	h.Set("Content-Type", "application/activity+json")
	h.Set("Accept", AcceptActivity)
	_, err := c.do(ctx, http.MethodPost, inbox, h, body)
	return err
}

// maxRetryAfter caps what a server may ask us to wait.
const maxRetryAfter = 30 * 24 * time.Hour

// ParseRetryAfter reads a Retry-After value: delay in seconds or an HTTP
// date (relative to now). Unreadable or past values give 0.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d.Round(time.Second), maxRetryAfter)
		}
	}
	return 0
}
