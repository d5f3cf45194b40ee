package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/search/gazetteer"
)

// Indexer keeps one Index up to date with the catalog by following the
// change feed from its own cursor. Delivery is at least once: a batch of
// changes is applied, then the cursor moves; a failure leaves the cursor
// where it was and the batch is applied again. Applying is idempotent
// because each change only names what changed: the documents are rebuilt
// from the catalog's current state (so they are also in order per offer,
// whatever order the changes come in).
type Indexer struct {
	store    *catalog.Store
	idx      Index
	consumer string
	log      *slog.Logger

	// PollEvery is the fallback poll for writes from other processes.
	PollEvery time.Duration
	// MaxBackoff bounds the wait between retries of a failing backend.
	MaxBackoff time.Duration
}

// changesPerBatch is how many change rows one step applies.
const changesPerBatch = 500

// NewIndexer returns an indexer of idx; consumer names its cursor
// ("search:meilisearch:offers", "search:embedded").
func NewIndexer(store *catalog.Store, idx Index, consumer string, logger *slog.Logger) *Indexer {
	if logger == nil {
		logger = slog.Default()
	}
	return &Indexer{store: store, idx: idx, consumer: consumer, log: logger.With("consumer", consumer),
		PollEvery: 2 * time.Second, MaxBackoff: 30 * time.Second}
}

// Run applies changes until ctx ends: at once when the store signals a
// write, and every PollEvery otherwise. On a backend error it retries with
// a growing backoff, without moving the cursor. It returns nil when ctx is
// cancelled.
func (x *Indexer) Run(ctx context.Context) error {
	wake, cancel := x.store.Subscribe()
	defer cancel()
	tick := time.NewTicker(x.PollEvery)
	defer tick.Stop()
	backoff := time.Duration(0)
	for {
		err := x.CatchUp(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			backoff = min(max(2*backoff, 250*time.Millisecond), x.MaxBackoff)
			x.log.Warn("search index behind the catalog; retrying", "err", err, "retry_in", backoff)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
			continue
		}
		if backoff > 0 {
			x.log.Info("search index caught up")
			backoff = 0
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-tick.C:
		}
	}
}

// CatchUp applies every change up to the feed's end as it is now.
func (x *Indexer) CatchUp(ctx context.Context) error {
	last, err := x.store.LastSeq(ctx)
	if err != nil {
		return fmt.Errorf("search: indexer %s: %w", x.consumer, err)
	}
	for {
		cur, err := x.store.Cursor(ctx, x.consumer)
		if err != nil {
			return fmt.Errorf("search: indexer %s: %w", x.consumer, err)
		}
		if cur >= last {
			return nil
		}
		changes, err := x.store.Changes(ctx, cur, changesPerBatch)
		if err != nil {
			return fmt.Errorf("search: indexer %s: %w", x.consumer, err)
		}
		if len(changes) == 0 {
			return nil
		}
		if err := x.apply(ctx, changes); err != nil {
			return fmt.Errorf("search: indexer %s: changes %d..%d: %w", x.consumer, changes[0].Seq, changes[len(changes)-1].Seq, err)
		}
		if err := x.store.SetCursor(ctx, x.consumer, changes[len(changes)-1].Seq); err != nil {
			return fmt.Errorf("search: indexer %s: %w", x.consumer, err)
		}
	}
}

// apply rebuilds the documents of every hoster a batch touches. A hoster's
// documents depend on the hoster, its declaration and the set of its offers
// (a hoster without offers has a document of its own), so rebuilding the
// hoster is the simple way to stay right; a batch names each hoster once.
func (x *Indexer) apply(ctx context.Context, changes []catalog.Change) error {
	var hosters []int64
	var deleted []string
	for _, c := range changes {
		if c.Kind == catalog.ChangeObservation {
			continue // observations are not in the search documents
		}
		if !slices.Contains(hosters, c.HosterID) {
			hosters = append(hosters, c.HosterID)
		}
		if c.Kind == catalog.ChangeOffer {
			// A deleted offer is no longer listed with its hoster.
			o, err := x.store.OfferByID(ctx, c.EntityID)
			switch {
			case errors.Is(err, catalog.ErrNotFound):
				deleted = append(deleted, offerDocID(c.EntityID))
			case err != nil:
				return err
			case o.DeletedAt != nil:
				deleted = append(deleted, offerDocID(c.EntityID))
			}
		}
	}
	b := newDocBuilder(x.store)
	var docs []Document
	for _, id := range hosters {
		d, del, err := b.hoster(ctx, id)
		if err != nil {
			return err
		}
		docs = append(docs, d...)
		deleted = append(deleted, del...)
	}
	if len(deleted) > 0 {
		if err := x.idx.Delete(ctx, dedup(deleted)); err != nil {
			return err
		}
	}
	if len(docs) > 0 {
		if err := x.idx.Upsert(ctx, docs); err != nil {
			return err
		}
	}
	return nil
}

