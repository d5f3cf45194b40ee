package frontend

import (
	"net/http"
	"sort"
	"time"

	"codeberg.org/portee/portee/catalog"
	"github.com/labstack/echo/v4"
)

// overviewHoster is one hoster in a list of the overview.
type overviewHoster struct {
	Hoster *catalog.Hoster
	Audit  *catalog.Audit // latest published, nil when never audited
	Due    time.Time
}

// overviewData is what needs the auditors' attention.
type overviewData struct {
	Hosters       int
	NeverAudited  []overviewHoster
	Due           []overviewHoster // due within a month or overdue, soonest first
	DeclChanged   []overviewHoster
	Drafts        []draftItem
	DownOrGone    []overviewHoster
	Now           time.Time
	DueSoonWindow time.Duration
	Discrepancies []overviewDiscrepancy // the observatory's, latest observation per hoster
}

type draftItem struct {
	Audit  catalog.Audit
	Hoster *catalog.Hoster
}

// dueSoon: an audit due within this window is listed as due.
const dueSoon = 30 * 24 * time.Hour

// dashboardOverview is GET /tableau-de-bord.
func (s *Server) dashboardOverview(c echo.Context) error {
	d, err := s.overview(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "dash_overview", s.newDashView(c, "overview", "dash.overview.title", d))
}

func (s *Server) overview(c echo.Context) (*overviewData, error) {
	ctx := c.Request().Context()
	hs, err := s.store.ListHosters(ctx, catalog.HosterFilter{IncludeHidden: true})
	if err != nil {
		return nil, err
	}
	latest, err := s.store.LatestAuditHeads(ctx)
	if err != nil {
		return nil, err
	}
	decls, err := s.store.DeclarationTimes(ctx)
	if err != nil {
		return nil, err
	}
	received := false
	drafts, err := s.store.Audits(ctx, catalog.AuditFilter{State: catalog.AuditDraft, Received: &received})
	if err != nil {
		return nil, err
	}
	now := s.now()
	d := &overviewData{Hosters: len(hs), Now: now, DueSoonWindow: dueSoon}
	byID := map[int64]*catalog.Hoster{}
	for i := range hs {
		h := &hs[i]
		byID[h.ID] = h
		if h.Local {
			continue
		}
		a := latest[h.ID]
		item := overviewHoster{Hoster: h, Audit: a}
		if h.Status == catalog.HosterDown || h.Status == catalog.HosterGone {
			d.DownOrGone = append(d.DownOrGone, item)
		}
		if a == nil {
			d.NeverAudited = append(d.NeverAudited, item)
			continue
		}
		item.Due = a.DueAt
		if a.DueAt.Sub(now) < dueSoon {
			d.Due = append(d.Due, item)
		}
		if upd, ok := decls[h.ID]; ok && (a.DeclarationUpdated == nil || upd.After(*a.DeclarationUpdated)) {
			d.DeclChanged = append(d.DeclChanged, item)
		}
	}
	sort.SliceStable(d.Due, func(i, j int) bool { return d.Due[i].Due.Before(d.Due[j].Due) })
	if d.Discrepancies, err = s.discrepanciesForOverview(ctx, s.newView(c, "").L, catalog.DefaultCharter()); err != nil {
		return nil, err
	}
	for _, a := range drafts {
		d.Drafts = append(d.Drafts, draftItem{Audit: a, Hoster: byID[a.HosterID]})
	}
	return d, nil
}
