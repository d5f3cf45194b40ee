package federation

import (
	"context"
	"crypto"
	"crypto/rsa"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"codeberg.org/portee/portee/federation/fetch"
	"codeberg.org/portee/portee/federation/httpsig"
	"codeberg.org/portee/portee/federation/vocab"
	"github.com/jmoiron/sqlx"
)

// localKey is the key pair of one of our actors.
type localKey struct {
	priv   *rsa.PrivateKey
	pubPEM string
}

// keyFor returns the key pair of a local actor, creating it on first use.
// Concurrent first uses (several processes on one database) converge on the
// row that was inserted first.
func (e *engine) keyFor(ctx context.Context, actorID string) (*localKey, error) {
	e.keyMu.Lock()
	defer e.keyMu.Unlock()
	if k, ok := e.localKeys[actorID]; ok {
		return k, nil
	}
	k, err := e.loadKey(ctx, actorID)
	if errors.Is(err, sql.ErrNoRows) {
		priv, gerr := httpsig.GenerateKey()
		if gerr != nil {
			return nil, fmt.Errorf("federation: key for %q: %w", actorID, gerr)
		}
		pubPEM, gerr := httpsig.EncodePublicKeyPEM(&priv.PublicKey)
		if gerr != nil {
			return nil, fmt.Errorf("federation: key for %q: %w", actorID, gerr)
		}
		gerr = e.store.InTx(ctx, func(tx *sqlx.Tx) error {
			_, err := tx.ExecContext(ctx, e.db.Rebind(`INSERT INTO fed_keys (actor_id, private_pem, public_pem, created_at)
				VALUES (?, ?, ?, ?) ON CONFLICT (actor_id) DO NOTHING`),
				actorID, httpsig.EncodePrivateKeyPEM(priv), pubPEM, dbNow())
			return err
		})
		if gerr != nil {
			return nil, fmt.Errorf("federation: store key for %q: %w", actorID, gerr)
		}
		k, err = e.loadKey(ctx, actorID)
	}
	if err != nil {
		return nil, fmt.Errorf("federation: key for %q: %w", actorID, err)
	}
	e.localKeys[actorID] = k
	return k, nil
}

func (e *engine) loadKey(ctx context.Context, actorID string) (*localKey, error) {
	var row struct {
		Priv string `db:"private_pem"`
		Pub  string `db:"public_pem"`
	}
	err := e.db.GetContext(ctx, &row, e.db.Rebind(`SELECT private_pem, public_pem FROM fed_keys WHERE actor_id = ?`), actorID)
	if err != nil {
		return nil, err
	}
	priv, err := httpsig.DecodePrivateKeyPEM(row.Priv)
	if err != nil {
		return nil, err
	}
	return &localKey{priv: priv, pubPEM: row.Pub}, nil
}

// clientFor returns the fetch client that signs as actorID.
func (e *engine) clientFor(ctx context.Context, actorID string) (*fetch.Client, error) {
	e.clientMu.Lock()
	c, ok := e.clients[actorID]
	e.clientMu.Unlock()
	if ok {
		return c, nil
	}
	k, err := e.keyFor(ctx, actorID)
	if err != nil {
		return nil, err
	}
	c = fetch.New(fetch.Options{
		AllowPrivate: e.cfg.AllowPrivate,
		Timeout:      e.cfg.Timeout,
		UserAgent:    fmt.Sprintf("Portée/%s (+%s)", e.cfg.Version, e.cfg.BaseURL),
		Signer:       &httpsig.Signer{KeyID: vocab.KeyID(actorID), Key: k.priv},
	})
	e.clientMu.Lock()
	if prev, ok := e.clients[actorID]; ok {
		c = prev
	} else {
		e.clients[actorID] = c
	}
	e.clientMu.Unlock()
	return c, nil
}

// fetcher is the client of the instance actor, which signs every GET the
// server makes on its own behalf (keys, actors, outboxes).
func (e *engine) fetcher(ctx context.Context) (*fetch.Client, error) {
	return e.clientFor(ctx, e.paths.InstanceActor())
}

// remoteActor is what we cache of a remote actor: enough to verify its
// signatures and to deliver to it.
type remoteActor struct {
	ActorID     string    `db:"actor_id"`
	KeyID       string    `db:"key_id"`
	PublicKey   string    `db:"public_key_pem"`
	Inbox       string    `db:"inbox_url"`
	SharedInbox string    `db:"shared_inbox_url"`
	FetchedAt   time.Time `db:"fetched_at"`
}

// keyCacheTTL bounds how long a key stays in memory; the table keeps it
// longer and a failed verification refetches it (at most once per
// keyRefetchEvery).
const keyCacheTTL = 10 * time.Minute

