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
// longer and a failed verification always refetches.
const keyCacheTTL = 10 * time.Minute

type cachedKey struct {
	pub   crypto.PublicKey
	owner string
	at    time.Time
}

// keyResolver implements httpsig.KeyResolver over the fed_remote_actors
// table, with an in-memory layer so that a busy inbox does not hit the
// database for every request.
type keyResolver struct {
	e   *engine
	mu  sync.Mutex
	mem map[string]cachedKey
}

// PublicKey implements httpsig.KeyResolver.
func (k *keyResolver) PublicKey(ctx context.Context, keyID string, refresh bool) (crypto.PublicKey, string, error) {
	if !refresh {
		k.mu.Lock()
		c, ok := k.mem[keyID]
		k.mu.Unlock()
		if ok && time.Since(c.at) < keyCacheTTL {
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
	ra, err := k.e.fetchRemoteActorByKey(ctx, keyID)
	if err != nil {
		return nil, "", err
	}
	pub, err := httpsig.DecodePublicKeyPEM(ra.PublicKey)
	if err != nil {
		return nil, "", fmt.Errorf("federation: key %q: %w", keyID, err)
	}
	k.remember(keyID, pub, ra.ActorID)
	return pub, ra.ActorID, nil
}

func (k *keyResolver) remember(keyID string, pub crypto.PublicKey, owner string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.mem) > 10000 {
		clear(k.mem)
	}
	k.mem[keyID] = cachedKey{pub: pub, owner: owner, at: time.Now()}
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
// or GoToSocial's …/main-key stub), checks that the key's owner is an actor
// on the same host that claims the key back, and caches it.
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
	if err := e.saveRemoteActor(ctx, ra); err != nil {
		return nil, err
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
