package catalog

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"
)

// LocalIDs builds the ActivityPub ids of a node's own objects; the
// federation package's URL layout implements it.
type LocalIDs interface {
	Actor(username string) string
	Inbox(username string) string
	Outbox(username string) string
	Followers(username string) string
	SharedInbox() string
	Offer(username, key string) string
	Declaration(username string) string
}

// ReconcileResult says what a reconcile changed.
type ReconcileResult struct {
	HosterChanged      bool
	Created, Updated   []string // offer keys
	Deleted            []string // offer object ids
	DeclarationChanged bool
}

// Changed reports whether anything was written.
func (r ReconcileResult) Changed() bool {
	return r.HosterChanged || r.DeclarationChanged || len(r.Created)+len(r.Updated)+len(r.Deleted) > 0
}

// Reconcile makes the store match a hoster file: the hoster, its offers
// (created, updated, or deleted when gone from the file) and its charter
// declaration. Only what differs is written, so each real edit appends
// change rows (and so federates) exactly once.
func Reconcile(ctx context.Context, s *Store, l *Loaded, ids LocalIDs, domain string, now time.Time) (ReconcileResult, error) {
	var res ReconcileResult
	now = now.UTC().Truncate(time.Millisecond)
	h := l.Hoster
	h.ActorID = ids.Actor(h.Username)
	h.Domain = domain
	h.Local = true
	h.InboxURL = ids.Inbox(h.Username)
	h.OutboxURL = ids.Outbox(h.Username)
	h.FollowersURL = ids.Followers(h.Username)
	h.SharedInboxURL = ids.SharedInbox()
	h.PublicKeyID = h.ActorID + "#main-key"
	h.Status = HosterActive
	h.LastSeenAt = &now

	old, err := s.HosterByActor(ctx, h.ActorID)
	switch {
	case errors.Is(err, ErrNotFound):
		h.Updated = now
		res.HosterChanged = true
	case err != nil:
		return res, fmt.Errorf("catalog: reconcile %s: %w", h.Username, err)
	default:
		h.ID = old.ID
		h.PublicKeyPEM = old.PublicKeyPEM
		h.CreatedAt = old.CreatedAt
		h.Checks, h.ChecksOK = old.Checks, old.ChecksOK
		if sameHoster(old, &h) {
			h.Updated = old.Updated
			h.LastSeenAt = old.LastSeenAt
		} else {
			h.Updated = now
			res.HosterChanged = true
		}
	}
	if res.HosterChanged {
		if err := s.UpsertHoster(ctx, &h, WriteMeta{}); err != nil {
			return res, fmt.Errorf("catalog: reconcile %s: %w", h.Username, err)
		}
	}

	keep := make([]string, 0, len(l.Offers))
	for i := range l.Offers {
		o := l.Offers[i]
		o.HosterID = h.ID
		o.ObjectID = ids.Offer(h.Username, o.Key)
		keep = append(keep, o.Key)
		prev, err := s.OfferByObjectID(ctx, o.ObjectID)
		switch {
		case errors.Is(err, ErrNotFound):
			o.Updated = now
			res.Created = append(res.Created, o.Key)
		case err != nil:
			return res, fmt.Errorf("catalog: reconcile offer %q: %w", o.Key, err)
		case prev.DeletedAt == nil && sameOffer(prev, &o):
			continue
		default:
			o.ID = prev.ID
			o.CreatedAt = prev.CreatedAt
			o.Updated = now
			if prev.DeletedAt != nil {
				res.Created = append(res.Created, o.Key)
			} else {
				res.Updated = append(res.Updated, o.Key)
			}
		}
		if err := s.UpsertOffer(ctx, &o, WriteMeta{}); err != nil {
			return res, fmt.Errorf("catalog: reconcile offer %q: %w", o.Key, err)
		}
	}
	deleted, err := s.DeleteHosterOffersExcept(ctx, h.ID, keep, now, WriteMeta{})
	if err != nil {
		return res, fmt.Errorf("catalog: reconcile %s: %w", h.Username, err)
	}
	res.Deleted = deleted

	if l.Declaration != nil {
		d := *l.Declaration
		d.HosterID = h.ID
		d.ObjectID = ids.Declaration(h.Username)
		prev, err := s.DeclarationByHoster(ctx, h.ID)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return res, fmt.Errorf("catalog: reconcile declaration: %w", err)
		case prev.CharterID == d.CharterID && prev.CharterVersion == d.CharterVersion &&
			reflect.DeepEqual(normAnswers(prev.Answers), normAnswers(d.Answers)):
			return res, nil
		default:
			d.CreatedAt = prev.CreatedAt
		}
		d.Updated = now
		if err := s.UpsertDeclaration(ctx, &d, WriteMeta{}); err != nil {
			return res, fmt.Errorf("catalog: reconcile declaration: %w", err)
		}
		res.DeclarationChanged = true
	}
	return res, nil
}

func normAnswers(a Answers) Answers {
	if len(a) == 0 {
		return nil
	}
	return a
}

// sameHoster compares what a hoster file controls.
func sameHoster(a, b *Hoster) bool {
	return a.Name == b.Name && a.Summary == b.Summary && a.Website == b.Website &&
		a.Email == b.Email && a.LegalURL == b.LegalURL && a.IconURL == b.IconURL &&
		a.OrgType == b.OrgType && a.MemberSince == b.MemberSince && a.Portee == b.Portee &&
		a.Discoverable == b.Discoverable && a.Address == b.Address && a.PostalCode == b.PostalCode &&
		a.Commune == b.Commune && a.INSEE == b.INSEE && a.Departement == b.Departement &&
		a.Region == b.Region && a.Country == b.Country &&
		sameFloat(a.Latitude, b.Latitude) && sameFloat(a.Longitude, b.Longitude) &&
		a.InboxURL == b.InboxURL && a.OutboxURL == b.OutboxURL && a.SharedInboxURL == b.SharedInboxURL &&
		a.FollowersURL == b.FollowersURL && a.PublicKeyID == b.PublicKeyID && a.Status == b.Status
}

// sameOffer compares what a hoster file controls.
func sameOffer(a, b *Offer) bool {
	return a.Key == b.Key && a.Name == b.Name && a.Summary == b.Summary && a.Category == b.Category &&
		a.Software == b.Software && a.Registration == b.Registration && a.Load == b.Load &&
		a.Price == b.Price && a.Quota == b.Quota && a.Audience == b.Audience &&
		reflect.DeepEqual(normList(a.AreaDepartements), normList(b.AreaDepartements)) &&
		a.AreaRadiusKm == b.AreaRadiusKm &&
		reflect.DeepEqual(normList(a.Languages), normList(b.Languages)) &&
		a.Status == b.Status && a.URL == b.URL && a.StartDate == b.StartDate
}

func normList(l StringList) StringList {
	if len(l) == 0 {
		return nil
	}
	return l
}

func sameFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
