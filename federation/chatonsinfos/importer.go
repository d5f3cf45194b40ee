package chatonsinfos

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/fetch"
)

// Importer keeps a directory's copy of ChatonsInfos federations (or
// Librehosters directories, through a Crawl function of their own): each
// organisation becomes a hoster whose actor id is its file's URL, marked
// with its source, refreshed and marked down or gone like a node.
type Importer struct {
	Store     *catalog.Store
	Getter    Getter
	Options   Options
	Kind      string // catalog.SourceChatonsInfos (default) or catalog.SourceLibrehosters
	DownAfter int
	GoneAfter time.Duration
	Log       *slog.Logger
	// Crawl replaces the ChatonsInfos crawl (Librehosters).
	Crawl func(ctx context.Context, g Getter, root string, o Options) (*Result, error)
	// KeepReports is how many reports are kept per source (default 20).
	KeepReports int
	Now         func() time.Time
}

// Import crawls root and writes what it found; the report is stored and
// returned. Organisation by organisation: one that fails costs only
// itself.
func (im *Importer) Import(ctx context.Context, root string) (*catalog.ImportReport, error) {
	now := time.Now
	if im.Now != nil {
		now = im.Now
	}
	kind := im.Kind
	if kind == "" {
		kind = catalog.SourceChatonsInfos
	}
	log := im.Log
	if log == nil {
		log = slog.Default()
	}
	rep := &catalog.ImportReport{Kind: kind, SourceURL: root, StartedAt: now()}
	crawl := im.Crawl
	if crawl == nil {
		crawl = Crawl
	}
	res, err := crawl(ctx, im.Getter, root, im.Options)
	if err != nil {
		rep.Error = err.Error()
		rep.FinishedAt = now()
		if serr := im.Store.SaveImportReport(ctx, rep, im.keep()); serr != nil {
			return rep, errors.Join(err, serr)
		}
		return rep, err
	}
	rep.Files = res.Files
	probs := res.Problems
	nodes, err := im.nodeWebsites(ctx)
	if err != nil {
		return rep, err
	}
	taken := map[string]bool{}
	for _, org := range res.Organizations {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		extra, err := im.apply(ctx, org, kind, nodes, taken, now())
		probs = append(probs, org.Problems...)
		probs = append(probs, extra...)
		if err != nil {
			probs = append(probs, Problem{Source: org.URL, Reason: err.Error()})
			continue
		}
		if org.Err == nil {
			rep.Organizations++
			rep.Services += len(org.Offers)
		}
	}
	probs = append(probs, im.dropUnlisted(ctx, root, res, now())...)
	for _, p := range probs {
		rep.Problems = append(rep.Problems, catalog.ImportProblem(p))
	}
	rep.FinishedAt = now()
	if err := im.Store.SaveImportReport(ctx, rep, im.keep()); err != nil {
		return rep, err
	}
	log.Info("import done", "kind", kind, "source", root, "organizations", rep.Organizations,
		"services", rep.Services, "problems", len(rep.Problems), "in", rep.FinishedAt.Sub(rep.StartedAt).Round(time.Millisecond))
	for i, p := range probs {
		if i == 50 {
			log.Info("import: more problems in the report", "source", root, "count", len(probs)-50)
			break
		}
		log.Info("import problem", "problem", p.Error())
	}
	return rep, nil
}

func (im *Importer) keep() int {
	if im.KeepReports > 0 {
		return im.KeepReports
	}
	return 20
}

// nodeWebsites maps the website hosts of signed Portée hosters to them.
func (im *Importer) nodeWebsites(ctx context.Context) (map[string]string, error) {
	hs, err := im.Store.ListHosters(ctx, catalog.HosterFilter{IncludeHidden: true})
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, h := range hs {
		if h.Source == catalog.SourcePortee && h.Status != catalog.HosterGone {
			if w := catalog.WebsiteHost(h.Website); w != "" {
				m[w] = h.Acct()
			}
		}
	}
	return m, nil
}

