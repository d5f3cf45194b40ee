package federation

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"codeberg.org/portee/portee/federation/fetch"
	"github.com/jmoiron/sqlx"
)

// Delivery row states.
const (
	deliveryPending = "pending"
	deliveryDone    = "done"
	deliveryFailed  = "failed"  // the inbox refused it for good (4xx)
	deliveryDead    = "dead"    // gave up after GiveUpAfter
	deliverySkipped = "skipped" // the inbox was dead
)

// Audiences of an activity (fed_activities.audience).
const (
	audiencePublic      = "public"      // a Note: every follower; listed in the outbox
	audienceFollowers   = "followers"   // every follower, not a post (the actor's Update)
	audienceDirectories = "directories" // our vocabulary: Portée directories only
)

// outActivity is an activity a local actor sends.
type outActivity struct {
	ID       string
	Actor    string
	Type     string
	ObjectID string
	Listed   bool   // shown in the actor's collections (Accept and Follow are not)
	Audience string // who gets it; audienceDirectories when empty
	Body     []byte
}

// saveActivityTx stores an activity we publish; its id is unique, so a
// replayed transaction cannot store it twice.
func (e *engine) saveActivityTx(ctx context.Context, tx *sqlx.Tx, a outActivity) error {
	if a.Audience == "" {
		a.Audience = audienceDirectories
	}
	_, err := tx.ExecContext(ctx, e.db.Rebind(`INSERT INTO fed_activities (activity_id, actor_id, type, object_id, listed, audience, body, published)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), a.ID, a.Actor, a.Type, a.ObjectID, a.Listed, a.Audience, string(a.Body), dbNow())
	if err != nil {
		return fmt.Errorf("federation: save activity %q: %w", a.ID, err)
	}
	return nil
}

// enqueueTx queues activityID to each distinct inbox. An inbox known dead
// gets a skipped row, so the outbox history still says it was not sent.
func (e *engine) enqueueTx(ctx context.Context, tx *sqlx.Tx, activityID string, inboxes []string) error {
	seen := make(map[string]bool, len(inboxes))
	var list []string
	for _, in := range inboxes {
		if in != "" && !seen[in] {
			seen[in] = true
			list = append(list, in)
		}
	}
	const chunk = 200
	now := dbNow()
	for start := 0; start < len(list); start += chunk {
		part := list[start:min(start+chunk, len(list))]
		dead := map[string]bool{}
		// A dead inbox gets one probe per RetryMax; the rest is skipped.
		q, args, err := sqlx.In(`SELECT inbox_url FROM fed_inboxes WHERE dead = ? AND updated_at > ? AND inbox_url IN (?)`,
			true, dbTime(now.Add(-e.cfg.RetryMax)), part)
		if err != nil {
			return err
		}
		var deadList []string
		if err := tx.SelectContext(ctx, &deadList, e.db.Rebind(q), args...); err != nil {
			return fmt.Errorf("federation: enqueue %q: %w", activityID, err)
		}
		for _, d := range deadList {
			dead[d] = true
		}
		var sb strings.Builder
		sb.WriteString(`INSERT INTO fed_deliveries (activity_id, inbox_url, status, attempts, next_attempt_at, created_at, updated_at) VALUES `)
		args = args[:0]
		for i, in := range part {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?, 0, ?, ?, ?)")
			status := deliveryPending
			if dead[in] {
				status = deliverySkipped
			}
			args = append(args, activityID, in, status, now, now, now)
		}
		sb.WriteString(` ON CONFLICT (activity_id, inbox_url) DO NOTHING`)
		if _, err := tx.ExecContext(ctx, e.db.Rebind(sb.String()), args...); err != nil {
			return fmt.Errorf("federation: enqueue %q: %w", activityID, err)
		}
	}
	return nil
}

// claimed is a delivery reserved by this process until its lease ends.
type claimed struct {
	ID         int64     `db:"id"`
	ActivityID string    `db:"activity_id"`
	Inbox      string    `db:"inbox_url"`
	Attempts   int       `db:"attempts"`
	CreatedAt  time.Time `db:"created_at"`
}

// claim reserves up to n due deliveries. On PostgreSQL rows locked by
// another claimer are skipped; on SQLite the write lock serialises claims.
// Either way the lease is what protects a row from a second worker, and an
// expired lease (the worker's process died) makes it due again.
func (e *engine) claim(ctx context.Context, n int) ([]claimed, error) {
	now := dbNow()
	lock := ""
	if e.pg {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	q := e.db.Rebind(`UPDATE fed_deliveries SET lease_until = ?, attempts = attempts + 1, updated_at = ?
		WHERE id IN (SELECT id FROM fed_deliveries
			WHERE status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
			ORDER BY next_attempt_at, id LIMIT ?` + lock + `)
		RETURNING id, activity_id, inbox_url, attempts, created_at`)
	var rows []claimed
	err := e.store.InTx(ctx, func(tx *sqlx.Tx) error {
		rows = rows[:0]
		return tx.SelectContext(ctx, &rows, q, now.Add(e.cfg.Lease), now, now, now, n)
	})
	if err != nil {
		return nil, fmt.Errorf("federation: claim deliveries: %w", err)
	}
	return rows, nil
}

// runDeliveries runs the worker pool until ctx is done. One dispatcher
// claims as many due rows as there are idle workers, so a fan-out of a
// thousand inboxes costs a few claims, not a thousand.
func (e *engine) runDeliveries(ctx context.Context) error {
	workers := e.cfg.Workers
	idle := make(chan struct{}, workers)
	for range workers {
		idle <- struct{}{}
	}
	released := make(chan struct{}, 1)
	jobs := make(chan claimed)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range jobs {
				e.deliver(ctx, d)
				idle <- struct{}{}
				select {
				case released <- struct{}{}:
				default:
				}
			}
		}()
	}
	defer func() {
		close(jobs)
		wg.Wait()
	}()
	poll := time.NewTicker(e.cfg.PollEvery)
	defer poll.Stop()
	sweep := time.NewTicker(time.Hour)
	defer sweep.Stop()
	for {
		if free := len(idle); free > 0 && ctx.Err() == nil {
			rows, err := e.claim(ctx, free)
			if err != nil && ctx.Err() == nil {
				e.log.Warn("federation: claim deliveries", "err", err)
			}
			for _, r := range rows {
				<-idle
				jobs <- r
			}
			if len(rows) == free {
				continue
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-e.wake:
		case <-released:
		case <-poll.C:
		case <-sweep.C:
			e.sweepDeliveries(ctx)
		}
	}
}

// deliver sends one claimed delivery and records the outcome.
func (e *engine) deliver(ctx context.Context, d claimed) {
	var act struct {
		Actor string `db:"actor_id"`
		Body  string `db:"body"`
	}
	err := e.db.GetContext(ctx, &act, e.db.Rebind(`SELECT actor_id, body FROM fed_activities WHERE activity_id = ?`), d.ActivityID)
	if err != nil {
		if ctx.Err() != nil {
			e.release(d)
			return
		}
		e.finish(d, deliveryFailed, time.Time{}, "activity missing: "+err.Error())
		return
	}
	var dead bool
	if err := e.db.GetContext(ctx, &dead, e.db.Rebind(`SELECT dead FROM fed_inboxes WHERE inbox_url = ?`), d.Inbox); err != nil {
		dead = false
	}
	c, err := e.clientFor(ctx, act.Actor)
	if err == nil {
		err = c.PostActivity(ctx, d.Inbox, []byte(act.Body))
	}
	if err == nil {
		e.finish(d, deliveryDone, time.Time{}, "")
		return
	}
	if ctx.Err() != nil {
		e.release(d)
		return
	}
	if dead {
		// A probe of a dead inbox is tried once: it stays dead.
		e.finish(d, deliverySkipped, time.Time{}, err.Error())
		return
	}
	var se *fetch.StatusError
	isStatus := errors.As(err, &se)
	answer := ""
	if isStatus {
		answer = se.Body
		e.log.Warn("federation: delivery failed", "inbox", d.Inbox, "activity", d.ActivityID, "attempt", d.Attempts,
			"status", se.Code, "answer", answer)
	} else {
		e.log.Warn("federation: delivery failed", "inbox", d.Inbox, "activity", d.ActivityID, "attempt", d.Attempts, "err", err)
	}
	e.recordAnswer(d, answer)
	switch {
	case isStatus && se.Code >= 400 && se.Code < 500 && se.Code != 401 && se.Code != 408 && se.Code != 429,
		errors.Is(err, fetch.ErrPrivateAddress):
		// The inbox understood and refused: retrying will not help.
		e.finish(d, deliveryFailed, time.Time{}, err.Error())
	case time.Since(d.CreatedAt) >= e.cfg.GiveUpAfter:
		e.finish(d, deliveryDead, time.Time{}, err.Error())
	default:
		delay := e.backoff(d.Attempts)
		if isStatus && se.RetryAfter > 0 {
			delay = min(se.RetryAfter, 24*time.Hour)
		}
		e.finish(d, deliveryPending, time.Now().Add(delay), err.Error())
	}
}

// recordAnswer keeps in the delivery row what the inbox answered to the
// last failed attempt, for the operator who wonders why.
func (e *engine) recordAnswer(d claimed, answer string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := e.store.InTx(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, e.db.Rebind(`UPDATE fed_deliveries SET last_response = ? WHERE id = ?`), answer, d.ID)
		return err
	})
	if err != nil {
		e.log.Debug("federation: record delivery answer", "id", d.ID, "err", err)
	}
}

// backoff is RetryMin·2^(attempt-1), capped at RetryMax, with ±20 % jitter
// so that the retries of one outage do not arrive together.
func (e *engine) backoff(attempt int) time.Duration {
	d := e.cfg.RetryMin
	for i := 1; i < attempt && d < e.cfg.RetryMax; i++ {
		d *= 2
	}
	d = min(d, e.cfg.RetryMax)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// finish records a delivery outcome and the inbox's health. It outlives the
// caller's context: a delivery that went through must be marked done even
// when the process is stopping, or it would be sent again after a restart.
func (e *engine) finish(d claimed, status string, next time.Time, lastErr string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	now := dbNow()
	if len(lastErr) > 500 {
		lastErr = lastErr[:500]
	}
	err := e.store.InTx(ctx, func(tx *sqlx.Tx) error {
		nextAt := now
		if !next.IsZero() {
			nextAt = dbTime(next)
		}
		if _, err := tx.ExecContext(ctx, e.db.Rebind(`UPDATE fed_deliveries SET status = ?, next_attempt_at = ?, lease_until = NULL,
			last_error = ?, updated_at = ? WHERE id = ?`), status, nextAt, lastErr, now, d.ID); err != nil {
			return err
		}
		switch status {
		case deliveryDone:
			_, err := tx.ExecContext(ctx, e.db.Rebind(`UPDATE fed_inboxes SET dead = ?, failing_since = NULL, last_error = '', updated_at = ?
				WHERE inbox_url = ? AND (dead = ? OR failing_since IS NOT NULL)`), false, now, d.Inbox, true)
			return err
		case deliverySkipped:
			_, err := tx.ExecContext(ctx, e.db.Rebind(`UPDATE fed_inboxes SET last_error = ?, updated_at = ? WHERE inbox_url = ?`), lastErr, now, d.Inbox)
			return err
		case deliveryPending, deliveryDead:
			dead := status == deliveryDead
			if dead {
				// What was queued behind it would only probe a dead inbox.
				if _, err := tx.ExecContext(ctx, e.db.Rebind(`UPDATE fed_deliveries SET status = ?, lease_until = NULL, updated_at = ?
					WHERE inbox_url = ? AND status = ? AND id <> ?`), deliveryDead, now, d.Inbox, deliveryPending, d.ID); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, e.db.Rebind(`INSERT INTO fed_inboxes (inbox_url, host, dead, failing_since, last_error, updated_at)
				VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (inbox_url) DO UPDATE SET dead = (fed_inboxes.dead OR excluded.dead),
					failing_since = COALESCE(fed_inboxes.failing_since, excluded.failing_since),
					last_error = excluded.last_error, updated_at = excluded.updated_at`),
				d.Inbox, hostOf(d.Inbox), dead, now, lastErr, now)
			return err
		}
		return nil
	})
	if err != nil {
		e.log.Warn("federation: record delivery", "inbox", d.Inbox, "activity", d.ActivityID, "err", err)
		return
	}
	if status == deliveryDead {
		e.log.Warn("federation: gave up delivering; inbox marked dead", "inbox", d.Inbox, "activity", d.ActivityID, "err", lastErr)
	}
}

// release gives a claimed row back without counting the attempt, when the
// process stops before the delivery could be tried or finished.
func (e *engine) release(d claimed) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := e.store.InTx(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, e.db.Rebind(`UPDATE fed_deliveries SET lease_until = NULL, attempts = attempts - 1
			WHERE id = ? AND status = 'pending'`), d.ID)
		return err
	})
	if err != nil {
		e.log.Debug("federation: release delivery", "id", d.ID, "err", err)
	}
}

// reviveHost clears the dead mark of a host's inboxes: it talked to us,
// so it is worth delivering to again. (A successful probe, see enqueueTx,
// revives an inbox too.)
func (e *engine) reviveHost(ctx context.Context, host string) {
	// A busy inbox hears from the same hosts all the time: look at the
	// table at most once a minute per host.
	e.aliveMu.Lock()
	if time.Since(e.aliveChecked[host]) < time.Minute {
		e.aliveMu.Unlock()
		return
	}
	if len(e.aliveChecked) > 10000 {
		clear(e.aliveChecked)
	}
	e.aliveChecked[host] = time.Now()
	e.aliveMu.Unlock()
	var n int
	if err := e.db.GetContext(ctx, &n, e.db.Rebind(`SELECT COUNT(*) FROM fed_inboxes WHERE host = ? AND dead = ?`), host, true); err != nil || n == 0 {
		return
	}
	err := e.store.InTx(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, e.db.Rebind(`UPDATE fed_inboxes SET dead = ?, failing_since = NULL, updated_at = ? WHERE host = ?`), false, dbNow(), host)
		return err
	})
	if err != nil {
		e.log.Warn("federation: revive inboxes", "host", host, "err", err)
	}
}

// deliveryRetention is how long finished delivery rows are kept for
// inspection before the sweeper deletes them.
const deliveryRetention = 7 * 24 * time.Hour

func (e *engine) sweepDeliveries(ctx context.Context) {
	cutoff := dbTime(time.Now().Add(-deliveryRetention))
	err := e.store.InTx(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, e.db.Rebind(`DELETE FROM fed_deliveries WHERE status <> 'pending' AND updated_at < ?`), cutoff)
		return err
	})
	if err != nil && ctx.Err() == nil {
		e.log.Warn("federation: sweep deliveries", "err", err)
	}
}
