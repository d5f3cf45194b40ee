// Package app wires Portée's roles (node, directory) from their parts, so
// that cmd/portee and the demo start them the same way.
package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation"
	"codeberg.org/portee/portee/federation/vocab"
	"codeberg.org/portee/portee/frontend"
	"codeberg.org/portee/portee/search/gazetteer"
)

// NodeOptions configures one hoster's node.
type NodeOptions struct {
	Listen        string // host:port to listen on
	BaseURL       string // public URL; default http://<listen>
	DSN           string // catalog: SQLite path or postgres:// URL
	HosterFile    string
	AllowPrivate  bool
	WatchInterval time.Duration // how often the hoster file is checked; default 2s
	Logger        *slog.Logger
	Version       string
	Listener      net.Listener // optional, already bound (tests, demo)
	// NoSetupLink: no set-up account and link on a first start (the demo
	// creates its accounts itself).
	NoSetupLink bool
}

// Node is a running node.
type Node struct {
	opts     NodeOptions
	Store    *catalog.Store
	Fed      *federation.Node
	URL      string
	Username string
	log      *slog.Logger
	srv      *http.Server
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	reload   chan struct{}
	mu       sync.Mutex // held while the store is reconciled
	saveMu   sync.Mutex // held by a dashboard save, from its version check to its reconcile
	lastSum  [32]byte
	badSum   [32]byte // content last refused, reported once until it changes

	ciExtra map[string]string // the hoster file's "chatonsinfos:" map
}

// ConfigError is a problem with the configuration or a file the operator
// wrote; cmd/portee exits with status 2 on it.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// ResolveLocation is the gazetteer-backed resolver for hoster files.
func ResolveLocation(postalCode, commune string) (catalog.Location, error) {
	q := postalCode
	if commune != "" && postalCode != "" {
		q = commune + " " + postalCode
	} else if commune != "" {
		q = commune
	}
	p, err := gazetteer.Resolve(q)
	if err != nil && commune != "" && postalCode != "" {
		// The commune may be spelt differently; the postal code decides.
		p, err = gazetteer.Resolve(postalCode)
	}
	if err != nil {
		var unk *gazetteer.UnknownError
		var amb *gazetteer.AmbiguousError
		switch {
		case errors.As(err, &unk):
			return catalog.Location{}, fmt.Errorf("is not a known French postal code or commune")
		case errors.As(err, &amb):
			return catalog.Location{}, fmt.Errorf("is ambiguous: add the postal code")
		}
		return catalog.Location{}, err
	}
	lat, lon := p.Lat, p.Lon
	return catalog.Location{
		PostalCode: p.PostalCode, Commune: p.Commune, INSEE: p.INSEE,
		Departement: p.Departement, Region: p.Region, Country: "FR",
		Latitude: &lat, Longitude: &lon,
	}, nil
}

// LoadHosterFile parses and validates a hoster file against the store's
// charters. Errors are *ConfigError.
func LoadHosterFile(ctx context.Context, store *catalog.Store, path string) (*catalog.Loaded, error) {
	l, err := catalog.LoadHosterFile(path, ResolveLocation, func(id, version string) (*catalog.Charter, error) {
		return store.Charter(ctx, id, version)
	})
	if err != nil {
		return nil, &ConfigError{Err: err}
	}
	return l, nil
}

