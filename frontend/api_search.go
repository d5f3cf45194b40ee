package frontend

import (
	"errors"
	"net/http"
	"strings"

	"codeberg.org/portee/portee/search"
	"codeberg.org/portee/portee/search/gazetteer"
	"github.com/labstack/echo/v4"
)

// placeSummary is a gazetteer place in API errors.
type placeSummary struct {
	Label       string  `json:"label"`
	Commune     string  `json:"commune,omitempty"`
	PostalCode  string  `json:"postal_code,omitempty"`
	Departement string  `json:"departement,omitempty"`
	Kind        string  `json:"kind"`
	Near        string  `json:"near"` // the value of "near" that selects this place
	Lat         float64 `json:"lat"`
	Lon         float64 `json:"lon"`
}

func summaries(ps []gazetteer.Place) []placeSummary {
	out := make([]placeSummary, 0, len(ps))
	for _, p := range ps {
		out = append(out, placeSummary{Label: p.Label, Commune: p.Commune, PostalCode: p.PostalCode,
			Departement: p.Departement, Kind: p.Kind, Near: nearValue(p), Lat: p.Lat, Lon: p.Lon})
	}
	return out
}

// apiSearch is /api/v1/search: search.Service's answer as JSON. Bad
// parameters are 400 naming the parameter; an unknown or ambiguous place is
// 422 with the candidates or suggestions.
func (s *Server) apiSearch(c echo.Context) error {
	f, _ := formFrom(c)
	r := f.request(c.QueryParam("page"))
	r.PerPage = c.QueryParam("per_page")
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
	resp, err := s.search.Search(c.Request().Context(), r)
	var pe *search.ParamError
	var le *search.PlaceError
	switch {
	case errors.As(err, &pe):
		return c.JSON(http.StatusBadRequest, apiError{Error: apiParamMessage(pe), Param: pe.Param})
	case errors.As(err, &le):
		body := apiError{Error: strings.TrimPrefix(le.Error(), "search: "), Param: "near"}
		if le.Ambiguous {
			body.Candidates = summaries(le.Candidates)
		} else {
			body.Suggestions = summaries(le.Suggestions)
		}
		return c.JSON(http.StatusUnprocessableEntity, body)
	case errors.Is(err, search.ErrUnavailable):
		return c.JSON(http.StatusServiceUnavailable, apiError{Error: "search backend unavailable"})
	case err != nil:
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

// apiParamMessage is a parameter error in English, the API's one language:
// the search package words its reasons "français / English" for both the
// pages and the API; the API keeps the English part.
func apiParamMessage(pe *search.ParamError) string {
	reason := pe.Reason
	prefix := ""
	// A reason about one value starts with that value: `"x" : …`.
	if strings.HasPrefix(reason, `"`) {
		if i := strings.Index(reason, `" : `); i > 0 {
			prefix, reason = reason[:i+1]+": ", reason[i+4:]
		}
	}
	if i := strings.LastIndex(reason, " / "); i >= 0 {
		reason = reason[i+3:]
	}
	return pe.Param + ": " + prefix + reason
}
