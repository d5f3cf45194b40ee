package federation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/vocab"
	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"
)

// nodeInstanceUsername is the preferredUsername of a node's instance actor,
// the Application that signs the node's own fetches. The dot keeps it apart
// from hoster usernames in practice; a hoster of that name would shadow it.
const nodeInstanceUsername = "portee.instance"

// Node serves the local hosters of a store (normally one) over ActivityPub.
type Node struct {
	e       *engine
	html    HTMLPages
	ciExtra chatonsInfosExtras
}

// HTMLPages answer browsers on the URLs of a hoster's actor (param
// "username") and of its offers (params "username" and "key"): the same
// URLs answer ActivityPub clients, and the url of Notes and offers, which
// fediverse servers show to people as links, lead there.
type HTMLPages struct {
	Actor, Offer echo.HandlerFunc
}

// NewNode prepares the node: it loads or creates the RSA-2048 keys of the
// instance actor and of every local hoster.
func NewNode(store *catalog.Store, cfg Config) (*Node, error) {
	e, err := newEngine(store, cfg)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	if err := e.instanceKeyReady(ctx); err != nil {
		return nil, err
	}
	hosters, err := store.LocalHosters(ctx)
	if err != nil {
		return nil, fmt.Errorf("federation: new node: %w", err)
	}
	for _, h := range hosters {
		if _, err := e.keyFor(ctx, h.ActorID); err != nil {
			return nil, err
		}
	}
	return &Node{e: e}, nil
}

// Run publishes local changes (the outbox worker), delivers them (the
// delivery workers) and classifies the followers of unknown kind until ctx
// is done.
func (n *Node) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); n.runOutbox(ctx) }()
	go func() { defer wg.Done(); n.e.runDeliveries(ctx) }()
	go func() { defer wg.Done(); n.e.runClassify(ctx) }()
	wg.Wait()
	return nil
}

// localHoster finds a hoster this node serves by username.
func (n *Node) localHoster(ctx context.Context, username string) (*catalog.Hoster, error) {
	h, err := n.e.store.HosterByActor(ctx, n.e.paths.Actor(username))
	if errors.Is(err, catalog.ErrNotFound) || (err == nil && !h.Local) {
		return nil, echo.NewHTTPError(http.StatusNotFound, "no such hoster")
	}
	if err != nil {
		return nil, err
	}
	return h, nil
}

// Register mounts the node's routes: discovery, the instance actor, each
// hoster's actor and collections, objects, activities and inboxes. The
// pages of html, when set, answer browsers.
func (n *Node) Register(r *echo.Echo, html HTMLPages) {
	n.html = html
	e := n.e
	pp := vocab.Paths{}
	e.registerCommon(r, nodeInstanceUsername, "Portée", "Nœud Portée "+e.domain, n.handle, n.discovery())
	r.GET(pp.Actor(":username"), n.actor)
	r.POST(pp.Inbox(":username"), func(c echo.Context) error {
		h, err := n.localHoster(c.Request().Context(), c.Param("username"))
		if err != nil {
			return err
		}
		return e.serveInbox(c, h.ActorID, n.handle)
	})
	r.GET(pp.Outbox(":username"), func(c echo.Context) error {
		h, err := n.localHoster(c.Request().Context(), c.Param("username"))
		if err != nil {
			return err
		}
		return e.serveOutbox(c, h.ActorID, e.paths.Outbox(h.Username), true)
	})
	r.GET(pp.Activities(":username"), func(c echo.Context) error {
		h, err := n.localHoster(c.Request().Context(), c.Param("username"))
		if err != nil {
			return err
		}
		return e.serveOutbox(c, h.ActorID, e.paths.Activities(h.Username), false)
	})
	r.GET(pp.Featured(":username"), n.featured)
	r.GET(pp.FeaturedNote(":username", ":key", ":version"), n.featuredNote)
	r.GET(pp.Avatar(":username"), n.avatar)
	r.GET(pp.Followers(":username"), func(c echo.Context) error {
		h, err := n.localHoster(c.Request().Context(), c.Param("username"))
		if err != nil {
			return err
		}
		return e.serveCount(c, e.paths.Followers(h.Username), `SELECT COUNT(*) FROM fed_followers WHERE local_actor = ?`, h.ActorID)
	})
	r.GET(pp.Following(":username"), func(c echo.Context) error {
		h, err := n.localHoster(c.Request().Context(), c.Param("username"))
		if err != nil {
			return err
		}
		return e.serveCount(c, e.paths.Following(h.Username), `SELECT COUNT(*) FROM fed_follows WHERE local_actor = ? AND state = 'accepted'`, h.ActorID)
	})
	r.GET(pp.Offers(":username"), n.offers)
	r.GET(pp.Offer(":username", ":key"), n.offer)
	r.GET(pp.Declaration(":username"), n.declaration)
	r.GET(pp.Note(":username", ":id"), n.note)
	r.GET(pp.Audits(":username"), n.audits)
	n.registerChatonsInfos(r)
}

