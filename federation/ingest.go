package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/vocab"
)

// apply ingests one Create, Update or Delete of hoster h, received in the
// inbox or read from its outbox. It is idempotent by activity id (the
// catalog records it with the write) and ordered by "updated" (an older
// state than the stored one changes nothing): both mean success.
func (d *Directory) apply(ctx context.Context, h *catalog.Hoster, act *vocab.Parsed) error {
	meta := catalog.WriteMeta{ActivityID: act.ID, ActorID: act.Actor}
	err := d.applyOnce(ctx, h, act, meta)
	if errors.Is(err, catalog.ErrStale) || errors.Is(err, catalog.ErrAlreadyApplied) {
		return nil
	}
	return err
}

func (d *Directory) applyOnce(ctx context.Context, h *catalog.Hoster, act *vocab.Parsed, meta catalog.WriteMeta) error {
	e := d.e
	if act.Type == "Delete" {
		return d.applyDelete(ctx, h, act, meta)
	}
	obj, typ := act.Object, act.ObjectType
	if len(obj) == 0 {
		// Named by IRI only: dereference it on its (already checked) host.
		c, err := e.fetcher(ctx)
		if err != nil {
			return err
		}
		obj, err = c.GetJSON(ctx, act.ObjectID)
		if err != nil {
			return reject(http.StatusBadGateway, "cannot fetch object: %v", err)
		}
		id, t, err := peekObject(obj)
		if err != nil {
			return reject(http.StatusBadRequest, "object: %v", err)
		}
		if id != act.ObjectID {
			return reject(http.StatusBadRequest, "fetched object has id %q", id)
		}
		typ = t
	}
	switch {
	case act.ObjectID == act.Actor:
		ra, err := vocab.ParseActor(obj)
		if err != nil {
			return reject(http.StatusBadRequest, "actor: %v", err)
		}
		if ra.Hoster.ActorID != act.Actor {
			return reject(http.StatusForbidden, "an actor may only update itself")
		}
		_, err = d.upsertActor(ctx, ra, meta)
		if errors.Is(err, ErrNotHoster) {
			return reject(http.StatusUnprocessableEntity, "%v", err)
		}
		return err

	case vocab.IsOfferType(typ):
		o, by, err := vocab.ParseOffer(obj)
		if err != nil {
			return reject(http.StatusBadRequest, "%v", err)
		}
		if by != act.Actor || o.ObjectID != act.ObjectID {
			return reject(http.StatusForbidden, "offer %q is not attributed to %q", o.ObjectID, act.Actor)
		}
		return d.storeOffer(ctx, h, o, meta)

	case typ == "CharterDeclaration":
		decl, by, err := vocab.ParseDeclaration(obj)
		if err != nil {
			return reject(http.StatusBadRequest, "%v", err)
		}
		if by != act.Actor || decl.ObjectID != act.ObjectID {
			return reject(http.StatusForbidden, "declaration %q is not attributed to %q", decl.ObjectID, act.Actor)
		}
		return d.storeDeclaration(ctx, h, decl, meta)
	}
	return errIgnored
}

// applyDelete handles Delete of an offer (IRI or Tombstone) or of the
// actor itself (the hoster is gone).
func (d *Directory) applyDelete(ctx context.Context, h *catalog.Hoster, act *vocab.Parsed, meta catalog.WriteMeta) error {
	e := d.e
	if act.ObjectID == act.Actor {
		_, err := e.store.RecordCheck(ctx, h.ID, false, true, time.Now(), e.cfg.DownAfter)
		return err
	}
	at := act.Published
	if len(act.Object) > 0 {
		if t, err := vocab.ParseTombstone(act.Object); err == nil && !t.Deleted.IsZero() {
			at = t.Deleted
		}
	}
	if at.IsZero() {
		at = time.Now()
	}
	if !underActor(act.ObjectID, h.ActorID) {
		return reject(http.StatusForbidden, "%q does not lie under its actor", clip(act.ObjectID))
	}
	if err := d.ownedBy(ctx, act.ObjectID, h); err != nil {
		return err
	}
	err := e.store.DeleteOffer(ctx, act.ObjectID, at, meta)
	if errors.Is(err, catalog.ErrNotFound) {
		return errIgnored
	}
	return err
}

// ownedBy refuses a write to an offer that another hoster (of the same
// node) owns.
func (d *Directory) ownedBy(ctx context.Context, objectID string, h *catalog.Hoster) error {
	o, err := d.e.store.OfferByObjectID(ctx, objectID)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if o.HosterID != h.ID {
		return reject(http.StatusForbidden, "offer %q belongs to another hoster", objectID)
	}
	return nil
}

// peekObject reads the id and type of a fetched object; type may be a
// string or an array (the first known type wins).
func peekObject(b []byte) (id, typ string, err error) {
	if len(b) > maxInboxBody {
		return "", "", errors.New("object too large")
	}
	var doc struct {
		ID   string          `json:"id"`
		Type json.RawMessage `json:"type"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return "", "", fmt.Errorf("not a JSON object: %w", err)
	}
	if doc.ID == "" {
		return "", "", errors.New("no id")
	}
	var one string
	if json.Unmarshal(doc.Type, &one) == nil && one != "" {
		return doc.ID, one, nil
	}
	var many []string
	if json.Unmarshal(doc.Type, &many) == nil {
		for _, t := range many {
			if vocab.IsOfferType(t) || t == "CharterDeclaration" || actorTypes[t] {
				return doc.ID, t, nil
			}
		}
		if len(many) > 0 && many[0] != "" {
			return doc.ID, many[0], nil
		}
	}
	return "", "", errors.New("no type")
}
