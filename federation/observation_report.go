package federation

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/vocab"
	"codeberg.org/portee/portee/observatory"
	"github.com/jmoiron/sqlx"
)

// observationOutboxConsumer is the directory's cursor in the change feed
// for the observations its observatory stored.
const observationOutboxConsumer = "observation-outbox"

// runObservationOutbox follows the change feed on a directory and turns
// each observation of a Portée hoster into a signed Create of an
// ObservationReport (findings and discrepancies), queued for that hoster's
// inbox only, so that the hoster hears of a discrepancy first and can fix
// it. Like the audit outbox, the activity, its delivery and the cursor
// commit together.
func (d *Directory) runObservationOutbox(ctx context.Context) {
	d.runFeedOutbox(ctx, observationOutboxConsumer, catalog.ChangeObservation, d.observationActivity)
}

// runFeedOutbox delivers, until ctx ends, the changes of one kind that build
// turns into activities, woken by each new change (and a poll).
func (d *Directory) runFeedOutbox(ctx context.Context, consumer, kind string, build feedBuilder) {
	wake, cancel := d.e.store.Subscribe()
	defer cancel()
	poll := time.NewTicker(d.e.cfg.PollEvery)
	defer poll.Stop()
	for {
		if err := d.publishFeed(ctx, consumer, kind, build); err != nil && ctx.Err() == nil {
			d.e.log.Warn("federation: "+kind+" outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-poll.C:
		}
	}
}

// feedBuilder builds the activity of one change and the inbox it goes to;
// nil when the change is not to be delivered.
type feedBuilder func(ctx context.Context, c catalog.Change) (*outActivity, string, error)

// publishFeed moves consumer's cursor over the change feed, delivering the
// changes of one kind through build. Most changes are of other kinds: the
// cursor moves over a run of them in one write, and each delivered change
// gets a transaction of its own.
func (d *Directory) publishFeed(ctx context.Context, consumer, kind string, build feedBuilder) error {
	e := d.e
	for {
		cur, err := e.store.Cursor(ctx, consumer)
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
		for len(changes) > 0 {
			n := 0
			for n < len(changes) && changes[n].Kind != kind {
				n++
			}
			var act *outActivity
			var inbox string
			if n == 0 {
				if act, inbox, err = build(ctx, changes[0]); err != nil {
					return fmt.Errorf("federation: %s change %d: %w", kind, changes[0].Seq, err)
				}
				n = 1
			}
			next := changes[n-1].Seq
			err := d.advanceFeedCursor(ctx, consumer, cur, next, act, inbox)
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

// advanceFeedCursor moves consumer's cursor from prev to next and, when act
// is set, stores it and its delivery in the same transaction.
func (d *Directory) advanceFeedCursor(ctx context.Context, consumer string, prev, next int64, act *outActivity, inbox string) error {
	e := d.e
	return e.store.InTx(ctx, func(tx *sqlx.Tx) error {
		var at []int64
		if err := tx.SelectContext(ctx, &at, e.db.Rebind(`SELECT seq FROM feed_cursors WHERE consumer = ?`+e.forUpdate()), consumer); err != nil {
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
		return e.store.SetCursorTx(ctx, tx, consumer, next)
	})
}

// observationActivity builds the Create of the report of one observation;
// nil for hosters that are not Portée nodes (ChatonsInfos imports, local
// hosters, no inbox) and for observations gone since.
func (d *Directory) observationActivity(ctx context.Context, c catalog.Change) (*outActivity, string, error) {
	st := d.e.store
	o, err := st.ObservationByID(ctx, c.EntityID)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	h, err := st.HosterByID(ctx, o.HosterID)
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
	if inbox == "" || h.Local || h.ActorID == "" || (h.Source != "" && h.Source != catalog.SourcePortee) {
		return nil, "", nil
	}
	decl, err := st.DeclarationByHoster(ctx, h.ID)
	if err != nil && !errors.Is(err, catalog.ErrNotFound) {
		return nil, "", err
	}
	var ds []catalog.ReportDiscrepancy
	for _, x := range observatory.Discrepancies(catalog.DefaultObservationMap(), decl, o.Findings) {
		ds = append(ds, catalog.ReportDiscrepancy{Commitment: x.Commitment, Declared: x.Declared, Finding: x.Finding})
	}
	id := d.e.paths.Activity(newID())
	obj, err := vocab.ObservationReportDoc(&vocab.ObservationReport{ID: id + "#report", DirectoryActor: d.actor, HosterActor: h.ActorID,
		ObservedAt: o.ObservedAt, Findings: o.Findings, Discrepancies: ds})
	if err != nil {
		return nil, "", err
	}
	body, err := vocab.Marshal(vocab.Activity{ID: id, Type: "Create", Actor: d.actor, Object: obj,
		To: []string{h.ActorID}, Published: o.ObservedAt})
	if err != nil {
		return nil, "", err
	}
	return &outActivity{ID: id, Actor: d.actor, Type: "Create", ObjectID: id + "#report", Listed: false, Body: body}, inbox, nil
}

// onObservationReport keeps on a node the latest report a directory sent
// about one of its hosters. Only a directory that follows the hoster may
// send one (else 403, nothing stored), attributed to itself.
func (n *Node) onObservationReport(ctx context.Context, in *inbound) error {
	r, err := vocab.ParseObservationReport(in.Act.Object)
	if err != nil {
		return reject(http.StatusBadRequest, "observation report: %v", err)
	}
	h, err := n.reportedHoster(ctx, in, r.DirectoryActor, r.HosterActor, "an observation report")
	if err != nil {
		return err
	}
	err = n.e.store.ReceiveObservationReport(ctx, &catalog.ObservationReport{HosterID: h.ID, DirectoryActor: r.DirectoryActor,
		ObjectID: r.ID, ObservedAt: r.ObservedAt, Findings: r.Findings, Discrepancies: r.Discrepancies},
		catalog.WriteMeta{ActivityID: in.Act.ID, ActorID: in.Act.Actor})
	if errors.Is(err, catalog.ErrAlreadyApplied) {
		return errIgnored
	}
	return err
}
