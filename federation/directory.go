package federation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/chatonsinfos"
	"codeberg.org/portee/portee/federation/vocab"
	"codeberg.org/portee/portee/federation/webfinger"
	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"
)

// directoryUsername is the preferredUsername of the directory's actor.
const directoryUsername = "directory"

// Follow states.
const (
	followPending  = "pending"
	followAccepted = "accepted"
	followRejected = "rejected"
)

// Directory follows nodes and ingests what they publish. Its actor is the
// Application at /actor, whose key signs every fetch and every Follow.
type Directory struct {
	e     *engine
	actor string
}

// NewDirectory prepares the directory and its actor's key.
func NewDirectory(store *catalog.Store, cfg Config) (*Directory, error) {
	e, err := newEngine(store, cfg)
	if err != nil {
		return nil, err
	}
	if err := e.instanceKeyReady(context.Background()); err != nil {
		return nil, err
	}
	return &Directory{e: e, actor: e.paths.InstanceActor()}, nil
}

// Register mounts the directory's federation routes.
func (d *Directory) Register(r *echo.Echo) {
	e := d.e
	e.registerCommon(r, directoryUsername, "Annuaire Portée", "Annuaire Portée "+e.domain+" : suit les nœuds des hébergeurs et publie leurs offres.",
		d.handle, discovery{
			role: "directory",
			metadata: func(ctx context.Context) map[string]any {
				offers, _ := e.store.CountOffers(ctx)
				return withChatonsInfos(e.cfg.BaseURL+chatonsinfos.FederationPath, map[string]any{
					"hosters":   e.countHosters(ctx, false),
					"offers":    offers,
					"following": e.count(ctx, `SELECT COUNT(*) FROM fed_follows WHERE local_actor = ? AND state = ?`, d.actor, followAccepted),
					"followers": e.count(ctx, `SELECT COUNT(*) FROM fed_followers WHERE local_actor = ?`, d.actor),
				})
			},
			users: func(context.Context) int { return 1 },
		})
	d.registerChatonsInfos(r)
}

// Run delivers the directory's activities and keeps the followed actors
// fresh until ctx is done.
func (d *Directory) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(4)
	go func() { defer wg.Done(); d.e.runDeliveries(ctx) }()
	go func() { defer wg.Done(); d.runRefresh(ctx) }()
	go func() { defer wg.Done(); d.runAuditOutbox(ctx) }()
	go func() { defer wg.Done(); d.runObservationOutbox(ctx) }()
	wg.Wait()
	return nil
}

// Follow follows target ("user@host" through WebFinger, or an actor URL):
// it fetches the actor, records the hoster, sends a signed Follow and
// backfills from the outbox. Following twice is the same as once, except
// that the actor and its outbox are read again.
func (d *Directory) Follow(ctx context.Context, target string) (err error) {
	defer recoverTo(&err, "follow "+target)
	e := d.e
	c, err := e.fetcher(ctx)
	if err != nil {
		return err
	}
	actorURL := strings.TrimSpace(target)
	if !strings.HasPrefix(actorURL, "http://") && !strings.HasPrefix(actorURL, "https://") {
		actorURL, err = webfinger.Lookup(ctx, c, actorURL)
		if err != nil {
			return fmt.Errorf("federation: follow %q: %w", target, err)
		}
	}
	b, err := c.GetJSON(ctx, actorURL)
	if err != nil {
		return fmt.Errorf("federation: follow %q: fetch actor: %w", target, err)
	}
	ra, err := vocab.ParseActor(b)
	if err != nil {
		return fmt.Errorf("federation: follow %q: %w", target, err)
	}
	if !ra.IsPorteeHoster() {
		// Checked before anything is stored or sent: following a person
		// would file them among the hosters.
		return fmt.Errorf("federation: follow %q: actor %q (type %s): %w", target, ra.Hoster.ActorID, ra.Type, ErrNotHoster)
	}
	if ra.Hoster.ActorID != actorURL && !sameHost(ra.Hoster.ActorID, actorURL) {
		return fmt.Errorf("federation: follow %q: actor document %q is on another host", target, ra.Hoster.ActorID)
	}
	h, err := d.upsertActor(ctx, ra, catalog.WriteMeta{})
	if err != nil {
		return fmt.Errorf("federation: follow %q: %w", target, err)
	}
	if _, err := e.store.RecordCheck(ctx, h.ID, true, false, time.Now(), e.cfg.DownAfter); err != nil {
		return fmt.Errorf("federation: follow %q: %w", target, err)
	}
	if err := d.sendFollow(ctx, h, followRejected); err != nil {
		return fmt.Errorf("federation: follow %q: %w", target, err)
	}
	if err := d.backfill(ctx, h, ra); err != nil {
		e.log.Warn("federation: backfill after follow", "actor", h.ActorID, "err", err)
	}
	return nil
}

