package catalog

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

const hosterCols = `id, actor_id, username, domain, local, name, summary, website, email,
	legal_url, icon_url, org_type, address, postal_code, commune, insee, departement,
	region, country, latitude, longitude, member_since, portee, discoverable,
	inbox_url, shared_inbox_url, outbox_url, followers_url, public_key_id, public_key_pem,
	status, last_seen_at, fail_count, checks, checks_ok, updated_at, created_at, modified_at, source`

// hosterContentCols are the columns an upsert writes; the freshness columns
// (last_seen_at, fail_count, checks, checks_ok) belong to RecordCheck.
var hosterContentCols = []string{
	"actor_id", "username", "domain", "local", "name", "summary", "website", "email",
	"legal_url", "icon_url", "org_type", "address", "postal_code", "commune", "insee", "departement",
	"region", "country", "latitude", "longitude", "member_since", "portee", "discoverable",
	"inbox_url", "shared_inbox_url", "outbox_url", "followers_url", "public_key_id", "public_key_pem",
	"status", "updated_at", "modified_at", "source",
}

func (h *Hoster) normalize() {
	h.Updated = dbTime(h.Updated)
	h.CreatedAt = dbTime(h.CreatedAt)
	h.ModifiedAt = dbTime(h.ModifiedAt)
	h.LastSeenAt = dbTimePtr(h.LastSeenAt)
}

// UpsertHoster inserts or updates the hoster with h.ActorID. Updated beyond
// MaxClockSkew is taken as now. An update older than the stored one (by
// Updated) fails with ErrStale; an update that
// changes nothing appends no change row. Status is kept when h.Status is
// empty (new hosters start "active"); the freshness counters and LastSeenAt
// are RecordCheck's and are never overwritten here. On success h holds the
// stored row (ID, CreatedAt, ModifiedAt, freshness).
func (s *Store) UpsertHoster(ctx context.Context, h *Hoster, meta WriteMeta) error {
	if h.ActorID == "" {
		return fmt.Errorf("catalog: upsert hoster: empty actor id")
	}
	var result Hoster
	err := s.write(ctx, meta, func(tx *sqlx.Tx) (bool, error) {
		n := *h
		n.normalize()
		if n.Source == "" {
			n.Source = SourcePortee
		}
		now := dbTime(s.now())
		n.Updated = notFuture(n.Updated, now)
		var cur Hoster
		err := tx.GetContext(ctx, &cur, s.db.Rebind(`SELECT `+hosterCols+` FROM hosters WHERE actor_id = ?`+s.forUpdate()), n.ActorID)
		if errors.Is(notFound(err), ErrNotFound) {
			if n.Status == "" {
				n.Status = HosterActive
			}
			n.CreatedAt, n.ModifiedAt = now, now
			n.LastSeenAt, n.FailCount, n.Checks, n.ChecksOK = nil, 0, 0, 0
			cols := append(append([]string{}, hosterContentCols...), "created_at")
			q := `INSERT INTO hosters (` + strings.Join(cols, ", ") + `) VALUES (:` + strings.Join(cols, ", :") + `) RETURNING id`
			q, args, err := sqlx.Named(q, n)
			if err != nil {
				return false, err
			}
			if err := tx.GetContext(ctx, &n.ID, s.db.Rebind(q), args...); err != nil {
				return false, err
			}
			result = n
			return true, s.appendChange(ctx, tx, Change{Kind: ChangeHoster, Op: OpUpsert, HosterID: n.ID, EntityID: n.ID, ObjectID: n.ActorID})
		}
		if err != nil {
			return false, err
		}
		cur.normalize()
		if notFuture(cur.Updated, now).After(n.Updated) {
			return false, ErrStale
		}
		n.ID, n.CreatedAt, n.ModifiedAt = cur.ID, cur.CreatedAt, cur.ModifiedAt
		n.LastSeenAt, n.FailCount, n.Checks, n.ChecksOK = cur.LastSeenAt, cur.FailCount, cur.Checks, cur.ChecksOK
		if n.Status == "" {
			n.Status = cur.Status
		}
		if reflect.DeepEqual(n, cur) {
			result = cur
			return false, nil
		}
		n.ModifiedAt = now
		sets := make([]string, len(hosterContentCols))
		for i, c := range hosterContentCols {
			sets[i] = c + " = :" + c
		}
		q, args, err := sqlx.Named(`UPDATE hosters SET `+strings.Join(sets, ", ")+` WHERE id = :id`, n)
		if err != nil {
			return false, err
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(q), args...); err != nil {
			return false, err
		}
		result = n
		return true, s.appendChange(ctx, tx, Change{Kind: ChangeHoster, Op: OpUpsert, HosterID: n.ID, EntityID: n.ID, ObjectID: n.ActorID})
	})
	if err != nil {
		return fmt.Errorf("catalog: upsert hoster %q: %w", h.ActorID, err)
	}
	*h = result
	return nil
}

func (s *Store) getHoster(ctx context.Context, what string, where string, args ...any) (*Hoster, error) {
	var h Hoster
	if err := s.db.GetContext(ctx, &h, s.db.Rebind(`SELECT `+hosterCols+` FROM hosters WHERE `+where), args...); err != nil {
		return nil, fmt.Errorf("catalog: hoster %s: %w", what, notFound(err))
	}
	h.normalize()
	return &h, nil
}

// HosterByID returns the hoster with this id or ErrNotFound.
func (s *Store) HosterByID(ctx context.Context, id int64) (*Hoster, error) {
	return s.getHoster(ctx, fmt.Sprint(id), `id = ?`, id)
}

