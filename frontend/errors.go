package frontend

import (
	"errors"
	"net/http"
	"strings"

	"codeberg.org/portee/portee/catalog"
	"github.com/labstack/echo/v4"
)

// pageError is an error a handler returns to show the visitor a status and
// a safe, translated message (Key names it in the catalogs). Everything
// else becomes a generic 500 page and is logged.
type pageError struct {
	Status int
	Key    string
}

func (e *pageError) Error() string { return http.StatusText(e.Status) + ": " + e.Key }

var errNotFound = &pageError{Status: http.StatusNotFound, Key: "error.404"}

// apiError is the JSON error body of /api/…
type apiError struct {
	Error       string         `json:"error"`
	Param       string         `json:"param,omitempty"`
	Candidates  []placeSummary `json:"candidates,omitempty"`
	Suggestions []placeSummary `json:"suggestions,omitempty"`
}

// HandleError is the one echo HTTPErrorHandler: a translated HTML page for
// people, a JSON body under /api/, never a stack trace or an internal error
// text.
func (s *Server) HandleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, key := http.StatusInternalServerError, "error.500"
	var pe *pageError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &pe):
		status, key = pe.Status, pe.Key
	case errors.Is(err, catalog.ErrNotFound):
		status, key = http.StatusNotFound, "error.404"
	case errors.As(err, &he):
		status = he.Code
		switch he.Code {
		case http.StatusNotFound:
			key = "error.404"
		case http.StatusMethodNotAllowed:
			key = "error.405"
		case http.StatusForbidden:
			key = "error.403"
		default:
			if he.Code < 500 {
				key = "error.400"
			}
		}
	}
	if status >= 500 {
		s.log.Error("frontend: request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	setSecurityHeaders(c.Response().Header())
	if strings.HasPrefix(c.Request().URL.Path, "/api/") || strings.HasPrefix(c.Request().URL.Path, "/healthz") {
		l := s.cat.localizer(langEN, false)
		_ = c.JSON(status, apiError{Error: l.T(key)})
		return
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	v := s.newView(c, "")
	v.Title = v.L.T(key + ".title")
	v.Data = struct {
		Status  int
		Message string
	}{status, v.L.T(key)}
	if rerr := s.render(c, status, "error", v); rerr != nil {
		s.log.Error("frontend: error page", "err", rerr)
		_ = c.String(status, http.StatusText(status))
	}
}
