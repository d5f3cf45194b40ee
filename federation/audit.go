package federation

import (
	"context"
	"errors"
	"net/http"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/vocab"
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
	d.runFeedOutbox(ctx, auditOutboxConsumer, catalog.ChangeAudit, d.auditActivity)
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

// reportedHoster checks what a directory sends about one of the node's
// hosters (an audit, an observation report): attributed to its sender,
// about a hoster served here and addressed to it, from a directory that
// follows that hoster. Anything else is 403, and nothing is stored.
func (n *Node) reportedHoster(ctx context.Context, in *inbound, attributedTo, hosterActor, what string) (*catalog.Hoster, error) {
	if attributedTo != in.Act.Actor {
		return nil, reject(http.StatusForbidden, "%s must be attributed to its sender", what)
	}
	h, err := n.e.store.HosterByActor(ctx, hosterActor)
	if errors.Is(err, catalog.ErrNotFound) || (err == nil && !h.Local) {
		return nil, reject(http.StatusForbidden, "%s about a hoster not served here", what)
	}
	if err != nil {
		return nil, err
	}
	if in.Target != "" && in.Target != h.ActorID {
		return nil, reject(http.StatusForbidden, "%s about another hoster", what)
	}
	var follows int
	if err := n.e.db.GetContext(ctx, &follows, n.e.db.Rebind(`SELECT COUNT(*) FROM fed_followers WHERE local_actor = ? AND actor_id = ?`),
		h.ActorID, in.Act.Actor); err != nil {
		return nil, err
	}
	if follows == 0 {
		return nil, reject(http.StatusForbidden, "%s is accepted only from a directory that follows the hoster", what)
	}
	return h, nil
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
	h, err := n.reportedHoster(ctx, in, a.PublisherActor, a.HosterActor, "an audit")
	if err != nil {
		return err
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