// keyRefetchEvery is how often one key id may be fetched from the network,
// whatever the number of requests that name it: a forged POST naming a
// known key with a wrong signature must not make us fetch the key owner's
// actor again each time (50 forged POSTs were 50 GETs to a third server).
const keyRefetchEvery = 5 * time.Minute

// keyFetchesPerHost bounds the distinct key ids of one host fetched per
// keyHostWindow: key ids are free to invent (a query string, another
// path), and each new one would otherwise cost that host a GET.
const (
	keyFetchesPerHost = 20
	keyHostWindow     = time.Minute
)

// maxKeyEntries bounds the resolver's in-memory maps.
const maxKeyEntries = 10000

type cachedKey struct {
	pub   crypto.PublicKey
	owner string
	at    time.Time
}

// keyFetch is one network fetch of a key id, shared by the requests that
// need it while it runs (done is closed when it ends) and remembered for
// keyRefetchEvery. The actor it read is cached in the table only once a
// signature made with that key has verified (confirm).
type keyFetch struct {
	done  chan struct{}
	at    time.Time
	ra    *remoteActor // ra, pub and err are set before done is closed, then never change
	pub   crypto.PublicKey
	err   error
	saved bool // confirm cached ra (guarded by keyResolver.mu)
}

// hostBudget counts the key fetches of one host in the current window.
type hostBudget struct {
	start time.Time
	n     int
}

// keyResolver implements httpsig.KeyResolver over the fed_remote_actors
// table, with an in-memory layer so that a busy inbox does not hit the
// database for every request, and with the network fetches it makes
// bounded per key and per host.
type keyResolver struct {
	e       *engine
	mu      sync.Mutex
	mem     map[string]cachedKey
	fetches map[string]*keyFetch
	hosts   map[string]*hostBudget
	now     func() time.Time
}

func newKeyResolver(e *engine) *keyResolver {
	return &keyResolver{e: e, mem: map[string]cachedKey{}, fetches: map[string]*keyFetch{},
		hosts: map[string]*hostBudget{}, now: time.Now}
}

// errKeyFetchBudget: the host named by a key id had its share of fetches.
var errKeyFetchBudget = errors.New("too many key fetches from this host, try later")

// PublicKey implements httpsig.KeyResolver.
func (k *keyResolver) PublicKey(ctx context.Context, keyID string, refresh bool) (crypto.PublicKey, string, error) {
	if !refresh {
		k.mu.Lock()
		c, ok := k.mem[keyID]
		k.mu.Unlock()
		if ok && k.now().Sub(c.at) < keyCacheTTL {
			return c.pub, c.owner, nil
		}
		var ra remoteActor
		err := k.e.db.GetContext(ctx, &ra, k.e.db.Rebind(`SELECT actor_id, key_id, public_key_pem, inbox_url, shared_inbox_url, fetched_at
			FROM fed_remote_actors WHERE key_id = ?`), keyID)
		if err == nil {
			pub, perr := httpsig.DecodePublicKeyPEM(ra.PublicKey)
			if perr == nil {
				k.remember(keyID, pub, ra.ActorID)
				return pub, ra.ActorID, nil
			}
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, "", fmt.Errorf("federation: key %q: %w", keyID, err)
		}
	}
	f, err := k.fetch(ctx, keyID)
	if err != nil {
		return nil, "", err
	}
	if f.err != nil {
		return nil, "", f.err
	}
	return f.pub, f.ra.ActorID, nil
}

