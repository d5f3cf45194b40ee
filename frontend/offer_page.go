package frontend

import (
	"net/http"
	"strconv"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation"
	"github.com/labstack/echo/v4"
)

type offerData struct {
	Offer      *catalog.Offer
	Hoster     *catalog.Hoster
	HosterHref string
}

// offerPage is /offres/:id (the catalog id). A deleted offer, or one of a
// hidden hoster, is not found.
func (s *Server) offerPage(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return errNotFound
	}
	o, err := s.store.OfferByID(ctx, id)
	if err != nil {
		return err
	}
	if o.DeletedAt != nil {
		return errNotFound
	}
	h, err := s.store.HosterByID(ctx, o.HosterID)
	if err != nil {
		return err
	}
	if !h.Discoverable || h.Status == catalog.HosterGone {
		return errNotFound
	}
	c.Response().Header().Add("Vary", "Accept")
	if federation.WantsActivityJSON(c.Request()) {
		return c.Redirect(http.StatusSeeOther, o.ObjectID)
	}
	v := s.newView(c, "")
	v.Title = o.Name
	v.Alternates = append(v.Alternates, alternate{Type: "application/activity+json", Href: o.ObjectID})
	if !catalog.IsCategory(o.Category) {
		o.Category = "other"
	}
	v.Data = &offerData{Offer: o, Hoster: h, HosterHref: hosterHref(v.L, h.Acct())}
	return s.render(c, http.StatusOK, "offer", v)
}
