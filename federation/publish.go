package federation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/vocab"
	"github.com/jmoiron/sqlx"
)

// outboxConsumer is the node's cursor name in the change feed.
const outboxConsumer = "outbox"

// errCursorMoved: another process published this change first.
var errCursorMoved = errors.New("federation: outbox cursor moved")

// runOutbox follows the change feed and turns each local change into
// activities and deliveries. Each change is published in one transaction
// that also moves the cursor, so a crash neither loses nor repeats one.
func (n *Node) runOutbox(ctx context.Context) {
	wake, cancel := n.e.store.Subscribe()
	defer cancel()
	poll := time.NewTicker(n.e.cfg.PollEvery)
	defer poll.Stop()
	for {
		if err := n.publishPending(ctx); err != nil && ctx.Err() == nil {
			n.e.log.Warn("federation: outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-poll.C:
		}
	}
}

// publishPending publishes every change after the cursor, once the
// followers whose kind is unknown have been looked at.
func (n *Node) publishPending(ctx context.Context) error {
	n.e.classifyFollowers(ctx)
	for {
		cur, err := n.e.store.Cursor(ctx, outboxConsumer)
		if err != nil {
			return err
		}
		changes, err := n.e.store.Changes(ctx, cur, 100)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			return nil
		}
		for _, c := range changes {
			err := n.publishChange(ctx, cur, c)
			if errors.Is(err, errCursorMoved) {
				break
			}
			if err != nil {
				return fmt.Errorf("federation: publish change %d: %w", c.Seq, err)
			}
			cur = c.Seq
		}
	}
}

// publishChange builds the activities of one change and stores them, their
// deliveries and the new cursor together.
func (n *Node) publishChange(ctx context.Context, prevSeq int64, c catalog.Change) error {
	e := n.e
	acts, notes, err := n.activitiesFor(ctx, c)
	if err != nil {
		return err
	}
	var actor string
	if len(acts) > 0 {
		actor = acts[0].Actor
	}
	err = e.store.InTx(ctx, func(tx *sqlx.Tx) error {
		var cur []int64
		if err := tx.SelectContext(ctx, &cur, e.db.Rebind(`SELECT seq FROM feed_cursors WHERE consumer = ?`+e.forUpdate()), outboxConsumer); err != nil {
			return err
		}
		if (len(cur) == 0 && prevSeq != 0) || (len(cur) == 1 && cur[0] != prevSeq) {
			return errCursorMoved
		}
		if len(acts) > 0 {
			everyone, err := e.followerInboxes(ctx, tx, actor, false)
			if err != nil {
				return err
			}
			directories, err := e.followerInboxes(ctx, tx, actor, true)
			if err != nil {
				return err
			}
			for _, nb := range notes {
				if _, err := tx.ExecContext(ctx, e.db.Rebind(`INSERT INTO fed_objects (object_id, actor_id, type, body, published) VALUES (?, ?, ?, ?, ?)`),
					nb.id, actor, "Note", string(nb.body), dbNow()); err != nil {
					return err
				}
			}
			for _, a := range acts {
				if err := e.saveActivityTx(ctx, tx, a); err != nil {
					return err
				}
				inboxes := everyone
				if a.Audience == audienceDirectories {
					inboxes = directories
				}
				if err := e.enqueueTx(ctx, tx, a.ID, inboxes); err != nil {
					return err
				}
			}
		}
		return e.store.SetCursorTx(ctx, tx, outboxConsumer, c.Seq)
	})
	if err != nil {
		return err
	}
	if len(acts) > 0 {
		e.wakeQueue()
	}
	return nil
}

func (e *engine) forUpdate() string {
	if e.pg {
		return " FOR UPDATE"
	}
	return ""
}

// followerInboxes lists where to deliver an actor's activities: each
// follower's shared inbox when it has one, else its own, without repeats;
// only the Portée directories' when directoriesOnly.
func (e *engine) followerInboxes(ctx context.Context, tx *sqlx.Tx, actor string, directoriesOnly bool) ([]string, error) {
	var rows []struct {
		Inbox  string `db:"inbox_url"`
		Shared string `db:"shared_inbox_url"`
	}
	q := `SELECT inbox_url, shared_inbox_url FROM fed_followers WHERE local_actor = ?`
	args := []any{actor}
	if directoriesOnly {
		q += ` AND kind = ?`
		args = append(args, followerDirectory)
	}
	if err := tx.SelectContext(ctx, &rows, e.db.Rebind(q+` ORDER BY id`), args...); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(rows))
	seen := map[string]bool{}
	for _, r := range rows {
		in := r.Shared
		if in == "" {
			in = r.Inbox
		}
		if !seen[in] {
			seen[in] = true
			out = append(out, in)
		}
	}
	return out, nil
}

type noteBody struct {
	id   string
	body []byte
}