// OpenStore opens the catalog and makes sure the default charter is there.
func OpenStore(ctx context.Context, dsn string) (*catalog.Store, error) {
	s, err := catalog.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	c := catalog.DefaultCharter()
	if _, err := s.Charter(ctx, c.ID, c.Version); errors.Is(err, catalog.ErrNotFound) {
		if err := s.SaveCharter(ctx, c); err != nil {
			s.Close()
			return nil, err
		}
	} else if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func listen(l net.Listener, addr string) (net.Listener, error) {
	if l != nil {
		return l, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &ConfigError{Err: fmt.Errorf("PORTEE_LISTEN (--listen): %w", err)}
	}
	return ln, nil
}

func baseURL(base string, ln net.Listener) string {
	if base != "" {
		return base
	}
	return "http://" + ln.Addr().String()
}

// StartNode opens the store, reconciles it with the hoster file, serves
// the hoster over ActivityPub and watches the file for edits.
func StartNode(ctx context.Context, o NodeOptions) (*Node, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.WatchInterval <= 0 {
		o.WatchInterval = 2 * time.Second
	}
	ln, err := listen(o.Listener, o.Listen)
	if err != nil {
		return nil, err
	}
	o.BaseURL = baseURL(o.BaseURL, ln)
	u, err := url.Parse(o.BaseURL)
	if err != nil || u.Host == "" {
		ln.Close()
		return nil, &ConfigError{Err: fmt.Errorf("PORTEE_BASE_URL (--base-url): %q is not an absolute URL", o.BaseURL)}
	}
	store, err := OpenStore(ctx, o.DSN)
	if err != nil {
		ln.Close()
		return nil, err
	}
	n := &Node{opts: o, Store: store, URL: o.BaseURL, log: o.Logger.With("role", "node"), reload: make(chan struct{}, 1)}
	fail := func(err error) (*Node, error) {
		ln.Close()
		store.Close()
		return nil, err
	}
	if err := n.reconcile(ctx, true); err != nil {
		return fail(err)
	}
	if o.HosterFile == "" {
		if err := n.fromDatabase(ctx); err != nil {
			return fail(err)
		}
	}
	n.Fed, err = federation.NewNode(store, federation.Config{
		BaseURL: o.BaseURL, AllowPrivate: o.AllowPrivate, Logger: n.log, Version: o.Version,
	})
	if err != nil {
		return fail(err)
	}
	n.Fed.SetChatonsInfosExtra(n.Username, n.ciExtra)
	fe, err := frontend.New(frontend.Config{Store: store, BaseURL: o.BaseURL, Role: "node", Version: o.Version, Logger: n.log,
		Hoster: n, Fed: n.Fed})
	if err != nil {
		return fail(err)
	}
	e := newEcho()
	e.HTTPErrorHandler = fe.HandleError
	n.Fed.Register(e, federation.HTMLPages{Actor: fe.HosterActorPage(), Offer: fe.OfferObjectPage()})
	fe.RegisterNode(e)

	if !o.NoSetupLink {
		if err := n.setupAccount(ctx); err != nil {
			return fail(err)
		}
	}

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	n.cancel = cancel
	n.srv = newServer(e)
	n.wg.Add(3)
	go func() {
		defer n.wg.Done()
		if err := n.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.log.Error("serve", "err", err)
		}
	}()
	go func() {
		defer n.wg.Done()
		if err := n.Fed.Run(runCtx); err != nil && !errors.Is(err, context.Canceled) {
			n.log.Error("federation", "err", err)
		}
	}()
	go func() {
		defer n.wg.Done()
		n.watch(runCtx)
	}()
	n.log.Info("node started", "url", o.BaseURL, "acct", n.Username+"@"+u.Host, "hoster_file", o.HosterFile)
	return n, nil
}

// Acct is the hoster's WebFinger handle.
func (n *Node) Acct() string {
	u, _ := url.Parse(n.URL)
	return n.Username + "@" + u.Host
}

// Reload asks the node to re-read its hoster file now (SIGHUP).
func (n *Node) Reload() {
	select {
	case n.reload <- struct{}{}:
	default:
	}
}

