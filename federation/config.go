// Package federation owns Portée's ActivityPub engines: the node that serves
// its local hosters (actors, inbox, outbox, followers) and the directory that
// follows nodes and ingests what they publish, with a durable delivery queue.
package federation

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"strings"
	"time"
)

// Config is shared by the node and the directory.
type Config struct {
	BaseURL      string        // scheme://host[:port], no path; the domain is derived from it
	AllowPrivate bool          // PORTEE_ALLOW_PRIVATE_NETWORKS: fetch and deliver to loopback/private addresses
	DateWindow   time.Duration // accepted clock skew of signed requests (default 1 h)
	Workers      int           // delivery workers (default GOMAXPROCS*4)
	GiveUpAfter  time.Duration // a delivery failing this long is dropped and its inbox marked dead (default 72 h)
	RefreshEvery time.Duration // directory: period of actor refresh, ±20 % jitter (default 6 h)
	DownAfter    int           // directory: consecutive failed checks before "down" (default 3)
	GoneAfter    time.Duration // directory: failing this long since last seen → "gone" (default 30 days)
	Logger       *slog.Logger
	Version      string

	// Tuning, mostly for tests; zero means the default.
	RetryMin         time.Duration // first retry delay (default 5 s); doubles per attempt with ±20 % jitter
	RetryMax         time.Duration // retry delay cap (default 6 h)
	Lease            time.Duration // how long a claimed delivery stays reserved for its worker (default 2 min)
	PollEvery        time.Duration // fallback polling of the change feed and the queue (default 2 s)
	Timeout          time.Duration // outbound HTTP timeout (default 10 s)
	BackfillMaxPages int           // outbox pages read per backfill (default 10)
	BackfillMaxItems int           // activities applied per backfill (default 500)
}

// Defaults applied by withDefaults.
const (
	defaultDateWindow   = time.Hour
	defaultGiveUpAfter  = 72 * time.Hour
	defaultRefreshEvery = 6 * time.Hour
	defaultDownAfter    = 3
	defaultGoneAfter    = 30 * 24 * time.Hour
	defaultRetryMin     = 5 * time.Second
	defaultRetryMax     = 6 * time.Hour
	defaultLease        = 2 * time.Minute
	defaultPollEvery    = 2 * time.Second
	defaultTimeout      = 10 * time.Second
	defaultMaxPages     = 10
	defaultMaxItems     = 500
)

// withDefaults validates c and fills zero fields. It returns the base URL
// without trailing slash and the domain (host[:port]).
func (c Config) withDefaults() (Config, string, error) {
	base := strings.TrimRight(c.BaseURL, "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return c, "", fmt.Errorf("federation: config: BaseURL %q must be http(s)://host[:port] without path", c.BaseURL)
	}
	c.BaseURL = base
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.DateWindow, defaultDateWindow)
	def(&c.GiveUpAfter, defaultGiveUpAfter)
	def(&c.RefreshEvery, defaultRefreshEvery)
	def(&c.GoneAfter, defaultGoneAfter)
	def(&c.RetryMin, defaultRetryMin)
	def(&c.RetryMax, defaultRetryMax)
	def(&c.Lease, defaultLease)
	def(&c.PollEvery, defaultPollEvery)
	def(&c.Timeout, defaultTimeout)
	if c.RetryMax < c.RetryMin {
		return c, "", errors.New("federation: config: RetryMax is shorter than RetryMin")
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0) * 4
	}
	if c.DownAfter <= 0 {
		c.DownAfter = defaultDownAfter
	}
	if c.BackfillMaxPages <= 0 {
		c.BackfillMaxPages = defaultMaxPages
	}
	if c.BackfillMaxItems <= 0 {
		c.BackfillMaxItems = defaultMaxItems
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	return c, strings.ToLower(u.Host), nil
}