// sendFollow stores the follow and queues the Follow activity when the actor
// is not followed yet, or when the follow is in state again (an explicit
// Follow after a Reject; a refresh finding a Follow that never arrived).
func (d *Directory) sendFollow(ctx context.Context, h *catalog.Hoster, again string) error {
	e := d.e
	followID := e.paths.Activity(newID())
	body, err := vocab.Follow(followID, d.actor, h.ActorID)
	if err != nil {
		return err
	}
	inbox := h.InboxURL
	queued := false
	err = e.store.InTx(ctx, func(tx *sqlx.Tx) error {
		var state string
		err := tx.GetContext(ctx, &state, e.db.Rebind(`SELECT state FROM fed_follows WHERE local_actor = ? AND target_actor = ?`), d.actor, h.ActorID)
		switch {
		case err == nil && state != again:
			return nil
		case err == nil:
			_, err = tx.ExecContext(ctx, e.db.Rebind(`UPDATE fed_follows SET follow_id = ?, state = ?, updated_at = ? WHERE local_actor = ? AND target_actor = ?`),
				followID, followPending, dbNow(), d.actor, h.ActorID)
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, e.db.Rebind(`INSERT INTO fed_follows (local_actor, target_actor, follow_id, state, next_refresh_at, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`), d.actor, h.ActorID, followID, followPending, dbTime(time.Now().Add(d.refreshDelay())), dbNow(), dbNow())
		}
		if err != nil {
			return err
		}
		if err := e.saveActivityTx(ctx, tx, outActivity{ID: followID, Actor: d.actor, Type: "Follow", ObjectID: h.ActorID, Body: body}); err != nil {
			return err
		}
		queued = true
		return e.enqueueTx(ctx, tx, followID, []string{inbox})
	})
	if err != nil {
		return fmt.Errorf("store follow: %w", err)
	}
	if queued {
		e.wakeQueue()
	}
	return nil
}

// FollowState returns the state of the directory's follow of actorID
// ("pending", "accepted", "rejected"), catalog.ErrNotFound when not followed.
func (d *Directory) FollowState(ctx context.Context, actorID string) (string, error) {
	var state string
	err := d.e.db.GetContext(ctx, &state, d.e.db.Rebind(`SELECT state FROM fed_follows WHERE local_actor = ? AND target_actor = ?`), d.actor, actorID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", catalog.ErrNotFound
	}
	return state, err
}

// refreshDelay is RefreshEvery with ±20 % jitter, so that actors followed
// together are not all refreshed together.
func (d *Directory) refreshDelay() time.Duration {
	p := d.e.cfg.RefreshEvery
	return time.Duration(float64(p) * (0.8 + 0.4*rand.Float64()))
}

// ErrNotHoster: the actor is not a hoster published by a Portée node (a
// GoToSocial or Mastodon account, a directory…); a directory never stores
// one as a hoster.
var ErrNotHoster = errors.New("federation: not a Portée hoster (an Organization with an offers collection)")