// reconcile re-reads the hoster file when its content changed (or when
// forced) and applies the difference to the store; the outbox worker then
// federates it from the change feed.
func (n *Node) reconcile(ctx context.Context, force bool) error {
	if n.opts.HosterFile == "" {
		return nil
	}
	data, err := os.ReadFile(n.opts.HosterFile)
	if err != nil {
		return &ConfigError{Err: fmt.Errorf("%s: %w", n.opts.HosterFile, err)}
	}
	sum := sha256.Sum256(data)
	n.mu.Lock()
	defer n.mu.Unlock()
	if !force && (bytes.Equal(sum[:], n.lastSum[:]) || bytes.Equal(sum[:], n.badSum[:])) {
		return nil
	}
	l, err := catalog.ParseHosterFile(n.opts.HosterFile, data, ResolveLocation, func(id, version string) (*catalog.Charter, error) {
		return n.Store.Charter(ctx, id, version)
	})
	if err != nil {
		n.badSum = sum
		return &ConfigError{Err: err}
	}
	if n.Username != "" && l.Hoster.Username != n.Username {
		// The username is the actor's id: a new one is a new actor, which
		// followers would not know. Username is also read without a lock.
		n.badSum = sum
		return &ConfigError{Err: fmt.Errorf("%s: username: %q: changing the username needs a restart of the node (it was %q)",
			n.opts.HosterFile, l.Hoster.Username, n.Username)}
	}
	if err := n.apply(ctx, l); err != nil {
		return err
	}
	n.lastSum, n.badSum = sum, [32]byte{}
	return nil
}

// apply reconciles the store with a validated hoster (from the file or
// from the dashboard when there is no file); n.mu is held.
func (n *Node) apply(ctx context.Context, l *catalog.Loaded) error {
	u, _ := url.Parse(n.opts.BaseURL)
	res, err := catalog.Reconcile(ctx, n.Store, l, vocab.Paths{Base: n.opts.BaseURL}, u.Host, time.Now())
	if err != nil {
		return err
	}
	if n.Username == "" {
		n.Username = l.Hoster.Username // set once, before the workers start
	}
	n.ciExtra = l.ChatonsInfos
	if n.Fed != nil {
		n.Fed.SetChatonsInfosExtra(n.Username, l.ChatonsInfos)
	}
	if res.Changed() {
		n.log.Info("hoster applied", "source", n.sourceName(), "hoster_changed", res.HosterChanged, "created", res.Created,
			"updated", res.Updated, "deleted", len(res.Deleted), "charter_changed", res.DeclarationChanged)
	}
	return nil
}

func (n *Node) watch(ctx context.Context) {
	t := time.NewTicker(n.opts.WatchInterval)
	defer t.Stop()
	for {
		force := false
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-n.reload:
			force = true
		}
		if err := n.reconcile(ctx, force); err != nil {
			// An invalid edit keeps the last good state online.
			n.log.Error("hoster file not applied", "err", err)
		}
	}
}

func (n *Node) sourceName() string {
	if n.opts.HosterFile == "" {
		return "database"
	}
	return n.opts.HosterFile
}

// fromDatabase starts a node without a hoster file on the hoster its
// database already holds (the dashboard then edits the database).
func (n *Node) fromDatabase(ctx context.Context) error {
	hs, err := n.Store.LocalHosters(ctx)
	if err != nil {
		return err
	}
	if len(hs) != 1 {
		return &ConfigError{Err: fmt.Errorf("PORTEE_HOSTER_FILE (--hoster-file): empty, and the database holds %d local hosters instead of one: give a hoster file", len(hs))}
	}
	n.Username = hs[0].Username
	return nil
}

// Close stops serving and waits for the workers.
func (n *Node) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := n.srv.Shutdown(ctx)
	n.cancel()
	n.wg.Wait()
	if cerr := n.Store.Close(); err == nil {
		err = cerr
	}
	return err
}

// Server timeouts. Without a read and an idle limit a client that trickles
// a body, or just keeps a connection open, holds it (and a goroutine)
// forever; the largest body we read is an inbox's 1 MiB.
var (
	readTimeout  = 30 * time.Second
	writeTimeout = 60 * time.Second
	idleTimeout  = 2 * time.Minute
)

func newServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: readTimeout, WriteTimeout: writeTimeout, IdleTimeout: idleTimeout}
}

func newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	return e
}
