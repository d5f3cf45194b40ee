package fetch

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Probed is one answer to Probe, whatever its status.
type Probed struct {
	StatusCode int
	Header     http.Header
	Body       []byte // at most MaxBody bytes
	Truncated  bool   // the body went on past MaxBody
	URL        string
	TLS        *tls.ConnectionState // nil over plain HTTP
	Elapsed    time.Duration        // until the headers arrived
}

// Probe sends one GET without following redirects, so that the caller (the
// observatory) sees and records every hop, answers 3xx, 4xx and 5xx without
// an error, and keeps at most MaxBody bytes of the body instead of refusing
// a bigger one. The address, time and per-host rules of the client apply.
func (c *Client) Probe(ctx context.Context, rawURL, accept string) (*Probed, error) {
	u, err := checkURL(rawURL)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	release, err := c.acquire(ctx, strings.ToLower(u.Host))
	if err != nil {
		return nil, fmt.Errorf("fetch: GET %s: %w", u.Redacted(), err)
	}
	defer release()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	req.Header.Set("User-Agent", c.o.UserAgent)
	start := time.Now()
	resp, err := c.noRedirect.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch: GET %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	p := &Probed{StatusCode: resp.StatusCode, Header: resp.Header, URL: u.String(), TLS: resp.TLS, Elapsed: time.Since(start)}
	p.Body, err = io.ReadAll(io.LimitReader(resp.Body, c.o.MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("fetch: GET %s: read body: %w", u.Redacted(), err)
	}
	if int64(len(p.Body)) > c.o.MaxBody {
		p.Body, p.Truncated = p.Body[:c.o.MaxBody], true
	}
	return p, nil
}
