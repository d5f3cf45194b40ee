package federation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/fetch"
	"codeberg.org/portee/portee/federation/httpsig"
	"codeberg.org/portee/portee/federation/vocab"
	"github.com/jmoiron/sqlx"
)

// engine is what the node and the directory share: keys, signed clients,
// the inbox checks and the delivery queue.
type engine struct {
	store    *catalog.Store
	db       *sqlx.DB
	cfg      Config
	paths    vocab.Paths
	domain   string
	log      *slog.Logger
	pg       bool
	verifier *httpsig.Verifier
	keys     *keyResolver

	keyMu     sync.Mutex
	localKeys map[string]*localKey

	clientMu sync.Mutex
	clients  map[string]*fetch.Client

	aliveMu      sync.Mutex
	aliveChecked map[string]time.Time // host → when reviveHost last looked

	classifyMu    sync.Mutex
	classifyTried map[string]time.Time // follower → when its kind was last sought

	// wake tells the delivery dispatcher that rows were queued in this
	// process; other processes' rows are found by polling.
	wake chan struct{}
}

func newEngine(store *catalog.Store, cfg Config) (*engine, error) {
	if store == nil {
		return nil, fmt.Errorf("federation: no store")
	}
	cfg, domain, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	e := &engine{
		store:     store,
		db:        store.DB(),
		cfg:       cfg,
		paths:     vocab.Paths{Base: cfg.BaseURL},
		domain:    domain,
		log:       cfg.Logger,
		pg:        store.Engine() == catalog.EnginePostgres,
		localKeys: map[string]*localKey{},
		clients:   map[string]*fetch.Client{},
		wake:      make(chan struct{}, 1),

		aliveChecked:  map[string]time.Time{},
		classifyTried: map[string]time.Time{},
	}
	e.keys = newKeyResolver(e)
	e.verifier = &httpsig.Verifier{Keys: e.keys, Window: cfg.DateWindow}
	return e, nil
}

// scheme is our base URL's scheme, "http" or "https".
func (e *engine) scheme() string {
	scheme, _, _ := strings.Cut(e.cfg.BaseURL, "://")
	return scheme
}

// wakeQueue nudges the delivery dispatcher without blocking.
func (e *engine) wakeQueue() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// newID returns a random id for activities and notes.
func newID() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("federation: random id: %v", err))
	}
	return hex.EncodeToString(b[:])
}

// instanceKeyReady makes sure the instance actor has a key before the first
// request needs it, so that start-up, not a visitor, pays for generating it.
func (e *engine) instanceKeyReady(ctx context.Context) error {
	_, err := e.keyFor(ctx, e.paths.InstanceActor())
	return err
}

// recoverTo turns a panic into *err. Workers that read remote documents
// (refresh, follow and backfill) run in goroutines of their own: a parser
// bug hit by one malformed document must cost that actor's turn, not the
// whole process.
func recoverTo(err *error, what string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("federation: %s: panic on remote input: %v", what, r)
	}
}
