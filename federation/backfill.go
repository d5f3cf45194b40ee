package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/fetch"
	"codeberg.org/portee/portee/federation/vocab"
)

// backfill catches up with a followed actor: it applies the activities of
// its outbox (bounded, oldest first, idempotent as in the inbox), then reads
// the full current list of its offers and its declaration, and deletes the
// offers no longer listed. Updates missed during an outage arrive this way.
func (d *Directory) backfill(ctx context.Context, h *catalog.Hoster, ra *vocab.RemoteActor) error {
	e := d.e
	c, err := e.fetcher(ctx)
	if err != nil {
		return err
	}
	var errs []error
	// A node lists its activities in its activities collection, the
	// outbox holding only the Notes people read; older nodes list them in
	// the outbox.
	activities := h.OutboxURL
	if ra.ActivitiesURL != "" && sameHost(ra.ActivitiesURL, h.ActorID) {
		activities = ra.ActivitiesURL
	}
	if activities != "" {
		if allowed, _ := c.RobotsAllowed(ctx, activities); allowed {
			errs = append(errs, d.backfillOutbox(ctx, c, h, activities))
		}
	}
	if ra.OffersURL != "" && sameHost(ra.OffersURL, h.ActorID) {
		if allowed, _ := c.RobotsAllowed(ctx, ra.OffersURL); allowed {
			errs = append(errs, d.reconcileOffers(ctx, c, h, ra.OffersURL))
		}
	}
	if ra.DeclarationURL != "" && sameHost(ra.DeclarationURL, h.ActorID) {
		if allowed, _ := c.RobotsAllowed(ctx, ra.DeclarationURL); allowed {
			errs = append(errs, d.fetchDeclaration(ctx, c, h, ra.DeclarationURL))
		}
	}
	return errors.Join(errs...)
}

// readCollection walks a collection's pages, at most maxPages of them and
// maxItems items, and returns the embedded items and the item IRIs in page
// order. complete is false when a limit cut the walk short.
func (d *Directory) readCollection(ctx context.Context, c *fetch.Client, url string, maxPages, maxItems int) (items []json.RawMessage, iris []string, complete bool, err error) {
	b, err := c.GetJSON(ctx, url)
	if err != nil {
		return nil, nil, false, err
	}
	items, iris, next, first, _, err := vocab.ParseCollection(b)
	if err != nil {
		return nil, nil, false, err
	}
	if len(items) == 0 && len(iris) == 0 && next == "" && first != "" {
		next = first
	}
	seen := map[string]bool{url: true}
	for pages := 1; next != ""; pages++ {
		if pages > maxPages || len(items)+len(iris) >= maxItems {
			return items, iris, false, nil
		}
		if seen[next] || !sameHost(next, url) {
			return items, iris, false, fmt.Errorf("collection %q: page %q loops or leaves the host", url, next)
		}
		seen[next] = true
		b, err := c.GetJSON(ctx, next)
		if err != nil {
			return items, iris, false, err
		}
		pi, pr, pn, _, _, err := vocab.ParseCollection(b)
		if err != nil {
			return items, iris, false, err
		}
		items, iris, next = append(items, pi...), append(iris, pr...), pn
	}
	return items, iris, len(items)+len(iris) <= maxItems, nil
}

func (d *Directory) backfillOutbox(ctx context.Context, c *fetch.Client, h *catalog.Hoster, url string) error {
	e := d.e
	items, iris, _, err := d.readCollection(ctx, c, url, e.cfg.BackfillMaxPages, e.cfg.BackfillMaxItems)
	if err != nil {
		return fmt.Errorf("activities of %q: %w", h.ActorID, err)
	}
	budget := e.cfg.BackfillMaxItems - len(items)
	for _, iri := range iris {
		if budget <= 0 {
			break // a failed fetch counts too, or a long page of dead IRIs would be read to the end
		}
		if !sameHost(iri, h.ActorID) {
			continue
		}
		budget--
		b, err := c.GetJSON(ctx, iri)
		if err != nil {
			continue
		}
		items = append(items, b)
	}
	if len(items) > e.cfg.BackfillMaxItems {
		items = items[:e.cfg.BackfillMaxItems]
	}
	// Outboxes list newest first; apply in the order things happened.
	acts := make([]*vocab.Parsed, 0, len(items))
	for _, raw := range items {
		act, err := vocab.ParseActivity(raw)
		if err != nil || act.Actor != h.ActorID || checkAuthority(act) != nil {
			continue
		}
		acts = append(acts, act)
	}
	slices.Reverse(acts)
	slices.SortStableFunc(acts, func(a, b *vocab.Parsed) int { return a.Published.Compare(b.Published) })
	var errs []error
	for _, act := range acts {
		switch act.Type {
		case "Create", "Update", "Delete":
		default:
			continue
		}
		if err := d.apply(ctx, h, act); err != nil && !errors.Is(err, errIgnored) {
			var se *statusError
			if errors.As(err, &se) {
				e.log.Debug("federation: backfill skipped an activity", "activity", act.ID, "err", err)
				continue
			}
			errs = append(errs, fmt.Errorf("apply %q: %w", act.ID, err))
		}
	}
	return errors.Join(errs...)
}

