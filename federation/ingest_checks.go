package federation

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"path"
	"strings"

	"codeberg.org/portee/portee/catalog"
)

// maxOffersPerHoster bounds the live offers a directory keeps for one
// hoster, whatever the path they arrive by (inbox, outbox backfill, offers
// collection): 2,500 Creates pushed through the inbox were all stored
// while the backfill stopped at 2,000.
const maxOffersPerHoster = 2000

// underActor tells whether id lies under the actor's own path
// (…/hosters/nazairien/offers/pad under …/hosters/nazairien): the host
// alone would let one hoster of a node create, and so squat, an offer id
// under another hoster's path on the same node. Dot segments are refused so
// that the prefix means what it says.
func underActor(id, actorID string) bool {
	u, err1 := url.Parse(id)
	a, err2 := url.Parse(actorID)
	if err1 != nil || err2 != nil || u.Host == "" || !strings.EqualFold(u.Scheme, a.Scheme) || !strings.EqualFold(u.Host, a.Host) {
		return false
	}
	p, ap := u.EscapedPath(), strings.TrimRight(a.EscapedPath(), "/")
	if strings.Contains(p, "%2e") || strings.Contains(p, "%2E") || path.Clean(p) != strings.TrimRight(p, "/") {
		return false
	}
	return strings.HasPrefix(p, ap+"/")
}

// storeOffer is the one way an offer read from h's node reaches the
// catalog: its id must lie under the actor, its text is cleaned and held to
// the hoster files' rules, it may not take another hoster's offer, and a
// new offer must fit in the hoster's cap.
func (d *Directory) storeOffer(ctx context.Context, h *catalog.Hoster, o *catalog.Offer, meta catalog.WriteMeta) error {
	e := d.e
	if !underActor(o.ObjectID, h.ActorID) {
		return reject(http.StatusForbidden, "offer %q does not lie under its actor %q", clip(o.ObjectID), h.ActorID)
	}
	o.CleanRemote()
	if err := o.Validate(); err != nil {
		return reject(http.StatusBadRequest, "offer %q: %v", clip(o.ObjectID), err)
	}
	cur, err := e.store.OfferByObjectID(ctx, o.ObjectID)
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		cur = nil
	case err != nil:
		return err
	case cur.HosterID != h.ID:
		return reject(http.StatusForbidden, "offer %q belongs to another hoster", clip(o.ObjectID))
	}
	if cur == nil || cur.DeletedAt != nil {
		n, err := e.store.CountHosterOffers(ctx, h.ID)
		if err != nil {
			return err
		}
		if n >= maxOffersPerHoster {
			return reject(http.StatusForbidden, "hoster %q already has %d offers, the most a directory keeps", h.ActorID, n)
		}
	}
	o.HosterID = h.ID
	return e.store.UpsertOffer(ctx, o, meta)
}

// maxAnswers bounds a declaration's answers when the directory does not
// know the charter it answers (a known charter bounds them itself).
const maxAnswers = 500

// storeDeclaration is storeOffer for a charter declaration: under the
// actor, text cleaned, answers checked against the charter when the
// directory knows it, and bounded when it does not.
func (d *Directory) storeDeclaration(ctx context.Context, h *catalog.Hoster, decl *catalog.CharterDeclaration, meta catalog.WriteMeta) error {
	e := d.e
	if !underActor(decl.ObjectID, h.ActorID) {
		return reject(http.StatusForbidden, "declaration %q does not lie under its actor %q", clip(decl.ObjectID), h.ActorID)
	}
	for i := range decl.Answers {
		a := &decl.Answers[i]
		a.Commitment = strings.TrimSpace(catalog.CleanText(a.Commitment))
		a.Comment = strings.TrimSpace(catalog.CleanText(a.Comment))
	}
	c, err := e.store.Charter(ctx, decl.CharterID, decl.CharterVersion)
	switch {
	case err == nil:
		if err := decl.Validate(c); err != nil {
			return reject(http.StatusBadRequest, "declaration %q: %v", clip(decl.ObjectID), err)
		}
	case errors.Is(err, catalog.ErrNotFound):
		if len(decl.Answers) > maxAnswers {
			return reject(http.StatusBadRequest, "declaration %q has more than %d answers", clip(decl.ObjectID), maxAnswers)
		}
		for i, a := range decl.Answers {
			if len(a.Commitment) > 100 || len(a.Comment) > 2000 {
				return reject(http.StatusBadRequest, "declaration %q: answers[%d] is too long", clip(decl.ObjectID), i)
			}
		}
	default:
		return err
	}
	decl.HosterID = h.ID
	return e.store.UpsertDeclaration(ctx, decl, meta)
}

// cleanActor holds a hoster read from an actor document to the hoster
// files' rules, after removing control and bidi-override characters.
func cleanActor(h *catalog.Hoster) error {
	h.CleanRemote()
	if err := h.Validate(); err != nil {
		return reject(http.StatusBadRequest, "actor %q: %v", clip(h.ActorID), err)
	}
	return nil
}

func clip(s string) string {
	if len(s) <= 200 {
		return s
	}
	return strings.ToValidUTF8(s[:200], "") + "…"
}