// actor answers the hoster's Organization to ActivityPub clients and the
// HTML page (or the website) to browsers, on the same URL.
func (n *Node) actor(c echo.Context) error {
	ctx := c.Request().Context()
	h, err := n.localHoster(ctx, c.Param("username"))
	if err != nil {
		return err
	}
	if !WantsActivityJSON(c.Request()) {
		c.Response().Header().Set("Vary", "Accept")
		if n.html.Actor != nil {
			return n.html.Actor(c)
		}
		if h.Website != "" {
			return c.Redirect(http.StatusFound, h.Website)
		}
	}
	k, err := n.e.keyFor(ctx, h.ActorID)
	if err != nil {
		return err
	}
	b, err := vocab.Hoster(n.e.paths, h, k.pubPEM)
	if err != nil {
		return err
	}
	return writeAP(c, http.StatusOK, b)
}

// offersPageSize bounds one page of the offers collection.
const offersPageSize = 50

// offers answers the collection of the hoster's current offers, full
// objects on pages: what a directory reconciles against.
func (n *Node) offers(c echo.Context) error {
	ctx := c.Request().Context()
	h, err := n.localHoster(ctx, c.Param("username"))
	if err != nil {
		return err
	}
	list, err := n.e.store.OffersByHoster(ctx, h.ID)
	if err != nil {
		return err
	}
	id := n.e.paths.Offers(h.Username)
	if c.QueryParam("page") == "" {
		b, err := vocab.OrderedCollection(id, len(list), id+"?page=1")
		if err != nil {
			return err
		}
		return writeAP(c, http.StatusOK, b)
	}
	page, ok := pageParam(c.QueryParams())
	if !ok {
		return echo.NewHTTPError(http.StatusBadRequest, "page must be a number from 1")
	}
	start := min((page-1)*offersPageSize, len(list))
	end := min(start+offersPageSize, len(list))
	items := make([][]byte, 0, end-start)
	for i := start; i < end; i++ {
		b, err := vocab.Offer(n.e.paths, h, &list[i])
		if err != nil {
			return err
		}
		items = append(items, b)
	}
	next := ""
	if end < len(list) {
		next = fmt.Sprintf("%s?page=%d", id, page+1)
	}
	b, err := vocab.OrderedCollectionPage(fmt.Sprintf("%s?page=%d", id, page), id, next, "", rawList(items))
	if err != nil {
		return err
	}
	return writeAP(c, http.StatusOK, b)
}

// offer answers one Offer, or its Tombstone with 410 once deleted; a
// browser gets the offer's HTML page on the same URL.
func (n *Node) offer(c echo.Context) error {
	ctx := c.Request().Context()
	h, err := n.localHoster(ctx, c.Param("username"))
	if err != nil {
		return err
	}
	o, err := n.e.store.OfferByObjectID(ctx, n.e.paths.Offer(h.Username, c.Param("key")))
	if errors.Is(err, catalog.ErrNotFound) || (err == nil && o.HosterID != h.ID) {
		return echo.NewHTTPError(http.StatusNotFound, "no such offer")
	}
	if err != nil {
		return err
	}
	if !WantsActivityJSON(c.Request()) && n.html.Offer != nil {
		c.Response().Header().Set("Vary", "Accept")
		return n.html.Offer(c)
	}
	b, err := vocab.Offer(n.e.paths, h, o)
	if err != nil {
		return err
	}
	code := http.StatusOK
	if o.DeletedAt != nil {
		code = http.StatusGone
	}
	return writeAP(c, code, b)
}