// fetch returns the key's fetch of the last keyRefetchEvery, running one
// when there is none (and the host's budget allows it).
func (k *keyResolver) fetch(ctx context.Context, keyID string) (*keyFetch, error) {
	if k.local(keyID) {
		// Our own actors: read from fed_keys, no network, nothing to bound.
		f := &keyFetch{done: make(chan struct{})}
		close(f.done)
		ra, ok := k.e.localKeyOwner(ctx, keyID)
		if !ok {
			f.err = fmt.Errorf("federation: key %q: no such local actor", keyID)
			return f, nil
		}
		f.ra = ra
		if f.pub, f.err = httpsig.DecodePublicKeyPEM(ra.PublicKey); f.err != nil {
			f.err = fmt.Errorf("federation: key %q: %w", keyID, f.err)
		}
		return f, nil
	}
	k.mu.Lock()
	now := k.now()
	if f, ok := k.fetches[keyID]; ok {
		select {
		case <-f.done:
			if now.Sub(f.at) < keyRefetchEvery {
				k.mu.Unlock()
				return f, nil
			}
		default:
			k.mu.Unlock()
			select {
			case <-f.done:
				return f, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	host := hostOf(keyID)
	b := k.hosts[host]
	if b == nil || now.Sub(b.start) >= keyHostWindow {
		if len(k.hosts) >= maxKeyEntries {
			clear(k.hosts)
		}
		b = &hostBudget{start: now}
		k.hosts[host] = b
	}
	if b.n >= keyFetchesPerHost {
		k.mu.Unlock()
		return nil, fmt.Errorf("federation: key %q: %w", keyID, errKeyFetchBudget)
	}
	b.n++
	if len(k.fetches) >= maxKeyEntries {
		for id, f := range k.fetches {
			select {
			case <-f.done:
				if now.Sub(f.at) >= keyRefetchEvery {
					delete(k.fetches, id)
				}
			default:
			}
		}
		if len(k.fetches) >= maxKeyEntries {
			k.mu.Unlock()
			return nil, fmt.Errorf("federation: key %q: %w", keyID, errKeyFetchBudget)
		}
	}
	f := &keyFetch{done: make(chan struct{}), at: now}
	k.fetches[keyID] = f
	k.mu.Unlock()

	// The fetch outlives the request that started it: the others waiting
	// for it must not fail because the first sender hung up.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), k.e.cfg.Timeout*2)
	defer cancel()
	f.ra, f.err = k.e.fetchRemoteActorByKey(fctx, keyID)
	if f.err == nil {
		f.pub, f.err = httpsig.DecodePublicKeyPEM(f.ra.PublicKey)
		if f.err != nil {
			f.err = fmt.Errorf("federation: key %q: %w", keyID, f.err)
		}
	}
	k.mu.Lock()
	f.at = k.now()
	close(f.done)
	k.mu.Unlock()
	return f, nil
}

// confirm is called once a signature made with keyID has verified: the
// actor fetched for it, if any, is now worth caching.
func (k *keyResolver) confirm(ctx context.Context, keyID string) {
	k.mu.Lock()
	f, ok := k.fetches[keyID]
	if ok {
		select {
		case <-f.done:
		default:
			ok = false
		}
	}
	if !ok || f.err != nil || f.ra == nil || f.saved || f.ra.PublicKey == "" {
		k.mu.Unlock()
		return
	}
	f.saved = true
	ra, pub := *f.ra, f.pub
	k.mu.Unlock()
	if err := k.e.saveRemoteActor(ctx, &ra); err != nil {
		k.e.log.Warn("federation: cache actor key", "actor", ra.ActorID, "err", err)
		return
	}
	k.remember(keyID, pub, ra.ActorID)
}

// local tells our own actors' keys, answered from fed_keys without a fetch.
func (k *keyResolver) local(keyID string) bool {
	return strings.HasPrefix(keyID, k.e.cfg.BaseURL+"/")
}

func (k *keyResolver) remember(keyID string, pub crypto.PublicKey, owner string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.mem) > maxKeyEntries {
		clear(k.mem)
	}
	k.mem[keyID] = cachedKey{pub: pub, owner: owner, at: k.now()}
}

func (k *keyResolver) forget(actorID string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for id, c := range k.mem {
		if c.owner == actorID {
			delete(k.mem, id)
		}
	}
}

// fetchRemoteActorByKey dereferences a key id (an actor URL with a fragment,
// or GoToSocial's …/main-key stub) and checks that the key's owner is an
// actor on the same host that claims the key back. It caches nothing: the
// key has verified no signature yet (keyResolver.confirm caches it).
func (e *engine) fetchRemoteActorByKey(ctx context.Context, keyID string) (*remoteActor, error) {
	ku, err := url.Parse(keyID)
	if err != nil || ku.Host == "" {
		return nil, fmt.Errorf("federation: key id %q is not a URL", keyID)
	}
	if local, ok := e.localKeyOwner(ctx, keyID); ok {
		return local, nil
	}
	docURL := *ku
	docURL.Fragment = ""
	c, err := e.fetcher(ctx)
	if err != nil {
		return nil, err
	}
	b, err := c.GetJSON(ctx, docURL.String())
	if err != nil {
		return nil, fmt.Errorf("federation: fetch key %q: %w", keyID, err)
	}
	info, err := httpsig.ParseKeyDocument(b, keyID)
	if err != nil {
		return nil, fmt.Errorf("federation: key %q: %w", keyID, err)
	}
	if !sameHost(info.Owner, keyID) {
		return nil, fmt.Errorf("federation: key %q: owner %q is on another host", keyID, info.Owner)
	}
	actorDoc := b
	if info.DocumentID != info.Owner {
		// A stub or a bare key: the owner's own document must list the key.
		actorDoc, err = c.GetJSON(ctx, info.Owner)
		if err != nil {
			return nil, fmt.Errorf("federation: fetch owner of key %q: %w", keyID, err)
		}
		back, err := httpsig.ParseKeyDocument(actorDoc, keyID)
		eq, ok := info.Key.(interface{ Equal(crypto.PublicKey) bool })
		if err != nil || back.Owner != info.Owner || back.DocumentID != info.Owner || !ok || !eq.Equal(back.Key) {
			return nil, fmt.Errorf("federation: actor %q does not claim key %q", info.Owner, keyID)
		}
	}
	ra := &remoteActor{ActorID: info.Owner, KeyID: keyID, FetchedAt: dbNow()}
	if rk, ok := info.Key.(*rsa.PublicKey); ok {
		if ra.PublicKey, err = httpsig.EncodePublicKeyPEM(rk); err != nil {
			return nil, fmt.Errorf("federation: key %q: %w", keyID, err)
		}
	}
	if parsed, perr := vocab.ParseActor(actorDoc); perr == nil && parsed.Hoster.ActorID == info.Owner {
		ra.Inbox = parsed.Hoster.InboxURL
		ra.SharedInbox = parsed.Hoster.SharedInboxURL
		if ra.PublicKey == "" && parsed.Hoster.PublicKeyID == keyID {
			ra.PublicKey = parsed.Hoster.PublicKeyPEM
		}
	}
	if ra.PublicKey == "" {
		return nil, fmt.Errorf("federation: key %q: unsupported key type", keyID)
	}
	return ra, nil
}

// localKeyOwner answers for our own actors without a network round trip
// (a node and a directory in one demo process sign to each other).
func (e *engine) localKeyOwner(ctx context.Context, keyID string) (*remoteActor, bool) {
	actorID, ok := strings.CutSuffix(keyID, "#main-key")
	if !ok || !strings.HasPrefix(actorID, e.cfg.BaseURL+"/") {
		return nil, false
	}
	var pub string
	err := e.db.GetContext(ctx, &pub, e.db.Rebind(`SELECT public_pem FROM fed_keys WHERE actor_id = ?`), actorID)
	if err != nil {
		return nil, false
	}
	return &remoteActor{ActorID: actorID, KeyID: keyID, PublicKey: pub}, true
}

func (e *engine) saveRemoteActor(ctx context.Context, ra *remoteActor) error {
	err := e.store.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, e.db.Rebind(`DELETE FROM fed_remote_actors WHERE actor_id = ? OR key_id = ?`), ra.ActorID, ra.KeyID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, e.db.Rebind(`INSERT INTO fed_remote_actors (actor_id, key_id, public_key_pem, inbox_url, shared_inbox_url, fetched_at)
			VALUES (?, ?, ?, ?, ?, ?)`), ra.ActorID, ra.KeyID, ra.PublicKey, ra.Inbox, ra.SharedInbox, dbNow())
		return err
	})
	if err != nil {
		return fmt.Errorf("federation: cache actor %q: %w", ra.ActorID, err)
	}
	return nil
}

