package app

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation"
	"codeberg.org/portee/portee/frontend"
	"codeberg.org/portee/portee/observatory"
	"codeberg.org/portee/portee/search"
)

// DirectoryOptions configures a directory.
type DirectoryOptions struct {
	Listen       string
	BaseURL      string
	DSN          string
	DataDir      string // embedded search index lives in DataDir/index
	MeiliURL     string // empty: embedded index only
	MeiliKey     string
	MeiliIndex   string // default "offers"
	Follow       []string
	ChatonsInfos []string // ChatonsInfos federation (or organisation) files to import
	Librehosters []string // Librehosters directory.json files to import
	AllowPrivate bool
	RefreshEvery time.Duration
	Logger       *slog.Logger
	Version      string
	Listener     net.Listener
	Observatory  ObservatoryOptions
}

// ObservatoryOptions configure the directory's observatory.
type ObservatoryOptions struct {
	Off     bool              // no scheduled observations
	Browser string            // Chromium binary for browser mode; "" = HTML/CSS parsing
	Every   time.Duration     // per hoster; default 24 h
	Tick    time.Duration     // schedule check; default 1 min
	Settle  time.Duration     // re-observe after a change once this old; default 1 h
	Quiet   time.Duration     // wait for a burst of changes to end; default 10 s
	RootCAs *x509.CertPool    // the demo's sites' authority
	Resolve map[string]string // the demo's invented domains → loopback sites
}

// Directory is a running directory.
type Directory struct {
	Store    *catalog.Store
	Fed      *federation.Directory
	Index    search.Index // what searches use (Meilisearch with embedded fallback, or embedded)
	Indexers []*search.Indexer
	// Observatory observes the hosters' sites (dashboard: ObserveHoster, Trigger).
	Observatory *observatory.Observatory
	URL         string
	log         *slog.Logger
	srv         *http.Server
	cancel      context.CancelFunc
	wg          sync.WaitGroup
	closers     []func() error
}

// StartDirectory opens the catalog and the search index, serves the public
// pages, the API and the directory's actor, and follows the given nodes.
func StartDirectory(ctx context.Context, o DirectoryOptions) (*Directory, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MeiliIndex == "" {
		o.MeiliIndex = "offers"
	}
	ln, err := listen(o.Listener, o.Listen)
	if err != nil {
		return nil, err
	}
	o.BaseURL = baseURL(o.BaseURL, ln)
	store, err := OpenStore(ctx, o.DSN)
	if err != nil {
		ln.Close()
		return nil, err
	}
	d := &Directory{Store: store, URL: o.BaseURL, log: o.Logger.With("role", "directory")}
	d.closers = append(d.closers, store.Close)
	fail := func(err error) (*Directory, error) {
		ln.Close()
		d.closeAll()
		return nil, err
	}

	embeddedDir := filepath.Join(o.DataDir, "index")
	fresh := false
	if _, err := os.Stat(embeddedDir); errors.Is(err, os.ErrNotExist) {
		fresh = true
	}
	embedded, err := search.NewEmbedded(embeddedDir)
	if err != nil {
		return fail(fmt.Errorf("search: open embedded index in %s: %w", embeddedDir, err))
	}
	d.closers = append(d.closers, embedded.Close)
	if fresh {
		// A new (or deleted) index starts from the whole catalog.
		if err := store.SetCursor(ctx, "search:embedded", 0); err != nil {
			return fail(err)
		}
	}
	d.Index = embedded
	d.Indexers = append(d.Indexers, search.NewIndexer(store, embedded, "search:embedded", d.log))
	if o.MeiliURL != "" {
		meili, err := search.NewMeili(o.MeiliURL, o.MeiliKey, o.MeiliIndex)
		if err != nil {
			return fail(&ConfigError{Err: fmt.Errorf("MEILI_URL: %w", err)})
		}
		d.closers = append(d.closers, meili.Close)
		if err := meili.Configure(ctx); err != nil {
			// Meilisearch down at start: searches fall back to the embedded
			// index and the indexer catches up when it is back.
			d.log.Warn("meilisearch not configured yet", "err", err)
		}
		d.Index = search.NewFallback(meili, embedded)
		d.Indexers = append(d.Indexers, search.NewIndexer(store, meili, "search:meilisearch:"+o.MeiliIndex, d.log))
	}
	if err := embedded.Configure(ctx); err != nil {
		return fail(err)
	}
	for _, x := range d.Indexers {
		if err := x.CatchUp(ctx); err != nil {
			d.log.Warn("index catch-up", "err", err)
		}
	}

	d.Fed, err = federation.NewDirectory(store, federation.Config{
		BaseURL: o.BaseURL, AllowPrivate: o.AllowPrivate, Logger: d.log, Version: o.Version,
		RefreshEvery: o.RefreshEvery,
	})
	if err != nil {
		return fail(err)
	}
	d.Observatory, err = observatory.New(observatory.Options{
		Store: store, AllowPrivate: o.AllowPrivate, RootCAs: o.Observatory.RootCAs, Resolve: o.Observatory.Resolve,
		Browser: o.Observatory.Browser, BaseURL: o.BaseURL, Version: o.Version, Every: o.Observatory.Every,
		Tick: o.Observatory.Tick, Settle: o.Observatory.Settle, Quiet: o.Observatory.Quiet, Logger: d.log,
	})
	if err != nil {
		return fail(err)
	}
	d.closers = append(d.closers, d.Observatory.Close)
	fe, err := frontend.New(frontend.Config{
		Store: store, Search: search.NewService(d.Index, time.Now), BaseURL: o.BaseURL,
		Role: "directory", Version: o.Version, Logger: d.log, Observatory: d.Observatory,
	})
	if err != nil {
		return fail(err)
	}
	e := newEcho()
	d.Fed.Register(e)
	fe.Register(e)

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d.cancel = cancel
	d.srv = newServer(e)
	d.goRun(func() error {
		if err := d.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	d.goRun(func() error { return d.Fed.Run(runCtx) })
	d.goRun(func() error { return fe.Auth().RunSweeper(runCtx, time.Hour) })
	for _, x := range d.Indexers {
		d.goRun(func() error { return x.Run(runCtx) })
	}
	if !o.Observatory.Off {
		d.goRun(func() error { return d.Observatory.Run(runCtx) })
	}
	for _, target := range o.Follow {
		d.goRun(func() error { return d.follow(runCtx, target) })
	}
	d.goRun(func() error { return d.runImports(runCtx, o) })
	d.log.Info("directory started", "url", o.BaseURL, "index", d.Index.Name(), "following", len(o.Follow))
	return d, nil
}

// follow retries until the target answers: nodes may start after the
// directory, and a follow that failed at start must not be forgotten.
func (d *Directory) follow(ctx context.Context, target string) error {
	wait := 500 * time.Millisecond
	for {
		err := d.Fed.Follow(ctx, target)
		if err == nil {
			return nil
		}
		d.log.Warn("follow failed, will retry", "target", target, "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(wait*2, 5*time.Minute)
	}
}

func (d *Directory) goRun(fn func() error) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		if err := fn(); err != nil && !errors.Is(err, context.Canceled) {
			d.log.Error("directory worker stopped", "err", err)
		}
	}()
}

func (d *Directory) closeAll() {
	for i := len(d.closers) - 1; i >= 0; i-- {
		if err := d.closers[i](); err != nil {
			d.log.Warn("close", "err", err)
		}
	}
}

// Close stops serving and waits for the workers.
func (d *Directory) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := d.srv.Shutdown(ctx)
	d.cancel()
	d.wg.Wait()
	d.closeAll()
	return err
}
