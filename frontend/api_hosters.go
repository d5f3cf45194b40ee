package frontend

import (
	"net/http"
	"strconv"
	"time"

	"codeberg.org/portee/portee/catalog"
	"github.com/labstack/echo/v4"
)

// apiHoster is one hoster in /api/v1/hosters.
type apiHoster struct {
	Actor       string     `json:"actor"`
	Acct        string     `json:"acct"`
	Name        string     `json:"name"`
	URL         string     `json:"url"` // the directory's page
	Website     string     `json:"website,omitempty"`
	PostalCode  string     `json:"postal_code,omitempty"`
	Commune     string     `json:"commune,omitempty"`
	Departement string     `json:"departement,omitempty"`
	Lat         *float64   `json:"lat,omitempty"`
	Lon         *float64   `json:"lon,omitempty"`
	Status      string     `json:"status"`
	Offers      int        `json:"offers"`
	LastSeen    *time.Time `json:"last_seen,omitempty"`
	MemberSince string     `json:"member_since,omitempty"`
	Source      string     `json:"source"` // portee (signed node), chatonsinfos, librehosters
}

type apiHosters struct {
	Hosters []apiHoster `json:"hosters"`
	Total   int         `json:"total"`
	Limit   int         `json:"limit"`
	Offset  int         `json:"offset"`
}

const (
	apiHostersDefault = 100
	apiHostersMax     = 500
)

// apiHosters is /api/v1/hosters: the visible hosters by name, paged with
// limit (1–500, default 100) and offset.
func (s *Server) apiHosters(c echo.Context) error {
	ctx := c.Request().Context()
	limit, offset := apiHostersDefault, 0
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > apiHostersMax {
			return c.JSON(http.StatusBadRequest, apiError{Error: "limit must be a number from 1 to 500", Param: "limit"})
		}
		limit = n
	}
	if v := c.QueryParam("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return c.JSON(http.StatusBadRequest, apiError{Error: "offset must be a number from 0", Param: "offset"})
		}
		offset = n
	}
	total, err := s.store.CountHosters(ctx, catalog.HosterFilter{})
	if err != nil {
		return err
	}
	hs, err := s.store.ListHosters(ctx, catalog.HosterFilter{Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	out := apiHosters{Hosters: make([]apiHoster, 0, len(hs)), Total: total, Limit: limit, Offset: offset}
	l := s.cat.localizer(langFR, false)
	for i := range hs {
		h := &hs[i]
		offers, err := s.store.OffersByHoster(ctx, h.ID)
		if err != nil {
			return err
		}
		out.Hosters = append(out.Hosters, apiHoster{Actor: h.ActorID, Acct: h.Acct(), Name: h.Name,
			URL: s.cfg.BaseURL + hosterHref(l, h.Acct()), Website: h.Website, PostalCode: h.PostalCode,
			Commune: h.Commune, Departement: h.Departement, Lat: h.Latitude, Lon: h.Longitude,
			Status: knownStatus(h.Status), Offers: len(offers), LastSeen: h.LastSeenAt, MemberSince: h.MemberSince,
			Source: knownSource(h.Source)})
	}
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
	return c.JSON(http.StatusOK, out)
}