// remoteActorInfo returns the cached actor, fetching its document when the
// cache has no inbox for it.
func (e *engine) remoteActorInfo(ctx context.Context, actorID string) (*remoteActor, error) {
	var ra remoteActor
	err := e.db.GetContext(ctx, &ra, e.db.Rebind(`SELECT actor_id, key_id, public_key_pem, inbox_url, shared_inbox_url, fetched_at
		FROM fed_remote_actors WHERE actor_id = ?`), actorID)
	if err == nil && ra.Inbox != "" {
		return &ra, nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("federation: actor %q: %w", actorID, err)
	}
	c, err := e.fetcher(ctx)
	if err != nil {
		return nil, err
	}
	b, err := c.GetJSON(ctx, actorID)
	if err != nil {
		return nil, fmt.Errorf("federation: fetch actor %q: %w", actorID, err)
	}
	parsed, err := vocab.ParseActor(b)
	if err != nil {
		return nil, fmt.Errorf("federation: actor %q: %w", actorID, err)
	}
	if parsed.Hoster.ActorID != actorID {
		return nil, fmt.Errorf("federation: actor %q: document has id %q", actorID, parsed.Hoster.ActorID)
	}
	out := &remoteActor{ActorID: actorID, KeyID: parsed.Hoster.PublicKeyID, PublicKey: parsed.Hoster.PublicKeyPEM,
		Inbox: parsed.Hoster.InboxURL, SharedInbox: parsed.Hoster.SharedInboxURL}
	if err := e.saveRemoteActor(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// sameHost reports whether two URLs share scheme-less host[:port].
func sameHost(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Host != "" && strings.EqualFold(ua.Host, ub.Host)
}

func hostOf(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// dbNow is the current time as both engines store it.
func dbNow() time.Time { return dbTime(time.Now()) }

func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