// reconcileOffers makes the directory's offers of h match the node's
// offers collection. Deleting needs the whole list: a truncated read
// deletes nothing.
func (d *Directory) reconcileOffers(ctx context.Context, c *fetch.Client, h *catalog.Hoster, url string) error {
	e := d.e
	items, iris, complete, err := d.readCollection(ctx, c, url, maxOffersPerHoster/20+1, maxOffersPerHoster)
	if err != nil {
		return fmt.Errorf("offers of %q: %w", h.ActorID, err)
	}
	budget := maxOffersPerHoster - len(items)
	for _, iri := range iris {
		if budget <= 0 {
			// One page may list more IRIs than the walk counted: fetch no more.
			complete = false
			break
		}
		budget--
		if !sameHost(iri, h.ActorID) {
			complete = false
			continue
		}
		b, err := c.GetJSON(ctx, iri)
		if err != nil {
			complete = false
			continue
		}
		items = append(items, b)
	}
	// An item that cannot be read or is refused is skipped, and does not
	// stop the removal of offers the collection no longer lists: one bad
	// item must not keep every stale offer of the node alive. Only a list
	// that may be incomplete (a limit hit, a page or item that could not be
	// fetched) deletes nothing.
	keep := make([]string, 0, len(items))
	for _, raw := range items {
		o, by, err := vocab.ParseOffer(raw)
		if err != nil || by != h.ActorID {
			e.log.Debug("federation: offers collection item skipped", "actor", h.ActorID, "err", err)
			d.keepListed(ctx, h, raw, &keep)
			continue
		}
		err = d.storeOffer(ctx, h, o, catalog.WriteMeta{})
		var se *statusError
		switch {
		case errors.As(err, &se):
			e.log.Debug("federation: offers collection item refused", "actor", h.ActorID, "offer", o.ObjectID, "err", err)
			d.keepListed(ctx, h, raw, &keep)
			continue
		case err != nil && !errors.Is(err, catalog.ErrStale):
			return fmt.Errorf("offer %q: %w", o.ObjectID, err)
		}
		keep = append(keep, o.Key)
	}
	if !complete {
		return nil
	}
	if _, err := e.store.DeleteHosterOffersExcept(ctx, h.ID, keep, time.Now(), catalog.WriteMeta{}); err != nil && !errors.Is(err, catalog.ErrStale) {
		return fmt.Errorf("offers of %q: %w", h.ActorID, err)
	}
	return nil
}

// keepListed keeps the stored version of an offer the collection still
// lists but in a form we refuse: it is not stale, only unreadable today.
func (d *Directory) keepListed(ctx context.Context, h *catalog.Hoster, raw []byte, keep *[]string) {
	id, _, err := peekObject(raw)
	if err != nil || !underActor(id, h.ActorID) {
		return
	}
	if cur, err := d.e.store.OfferByObjectID(ctx, id); err == nil && cur.HosterID == h.ID {
		*keep = append(*keep, cur.Key)
	}
}

func (d *Directory) fetchDeclaration(ctx context.Context, c *fetch.Client, h *catalog.Hoster, url string) error {
	b, err := c.GetJSON(ctx, url)
	var se *fetch.StatusError
	if errors.As(err, &se) && se.Code == 404 {
		return nil
	}
	if err != nil {
		return fmt.Errorf("declaration of %q: %w", h.ActorID, err)
	}
	decl, by, err := vocab.ParseDeclaration(b)
	if err != nil || by != h.ActorID {
		return nil
	}
	err = d.storeDeclaration(ctx, h, decl, catalog.WriteMeta{})
	var refused *statusError
	if errors.As(err, &refused) {
		d.e.log.Debug("federation: declaration refused", "actor", h.ActorID, "err", err)
		return nil
	}
	if err != nil && !errors.Is(err, catalog.ErrStale) {
		return fmt.Errorf("declaration of %q: %w", h.ActorID, err)
	}
	return nil
}