// apply writes one organisation. Everything it writes is keyed by the
// organisation's own URL: its hoster's actor id and its offers' object ids
// under it, so that one organisation's files cannot touch another's.
func (im *Importer) apply(ctx context.Context, org *Organization, kind string, nodes map[string]string, taken map[string]bool, now time.Time) ([]Problem, error) {
	old, err := im.Store.HosterByActor(ctx, org.URL)
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		old = nil
	case err != nil:
		return nil, err
	case old.Source == catalog.SourcePortee:
		return nil, fmt.Errorf("%s is a Portée node's actor: not overwritten", org.URL)
	}
	if org.Err != nil {
		if old == nil {
			return nil, nil
		}
		gone := fetch.IsGone(org.Err) || (old.LastSeenAt != nil && now.Sub(*old.LastSeenAt) > im.goneAfter())
		_, err := im.Store.RecordCheck(ctx, old.ID, false, gone, now, im.downAfter())
		return nil, err
	}
	h := org.Hoster
	site := catalog.WebsiteHost(h.Website)
	if acct, ok := nodes[site]; ok && site != "" {
		// The hoster runs a node: its signed data wins.
		if _, err := im.Store.HideImportedDuplicates(ctx, site, now); err != nil {
			return nil, err
		}
		return []Problem{{Source: org.URL, Reason: "same website as the Portée node " + acct + ": the node's signed data is shown"}}, nil
	}
	if taken[site] && site != "" {
		return []Problem{{Source: org.URL, Key: "organization.website", Reason: "another organisation of this import has the same website: skipped"}}, nil
	}
	taken[site] = true
	gone := h.Status == catalog.HosterGone
	h.ActorID = org.URL
	h.Source = kind
	h.Local = false
	if old != nil {
		h.Username, h.Domain = old.Username, old.Domain
		h.Status = old.Status
	} else {
		h.Status = catalog.HosterActive
		if h.Username, h.Domain, err = im.acct(ctx, &h, org.URL); err != nil {
			return nil, err
		}
	}
	h.Updated = now
	if old != nil && sameContent(old, &h) {
		h.Updated = old.Updated
	}
	if err := im.Store.UpsertHoster(ctx, &h, catalog.WriteMeta{}); err != nil && !errors.Is(err, catalog.ErrStale) {
		return nil, err
	}
	if _, err := im.Store.RecordCheck(ctx, h.ID, !gone, gone, now, im.downAfter()); err != nil {
		return nil, err
	}
	var probs []Problem
	keep := append([]string{}, org.Failed...)
	for i := range org.Offers {
		o := org.Offers[i]
		o.HosterID = h.ID
		prev, err := im.Store.OfferByObjectID(ctx, o.ObjectID)
		switch {
		case errors.Is(err, catalog.ErrNotFound):
			o.Updated = now
		case err != nil:
			return probs, err
		case prev.HosterID != h.ID:
			probs = append(probs, Problem{Source: o.ObjectID, Reason: "this service file belongs to another hoster: skipped"})
			continue
		default:
			o.CreatedAt = prev.CreatedAt
			o.Updated = now
			if prev.DeletedAt == nil && sameOffer(prev, &o) {
				keep = append(keep, o.Key)
				continue
			}
		}
		if err := im.Store.UpsertOffer(ctx, &o, catalog.WriteMeta{}); err != nil {
			probs = append(probs, Problem{Source: o.ObjectID, Reason: err.Error()})
			continue
		}
		keep = append(keep, o.Key)
	}
	if _, err := im.Store.DeleteHosterOffersExcept(ctx, h.ID, keep, now, catalog.WriteMeta{}); err != nil {
		return probs, err
	}
	// A node of the same hoster may have been stored while this import ran
	// (the directory follows and imports at the same time): written first,
	// checked after, as the node's side does, so one of the two always sees
	// the other.
	if node, err := im.Store.NodeByWebsiteHost(ctx, site); err == nil {
		if _, err := im.Store.HideImportedDuplicates(ctx, site, now); err != nil {
			return probs, err
		}
		probs = append(probs, Problem{Source: org.URL, Reason: "same website as the Portée node " + node.Acct() + ": the node's signed data is shown"})
	} else if !errors.Is(err, catalog.ErrNotFound) {
		return probs, err
	}
	return probs, nil
}

