package frontend

import (
	"net/http"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation/vocab"
	"github.com/labstack/echo/v4"
)

// OfferObjectPage is the HTML twin of a local offer on a node (params
// "username" and "key"): federation answers the same URL, the Offer's id,
// to ActivityPub clients, and fediverse servers link people to it.
func (s *Server) OfferObjectPage() echo.HandlerFunc {
	return func(c echo.Context) error {
		setSecurityHeaders(c.Response().Header())
		return s.nodeOfferPage(c)
	}
}

func (s *Server) nodeOfferPage(c echo.Context) error {
	ctx := c.Request().Context()
	paths := vocab.Paths{Base: s.cfg.BaseURL}
	h, err := s.store.HosterByActor(ctx, paths.Actor(c.Param("username")))
	if err != nil || !h.Local {
		return errNotFound
	}
	o, err := s.store.OfferByObjectID(ctx, paths.Offer(h.Username, c.Param("key")))
	if err != nil || o.HosterID != h.ID {
		return errNotFound
	}
	if o.DeletedAt != nil {
		return echo.NewHTTPError(http.StatusGone, "offer removed")
	}
	v := s.newView(c, "")
	v.Title = o.Name
	v.Alternates = append(v.Alternates, alternate{Type: "application/activity+json", Href: o.ObjectID})
	if !catalog.IsCategory(o.Category) {
		o.Category = "other"
	}
	v.Data = &offerData{Offer: o, Hoster: h, HosterHref: h.ActorID}
	return s.render(c, http.StatusOK, "node_offer", v)
}
