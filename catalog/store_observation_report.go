package catalog

import (
	"context"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ChangeObservation is the change kind of an observation the directory's
// observatory stored: its outbox turns it into a report to the hoster's
// node. EntityID is the observation's id.
const ChangeObservation = "observation"

// ReportDiscrepancy is a declared answer an observation contradicts, as a
// node receives it from a directory.
type ReportDiscrepancy struct {
	Commitment string  `json:"commitment"`
	Declared   string  `json:"declared"`
	Finding    Finding `json:"finding"`
}

// ReportDiscrepancies is stored as JSON in one column.
type ReportDiscrepancies []ReportDiscrepancy

// Value implements driver.Valuer.
func (l ReportDiscrepancies) Value() (driver.Value, error) { return jsonList([]ReportDiscrepancy(l)) }

// Scan implements sql.Scanner.
func (l *ReportDiscrepancies) Scan(src any) error {
	return scanJSON(src, (*[]ReportDiscrepancy)(l))
}

// ObservationReport is the latest report one directory sent a node about
// one of its hosters: what its observatory saw and what contradicts the
// hoster's declaration.
type ObservationReport struct {
	HosterID       int64               `db:"hoster_id"`
	DirectoryActor string              `db:"directory_actor"`
	ObjectID       string              `db:"object_id"`
	ObservedAt     time.Time           `db:"observed_at"`
	ReceivedAt     time.Time           `db:"received_at"`
	Findings       Findings            `db:"findings"`
	Discrepancies  ReportDiscrepancies `db:"discrepancies"`
}

// ReceiveObservationReport keeps r as the latest report of its directory
// about its hoster; an older report than the one kept changes nothing. The
// activity id in meta is recorded so that a redelivery is ErrAlreadyApplied.
func (s *Store) ReceiveObservationReport(ctx context.Context, r *ObservationReport, meta WriteMeta) error {
	r.ObservedAt, r.ReceivedAt = dbTime(r.ObservedAt), dbTime(s.now())
	if r.Findings == nil {
		r.Findings = Findings{}
	}
	if r.Discrepancies == nil {
		r.Discrepancies = ReportDiscrepancies{}
	}
	err := s.write(ctx, meta, func(tx *sqlx.Tx) (bool, error) {
		_, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO observation_reports
			(hoster_id, directory_actor, object_id, observed_at, received_at, findings, discrepancies) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (hoster_id, directory_actor) DO UPDATE SET object_id = excluded.object_id, observed_at = excluded.observed_at,
			received_at = excluded.received_at, findings = excluded.findings, discrepancies = excluded.discrepancies
			WHERE observation_reports.observed_at <= excluded.observed_at`),
			r.HosterID, r.DirectoryActor, r.ObjectID, r.ObservedAt, r.ReceivedAt, r.Findings, r.Discrepancies)
		return false, err
	})
	if err != nil {
		return fmt.Errorf("catalog: receive observation report of hoster %d: %w", r.HosterID, err)
	}
	return nil
}

// ObservationReports returns the latest report of each directory about the
// hoster, newest observation first.
func (s *Store) ObservationReports(ctx context.Context, hosterID int64) ([]ObservationReport, error) {
	var out []ObservationReport
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(`SELECT hoster_id, directory_actor, object_id, observed_at, received_at, findings, discrepancies
		FROM observation_reports WHERE hoster_id = ? ORDER BY observed_at DESC, directory_actor`), hosterID); err != nil {
		return nil, fmt.Errorf("catalog: observation reports of hoster %d: %w", hosterID, err)
	}
	for i := range out {
		out[i].ObservedAt, out[i].ReceivedAt = dbTime(out[i].ObservedAt), dbTime(out[i].ReceivedAt)
	}
	return out, nil
}

// ObservationByID returns one observation or ErrNotFound.
func (s *Store) ObservationByID(ctx context.Context, id int64) (*Observation, error) {
	var o Observation
	if err := s.db.GetContext(ctx, &o, s.db.Rebind(`SELECT `+observationCols+` FROM observations WHERE id = ?`), id); err != nil {
		return nil, fmt.Errorf("catalog: observation %d: %w", id, notFound(err))
	}
	o.ObservedAt = dbTime(o.ObservedAt)
	return &o, nil
}
