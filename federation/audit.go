package federation

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/vocab"
	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"
)

// auditOutboxConsumer is the directory's cursor in the change feed for
// published audits.
const auditOutboxConsumer = "audit-outbox"

// runAuditOutbox follows the change feed on a directory and turns each
// audit it published into a signed Create of the Audit, queued for the
// audited hoster's inbox only (our vocabulary goes to Portée nodes, never
// to other followers). The activity, its delivery and the cursor commit
// together: a crash neither loses nor repeats one.
func (d *Directory) runAuditOutbox(ctx context.Context) {
	wake, cancel := d.e.store.Subscribe()
	defer cancel()
	poll := time.NewTicker(d.e.cfg.PollEvery)
	defer poll.Stop()
	for {
		if err := d.publishAudits(ctx); err != nil && ctx.Err() == nil {
			d.e.log.Warn("federation: audit outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-poll.C:
		}
	}
}

func (d *Directory) publishAudits(ctx context.Context) error {
	e := d.e
	for {
		cur, err := e.store.Cursor(ctx, auditOutboxConsumer)
		if err != nil {
			return err
		}
		changes, err := e.store.Changes(ctx, cur, 500)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			return nil
		}
		// Most changes are not audits: the cursor moves over a run of them
		// in one write, and each audit gets a transaction of its own.
		for len(changes) > 0 {
			n := 0
			for n < len(changes) && changes[n].Kind != catalog.ChangeAudit {
				n++
			}
			var act *outActivity
			var inbox string
			if n == 0 {
				if act, inbox, err = d.auditActivity(ctx, changes[0]); err != nil {
					return fmt.Errorf("federation: audit change %d: %w", changes[0].Seq, err)
				}
				n = 1
			}
			next := changes[n-1].Seq
			err := d.advanceAuditCursor(ctx, cur, next, act, inbox)
			if errors.Is(err, errCursorMoved) {
				break
			}
			if err != nil {
				return err
			}
			if act != nil {
				e.wakeQueue()
			}
			cur, changes = next, changes[n:]
		}
	}
}

// advanceAuditCursor moves the cursor from prev to next and, when act is
// set, stores it and its delivery in the same transaction. Another process
// that moved the cursor first wins (errCursorMoved).
func (d *Directory) advanceAuditCursor(ctx context.Context, prev, next int64, act *outActivity, inbox string) error {
	e := d.e
	return e.store.InTx(ctx, func(tx *sqlx.Tx) error {
		var at []int64
		if err := tx.SelectContext(ctx, &at, e.db.Rebind(`SELECT seq FROM feed_cursors WHERE consumer = ?`+e.forUpdate()), auditOutboxConsumer); err != nil {
			return err
		}
		if (len(at) == 0 && prev != 0) || (len(at) == 1 && at[0] != prev) {
			return errCursorMoved
		}
		if act != nil {
			if err := e.saveActivityTx(ctx, tx, *act); err != nil {
				return err
			}
			if err := e.enqueueTx(ctx, tx, act.ID, []string{inbox}); err != nil {
				return err
			}
		}
		return e.store.SetCursorTx(ctx, tx, auditOutboxConsumer, next)
	})
}

// auditActivity builds the Create of an audit this directory published;
// nil for audits it received or about hosters without an inbox.
func (d *Directory) auditActivity(ctx context.Context, c catalog.Change) (*outActivity, string, error) {
	a, err := d.e.store.AuditByID(ctx, c.EntityID)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	if a.Received || a.State != catalog.AuditPublished || a.PublisherActor != d.actor {
		return nil, "", nil
	}
	h, err := d.e.store.HosterByID(ctx, a.HosterID)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	inbox := h.InboxURL
	if inbox == "" {
		inbox = h.SharedInboxURL
	}
	if inbox == "" || h.Local {
		return nil, "", nil
	}
	supersedes := ""
	if a.Supersedes != nil {
		if prev, err := d.e.store.AuditByID(ctx, *a.Supersedes); err == nil {
			supersedes = prev.ObjectID
		}
	}
	obj, err := vocab.AuditDoc(a, supersedes)
	if err != nil {
		return nil, "", err
	}
	id := d.e.paths.Activity(newID())
	body, err := vocab.Marshal(vocab.Activity{ID: id, Type: "Create", Actor: d.actor, Object: obj,
		To: []string{h.ActorID}, Published: *a.PublishedAt})
	if err != nil {
		return nil, "", err
	}
	return &outActivity{ID: id, Actor: d.actor, Type: "Create", ObjectID: a.ObjectID, Listed: true, Body: body}, inbox, nil
}

// onAudit stores on a node an Audit a directory created about one of its
// hosters. Only a directory that follows that hoster may: anyone else gets
// 403 and nothing is stored. The audit must be attributed to the signer.
func (n *Node) onAudit(ctx context.Context, in *inbound) error {
	// The node links audits by publisher and date (catalog.ReceiveAudit),
	// so the supersedes link of the document is not needed here.
	a, _, err := vocab.ParseAudit(in.Act.Object)
	if err != nil {
		return reject(http.StatusBadRequest, "audit: %v", err)
	}
	if a.PublisherActor != in.Act.Actor {
		return reject(http.StatusForbidden, "an audit must be attributed to its sender")
	}
	h, err := n.e.store.HosterByActor(ctx, a.HosterActor)
	if errors.Is(err, catalog.ErrNotFound) || (err == nil && !h.Local) {
		return reject(http.StatusForbidden, "the audited hoster is not served here")
	}
	if err != nil {
		return err
	}
	if in.Target != "" && in.Target != h.ActorID {
		return reject(http.StatusForbidden, "an audit of another hoster")
	}
	var follows int
	if err := n.e.db.GetContext(ctx, &follows, n.e.db.Rebind(`SELECT COUNT(*) FROM fed_followers WHERE local_actor = ? AND actor_id = ?`),
		h.ActorID, in.Act.Actor); err != nil {
		return err
	}
	if follows == 0 {
		return reject(http.StatusForbidden, "audits are accepted only from directories that follow the hoster")
	}
	a.HosterID = h.ID
	err = n.e.store.ReceiveAudit(ctx, a, catalog.WriteMeta{ActivityID: in.Act.ID, ActorID: in.Act.Actor})
	if errors.Is(err, catalog.ErrAlreadyApplied) {
		return errIgnored
	}
	return err
}

// audits answers the collection of the audits the hoster received, full
// Audit objects, newest first (the actor's portee:audits).
func (n *Node) audits(c echo.Context) error {
	ctx := c.Request().Context()
	h, err := n.localHoster(ctx, c.Param("username"))
	if err != nil {
		return err
	}
	received := true
	list, err := n.e.store.Audits(ctx, catalog.AuditFilter{HosterID: h.ID, State: catalog.AuditPublished, Received: &received, WithVerdicts: true, Limit: 100})
	if err != nil {
		return err
	}
	items := make([][]byte, 0, len(list))
	for i := range list {
		b, err := vocab.AuditDoc(&list[i], "")
		if err != nil {
			return err
		}
		items = append(items, b)
	}
	id := n.e.paths.Audits(h.Username)
	b, err := vocab.OrderedCollectionPage(id, "", "", "", rawList(items))
	if err != nil {
		return err
	}
	return writeAP(c, http.StatusOK, b)
}
