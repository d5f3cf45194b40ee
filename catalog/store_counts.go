package catalog

import (
	"context"
	"fmt"
)

// OfferCounts counts the live offers of the hosters the public pages list
// (discoverable, not gone): every such offer, and among them those meant
// for a local area only (search shows these only to searches made from
// that area, so the count says how many there are).
type OfferCounts struct {
	Total, Local int
}

// CountListedOffers is OfferCounts for the home page, the same offers the
// hosters page and the feeds count.
func (s *Store) CountListedOffers(ctx context.Context) (OfferCounts, error) {
	var c OfferCounts
	q := `SELECT COUNT(*), COALESCE(SUM(CASE WHEN o.audience = ? THEN 1 ELSE 0 END), 0)
		FROM offers o JOIN hosters h ON h.id = o.hoster_id
		WHERE o.deleted_at IS NULL AND h.discoverable = ? AND h.status <> ?`
	row := s.db.QueryRowxContext(ctx, s.db.Rebind(q), AudienceLocal, true, HosterGone)
	if err := row.Scan(&c.Total, &c.Local); err != nil {
		return OfferCounts{}, fmt.Errorf("catalog: count listed offers: %w", err)
	}
	return c, nil
}
