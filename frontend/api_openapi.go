package frontend

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"
)

//go:embed api/openapi.json
var openAPIDoc []byte

// apiOpenAPI serves the OpenAPI 3.0 description with this server's URL.
func (s *Server) apiOpenAPI(c echo.Context) error {
	q, err := json.Marshal(s.cfg.BaseURL)
	if err != nil {
		return err
	}
	b := bytes.Replace(openAPIDoc, []byte(`"BASE_URL"`), q, 1)
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
	return c.Blob(http.StatusOK, "application/json; charset=utf-8", b)
}