// HosterByActor returns the hoster with this ActivityPub id or ErrNotFound.
func (s *Store) HosterByActor(ctx context.Context, actorID string) (*Hoster, error) {
	return s.getHoster(ctx, fmt.Sprintf("%q", actorID), `actor_id = ?`, actorID)
}

// HosterByAcct returns the hoster user@domain or ErrNotFound. Host names
// compare without regard to case, as DNS does.
func (s *Store) HosterByAcct(ctx context.Context, username, domain string) (*Hoster, error) {
	return s.getHoster(ctx, fmt.Sprintf("%q", username+"@"+domain), `username = ? AND LOWER(domain) = LOWER(?)`, username, domain)
}

// LocalHosters returns the hosters served by this process, by id.
func (s *Store) LocalHosters(ctx context.Context) ([]Hoster, error) {
	var hs []Hoster
	if err := s.db.SelectContext(ctx, &hs, s.db.Rebind(`SELECT `+hosterCols+` FROM hosters WHERE local = ? ORDER BY id`), true); err != nil {
		return nil, fmt.Errorf("catalog: local hosters: %w", err)
	}
	for i := range hs {
		hs[i].normalize()
	}
	return hs, nil
}

// HosterFilter selects hosters for ListHosters and CountHosters.
type HosterFilter struct {
	Local         *bool
	IncludeHidden bool // include non-discoverable and gone hosters
	Status        []string
	UpdatedSince  *time.Time
	Limit, Offset int
}

func (f HosterFilter) where() (string, []any) {
	var conds []string
	var args []any
	if f.Local != nil {
		conds = append(conds, "local = ?")
		args = append(args, *f.Local)
	}
	if !f.IncludeHidden {
		conds = append(conds, "discoverable = ?", "status <> ?")
		args = append(args, true, HosterGone)
	}
	if len(f.Status) > 0 {
		conds = append(conds, "status IN "+inClause(len(f.Status)))
		for _, st := range f.Status {
			args = append(args, st)
		}
	}
	if f.UpdatedSince != nil {
		conds = append(conds, "updated_at >= ?")
		args = append(args, dbTime(*f.UpdatedSince))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// ListHosters returns the hosters matching f ordered by name (case folded
// for ASCII, the same on both engines), then id.
func (s *Store) ListHosters(ctx context.Context, f HosterFilter) ([]Hoster, error) {
	where, args := f.where()
	var hs []Hoster
	q := `SELECT ` + hosterCols + ` FROM hosters` + where + ` ORDER BY LOWER(name), id` + s.limitOffset(f.Limit, f.Offset)
	if err := s.db.SelectContext(ctx, &hs, s.db.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("catalog: list hosters: %w", err)
	}
	for i := range hs {
		hs[i].normalize()
	}
	return hs, nil
}

// CountHosters counts the hosters matching f, ignoring Limit and Offset.
func (s *Store) CountHosters(ctx context.Context, f HosterFilter) (int, error) {
	where, args := f.where()
	var n int
	if err := s.db.GetContext(ctx, &n, s.db.Rebind(`SELECT COUNT(*) FROM hosters`+where), args...); err != nil {
		return 0, fmt.Errorf("catalog: count hosters: %w", err)
	}
	return n, nil
}

// RecordCheck is a directory's freshness bookkeeping after fetching a
// hoster at time at. ok resets the failure count and makes the hoster
// active; a failure counts, and the downAfter-th consecutive one marks it
// down; gone (a 410 or a Tombstone) marks it gone at once. A status change
// appends a hoster change so that search hides or marks the hoster.
func (s *Store) RecordCheck(ctx context.Context, hosterID int64, ok bool, gone bool, at time.Time, downAfter int) (*Hoster, error) {
	var result Hoster
	err := s.write(ctx, WriteMeta{}, func(tx *sqlx.Tx) (bool, error) {
		var h Hoster
		if err := tx.GetContext(ctx, &h, s.db.Rebind(`SELECT `+hosterCols+` FROM hosters WHERE id = ?`+s.forUpdate()), hosterID); err != nil {
			return false, notFound(err)
		}
		h.normalize()
		before := h.Status
		h.Checks++
		switch {
		case gone:
			h.FailCount++
			h.Status = HosterGone
		case ok:
			t := dbTime(at)
			h.LastSeenAt = &t
			h.FailCount = 0
			h.ChecksOK++
			h.Status = HosterActive
		default:
			h.FailCount++
			if h.Status == HosterActive && downAfter > 0 && h.FailCount >= downAfter {
				h.Status = HosterDown
			}
		}
		changed := h.Status != before
		if changed {
			h.ModifiedAt = dbTime(s.now())
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE hosters SET status = ?, last_seen_at = ?, fail_count = ?,
			checks = ?, checks_ok = ?, modified_at = ? WHERE id = ?`),
			h.Status, h.LastSeenAt, h.FailCount, h.Checks, h.ChecksOK, h.ModifiedAt, h.ID); err != nil {
			return false, err
		}
		okN := 0
		if ok && !gone {
			okN = 1
		}
		if err := s.countAvailability(ctx, tx, h.ID, dayOf(at), AvailabilityRefresh, 1, okN); err != nil {
			return false, err
		}
		result = h
		if !changed {
			return false, nil
		}
		return true, s.appendChange(ctx, tx, Change{Kind: ChangeHoster, Op: OpUpsert, HosterID: h.ID, EntityID: h.ID, ObjectID: h.ActorID})
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: record check of hoster %d: %w", hosterID, err)
	}
	return &result, nil
}