// upsertActor stores what an actor document says about a hoster, keeping
// what only the directory knows (status, last seen, check counters).
func (d *Directory) upsertActor(ctx context.Context, ra *vocab.RemoteActor, meta catalog.WriteMeta) (*catalog.Hoster, error) {
	e := d.e
	if !ra.IsPorteeHoster() {
		return nil, fmt.Errorf("actor %q (type %s): %w", ra.Hoster.ActorID, ra.Type, ErrNotHoster)
	}
	h := ra.Hoster
	h.Local = false
	if h.Domain == "" {
		h.Domain = hostOf(h.ActorID)
	}
	old, err := e.store.HosterByActor(ctx, h.ActorID)
	switch {
	case err == nil:
		if old.Local {
			return nil, fmt.Errorf("actor %q is local", h.ActorID)
		}
		h.Status, h.LastSeenAt, h.FailCount, h.Checks, h.ChecksOK = old.Status, old.LastSeenAt, old.FailCount, old.Checks, old.ChecksOK
	case errors.Is(err, catalog.ErrNotFound):
		h.Status = catalog.HosterActive
	default:
		return nil, err
	}
	if h.Updated.IsZero() {
		// No "updated": the document is as new as our reading of it.
		h.Updated = time.Now().UTC()
	}
	if err := cleanActor(&h); err != nil {
		return nil, err
	}
	err = e.store.UpsertHoster(ctx, &h, meta)
	if err != nil && !errors.Is(err, catalog.ErrStale) && !errors.Is(err, catalog.ErrAlreadyApplied) {
		return nil, fmt.Errorf("store hoster %q: %w", h.ActorID, err)
	}
	d.hideImportedDuplicates(ctx, &h)
	// Only the newest document may change the cached key: an outbox keeps
	// old Updates of the actor, and replaying one must not reinstate a key
	// the actor has rotated away from.
	if err == nil && h.PublicKeyID != "" && h.PublicKeyPEM != "" {
		ok := e.saveRemoteActor(ctx, &remoteActor{ActorID: h.ActorID, KeyID: h.PublicKeyID, PublicKey: h.PublicKeyPEM,
			Inbox: h.InboxURL, SharedInbox: h.SharedInboxURL})
		if ok != nil {
			e.log.Warn("federation: cache actor key", "actor", h.ActorID, "err", ok)
		}
		e.keys.forget(h.ActorID)
	}
	return e.store.HosterByActor(ctx, h.ActorID)
}

// handle is the directory's inbox.
func (d *Directory) handle(ctx context.Context, in *inbound) error {
	switch in.Act.Type {
	case "Accept", "Reject":
		return d.onFollowAnswer(ctx, in)
	case "Follow", "Undo":
		// Nobody follows a directory's actor: it publishes nothing.
		d.e.log.Info("federation: "+strings.ToLower(in.Act.Type)+" of the directory ignored", "actor", in.Act.Actor, "object", in.Act.ObjectID)
		return errIgnored
	case "Create", "Update", "Delete":
		h, err := d.e.store.HosterByActor(ctx, in.Act.Actor)
		if errors.Is(err, catalog.ErrNotFound) || (err == nil && h.Local) {
			// Not an actor we follow: nothing to ingest.
			return errIgnored
		}
		if err != nil {
			return err
		}
		return d.apply(ctx, h, in.Act)
	}
	return errIgnored
}

// onFollowAnswer marks our Follow accepted or rejected.
func (d *Directory) onFollowAnswer(ctx context.Context, in *inbound) error {
	followID := in.Act.ObjectID
	if len(in.Act.Object) > 0 {
		inner, err := vocab.ParseActivity(in.Act.Object)
		if err != nil {
			return reject(http.StatusBadRequest, "%s: %v", in.Act.Type, err)
		}
		if inner.Type != "Follow" || inner.Actor != d.actor {
			return errIgnored
		}
		followID = inner.ID
	}
	state := followAccepted
	if in.Act.Type == "Reject" {
		state = followRejected
	}
	var n int64
	err := d.e.store.InTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, d.e.db.Rebind(`UPDATE fed_follows SET state = ?, updated_at = ? WHERE follow_id = ? AND target_actor = ? AND local_actor = ?`),
			state, dbNow(), followID, in.Act.Actor, d.actor)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("federation: %s of %q: %w", in.Act.Type, followID, err)
	}
	if n == 0 {
		d.e.log.Info("federation: follow answer ignored: no such follow", "type", in.Act.Type, "actor", in.Act.Actor, "follow", followID)
		return errIgnored
	}
	d.e.log.Info("federation: follow answered", "type", in.Act.Type, "actor", in.Act.Actor, "state", state, "follow", followID)
	return nil
}
