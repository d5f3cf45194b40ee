package catalog

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

const changeCols = `seq, kind, op, hoster_id, entity_id, object_id, at`

// defaultChangesLimit caps a Changes call made with limit <= 0.
const defaultChangesLimit = 1000

// Changes returns up to limit change rows after afterSeq, in seq order.
// Consumers handle them, then store the last seq with SetCursor.
func (s *Store) Changes(ctx context.Context, afterSeq int64, limit int) ([]Change, error) {
	if limit <= 0 {
		limit = defaultChangesLimit
	}
	var cs []Change
	if err := s.db.SelectContext(ctx, &cs, s.db.Rebind(`SELECT `+changeCols+` FROM changes WHERE seq > ? ORDER BY seq LIMIT ?`), afterSeq, limit); err != nil {
		return nil, fmt.Errorf("catalog: changes after %d: %w", afterSeq, err)
	}
	for i := range cs {
		cs[i].At = dbTime(cs[i].At)
	}
	return cs, nil
}

// LastSeq is the highest seq in the feed, 0 when empty.
func (s *Store) LastSeq(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.GetContext(ctx, &n, `SELECT COALESCE(MAX(seq), 0) FROM changes`); err != nil {
		return 0, fmt.Errorf("catalog: last seq: %w", err)
	}
	return n, nil
}

// Cursor is the last seq the consumer handled, 0 when unknown.
func (s *Store) Cursor(ctx context.Context, consumer string) (int64, error) {
	var seqs []int64
	if err := s.db.SelectContext(ctx, &seqs, s.db.Rebind(`SELECT seq FROM feed_cursors WHERE consumer = ?`), consumer); err != nil {
		return 0, fmt.Errorf("catalog: cursor %q: %w", consumer, err)
	}
	if len(seqs) == 0 {
		return 0, nil
	}
	return seqs[0], nil
}

// SetCursor records that consumer handled the feed up to seq.
func (s *Store) SetCursor(ctx context.Context, consumer string, seq int64) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error { return s.SetCursorTx(ctx, tx, consumer, seq) })
}

// SetCursorTx is SetCursor inside the caller's transaction (from InTx), for
// consumers that update their own tables and the cursor atomically.
func (s *Store) SetCursorTx(ctx context.Context, tx *sqlx.Tx, consumer string, seq int64) error {
	_, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO feed_cursors (consumer, seq, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (consumer) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at`),
		consumer, seq, dbTime(s.now()))
	if err != nil {
		return fmt.Errorf("catalog: set cursor %q to %d: %w", consumer, seq, err)
	}
	return nil
}

// ActivityApplied reports whether an activity id was recorded by a write.
func (s *Store) ActivityApplied(ctx context.Context, activityID string) (bool, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, s.db.Rebind(`SELECT COUNT(*) FROM applied_activities WHERE activity_id = ?`), activityID); err != nil {
		return false, fmt.Errorf("catalog: activity %q applied: %w", activityID, err)
	}
	return n > 0, nil
}