func (n *Node) declaration(c echo.Context) error {
	ctx := c.Request().Context()
	h, err := n.localHoster(ctx, c.Param("username"))
	if err != nil {
		return err
	}
	d, err := n.e.store.DeclarationByHoster(ctx, h.ID)
	if errors.Is(err, catalog.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "no charter declaration")
	}
	if err != nil {
		return err
	}
	b, err := vocab.Declaration(n.e.paths, h, d)
	if err != nil {
		return err
	}
	return writeAP(c, http.StatusOK, b)
}

func (n *Node) note(c echo.Context) error {
	ctx := c.Request().Context()
	h, err := n.localHoster(ctx, c.Param("username"))
	if err != nil {
		return err
	}
	body, err := n.storedObject(ctx, n.e.paths.Note(h.Username, c.Param("id")), h.ActorID)
	if errors.Is(err, sql.ErrNoRows) {
		return echo.NewHTTPError(http.StatusNotFound, "no such note")
	}
	if err != nil {
		return err
	}
	return writeAP(c, http.StatusOK, []byte(body))
}

// storedObject is the body of an object the node published as actor
// (sql.ErrNoRows when there is none).
func (n *Node) storedObject(ctx context.Context, id, actor string) (string, error) {
	var body string
	err := n.e.db.GetContext(ctx, &body, n.e.db.Rebind(`SELECT body FROM fed_objects WHERE object_id = ? AND actor_id = ?`), id, actor)
	return body, err
}

// handle is the node's inbox: it answers follows of its actors.
func (n *Node) handle(ctx context.Context, in *inbound) error {
	switch in.Act.Type {
	case "Follow":
		return n.e.onFollow(ctx, in, n.followable)
	case "Undo":
		return n.e.onUndo(ctx, in)
	case "Delete":
		return n.e.onActorDelete(ctx, in)
	case "Create":
		if in.Act.ObjectType == "Audit" || in.Act.ObjectType == "portee:Audit" {
			return n.onAudit(ctx, in)
		}
		if vocab.IsObservationReportType(in.Act.ObjectType) {
			return n.onObservationReport(ctx, in)
		}
	}
	return errIgnored
}

// followable tells whether actorID is a local actor others may follow.
func (n *Node) followable(ctx context.Context, actorID string) bool {
	h, err := n.e.store.HosterByActor(ctx, actorID)
	return err == nil && h.Local
}

// onFollow records the follower and queues a signed Accept embedding the
// Follow, in one transaction. The same Follow delivered twice is accepted
// once; a new Follow from a known follower (it lost our Accept) is accepted
// again.
func (e *engine) onFollow(ctx context.Context, in *inbound, followable func(context.Context, string) bool) error {
	target := in.Act.ObjectID
	if !followable(ctx, target) {
		e.log.Info("federation: follow ignored: not a local actor", "object", target, "follower", in.Act.Actor)
		return errIgnored
	}
	ra, err := e.remoteActorInfo(ctx, in.Act.Actor)
	if err != nil {
		return reject(http.StatusBadGateway, "cannot fetch the follower's actor: %v", err)
	}
	kind := e.followerKind(ctx, in.Act.Actor)
	acceptID := e.paths.Activity(newID())
	accept, err := vocab.Accept(acceptID, target, in.Raw)
	if err != nil {
		return reject(http.StatusBadRequest, "cannot accept this Follow: %v", err)
	}
	queued := false
	err = e.store.InTx(ctx, func(tx *sqlx.Tx) error {
		var prev string
		err := tx.GetContext(ctx, &prev, e.db.Rebind(`SELECT follow_id FROM fed_followers WHERE local_actor = ? AND actor_id = ?`), target, in.Act.Actor)
		switch {
		case err == nil && prev == in.Act.ID:
			return nil
		case err == nil:
			_, err = tx.ExecContext(ctx, e.db.Rebind(`UPDATE fed_followers SET follow_id = ?, inbox_url = ?, shared_inbox_url = ?, kind = ?
				WHERE local_actor = ? AND actor_id = ?`), in.Act.ID, ra.Inbox, ra.SharedInbox, kind, target, in.Act.Actor)
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, e.db.Rebind(`INSERT INTO fed_followers (local_actor, actor_id, inbox_url, shared_inbox_url, follow_id, kind, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`), target, in.Act.Actor, ra.Inbox, ra.SharedInbox, in.Act.ID, kind, dbNow())
		}
		if err != nil {
			return err
		}
		if err := e.saveActivityTx(ctx, tx, outActivity{ID: acceptID, Actor: target, Type: "Accept", ObjectID: in.Act.ID, Body: accept}); err != nil {
			return err
		}
		queued = true
		return e.enqueueTx(ctx, tx, acceptID, []string{ra.Inbox})
	})
	if err != nil {
		return fmt.Errorf("federation: follow of %q by %q: %w", target, in.Act.Actor, err)
	}
	if !queued {
		e.log.Info("federation: follow received again", "actor", target, "follower", in.Act.Actor, "follow", in.Act.ID)
		return nil
	}
	e.log.Info("federation: follow accepted", "actor", target, "follower", in.Act.Actor, "kind", kind, "follow", in.Act.ID)
	e.wakeQueue()
	return nil
}

