package federation

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/catalog/catalogtest"
	"github.com/labstack/echo/v4"
)

// engines runs fn on SQLite and, when configured, on PostgreSQL.
func engines(t *testing.T, fn func(t *testing.T, open func(t testing.TB) *catalog.Store)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, catalogtest.NewSQLite) })
	t.Run("postgres", func(t *testing.T) { fn(t, catalogtest.NewPostgres) })
}

func openSQLite(t testing.TB) *catalog.Store { return catalogtest.NewSQLite(t) }

// listen reserves a loopback port so the base URL is known before the
// server (and its actors' ids) exist.
func listen(t testing.TB) (net.Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln, "http://" + ln.Addr().String()
}

func testConfig(base string) Config {
	return Config{
		BaseURL:      base,
		AllowPrivate: true,
		Workers:      4,
		RetryMin:     50 * time.Millisecond,
		RetryMax:     400 * time.Millisecond,
		PollEvery:    50 * time.Millisecond,
		Lease:        3 * time.Second,
		Timeout:      5 * time.Second,
		RefreshEvery: time.Hour,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		Version:      "test",
	}
}

// running is a started node or directory.
type running struct {
	Base   string
	srv    *httptest.Server
	cancel context.CancelFunc
	done   chan struct{}
}

// stop cancels Run, waits for it and closes the server.
func (r *running) stop() {
	r.cancel()
	<-r.done
	r.srv.CloseClientConnections()
	r.srv.Close()
}

func serve(t testing.TB, ln net.Listener, base string, e *echo.Echo, run func(context.Context) error) *running {
	srv := httptest.NewUnstartedServer(e)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Base: base, srv: srv, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		if err := run(ctx); err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	var once sync.Once
	t.Cleanup(func() { once.Do(r.stop) })
	return r
}

// startNode serves store as a node on a fresh loopback port; cfg may tune
// the default test configuration.
func startNode(t testing.TB, store *catalog.Store, ln net.Listener, base string, tune ...func(*Config)) (*Node, *running) {
	t.Helper()
	return startNodeEcho(t, store, ln, base, nil, tune...)
}

// startNodeEcho is startNode with extra routes or middleware set by more.
func startNodeEcho(t testing.TB, store *catalog.Store, ln net.Listener, base string, more func(*echo.Echo), tune ...func(*Config)) (*Node, *running) {
	t.Helper()
	cfg := testConfig(base)
	for _, f := range tune {
		f(&cfg)
	}
	n, err := NewNode(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	if more != nil {
		more(e)
	}
	n.Register(e, HTMLPages{})
	return n, serve(t, ln, base, e, n.Run)
}

// relisten takes the same loopback address again after a server stopped.
func relisten(t testing.TB, base string) net.Listener {
	t.Helper()
	addr := strings.TrimPrefix(base, "http://")
	var last error
	for range 50 {
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			return ln
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("relisten %s: %v", addr, last)
	return nil
}

// followed starts a node with one hoster and offer and a directory that
// follows it, and waits for the Accept.
func followed(t *testing.T, open func(testing.TB) *catalog.Store, tune ...func(*Config)) (nodeStore, dirStore *catalog.Store, h *catalog.Hoster, n *Node, nr *running, d *Directory, dr *running) {
	t.Helper()
	ctx := context.Background()
	nodeStore, dirStore = open(t), open(t)
	nln, nbase := listen(t)
	dln, dbase := listen(t)
	h = localHoster(t, nodeStore, nbase, "nazairien")
	localOffer(t, nodeStore, h, "nextcloud", "cloud")
	n, nr = startNode(t, nodeStore, nln, nbase, tune...)
	d, dr = startDirectory(t, dirStore, dln, dbase, tune...)
	if err := d.Follow(ctx, h.ActorID); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the Accept", func() bool {
		st, _ := d.FollowState(ctx, h.ActorID)
		return st == followAccepted
	})
	return
}

func startDirectory(t testing.TB, store *catalog.Store, ln net.Listener, base string, tune ...func(*Config)) (*Directory, *running) {
	t.Helper()
	cfg := testConfig(base)
	for _, f := range tune {
		f(&cfg)
	}
	d, err := NewDirectory(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	d.Register(e)
	return d, serve(t, ln, base, e, d.Run)
}

// localHoster stores a hoster served by the node at base.
func localHoster(t testing.TB, s *catalog.Store, base, username string) *catalog.Hoster {
	t.Helper()
	h := catalogtest.SampleHoster(username, base)
	h.Local = true
	h.PublicKeyPEM = ""
	h.Updated = time.Now().UTC()
	if err := s.UpsertHoster(context.Background(), h, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	return h
}

func localOffer(t testing.TB, s *catalog.Store, h *catalog.Hoster, key, category string) *catalog.Offer {
	t.Helper()
	o := catalogtest.SampleOffer(h, key, category)
	o.Updated = time.Now().UTC()
	if err := s.UpsertOffer(context.Background(), o, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	return o
}

// eventually polls cond until it holds or timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
