package federation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/fetch"
	"codeberg.org/portee/portee/federation/vocab"
	"github.com/jmoiron/sqlx"
)

// refreshBatch bounds how many actors one scheduler pass refreshes.
const refreshBatch = 16

// runRefresh re-fetches each followed actor when its time comes (every
// RefreshEvery, with jitter). The next time is written before the fetch,
// so a crash or a slow host never makes the scheduler loop on one actor.
func (d *Directory) runRefresh(ctx context.Context) {
	tick := time.NewTicker(d.e.cfg.PollEvery)
	defer tick.Stop()
	for {
		for ctx.Err() == nil {
			n, err := d.refreshDue(ctx)
			if err != nil && ctx.Err() == nil {
				d.e.log.Warn("federation: refresh", "err", err)
			}
			if n < refreshBatch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (d *Directory) refreshDue(ctx context.Context) (int, error) {
	e := d.e
	now := dbNow()
	var due []string
	err := e.db.SelectContext(ctx, &due, e.db.Rebind(`SELECT target_actor FROM fed_follows WHERE local_actor = ? AND next_refresh_at <= ?
		ORDER BY next_refresh_at LIMIT ?`), d.actor, now, refreshBatch)
	if err != nil {
		return 0, err
	}
	for _, actor := range due {
		err := e.store.InTx(ctx, func(tx *sqlx.Tx) error {
			_, err := tx.ExecContext(ctx, e.db.Rebind(`UPDATE fed_follows SET next_refresh_at = ? WHERE local_actor = ? AND target_actor = ?`),
				dbTime(time.Now().Add(d.refreshDelay())), d.actor, actor)
			return err
		})
		if err != nil {
			return 0, err
		}
		if err := d.Refresh(ctx, actor); err != nil && ctx.Err() == nil {
			e.log.Info("federation: refresh failed", "actor", actor, "err", err)
		}
	}
	return len(due), nil
}

// Refresh re-fetches one followed actor now: it records the check (ok,
// down after repeated failures, gone on 410, Tombstone or a long outage),
// updates the hoster and reconciles from its outbox and offers. An actor
// whose robots.txt forbids us is not crawled; what it pushes is still
// accepted.
func (d *Directory) Refresh(ctx context.Context, actorID string) (err error) {
	defer recoverTo(&err, "refresh "+actorID)
	e := d.e
	h, err := e.store.HosterByActor(ctx, actorID)
	if err != nil {
		return err
	}
	c, err := e.fetcher(ctx)
	if err != nil {
		return err
	}
	if allowed, rerr := c.RobotsAllowed(ctx, actorID); rerr == nil && !allowed {
		e.log.Info("federation: robots.txt forbids refreshing", "actor", actorID)
		return nil
	}
	now := time.Now()
	b, err := c.GetJSON(ctx, actorID)
	if err != nil {
		gone := fetch.IsGone(err) ||
			(h.LastSeenAt != nil && now.Sub(*h.LastSeenAt) > e.cfg.GoneAfter)
		if _, cerr := e.store.RecordCheck(ctx, h.ID, false, gone, now, e.cfg.DownAfter); cerr != nil {
			return errors.Join(err, cerr)
		}
		return fmt.Errorf("fetch actor: %w", err)
	}
	if vocab.IsTombstone(b) {
		_, err := e.store.RecordCheck(ctx, h.ID, false, true, now, e.cfg.DownAfter)
		return err
	}
	ra, err := vocab.ParseActor(b)
	if err != nil || ra.Hoster.ActorID != actorID {
		if _, cerr := e.store.RecordCheck(ctx, h.ID, false, false, now, e.cfg.DownAfter); cerr != nil {
			return cerr
		}
		return fmt.Errorf("actor document: %w", errors.Join(err, errors.New("unusable")))
	}
	if h, err = d.upsertActor(ctx, ra, catalog.WriteMeta{}); err != nil {
		return err
	}
	if h, err = e.store.RecordCheck(ctx, h.ID, true, false, now, e.cfg.DownAfter); err != nil {
		return err
	}
	e.reviveHost(ctx, hostOf(actorID))
	if err := d.resendPendingFollow(ctx, h); err != nil {
		return err
	}
	return d.backfill(ctx, h, ra)
}

// resendPendingFollow repeats, under a new id, a Follow that was never
// answered and whose delivery ended without success (the node was gone for
// longer than the queue waits).
func (d *Directory) resendPendingFollow(ctx context.Context, h *catalog.Hoster) error {
	e := d.e
	var open int
	err := e.db.GetContext(ctx, &open, e.db.Rebind(`SELECT COUNT(*) FROM fed_follows f JOIN fed_deliveries q ON q.activity_id = f.follow_id
		WHERE f.local_actor = ? AND f.target_actor = ? AND f.state = ? AND q.status IN ('pending', 'done')`), d.actor, h.ActorID, followPending)
	if err != nil || open > 0 {
		return err
	}
	return d.sendFollow(ctx, h, followPending)
}
