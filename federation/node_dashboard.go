package federation

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// What a node's dashboard shows its hoster of the federation around it:
// who follows, what reached them, what keeps failing.

// FollowerInfo is one follower of a local hoster and the last delivery it
// accepted.
type FollowerInfo struct {
	ActorID      string
	Kind         string // "directory", "other" or "" (not classified yet)
	Inbox        string
	Since        time.Time
	LastDelivery *time.Time // last activity delivered to its inbox or shared inbox
}

// Followers lists who follows the local hoster username, directories first.
func (n *Node) Followers(ctx context.Context, username string) ([]FollowerInfo, error) {
	e := n.e
	rows, err := e.db.QueryxContext(ctx, e.db.Rebind(`SELECT f.actor_id, f.kind, f.inbox_url, f.created_at,
	(SELECT MAX(d.updated_at) FROM fed_deliveries d WHERE d.status = 'done'
	   AND (d.inbox_url = f.inbox_url OR (f.shared_inbox_url <> '' AND d.inbox_url = f.shared_inbox_url))) AS last_done
	FROM fed_followers f WHERE f.local_actor = ? ORDER BY CASE f.kind WHEN 'directory' THEN 0 ELSE 1 END, f.actor_id`),
		e.paths.Actor(username))
	if err != nil {
		return nil, fmt.Errorf("federation: followers of %s: %w", username, err)
	}
	defer rows.Close()
	var out []FollowerInfo
	for rows.Next() {
		var fi FollowerInfo
		var last sql.NullString
		if err := rows.Scan(&fi.ActorID, &fi.Kind, &fi.Inbox, &fi.Since, &last); err != nil {
			return nil, fmt.Errorf("federation: followers of %s: %w", username, err)
		}
		if last.Valid {
			if t, ok := parseDBTime(last.String); ok {
				fi.LastDelivery = &t
			}
		}
		out = append(out, fi)
	}
	return out, rows.Err()
}

// parseDBTime reads a MAX() of a timestamp column, which SQLite returns
// as text and PostgreSQL as a timestamp rendered by the driver.
func parseDBTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// FailingDelivery is a delivery not done yet after at least one attempt,
// or given up.
type FailingDelivery struct {
	ID           int64
	ActivityID   string
	ActivityType string
	Inbox        string
	Status       string // pending (will retry), failed (refused for good), dead (gave up)
	Attempts     int
	NextAttempt  time.Time
	Reason       string // our side: the error
	Response     string // their side: an excerpt of the answer
}

// FailingDeliveries lists the local hosters' deliveries that failed,
// newest first.
func (n *Node) FailingDeliveries(ctx context.Context, limit int) ([]FailingDelivery, error) {
	e := n.e
	rows, err := e.db.QueryxContext(ctx, e.db.Rebind(`SELECT d.id, d.activity_id, COALESCE(a.type, ''), d.inbox_url, d.status, d.attempts,
	d.next_attempt_at, d.last_error, d.last_response
	FROM fed_deliveries d LEFT JOIN fed_activities a ON a.activity_id = d.activity_id
	WHERE (d.status = 'pending' AND d.attempts > 0) OR d.status IN ('failed', 'dead')
	ORDER BY d.updated_at DESC, d.id DESC LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("federation: failing deliveries: %w", err)
	}
	defer rows.Close()
	var out []FailingDelivery
	for rows.Next() {
		var d FailingDelivery
		if err := rows.Scan(&d.ID, &d.ActivityID, &d.ActivityType, &d.Inbox, &d.Status, &d.Attempts, &d.NextAttempt, &d.Reason, &d.Response); err != nil {
			return nil, fmt.Errorf("federation: failing deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// RetryDelivery makes a failing delivery due now (the hoster pressed
// "retry"): it goes back to pending with its attempts kept, so a retry
// that fails again backs off as before. It reports whether a row changed.
func (n *Node) RetryDelivery(ctx context.Context, id int64) (bool, error) {
	e := n.e
	now := dbNow()
	res, err := e.db.ExecContext(ctx, e.db.Rebind(`UPDATE fed_deliveries SET status = 'pending', next_attempt_at = ?,
	lease_until = NULL, updated_at = ? WHERE id = ? AND status IN ('pending', 'failed', 'dead')`), now, now, id)
	if err != nil {
		return false, fmt.Errorf("federation: retry delivery %d: %w", id, err)
	}
	k, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("federation: retry delivery %d: %w", id, err)
	}
	if k > 0 {
		e.wakeQueue()
	}
	return k > 0, nil
}
