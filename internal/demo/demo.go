// Package demo runs a directory and several demo nodes in one process, on
// loopback ports, federating over real signed HTTP on embedded storage.
package demo

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"codeberg.org/portee/portee/internal/app"
)

//go:embed hosters/*.yaml
var hosterFiles embed.FS

// Options configures the demo. Zero values give a demo on 127.0.0.1:8080
// in a temporary directory.
type Options struct {
	Listen        string // directory address; nodes take the following ports ("127.0.0.1:0": any free ports)
	DataDir       string // "" → a temporary directory removed on Close
	DatabaseURL   string // directory catalog on PostgreSQL when set; nodes stay on SQLite
	MeiliURL      string
	MeiliKey      string
	MeiliIndex    string
	WatchInterval time.Duration // hoster file polling; default 250ms
	Logger        *slog.Logger
	Version       string
	// ObservatoryBrowser is Chromium for the observatory's browser mode
	// ("" = HTML and CSS parsing only).
	ObservatoryBrowser string
}

// Demo is a running demo.
type Demo struct {
	Directory *app.Directory
	Nodes     []*app.Node
	Sites     *Sites // the hosters' service sites the observatory visits
	DataDir   string
	tempDir   bool
	// ChatonsInfos serves the demo's own ChatonsInfos federation, which the
	// directory imports beside the nodes it follows.
	ChatonsInfos *chatonsInfosServer
}

// HosterFile returns the path of a demo node's hoster file.
func (d *Demo) HosterFile(username string) string {
	return filepath.Join(d.DataDir, "nodes", username, "hoster.yaml")
}

// DirectoryURL is the directory's base URL.
func (d *Demo) DirectoryURL() string { return d.Directory.URL }

