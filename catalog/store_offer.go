package catalog

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

const offerCols = `id, hoster_id, "key", object_id, name, summary, category,
	software_name, software_version, software_license, software_source, software_website,
	registration, "load", price, quota, audience, area_departements, area_radius_km,
	languages, status, url, start_date, updated_at, created_at, deleted_at`

// offerWriteCols are written by an upsert; created_at only on insert.
var offerWriteCols = []string{
	"hoster_id", "key", "object_id", "name", "summary", "category",
	"software_name", "software_version", "software_license", "software_source", "software_website",
	"registration", "load", "price", "quota", "audience", "area_departements", "area_radius_km",
	"languages", "status", "url", "start_date", "updated_at", "deleted_at",
}

func quoteCol(c string) string {
	if c == "key" || c == "load" {
		return `"` + c + `"`
	}
	return c
}

func (o *Offer) normalize() {
	o.Updated = dbTime(o.Updated)
	o.CreatedAt = dbTime(o.CreatedAt)
	o.DeletedAt = dbTimePtr(o.DeletedAt)
	if len(o.AreaDepartements) == 0 {
		o.AreaDepartements = nil
	}
	if len(o.Languages) == 0 {
		o.Languages = nil
	}
}

// UpsertOffer inserts or updates the offer with o.ObjectID (o.HosterID must
// name a stored hoster). Updated and CreatedAt beyond MaxClockSkew are taken
// as now. Older than stored (by Updated) → ErrStale; identical
// → no change row. A soft-deleted offer is revived by an upsert whose Updated
// is after DeletedAt; an older one gets ErrStale, so a late Update cannot
// resurrect a deleted offer. CreatedAt is kept from the first insert (now
// when o.CreatedAt is zero). On success o holds the stored row.
func (s *Store) UpsertOffer(ctx context.Context, o *Offer, meta WriteMeta) error {
	if o.ObjectID == "" {
		return fmt.Errorf("catalog: upsert offer: empty object id")
	}
	var result Offer
	err := s.write(ctx, meta, func(tx *sqlx.Tx) (bool, error) {
		n := *o
		n.normalize()
		n.DeletedAt = nil
		now := s.now()
		n.Updated, n.CreatedAt = notFuture(n.Updated, now), notFuture(n.CreatedAt, now)
		var cur Offer
		err := tx.GetContext(ctx, &cur, s.db.Rebind(`SELECT `+offerCols+` FROM offers WHERE object_id = ?`+s.forUpdate()), n.ObjectID)
		if errors.Is(notFound(err), ErrNotFound) {
			if n.CreatedAt.IsZero() {
				n.CreatedAt = dbTime(s.now())
			}
			cols := append(append([]string{}, offerWriteCols...), "created_at")
			q, args, err := sqlx.Named(`INSERT INTO offers (`+quotedJoin(cols)+`) VALUES (:`+strings.Join(cols, ", :")+`) RETURNING id`, n)
			if err != nil {
				return false, err
			}
			if err := tx.GetContext(ctx, &n.ID, s.db.Rebind(q), args...); err != nil {
				return false, err
			}
			result = n
			return true, s.appendChange(ctx, tx, Change{Kind: ChangeOffer, Op: OpUpsert, HosterID: n.HosterID, EntityID: n.ID, ObjectID: n.ObjectID})
		}
		if err != nil {
			return false, err
		}
		cur.normalize()
		cur.Updated = notFuture(cur.Updated, now)
		if cur.DeletedAt != nil {
			d := notFuture(*cur.DeletedAt, now)
			cur.DeletedAt = &d
		}
		if cur.HosterID != n.HosterID {
			return false, fmt.Errorf("offer belongs to hoster %d, not %d", cur.HosterID, n.HosterID)
		}
		if cur.Updated.After(n.Updated) {
			return false, ErrStale
		}
		if cur.DeletedAt != nil && !n.Updated.After(*cur.DeletedAt) {
			return false, ErrStale
		}
		n.ID, n.CreatedAt = cur.ID, cur.CreatedAt
		if reflect.DeepEqual(n, cur) {
			result = cur
			return false, nil
		}
		sets := make([]string, len(offerWriteCols))
		for i, c := range offerWriteCols {
			sets[i] = quoteCol(c) + " = :" + c
		}
		q, args, err := sqlx.Named(`UPDATE offers SET `+strings.Join(sets, ", ")+` WHERE id = :id`, n)
		if err != nil {
			return false, err
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(q), args...); err != nil {
			return false, err
		}
		result = n
		return true, s.appendChange(ctx, tx, Change{Kind: ChangeOffer, Op: OpUpsert, HosterID: n.HosterID, EntityID: n.ID, ObjectID: n.ObjectID})
	})
	if err != nil {
		return fmt.Errorf("catalog: upsert offer %q: %w", o.ObjectID, err)
	}
	*o = result
	return nil
}

