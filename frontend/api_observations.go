package frontend

import (
	"errors"
	"net/http"
	"strings"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/observatory"
	"github.com/labstack/echo/v4"
)

// apiObservations is /api/v1/hosters/{acct}/observations: the hoster's
// latest observation by the observatory (its findings, the discrepancies
// with its declaration) and its 30-day availability.
func (s *Server) apiObservations(c echo.Context) error {
	user, domain, ok := strings.Cut(strings.TrimPrefix(c.Param("acct"), "@"), "@")
	if !ok || user == "" || domain == "" {
		return c.JSON(http.StatusBadRequest, apiError{Error: "acct must be user@host", Param: "acct"})
	}
	h, err := s.store.HosterByAcct(c.Request().Context(), user, domain)
	if errors.Is(err, catalog.ErrNotFound) || err == nil && !h.Discoverable {
		return c.JSON(http.StatusNotFound, apiError{Error: "no such hoster", Param: "acct"})
	}
	if err != nil {
		return err
	}
	rep, err := observatory.Latest(c.Request().Context(), s.store, h, s.now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rep)
}
