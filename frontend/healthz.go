package frontend

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// healthz answers {"status":"ok"} when the catalog answers a ping and
// accepts writes: a catalog that can only be read serves pages but loses
// every update (federation, staff edits), which an operator must hear of.
// A write check that only waited for a busy writer is not a failure.
func (s *Server) healthz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	c.Response().Header().Set("Cache-Control", "no-store")
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("frontend: health check: catalog unreachable", "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
	}
	if err := s.store.PingWrite(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		s.log.Warn("frontend: health check: catalog not writable", "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "catalog not writable"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}
