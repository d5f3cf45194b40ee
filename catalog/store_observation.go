package catalog

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

const observationCols = `id, hoster_id, observed_at, method, opted_out, duration_ms, findings, pruned`

// statusRank orders statuses so a day keeps its worst.
func statusRank(s string) int {
	switch s {
	case FindingProblem:
		return 2
	case FindingOK:
		return 1
	}
	return 0
}

func dayOf(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// SaveObservation stores one observation, folds its findings into the
// verdicts of its day (the worst status per subject wins) and counts its
// reachability probes in the day's availability. A change row
// (ChangeObservation) in the same transaction lets the directory's outbox
// report it to the hoster's node.
func (s *Store) SaveObservation(ctx context.Context, o *Observation) error {
	o.ObservedAt = dbTime(o.ObservedAt)
	day := dayOf(o.ObservedAt)
	err := s.write(ctx, WriteMeta{}, func(tx *sqlx.Tx) (bool, error) {
		q := `INSERT INTO observations (hoster_id, observed_at, method, opted_out, duration_ms, findings, pruned) VALUES (?, ?, ?, ?, ?, ?, ?)`
		args := []any{o.HosterID, o.ObservedAt, o.Method, o.OptedOut, o.DurationMS, o.Findings, false}
		if s.engine == EnginePostgres {
			if err := tx.GetContext(ctx, &o.ID, s.db.Rebind(q+` RETURNING id`), args...); err != nil {
				return false, err
			}
		} else {
			res, err := tx.ExecContext(ctx, s.db.Rebind(q), args...)
			if err != nil {
				return false, err
			}
			if o.ID, err = res.LastInsertId(); err != nil {
				return false, err
			}
		}
		worst := map[[2]string]string{}
		var order [][2]string
		checks, ok := 0, 0
		for i := range o.Findings {
			f := &o.Findings[i]
			k := [2]string{f.Kind, f.Subject()}
			cur, seen := worst[k]
			if !seen {
				order = append(order, k)
			}
			if !seen || statusRank(f.Status) > statusRank(cur) {
				worst[k] = f.Status
			}
			if f.Kind == KindReachability {
				checks++
				if f.Status == FindingOK {
					ok++
				}
			}
		}
		for _, k := range order {
			st := worst[k]
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO observation_days (hoster_id, day, kind, subject, status) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (hoster_id, day, kind, subject) DO UPDATE SET status = CASE
				WHEN observation_days.status = 'problem' OR excluded.status = 'problem' THEN 'problem'
				WHEN observation_days.status = 'ok' OR excluded.status = 'ok' THEN 'ok'
				ELSE excluded.status END`), o.HosterID, day, k[0], k[1], st); err != nil {
				return false, err
			}
		}
		if checks > 0 {
			if err := s.countAvailability(ctx, tx, o.HosterID, day, AvailabilityProbe, checks, ok); err != nil {
				return false, err
			}
		}
		return true, s.appendChange(ctx, tx, Change{Kind: ChangeObservation, Op: OpUpsert, HosterID: o.HosterID, EntityID: o.ID})
	})
	if err != nil {
		return fmt.Errorf("catalog: save observation of hoster %d: %w", o.HosterID, err)
	}
	return nil
}

func (s *Store) countAvailability(ctx context.Context, tx *sqlx.Tx, hosterID int64, day, source string, checks, ok int) error {
	_, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO availability_days (hoster_id, day, source, checks, ok) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (hoster_id, day, source) DO UPDATE SET checks = availability_days.checks + excluded.checks, ok = availability_days.ok + excluded.ok`),
		hosterID, day, source, checks, ok)
	if err != nil {
		return fmt.Errorf("count availability: %w", err)
	}
	return nil
}

// LatestObservation returns the hoster's newest observation or ErrNotFound.
func (s *Store) LatestObservation(ctx context.Context, hosterID int64) (*Observation, error) {
	var o Observation
	err := s.db.GetContext(ctx, &o, s.db.Rebind(`SELECT `+observationCols+` FROM observations WHERE hoster_id = ? ORDER BY observed_at DESC, id DESC LIMIT 1`), hosterID)
	if err != nil {
		return nil, fmt.Errorf("catalog: latest observation of hoster %d: %w", hosterID, notFound(err))
	}
	o.ObservedAt = dbTime(o.ObservedAt)
	return &o, nil
}

// LatestObservations returns the newest observation of every observed
// hoster, by hoster id: the dashboard's overview and the scheduler read it.
func (s *Store) LatestObservations(ctx context.Context) ([]Observation, error) {
	var out []Observation
	err := s.db.SelectContext(ctx, &out, `SELECT `+observationCols+` FROM observations o
		WHERE o.id = (SELECT o2.id FROM observations o2 WHERE o2.hoster_id = o.hoster_id ORDER BY o2.observed_at DESC, o2.id DESC LIMIT 1)
		ORDER BY o.hoster_id`)
	if err != nil {
		return nil, fmt.Errorf("catalog: latest observations: %w", err)
	}
	for i := range out {
		out[i].ObservedAt = dbTime(out[i].ObservedAt)
	}
	return out, nil
}

// ObservedTimes returns when each observed hoster was last observed, for
// the scheduler (no findings loaded).
func (s *Store) ObservedTimes(ctx context.Context) (map[int64]time.Time, error) {
	var rows []struct {
		HosterID int64     `db:"hoster_id"`
		At       time.Time `db:"at"`
	}
	// Not MAX(observed_at): SQLite returns an aggregate of TIMESTAMP text as
	// plain text, which does not scan into a time.
	if err := s.db.SelectContext(ctx, &rows, `SELECT o.hoster_id, o.observed_at AS at FROM observations o
		WHERE o.id = (SELECT o2.id FROM observations o2 WHERE o2.hoster_id = o.hoster_id ORDER BY o2.observed_at DESC, o2.id DESC LIMIT 1)`); err != nil {
		return nil, fmt.Errorf("catalog: observed times: %w", err)
	}
	out := make(map[int64]time.Time, len(rows))
	for _, r := range rows {
		out[r.HosterID] = dbTime(r.At)
	}
	return out, nil
}

// ObservationDays returns the hoster's daily verdicts since the given day
// (YYYY-MM-DD), oldest first: a problem fixed shows as its first ok day.
func (s *Store) ObservationDays(ctx context.Context, hosterID int64, since string) ([]ObservationDay, error) {
	var out []ObservationDay
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(`SELECT hoster_id, day, kind, subject, status FROM observation_days
		WHERE hoster_id = ? AND day >= ? ORDER BY day, kind, subject`), hosterID, since); err != nil {
		return nil, fmt.Errorf("catalog: observation days of hoster %d: %w", hosterID, err)
	}
	return out, nil
}

// PruneObservations removes the raw details (Detail) of observations made
// before the given time, except each hoster's latest; the findings' facts
// and the daily verdicts stay. It returns how many observations it pruned.
func (s *Store) PruneObservations(ctx context.Context, before time.Time) (int, error) {
	var n int
	err := s.write(ctx, WriteMeta{}, func(tx *sqlx.Tx) (bool, error) {
		var old []Observation
		if err := tx.SelectContext(ctx, &old, s.db.Rebind(`SELECT `+observationCols+` FROM observations o
			WHERE observed_at < ? AND pruned = ? AND o.id <> (SELECT o2.id FROM observations o2 WHERE o2.hoster_id = o.hoster_id ORDER BY o2.observed_at DESC, o2.id DESC LIMIT 1)`),
			dbTime(before), false); err != nil {
			return false, err
		}
		for _, o := range old {
			for i := range o.Findings {
				o.Findings[i].Detail = ""
			}
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE observations SET findings = ?, pruned = ? WHERE id = ?`), o.Findings, true, o.ID); err != nil {
				return false, err
			}
		}
		n = len(old)
		return false, nil
	})
	if err != nil {
		return 0, fmt.Errorf("catalog: prune observations: %w", err)
	}
	return n, nil
}

// Availability sums the hoster's checks since the given day (YYYY-MM-DD)
// over the observatory's probes and the directory's refreshes.
func (s *Store) Availability(ctx context.Context, hosterID int64, since string) (checks, ok int, err error) {
	var r struct {
		Checks int `db:"checks"`
		OK     int `db:"ok"`
	}
	if err := s.db.GetContext(ctx, &r, s.db.Rebind(`SELECT COALESCE(SUM(checks), 0) AS checks, COALESCE(SUM(ok), 0) AS ok
		FROM availability_days WHERE hoster_id = ? AND day >= ?`), hosterID, since); err != nil {
		return 0, 0, fmt.Errorf("catalog: availability of hoster %d: %w", hosterID, err)
	}
	return r.Checks, r.OK, nil
}