func quotedJoin(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = quoteCol(c)
	}
	return strings.Join(q, ", ")
}

// DeleteOffer soft-deletes the offer: the row stays as a tombstone with
// DeletedAt = at so that a late Update older than the Delete stays ignored.
// Unknown → ErrNotFound; at before the stored Updated → ErrStale; deleting
// an already deleted offer changes nothing.
func (s *Store) DeleteOffer(ctx context.Context, objectID string, at time.Time, meta WriteMeta) error {
	err := s.write(ctx, meta, func(tx *sqlx.Tx) (bool, error) {
		var cur Offer
		if err := tx.GetContext(ctx, &cur, s.db.Rebind(`SELECT `+offerCols+` FROM offers WHERE object_id = ?`+s.forUpdate()), objectID); err != nil {
			return false, notFound(err)
		}
		cur.normalize()
		if cur.DeletedAt != nil {
			return false, nil
		}
		now := s.now()
		at := notFuture(dbTime(at), now)
		if at.Before(notFuture(cur.Updated, now)) {
			return false, ErrStale
		}
		return true, s.softDelete(ctx, tx, cur, at)
	})
	if err != nil {
		return fmt.Errorf("catalog: delete offer %q: %w", objectID, err)
	}
	return nil
}

func (s *Store) softDelete(ctx context.Context, tx *sqlx.Tx, o Offer, at time.Time) error {
	if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE offers SET deleted_at = ? WHERE id = ?`), at, o.ID); err != nil {
		return err
	}
	return s.appendChange(ctx, tx, Change{Kind: ChangeOffer, Op: OpDelete, HosterID: o.HosterID, EntityID: o.ID, ObjectID: o.ObjectID})
}

// DeleteHosterOffersExcept soft-deletes, in one transaction, the live offers
// of a hoster whose key is not in keepKeys (a node whose file dropped
// offers), and returns their object ids. An offer updated after at is kept
// (it arrived while the caller was reading the list), unless its date lies
// beyond MaxClockSkew: no genuine write carries such a date, and a reading
// that no longer lists an object must be able to remove it.
func (s *Store) DeleteHosterOffersExcept(ctx context.Context, hosterID int64, keepKeys []string, at time.Time, meta WriteMeta) ([]string, error) {
	var deleted []string
	err := s.write(ctx, meta, func(tx *sqlx.Tx) (bool, error) {
		deleted = nil
		var live []Offer
		if err := tx.SelectContext(ctx, &live, s.db.Rebind(`SELECT `+offerCols+` FROM offers
			WHERE hoster_id = ? AND deleted_at IS NULL ORDER BY "key"`+s.forUpdate()), hosterID); err != nil {
			return false, err
		}
		now := s.now()
		at := notFuture(dbTime(at), now)
		for _, o := range live {
			o.normalize()
			if slices.Contains(keepKeys, o.Key) || (o.Updated.After(at) && !o.Updated.After(now.Add(MaxClockSkew))) {
				continue
			}
			if err := s.softDelete(ctx, tx, o, at); err != nil {
				return false, err
			}
			deleted = append(deleted, o.ObjectID)
		}
		return len(deleted) > 0, nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: delete offers of hoster %d: %w", hosterID, err)
	}
	return deleted, nil
}

func (s *Store) getOffer(ctx context.Context, what, where string, arg any) (*Offer, error) {
	var o Offer
	if err := s.db.GetContext(ctx, &o, s.db.Rebind(`SELECT `+offerCols+` FROM offers WHERE `+where), arg); err != nil {
		return nil, fmt.Errorf("catalog: offer %s: %w", what, notFound(err))
	}
	o.normalize()
	return &o, nil
}

// OfferByID returns the offer, soft-deleted ones included (DeletedAt set).
func (s *Store) OfferByID(ctx context.Context, id int64) (*Offer, error) {
	return s.getOffer(ctx, fmt.Sprint(id), `id = ?`, id)
}

// OfferByObjectID returns the offer, soft-deleted ones included.
func (s *Store) OfferByObjectID(ctx context.Context, objectID string) (*Offer, error) {
	return s.getOffer(ctx, fmt.Sprintf("%q", objectID), `object_id = ?`, objectID)
}

func (s *Store) selectOffers(ctx context.Context, q string, args ...any) ([]Offer, error) {
	var os []Offer
	if err := s.db.SelectContext(ctx, &os, s.db.Rebind(q), args...); err != nil {
		return nil, err
	}
	for i := range os {
		os[i].normalize()
	}
	return os, nil
}

// OffersByHoster returns the live offers of a hoster ordered by key.
func (s *Store) OffersByHoster(ctx context.Context, hosterID int64) ([]Offer, error) {
	os, err := s.selectOffers(ctx, `SELECT `+offerCols+` FROM offers WHERE hoster_id = ? AND deleted_at IS NULL ORDER BY "key"`, hosterID)
	if err != nil {
		return nil, fmt.Errorf("catalog: offers of hoster %d: %w", hosterID, err)
	}
	return os, nil
}

// OfferFilter selects live offers for ListOffers; zero fields match all.
type OfferFilter struct {
	HosterID      int64
	Category      string
	CreatedSince  *time.Time
	Limit, Offset int
}

// ListOffers returns live offers matching f: newest first when CreatedSince
// is set (a "what's new" list), otherwise by id.
func (s *Store) ListOffers(ctx context.Context, f OfferFilter) ([]Offer, error) {
	conds := []string{"deleted_at IS NULL"}
	var args []any
	if f.HosterID != 0 {
		conds = append(conds, "hoster_id = ?")
		args = append(args, f.HosterID)
	}
	if f.Category != "" {
		conds = append(conds, "category = ?")
		args = append(args, f.Category)
	}
	order := "id"
	if f.CreatedSince != nil {
		conds = append(conds, "created_at >= ?")
		args = append(args, dbTime(*f.CreatedSince))
		order = "created_at DESC, id DESC"
	}
	q := `SELECT ` + offerCols + ` FROM offers WHERE ` + strings.Join(conds, " AND ") + ` ORDER BY ` + order + s.limitOffset(f.Limit, f.Offset)
	os, err := s.selectOffers(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: list offers: %w", err)
	}
	return os, nil
}

// eachOfferPage is how many offers EachOffer reads per query: a reindex of
// half a million offers never holds them all in memory, and fn runs with no
// query open, so it may write to the Store.
const eachOfferPage = 1000

// EachOffer calls fn for every live offer in id order, stopping at fn's
// first error.
func (s *Store) EachOffer(ctx context.Context, fn func(Offer) error) error {
	var after int64
	for {
		page, err := s.selectOffers(ctx, `SELECT `+offerCols+` FROM offers WHERE deleted_at IS NULL AND id > ? ORDER BY id LIMIT ?`, after, eachOfferPage)
		if err != nil {
			return fmt.Errorf("catalog: each offer after %d: %w", after, err)
		}
		for _, o := range page {
			if err := fn(o); err != nil {
				return err
			}
		}
		if len(page) < eachOfferPage {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

// CountOffers counts live offers.
func (s *Store) CountOffers(ctx context.Context) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM offers WHERE deleted_at IS NULL`); err != nil {
		return 0, fmt.Errorf("catalog: count offers: %w", err)
	}
	return n, nil
}

// CountHosterOffers counts a hoster's live offers.
func (s *Store) CountHosterOffers(ctx context.Context, hosterID int64) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, s.db.Rebind(`SELECT COUNT(*) FROM offers WHERE hoster_id = ? AND deleted_at IS NULL`), hosterID); err != nil {
		return 0, fmt.Errorf("catalog: count offers of hoster %d: %w", hosterID, err)
	}
	return n, nil
}
