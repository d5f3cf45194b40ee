package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrCharterVersionExists: a charter version with other wording is already
// loaded. Declarations and audits name the version they answer, so its
// wording changes only on purpose (replace).
var ErrCharterVersionExists = errors.New("catalog: this charter version is already loaded with another wording")

// LoadCharter stores a new charter version after validating it. Loading
// the same wording again changes nothing (loaded is false); other wording
// under an existing version fails with ErrCharterVersionExists unless
// replace is set.
func (s *Store) LoadCharter(ctx context.Context, c *Charter, replace bool) (loaded bool, err error) {
	if err := c.Validate(); err != nil {
		return false, fmt.Errorf("catalog: load charter %s/%s: %w", c.ID, c.Version, err)
	}
	cur, err := s.Charter(ctx, c.ID, c.Version)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return false, err
	default:
		a, _ := json.Marshal(cur)
		b, _ := json.Marshal(c)
		if bytes.Equal(a, b) {
			return false, nil
		}
		if !replace {
			return false, fmt.Errorf("catalog: load charter %s/%s: %w", c.ID, c.Version, ErrCharterVersionExists)
		}
	}
	if err := s.SaveCharter(ctx, c); err != nil {
		return false, err
	}
	return true, nil
}
