package frontend

import (
	"net/http"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation"
	"codeberg.org/portee/portee/federation/chatonsinfos"
	"codeberg.org/portee/portee/federation/librehosters"
	"codeberg.org/portee/portee/federation/vocab"
	"github.com/labstack/echo/v4"
)

// overviewPage is what others see of the hoster.
type overviewPage struct {
	formState
	Hoster    *catalog.Hoster
	ActorURL  string
	Exports   []alternate
	Followers []federation.FollowerInfo
	Failing   []federation.FailingDelivery
	Audits    []catalog.Audit
	// Observations are the latest report of each directory's observatory.
	Observations []nodeObservation
	OfferCount   int
	Retried      bool
}

// nodeDashOverview is GET /gestion: the directories that follow the node
// and what reached them, the deliveries that fail, the audits received,
// and links to the node's public faces.
func (s *Server) nodeDashOverview(c echo.Context) error {
	ctx := c.Request().Context()
	hs, err := s.store.LocalHosters(ctx)
	if err != nil {
		return err
	}
	p := &overviewPage{Retried: c.QueryParam("relance") == "1"}
	p.Source = s.cfg.Hoster.SourceFile()
	if len(hs) > 0 {
		h := &hs[0]
		p.Hoster = h
		paths := vocab.Paths{Base: s.cfg.BaseURL}
		p.ActorURL = paths.Actor(h.Username)
		p.Exports = []alternate{
			{Type: "application/activity+json", Href: p.ActorURL, Title: "ActivityPub"},
			{Type: "text/plain", Href: s.cfg.BaseURL + chatonsinfos.WellKnown + h.Username + ".properties", Title: "ChatonsInfos"},
			{Type: "application/ld+json", Href: s.cfg.BaseURL + librehosters.Path, Title: "librehost.json"},
		}
		if p.OfferCount, err = s.store.CountHosterOffers(ctx, h.ID); err != nil {
			return err
		}
		yes := true
		if p.Audits, err = s.store.Audits(ctx, catalog.AuditFilter{HosterID: h.ID, Received: &yes, Limit: 10}); err != nil {
			return err
		}
		if p.Observations, err = s.nodeObservations(ctx, s.newView(c, "").L, h); err != nil {
			return err
		}
		if s.cfg.Fed != nil {
			if p.Followers, err = s.cfg.Fed.Followers(ctx, h.Username); err != nil {
				return err
			}
		}
	}
	if s.cfg.Fed != nil {
		if p.Failing, err = s.cfg.Fed.FailingDeliveries(ctx, 50); err != nil {
			return err
		}
	}
	v := s.newNodeDashView(c, "overview", "gestion.overview.title", p)
	return s.render(c, http.StatusOK, "gestion_overview", v)
}

// nodeDashRetry is POST /gestion/livraisons/:id: the delivery is tried
// again now.
func (s *Server) nodeDashRetry(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if s.cfg.Fed == nil {
		return errNotFound
	}
	ok, err := s.cfg.Fed.RetryDelivery(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if !ok {
		return errNotFound
	}
	return c.Redirect(http.StatusSeeOther, s.newView(c, "").L.URL(nodeDashPath, "relance", "1"))
}