func dedup(ids []string) []string {
	slices.Sort(ids)
	return slices.Compact(ids)
}

func offerDocID(id int64) string  { return "o" + strconv.FormatInt(id, 10) }
func hosterDocID(id int64) string { return "h" + strconv.FormatInt(id, 10) }

// BuildDocuments returns the documents of a hoster as the catalog has them
// now, and the ids of documents of that hoster that must not be in the
// index: all of them when the hoster is gone, not discoverable or unknown;
// its own hoster document when it has offers.
func BuildDocuments(ctx context.Context, store *catalog.Store, hosterID int64) ([]Document, []string, error) {
	return newDocBuilder(store).hoster(ctx, hosterID)
}

// docBuilder denormalises offers with their hoster, caching what several
// offers share.
type docBuilder struct {
	store    *catalog.Store
	hosters  map[int64]*hosterInfo
	charters map[string]*catalog.Charter
}

type hosterInfo struct {
	h         *catalog.Hoster
	indexable bool
	charter   charterCounts
	changed   time.Time // latest of the hoster's and its declaration's changes
}

func newDocBuilder(store *catalog.Store) *docBuilder {
	return &docBuilder{store: store, hosters: map[int64]*hosterInfo{}, charters: map[string]*catalog.Charter{}}
}

// indexable: gone hosters disappear, unlisted ones are never indexed.
func indexable(h *catalog.Hoster) bool {
	return h.Discoverable && h.Status != catalog.HosterGone
}