// acct gives a new imported hoster a handle: the slug of its name at its
// website's host (or its file's host), made unique with a number.
func (im *Importer) acct(ctx context.Context, h *catalog.Hoster, fileURL string) (string, string, error) {
	domain := ""
	if u, err := url.Parse(h.Website); err == nil && h.Website != "" {
		domain = u.Host
	}
	if domain == "" {
		if u, err := url.Parse(fileURL); err == nil && u.Host != "" {
			domain = u.Host
		} else {
			domain = "chatonsinfos.invalid"
		}
	}
	base := Slug(h.Name)
	if base == "" {
		base = "chaton"
	}
	for n := 1; n < 1000; n++ {
		user := base
		if n > 1 {
			user = fmt.Sprintf("%s-%d", base, n)
		}
		_, err := im.Store.HosterByAcct(ctx, user, domain)
		if errors.Is(err, catalog.ErrNotFound) {
			return user, domain, nil
		}
		if err != nil {
			return "", "", err
		}
	}
	return "", "", fmt.Errorf("no free handle for %q at %s", h.Name, domain)
}

func (im *Importer) downAfter() int {
	if im.DownAfter > 0 {
		return im.DownAfter
	}
	return 3
}

func (im *Importer) goneAfter() time.Duration {
	if im.GoneAfter > 0 {
		return im.GoneAfter
	}
	return 30 * 24 * time.Hour
}

// sameContent compares what a file controls, not the bookkeeping.
func sameContent(a, b *catalog.Hoster) bool {
	x, y := *a, *b
	for _, h := range []*catalog.Hoster{&x, &y} {
		h.ID, h.Status, h.LastSeenAt, h.FailCount, h.Checks, h.ChecksOK = 0, "", nil, 0, 0, 0
		h.Updated, h.CreatedAt, h.ModifiedAt = time.Time{}, time.Time{}, time.Time{}
	}
	return reflect.DeepEqual(x, y)
}

func sameOffer(a, b *catalog.Offer) bool {
	x, y := *a, *b
	for _, o := range []*catalog.Offer{&x, &y} {
		o.ID, o.Updated, o.CreatedAt, o.DeletedAt = 0, time.Time{}, time.Time{}, nil
		if len(o.Languages) == 0 {
			o.Languages = nil
		}
		if len(o.AreaDepartements) == 0 {
			o.AreaDepartements = nil
		}
	}
	return reflect.DeepEqual(x, y)
}

// dropUnlisted marks gone the organisations root listed before and no
// longer lists (they left the collective), unless another source lists
// them. Organisations listed but unreadable this time stay members: their
// checks count the failure.
func (im *Importer) dropUnlisted(ctx context.Context, root string, res *Result, now time.Time) []Problem {
	listed := make([]string, 0, len(res.Organizations))
	for _, org := range res.Organizations {
		listed = append(listed, org.URL)
	}
	dropped, err := im.Store.ReplaceImportMembers(ctx, root, listed)
	if err != nil {
		return []Problem{{Source: root, Reason: err.Error()}}
	}
	var probs []Problem
	for _, a := range dropped {
		h, err := im.Store.HosterByActor(ctx, a)
		if err != nil || h.Source == catalog.SourcePortee || h.Status == catalog.HosterGone {
			continue
		}
		if _, err := im.Store.RecordCheck(ctx, h.ID, false, true, now, im.downAfter()); err != nil {
			probs = append(probs, Problem{Source: a, Reason: err.Error()})
			continue
		}
		probs = append(probs, Problem{Source: a, Reason: "no longer listed by " + root + ": marked gone"})
	}
	return probs
}
