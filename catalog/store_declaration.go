package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/jmoiron/sqlx"
)

const declarationCols = `hoster_id, object_id, charter_id, charter_version, answers, updated_at, created_at`

func (d *CharterDeclaration) normalize() {
	d.Updated = dbTime(d.Updated)
	d.CreatedAt = dbTime(d.CreatedAt)
	if len(d.Answers) == 0 {
		d.Answers = nil
	}
}

// UpsertDeclaration stores a hoster's charter declaration (one per hoster,
// replacing the previous one), with the same ErrAlreadyApplied, ErrStale
// and no-op rules as UpsertHoster. On success d holds the stored row.
func (s *Store) UpsertDeclaration(ctx context.Context, d *CharterDeclaration, meta WriteMeta) error {
	var result CharterDeclaration
	err := s.write(ctx, meta, func(tx *sqlx.Tx) (bool, error) {
		n := *d
		n.normalize()
		now := s.now()
		n.Updated = notFuture(n.Updated, now)
		var cur CharterDeclaration
		err := tx.GetContext(ctx, &cur, s.db.Rebind(`SELECT `+declarationCols+` FROM declarations WHERE hoster_id = ?`+s.forUpdate()), n.HosterID)
		switch {
		case errors.Is(notFound(err), ErrNotFound):
			n.CreatedAt = dbTime(s.now())
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO declarations (`+declarationCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`),
				n.HosterID, n.ObjectID, n.CharterID, n.CharterVersion, n.Answers, n.Updated, n.CreatedAt); err != nil {
				return false, err
			}
		case err != nil:
			return false, err
		default:
			cur.normalize()
			if notFuture(cur.Updated, now).After(n.Updated) {
				return false, ErrStale
			}
			n.CreatedAt = cur.CreatedAt
			if reflect.DeepEqual(n, cur) {
				result = cur
				return false, nil
			}
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE declarations SET object_id = ?, charter_id = ?,
				charter_version = ?, answers = ?, updated_at = ? WHERE hoster_id = ?`),
				n.ObjectID, n.CharterID, n.CharterVersion, n.Answers, n.Updated, n.HosterID); err != nil {
				return false, err
			}
		}
		if err := s.recordDeclarationHistory(ctx, tx, &n); err != nil {
			return false, err
		}
		result = n
		return true, s.appendChange(ctx, tx, Change{Kind: ChangeDeclaration, Op: OpUpsert, HosterID: n.HosterID, EntityID: n.HosterID, ObjectID: n.ObjectID})
	})
	if err != nil {
		return fmt.Errorf("catalog: upsert declaration %q: %w", d.ObjectID, err)
	}
	*d = result
	return nil
}

// DeclarationByHoster returns the hoster's declaration or ErrNotFound.
func (s *Store) DeclarationByHoster(ctx context.Context, hosterID int64) (*CharterDeclaration, error) {
	var d CharterDeclaration
	if err := s.db.GetContext(ctx, &d, s.db.Rebind(`SELECT `+declarationCols+` FROM declarations WHERE hoster_id = ?`), hosterID); err != nil {
		return nil, fmt.Errorf("catalog: declaration of hoster %d: %w", hosterID, notFound(err))
	}
	d.normalize()
	return &d, nil
}

// SaveCharter inserts the charter version or replaces its wording. Charters
// are reference data, not federated entities: no change row.
func (s *Store) SaveCharter(ctx context.Context, c *Charter) error {
	body, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("catalog: save charter %s/%s: %w", c.ID, c.Version, err)
	}
	err = s.write(ctx, WriteMeta{}, func(tx *sqlx.Tx) (bool, error) {
		_, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO charters (id, version, body, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (id, version) DO UPDATE SET body = excluded.body`),
			c.ID, c.Version, string(body), dbTime(s.now()))
		return false, err
	})
	if err != nil {
		return fmt.Errorf("catalog: save charter %s/%s: %w", c.ID, c.Version, err)
	}
	return nil
}

// Charter returns one version of a charter or ErrNotFound.
func (s *Store) Charter(ctx context.Context, id, version string) (*Charter, error) {
	var body string
	if err := s.db.GetContext(ctx, &body, s.db.Rebind(`SELECT body FROM charters WHERE id = ? AND version = ?`), id, version); err != nil {
		return nil, fmt.Errorf("catalog: charter %s/%s: %w", id, version, notFound(err))
	}
	var c Charter
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		return nil, fmt.Errorf("catalog: charter %s/%s: %w", id, version, err)
	}
	return &c, nil
}

// Charters returns every stored charter version ordered by id and version.
func (s *Store) Charters(ctx context.Context) ([]Charter, error) {
	var bodies []string
	if err := s.db.SelectContext(ctx, &bodies, `SELECT body FROM charters ORDER BY id, version`); err != nil {
		return nil, fmt.Errorf("catalog: charters: %w", err)
	}
	out := make([]Charter, len(bodies))
	for i, b := range bodies {
		if err := json.Unmarshal([]byte(b), &out[i]); err != nil {
			return nil, fmt.Errorf("catalog: charters: %w", err)
		}
	}
	return out, nil
}