// Start starts the nodes, then the directory, which follows every node.
func Start(ctx context.Context, o Options) (*Demo, error) {
	if o.Listen == "" {
		o.Listen = "127.0.0.1:8080"
	}
	if o.WatchInterval <= 0 {
		o.WatchInterval = 250 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	d := &Demo{DataDir: o.DataDir}
	if d.DataDir == "" {
		dir, err := os.MkdirTemp("", "portee-demo-")
		if err != nil {
			return nil, err
		}
		d.DataDir, d.tempDir = dir, true
	}
	names, err := fs.Glob(hosterFiles, "hosters/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	listeners, err := listenRange(o.Listen, len(names)+1)
	if err != nil {
		d.cleanup()
		return nil, &app.ConfigError{Err: fmt.Errorf("--listen: %w", err)}
	}
	// closeUnused closes the listeners no started server owns yet: the
	// directory's and those of node i onwards (started nodes close theirs).
	closeUnused := func(i int) {
		listeners[0].Close()
		for _, l := range listeners[i+1:] {
			l.Close()
		}
	}

	files := map[string][]byte{}
	for _, name := range names {
		username := strings.SplitN(strings.TrimSuffix(path.Base(name), ".yaml"), "-", 2)[1]
		if files[username], err = hosterFiles.ReadFile(name); err != nil {
			closeUnused(0)
			d.cleanup()
			return nil, err
		}
	}
	if d.Sites, err = startSites(files); err != nil {
		closeUnused(0)
		d.cleanup()
		return nil, fmt.Errorf("demo: service sites: %w", err)
	}
	var follow []string
	for i, name := range names {
		username := strings.SplitN(strings.TrimSuffix(path.Base(name), ".yaml"), "-", 2)[1]
		file, err := d.writeHosterFile(name, username)
		if err != nil {
			closeUnused(i)
			d.Close()
			return nil, err
		}
		n, err := app.StartNode(ctx, app.NodeOptions{
			Listener: listeners[i+1], DSN: filepath.Join(d.DataDir, "nodes", username, "portee.db"),
			HosterFile: file, AllowPrivate: true, WatchInterval: o.WatchInterval,
			Logger: o.Logger, Version: o.Version, NoSetupLink: true,
		})
		if err != nil {
			closeUnused(i)
			d.Close()
			return nil, fmt.Errorf("demo: node %s: %w", username, err)
		}
		d.Nodes = append(d.Nodes, n)
		follow = append(follow, n.Acct())
	}
	nodeURLs := map[string]string{}
	for _, n := range d.Nodes {
		nodeURLs[n.Username] = n.URL
	}
	host, _, _ := net.SplitHostPort(o.Listen)
	if d.ChatonsInfos, err = startChatonsInfos(host, nodeURLs); err != nil {
		closeUnused(len(names))
		d.Close()
		return nil, fmt.Errorf("demo: ChatonsInfos files: %w", err)
	}
	dsn := o.DatabaseURL
	if dsn == "" {
		dsn = filepath.Join(d.DataDir, "directory", "portee.db")
	}
	if err := os.MkdirAll(filepath.Join(d.DataDir, "directory"), 0o750); err != nil {
		closeUnused(len(names))
		d.Close()
		return nil, err
	}
	d.Directory, err = app.StartDirectory(ctx, app.DirectoryOptions{
		Listener: listeners[0], DSN: dsn, DataDir: filepath.Join(d.DataDir, "directory"),
		MeiliURL: o.MeiliURL, MeiliKey: o.MeiliKey, MeiliIndex: o.MeiliIndex,
		Follow: follow, AllowPrivate: true, RefreshEvery: time.Minute,
		Logger: o.Logger, Version: o.Version,
		ChatonsInfos: []string{d.ChatonsInfos.FederationURL()},
		// The demo shows findings within a minute: hosters are observed as
		// soon as they arrive, and again shortly after their offers do.
		Observatory: app.ObservatoryOptions{Browser: o.ObservatoryBrowser, Tick: time.Second, Settle: 3 * time.Second, Quiet: 2 * time.Second,
			RootCAs: d.Sites.RootCAs, Resolve: d.Sites.Resolve},
	})
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("demo: directory: %w", err)
	}
	return d, nil
}

// writeHosterFile copies a demo hoster file into the data directory unless
// one is already there: the operator's edits survive a restart.
func (d *Demo) writeHosterFile(name, username string) (string, error) {
	dir := filepath.Join(d.DataDir, "nodes", username)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	file := filepath.Join(dir, "hoster.yaml")
	if _, err := os.Stat(file); err == nil {
		return file, nil
	}
	data, err := hosterFiles.ReadFile(name)
	if err != nil {
		return "", err
	}
	return file, os.WriteFile(file, data, 0o640)
}

// WaitFederated blocks until the directory has ingested every demo node's
// offers, or ctx ends.
func (d *Demo) WaitFederated(ctx context.Context) error {
	want := 0
	for _, n := range d.Nodes {
		c, err := n.Store.CountOffers(ctx)
		if err != nil {
			return err
		}
		want += c
	}
	for {
		got, err := d.Directory.Store.CountOffers(ctx)
		if err == nil && got >= want {
			for _, x := range d.Directory.Indexers {
				if err := x.CatchUp(ctx); err != nil {
					return err
				}
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("demo: directory has %d of %d offers: %w", got, want, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Close stops everything; a temporary data directory is removed.
func (d *Demo) Close() error {
	var errs []error
	if d.Directory != nil {
		errs = append(errs, d.Directory.Close())
	}
	for _, n := range d.Nodes {
		errs = append(errs, n.Close())
	}
	if d.Sites != nil {
		errs = append(errs, d.Sites.Close())
	}
	if d.ChatonsInfos != nil {
		errs = append(errs, d.ChatonsInfos.Close())
	}
	d.cleanup()
	return errors.Join(errs...)
}

func (d *Demo) cleanup() {
	if d.tempDir {
		os.RemoveAll(d.DataDir)
	}
}

// listenRange binds n consecutive ports from addr ("host:port"), or n
// free ports when the port is 0.
func listenRange(addr string, n int) ([]net.Listener, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("%q: port is not a number", addr)
	}
	ls := make([]net.Listener, 0, n)
	for i := 0; i < n; i++ {
		a := net.JoinHostPort(host, "0")
		if port != 0 {
			a = net.JoinHostPort(host, strconv.Itoa(port+i))
		}
		l, err := net.Listen("tcp", a)
		if err != nil {
			for _, x := range ls {
				x.Close()
			}
			return nil, err
		}
		ls = append(ls, l)
	}
	return ls, nil
}