func (b *docBuilder) info(ctx context.Context, id int64) (*hosterInfo, error) {
	if hi, ok := b.hosters[id]; ok {
		return hi, nil
	}
	h, err := b.store.HosterByID(ctx, id)
	if errors.Is(err, catalog.ErrNotFound) {
		b.hosters[id] = nil
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	hi := &hosterInfo{h: h, indexable: indexable(h), changed: laterOf(h.Updated, h.ModifiedAt)}
	if hi.indexable {
		d, err := b.store.DeclarationByHoster(ctx, id)
		switch {
		case errors.Is(err, catalog.ErrNotFound):
		case err != nil:
			return nil, err
		default:
			hi.changed = laterOf(hi.changed, d.Updated)
			hi.charter, err = b.charterCounts(ctx, d)
			if err != nil {
				return nil, err
			}
		}
	}
	b.hosters[id] = hi
	return hi, nil
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// charterCounts is what a declaration says of the required commitments
// of its charter version.
type charterCounts struct {
	required, answered int
	// score is the share of "yes" among the required commitments answered
	// yes, partial or no: an unanswered commitment is not a failure, and
	// "not applicable" is neither kept nor failed.
	score float64
}

// charterCounts counts the declaration's answers to the required
// commitments (nothing when the charter version is unknown).
func (b *docBuilder) charterCounts(ctx context.Context, d *catalog.CharterDeclaration) (charterCounts, error) {
	key := d.CharterID + "\x00" + d.CharterVersion
	c, ok := b.charters[key]
	if !ok {
		var err error
		c, err = b.store.Charter(ctx, d.CharterID, d.CharterVersion)
		if errors.Is(err, catalog.ErrNotFound) {
			c = nil
		} else if err != nil {
			return charterCounts{}, err
		}
		b.charters[key] = c
	}
	if c == nil {
		return charterCounts{}, nil
	}
	status := map[string]string{}
	for _, a := range d.Answers {
		status[a.Commitment] = a.Status
	}
	var cc charterCounts
	yes, judged := 0, 0
	for _, cm := range c.Commitments {
		if !cm.Required {
			continue
		}
		cc.required++
		switch status[cm.ID] {
		case catalog.AnswerYes:
			yes++
			judged++
			cc.answered++
		case catalog.AnswerPartial, catalog.AnswerNo:
			judged++
			cc.answered++
		case catalog.AnswerNotApplicable:
			cc.answered++
		}
	}
	if judged > 0 {
		cc.score = float64(yes) / float64(judged)
	}
	return cc, nil
}

func (b *docBuilder) hoster(ctx context.Context, id int64) ([]Document, []string, error) {
	hi, err := b.info(ctx, id)
	if err != nil {
		return nil, nil, fmt.Errorf("search: build documents of hoster %d: %w", id, err)
	}
	offers, err := b.store.OffersByHoster(ctx, id)
	if err != nil {
		return nil, nil, fmt.Errorf("search: build documents of hoster %d: %w", id, err)
	}
	if hi == nil || !hi.indexable {
		del := []string{hosterDocID(id)}
		for _, o := range offers {
			del = append(del, offerDocID(o.ID))
		}
		return nil, del, nil
	}
	if len(offers) == 0 {
		return []Document{hosterDocument(hi)}, nil, nil
	}
	docs := make([]Document, 0, len(offers))
	for i := range offers {
		docs = append(docs, offerDocument(hi, &offers[i]))
	}
	return docs, []string{hosterDocID(id)}, nil
}

// offerDocument denormalises an offer with its hoster.
func offerDocument(hi *hosterInfo, o *catalog.Offer) Document {
	d := hosterFields(hi)
	d.ID, d.Kind = offerDocID(o.ID), "offer"
	d.OfferID, d.OfferURL = o.ID, o.ObjectID
	d.Name, d.Summary, d.Category, d.Software = o.Name, o.Summary, o.Category, o.Software.Name
	d.Registration, d.Load, d.Audience = o.Registration, o.Load, o.Audience
	d.AreaDeps, d.AreaRadiusKm = []string(o.AreaDepartements), o.AreaRadiusKm
	d.Languages, d.Status, d.ServiceURL, d.Price = []string(o.Languages), o.Status, o.URL, o.Price
	d.Updated = laterOf(o.Updated, hi.changed).Unix()
	return d
}

// hosterDocument makes a hoster without offers findable.
func hosterDocument(hi *hosterInfo) Document {
	d := hosterFields(hi)
	d.ID, d.Kind = hosterDocID(hi.h.ID), "hoster"
	d.Name, d.Summary, d.Audience = hi.h.Name, hi.h.Summary, catalog.AudienceEveryone
	d.Updated = hi.changed.Unix()
	return d
}

func hosterFields(hi *hosterInfo) Document {
	h := hi.h
	d := Document{
		HosterID: h.ID, HosterActor: h.ActorID, HosterAcct: h.Acct(), HosterName: h.Name,
		HosterSummary: h.Summary, HosterStatus: h.Status,
		Commune: h.Commune, PostalCode: h.PostalCode, Departement: h.Departement, Region: h.Region,
		MemberSince: h.MemberSince, CharterScore: hi.charter.score, CharterRequired: hi.charter.required, CharterAnswered: hi.charter.answered,
	}
	if d.HosterStatus == "" {
		d.HosterStatus = catalog.HosterActive
	}
	d.HosterSource = h.Source
	if d.Region == "" && d.Departement != "" {
		if _, region, ok := gazetteer.Departement(d.Departement); ok {
			d.Region = region
		}
	}
	if h.HasCoords() {
		lat, lon := *h.Latitude, *h.Longitude
		d.Lat, d.Lon = &lat, &lon
	}
	return d
}

// Reindex rebuilds idx from the catalog: Clear, then every live offer of
// an indexable hoster (read 1000 at a time, written 5000 at a time), then
// the hosters without offers.
// progress (may be nil) is told how many offers are done out of how many.
// The caller sets the indexer's cursor to the feed's end as read before
// the call.
func Reindex(ctx context.Context, store *catalog.Store, idx Index, progress func(done, total int)) error {
	if err := idx.Configure(ctx); err != nil {
		return fmt.Errorf("search: reindex: %w", err)
	}
	if err := idx.Clear(ctx); err != nil {
		return fmt.Errorf("search: reindex: %w", err)
	}
	total, err := store.CountOffers(ctx)
	if err != nil {
		return fmt.Errorf("search: reindex: %w", err)
	}
	done := 0
	// Several backend batches per write, so that Meilisearch indexes them
	// in one run.
	const perWrite = 5 * batchSize
	batch := make([]Document, 0, perWrite)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := idx.Upsert(ctx, batch); err != nil {
			return err
		}
		batch = batch[:0]
		return nil
	}
	err = eachDocument(ctx, store, func(d Document, isOffer bool) error {
		if isOffer {
			done++
		}
		batch = append(batch, d)
		if len(batch) == perWrite {
			if err := flush(); err != nil {
				return err
			}
		}
		if progress != nil && isOffer && (done%batchSize == 0 || done == total) {
			progress(done, total)
		}
		return nil
	}, func() { done++ })
	if err == nil {
		err = flush()
	}
	if err != nil {
		return fmt.Errorf("search: reindex: %w", err)
	}
	if progress != nil {
		progress(total, total)
	}
	return nil
}

// eachDocument calls fn with every document the catalog should have in the
// index: offers in id order, then hosters without offers. skipped is called
// for offers that are not indexed (their hoster is gone or unlisted).
func eachDocument(ctx context.Context, store *catalog.Store, fn func(d Document, isOffer bool) error, skipped func()) error {
	b := newDocBuilder(store)
	withOffers := map[int64]bool{}
	err := store.EachOffer(ctx, func(o catalog.Offer) error {
		hi, err := b.info(ctx, o.HosterID)
		if err != nil {
			return err
		}
		withOffers[o.HosterID] = true
		if hi == nil || !hi.indexable {
			skipped()
			return nil
		}
		return fn(offerDocument(hi, &o), true)
	})
	if err != nil {
		return err
	}
	for offset := 0; ; offset += 1000 {
		hs, err := store.ListHosters(ctx, catalog.HosterFilter{Limit: 1000, Offset: offset})
		if err != nil {
			return err
		}
		for i := range hs {
			if withOffers[hs[i].ID] {
				continue
			}
			hi, err := b.info(ctx, hs[i].ID)
			if err != nil {
				return err
			}
			if hi != nil && hi.indexable {
				if err := fn(hosterDocument(hi), false); err != nil {
					return err
				}
			}
		}
		if len(hs) < 1000 {
			return nil
		}
	}
}

// Diff is how an index differs from the catalog.
type Diff struct {
	Missing []string // in the catalog, not in the index
	Extra   []string // in the index, not in the catalog
	Stale   []string // in both, but the index has an older version
	Indexed int      // documents in the index
	Want    int      // documents the catalog makes
}

// Empty reports whether the index matches the catalog.
func (d Diff) Empty() bool { return len(d.Missing)+len(d.Extra)+len(d.Stale) == 0 }

// String is the report of `portee reindex --check`.
func (d Diff) String() string {
	if d.Empty() {
		return fmt.Sprintf("index conforme au catalogue / index matches the catalog (%d documents)", d.Want)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "index : %d documents, catalogue : %d / index: %d documents, catalog: %d\n", d.Indexed, d.Want, d.Indexed, d.Want)
	for _, l := range []struct {
		name string
		ids  []string
	}{{"manquants / missing", d.Missing}, {"en trop / extra", d.Extra}, {"périmés / stale", d.Stale}} {
		if len(l.ids) == 0 {
			continue
		}
		shown := l.ids[:min(len(l.ids), 20)]
		more := ""
		if len(l.ids) > len(shown) {
			more = fmt.Sprintf(" … (+%d)", len(l.ids)-len(shown))
		}
		fmt.Fprintf(&b, "%s (%d): %s%s\n", l.name, len(l.ids), strings.Join(shown, " "), more)
	}
	return strings.TrimRight(b.String(), "\n")
}

// Check compares idx with what the catalog makes, by id and Updated.
func Check(ctx context.Context, store *catalog.Store, idx Index) (Diff, error) {
	have, err := idx.IDs(ctx)
	if err != nil {
		return Diff{}, fmt.Errorf("search: check: %w", err)
	}
	var d Diff
	d.Indexed = len(have)
	seen := make(map[string]bool, len(have))
	err = eachDocument(ctx, store, func(doc Document, _ bool) error {
		d.Want++
		seen[doc.ID] = true
		u, ok := have[doc.ID]
		switch {
		case !ok:
			d.Missing = append(d.Missing, doc.ID)
		case u != doc.Updated:
			d.Stale = append(d.Stale, doc.ID)
		}
		return nil
	}, func() {})
	if err != nil {
		return Diff{}, fmt.Errorf("search: check: %w", err)
	}
	for id := range have {
		if !seen[id] {
			d.Extra = append(d.Extra, id)
		}
	}
	slices.Sort(d.Extra)
	return d, nil
}
