package frontend

import (
	"errors"
	"net/http"
	"time"

	"codeberg.org/portee/portee/catalog"
	"github.com/labstack/echo/v4"
)

// apiComplianceDoc is GET /api/v1/compliance. Counts are of hosters: each
// commitment's declared counts add up to hosters, and so do its audited
// counts ("none": no published audit of this version, or no verdict).
type apiComplianceDoc struct {
	Charter      apiCharterRef          `json:"charter"`
	At           time.Time              `json:"at"`
	Hosters      int                    `json:"hosters"`
	Declared     int                    `json:"declared_hosters"`
	Audited      int                    `json:"audited_hosters"`
	OtherVersion int                    `json:"other_version_hosters"`
	Commitments  []apiComplianceCommit  `json:"commitments"`
	Axes         []apiComplianceAxis    `json:"axes"`
	YearBefore   *apiComplianceYearPast `json:"year_before"`
}

type apiCharterRef struct {
	ID      string `json:"id"`
	Version string `json:"version"`
}

type apiComplianceCommit struct {
	ID       string         `json:"id"`
	Axis     string         `json:"axis"`
	Required bool           `json:"required"`
	Declared map[string]int `json:"declared"`
	Audited  map[string]int `json:"audited"`
}

// apiComplianceAxis sums its commitments' counts: answers, not hosters.
type apiComplianceAxis struct {
	ID          string         `json:"id"`
	TitleFR     string         `json:"title_fr"`
	TitleEN     string         `json:"title_en"`
	Commitments int            `json:"commitments"`
	Declared    map[string]int `json:"declared"`
	Audited     map[string]int `json:"audited"`
}

// apiComplianceYearPast is the same table at the same date a year before.
type apiComplianceYearPast struct {
	At          time.Time             `json:"at"`
	Hosters     int                   `json:"hosters"`
	Commitments []apiComplianceCommit `json:"commitments"`
}

// apiCompliance is GET /api/v1/compliance: the public compliance table with
// the filters of /conformite.
func (s *Server) apiCompliance(c echo.Context) error {
	f, bad := complianceFilter(c.QueryParams())
	if bad != "" {
		return c.JSON(http.StatusBadRequest, apiError{Error: "invalid " + bad, Param: bad})
	}
	r, err := s.complianceReport(c.Request().Context(), f)
	if errors.Is(err, errUnknownCharterVersion) {
		return c.JSON(http.StatusNotFound, apiError{Error: "no such charter version", Param: "charter_version"})
	}
	if err != nil {
		return err
	}
	ch := r.Now.Charter
	req := map[string]bool{}
	for _, cm := range ch.Commitments {
		req[cm.ID] = cm.Required
	}
	commits := func(cs []catalog.CommitmentCompliance) []apiComplianceCommit {
		out := make([]apiComplianceCommit, 0, len(cs))
		for _, cc := range cs {
			out = append(out, apiComplianceCommit{ID: cc.ID, Axis: cc.Axis, Required: req[cc.ID], Declared: cc.Declared, Audited: cc.Audited})
		}
		return out
	}
	doc := apiComplianceDoc{Charter: apiCharterRef{ID: ch.ID, Version: ch.Version}, At: r.Now.At, Hosters: r.Now.Hosters,
		Declared: r.Now.Declared, Audited: r.Now.Audited, OtherVersion: r.Now.OtherVersion,
		Commitments: commits(r.Now.Commitments), Axes: []apiComplianceAxis{},
		YearBefore: &apiComplianceYearPast{At: r.Before.At, Hosters: r.Before.Hosters, Commitments: commits(r.Before.Commitments)}}
	for _, ax := range r.Axes {
		doc.Axes = append(doc.Axes, apiComplianceAxis{ID: ax.ID, TitleFR: ax.TitleFR, TitleEN: ax.TitleEN,
			Commitments: len(ax.Rows), Declared: ax.Summary.Declared, Audited: ax.Summary.Audited})
	}
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
	return c.JSON(http.StatusOK, doc)
}