// activitiesFor maps a change of a local hoster to what its followers get.
// Portée directories get our vocabulary: Create, Update and Delete of
// offers and of the charter declaration. Every follower gets what any
// fediverse server understands: the Update of the actor (also after an
// offer changed, so that servers read its featured collection again) and
// a French Note for each new, changed, renamed or removed offer. Changes
// of remote hosters publish nothing.
func (n *Node) activitiesFor(ctx context.Context, c catalog.Change) ([]outActivity, []noteBody, error) {
	e := n.e
	h, err := e.store.HosterByID(ctx, c.HosterID)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if !h.Local {
		return nil, nil, nil
	}
	actor := h.ActorID
	followers := e.paths.Followers(h.Username)
	now := time.Now().UTC()
	wrap := func(typ, objectID, audience string, obj []byte) (outActivity, error) {
		id := e.paths.Activity(newID())
		b, err := vocab.Marshal(vocab.Activity{ID: id, Type: typ, Actor: actor, Object: obj,
			To: []string{vocab.Public}, CC: []string{followers}, Published: now})
		return outActivity{ID: id, Actor: actor, Type: typ, ObjectID: objectID, Listed: true, Audience: audience, Body: b}, err
	}
	actorUpdate := func() (outActivity, error) {
		k, err := e.keyFor(ctx, actor)
		if err != nil {
			return outActivity{}, err
		}
		obj, err := vocab.Hoster(e.paths, h, k.pubPEM)
		if err != nil {
			return outActivity{}, err
		}
		return wrap("Update", actor, audienceFollowers, obj)
	}
	// offerNote builds the Note about an offer and its Create.
	offerNote := func(o *catalog.Offer, ev vocab.OfferEvent) (outActivity, noteBody, error) {
		noteID := newID()
		note, err := vocab.OfferNote(e.paths, h, o, ev, noteID)
		if err != nil {
			return outActivity{}, noteBody{}, err
		}
		noteIRI := e.paths.Note(h.Username, noteID)
		na, err := wrap("Create", noteIRI, audiencePublic, note)
		return na, noteBody{id: noteIRI, body: note}, err
	}
	switch {
	case c.Kind == catalog.ChangeHoster:
		a, err := actorUpdate()
		return []outActivity{a}, nil, err

	case c.Kind == catalog.ChangeOffer && c.Op == catalog.OpDelete:
		o, err := e.store.OfferByID(ctx, c.EntityID)
		if err != nil {
			return nil, nil, err
		}
		deleted := c.At
		if o.DeletedAt != nil {
			deleted = *o.DeletedAt
		}
		obj, err := vocab.Tombstone(o.ObjectID, vocab.OfferType, deleted)
		if err != nil {
			return nil, nil, err
		}
		del, err := wrap("Delete", o.ObjectID, audienceDirectories, obj)
		if err != nil {
			return nil, nil, err
		}
		na, nb, err := offerNote(o, vocab.OfferEvent{Kind: vocab.OfferRemoved})
		if err != nil {
			return nil, nil, err
		}
		up, err := actorUpdate()
		return []outActivity{del, na, up}, []noteBody{nb}, err

	case c.Kind == catalog.ChangeOffer:
		o, err := e.store.OfferByID(ctx, c.EntityID)
		if err != nil {
			return nil, nil, err
		}
		if o.DeletedAt != nil {
			// Deleted since: the delete change that follows publishes it.
			return nil, nil, nil
		}
		isNew, err := e.firstPublication(ctx, o.ObjectID)
		if err != nil {
			return nil, nil, err
		}
		obj, err := vocab.Offer(e.paths, h, o)
		if err != nil {
			return nil, nil, err
		}
		typ, ev := "Update", vocab.OfferEvent{Kind: vocab.OfferUpdated}
		if isNew {
			typ, ev = "Create", vocab.OfferEvent{Kind: vocab.OfferCreated}
		} else if old := e.lastPublishedName(ctx, o.ObjectID); old != "" && old != o.Name {
			ev = vocab.OfferEvent{Kind: vocab.OfferRenamed, OldName: old}
		}
		a, err := wrap(typ, o.ObjectID, audienceDirectories, obj)
		if err != nil {
			return nil, nil, err
		}
		na, nb, err := offerNote(o, ev)
		if err != nil {
			return nil, nil, err
		}
		up, err := actorUpdate()
		return []outActivity{a, na, up}, []noteBody{nb}, err

	case c.Kind == catalog.ChangeDeclaration:
		d, err := e.store.DeclarationByHoster(ctx, h.ID)
		if errors.Is(err, catalog.ErrNotFound) {
			return nil, nil, nil
		}
		if err != nil {
			return nil, nil, err
		}
		isNew, err := e.firstPublication(ctx, d.ObjectID)
		if err != nil {
			return nil, nil, err
		}
		obj, err := vocab.Declaration(e.paths, h, d)
		if err != nil {
			return nil, nil, err
		}
		typ := "Update"
		if isNew {
			typ = "Create"
		}
		a, err := wrap(typ, d.ObjectID, audienceDirectories, obj)
		return []outActivity{a}, nil, err
	}
	return nil, nil, nil
}

// lastPublishedName is the name the offer had in its last published Create
// or Update, "" when unknown: a rename Note names the old and the new name.
func (e *engine) lastPublishedName(ctx context.Context, objectID string) string {
	var body string
	err := e.db.GetContext(ctx, &body, e.db.Rebind(`SELECT body FROM fed_activities WHERE object_id = ? AND type IN ('Create', 'Update')
		ORDER BY seq DESC LIMIT 1`), objectID)
	if err != nil {
		return ""
	}
	var act struct {
		Object struct {
			Name string `json:"name"`
		} `json:"object"`
	}
	if json.Unmarshal([]byte(body), &act) != nil {
		return ""
	}
	return act.Object.Name
}

// firstPublication tells whether an object was never published, or was
// deleted since its last publication: then it is a Create, else an Update.
func (e *engine) firstPublication(ctx context.Context, objectID string) (bool, error) {
	var typ string
	err := e.db.GetContext(ctx, &typ, e.db.Rebind(`SELECT type FROM fed_activities WHERE object_id = ? AND type IN ('Create', 'Update', 'Delete')
		ORDER BY seq DESC LIMIT 1`), objectID)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return typ == "Delete", nil
}

func rawList(items [][]byte) []json.RawMessage {
	out := make([]json.RawMessage, len(items))
	for i, b := range items {
		out[i] = b
	}
	return out
}
