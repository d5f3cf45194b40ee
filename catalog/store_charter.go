package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// ErrCharterVersionExists: a charter version with other wording is already
// loaded. Declarations and audits name the version they answer, so its
// wording changes only on purpose (replace).
var ErrCharterVersionExists = errors.New("catalog: this charter version is already loaded with another wording")

// ActionCharterLoad is the activity log action of a charter loaded by staff.
const ActionCharterLoad = "charter.load"

// LoadCharter stores a charter version after validating it, and writes the
// activity log line of by in the same transaction. Loading the same
// wording again changes nothing (loaded is false); other wording under an
// existing version fails with ErrCharterVersionExists unless replace is set.
func (s *Store) LoadCharter(ctx context.Context, c *Charter, replace bool, by StaffRef) (loaded bool, err error) {
	if err := c.Validate(); err != nil {
		return false, fmt.Errorf("catalog: load charter %s/%s: %w", c.ID, c.Version, err)
	}
	body, err := json.Marshal(c)
	if err != nil {
		return false, fmt.Errorf("catalog: load charter %s/%s: %w", c.ID, c.Version, err)
	}
	err = s.write(ctx, WriteMeta{}, func(tx *sqlx.Tx) (bool, error) {
		var cur []string
		if err := tx.SelectContext(ctx, &cur, s.db.Rebind(`SELECT body FROM charters WHERE id = ? AND version = ?`+s.forUpdate()), c.ID, c.Version); err != nil {
			return false, err
		}
		detail := "new"
		if len(cur) > 0 {
			var stored Charter
			if err := json.Unmarshal([]byte(cur[0]), &stored); err != nil {
				return false, err
			}
			if again, _ := json.Marshal(&stored); bytes.Equal(again, body) {
				return false, nil
			}
			if !replace {
				return false, ErrCharterVersionExists
			}
			detail = "replaced"
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO charters (id, version, body, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (id, version) DO UPDATE SET body = excluded.body`),
			c.ID, c.Version, string(body), dbTime(s.now())); err != nil {
			return false, err
		}
		loaded = true
		return false, s.logTx(ctx, tx, by, ActionCharterLoad, c.ID+"/"+c.Version, detail)
	})
	if err != nil {
		return false, fmt.Errorf("catalog: load charter %s/%s: %w", c.ID, c.Version, err)
	}
	return loaded, nil
}