// onUndo handles Undo of a Follow: the follower is removed.
func (e *engine) onUndo(ctx context.Context, in *inbound) error {
	followID, target := in.Act.ObjectID, ""
	if len(in.Act.Object) > 0 {
		inner, err := vocab.ParseActivity(in.Act.Object)
		if err != nil {
			return reject(http.StatusBadRequest, "undo: %v", err)
		}
		if inner.Type != "Follow" {
			return errIgnored
		}
		if inner.Actor != in.Act.Actor {
			return reject(http.StatusForbidden, "an actor may only undo its own activities")
		}
		followID, target = inner.ID, inner.ObjectID
	}
	var removed int64
	err := e.store.InTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, e.db.Rebind(`DELETE FROM fed_followers WHERE actor_id = ? AND (follow_id = ? OR local_actor = ?)`),
			in.Act.Actor, followID, target)
		if err != nil {
			return err
		}
		removed, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("federation: undo follow by %q: %w", in.Act.Actor, err)
	}
	e.log.Info("federation: unfollow", "follower", in.Act.Actor, "actor", target, "follow", followID, "removed", removed)
	return nil
}

// onActorDelete forgets a remote actor that deleted itself: it no longer
// follows anyone here and its key is void.
func (e *engine) onActorDelete(ctx context.Context, in *inbound) error {
	if in.Act.ObjectID != in.Act.Actor {
		return errIgnored
	}
	err := e.store.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, e.db.Rebind(`DELETE FROM fed_followers WHERE actor_id = ?`), in.Act.Actor); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, e.db.Rebind(`DELETE FROM fed_remote_actors WHERE actor_id = ?`), in.Act.Actor)
		return err
	})
	if err != nil {
		return fmt.Errorf("federation: delete of actor %q: %w", in.Act.Actor, err)
	}
	e.keys.forget(in.Act.Actor)
	return nil
}

// discovery answers WebFinger for the local hosters and NodeInfo with the
// node's counts.
func (n *Node) discovery() discovery {
	e := n.e
	return discovery{
		role: "node",
		lookup: func(ctx context.Context, user string) (string, bool) {
			h, err := n.localHoster(ctx, user)
			if err != nil {
				return "", false
			}
			return h.ActorID, true
		},
		byActor: func(ctx context.Context, actor string) (string, bool) {
			h, err := e.store.HosterByActor(ctx, actor)
			if err != nil || !h.Local {
				return "", false
			}
			return h.Username, true
		},
		metadata: func(ctx context.Context) map[string]any {
			return withChatonsInfos(n.chatonsInfosMetadata(ctx), map[string]any{
				"hosters":   e.countHosters(ctx, true),
				"offers":    e.count(ctx, `SELECT COUNT(*) FROM offers o JOIN hosters h ON h.id = o.hoster_id WHERE h.local = ? AND o.deleted_at IS NULL`, true),
				"followers": e.count(ctx, `SELECT COUNT(DISTINCT actor_id) FROM fed_followers`),
			})
		},
		users: func(ctx context.Context) int { return e.countHosters(ctx, true) },
		posts: func(ctx context.Context) int {
			return e.count(ctx, `SELECT COUNT(*) FROM fed_activities WHERE listed = ? AND audience = ?`, true, audiencePublic)
		},
	}
}
