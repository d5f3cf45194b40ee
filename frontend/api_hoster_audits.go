package frontend

import (
	"net/http"
	"time"

	"codeberg.org/portee/portee/catalog"
	"github.com/labstack/echo/v4"
)

// apiAudit is one published audit in /api/v1/hosters/{acct}/audits.
type apiAudit struct {
	ID             int64             `json:"id"`
	URL            string            `json:"url"`
	Published      time.Time         `json:"published"`
	Publisher      string            `json:"publisher"`
	CharterID      string            `json:"charter"`
	CharterVersion string            `json:"charter_version"`
	Due            time.Time         `json:"due"`
	Supersedes     *int64            `json:"supersedes,omitempty"`
	Verdicts       []catalog.Verdict `json:"verdicts"` // private notes are json:"-"
}

// apiHosterAudits is GET /api/v1/hosters/{acct}/audits: the hoster's
// published audits, newest first. Drafts and private notes never appear.
func (s *Server) apiHosterAudits(c echo.Context) error {
	ctx := c.Request().Context()
	h, err := s.hosterByAcctParam(ctx, c.Param("acct"))
	if err != nil {
		return err
	}
	as, err := s.store.Audits(ctx, catalog.AuditFilter{HosterID: h.ID, State: catalog.AuditPublished, WithVerdicts: true})
	if err != nil {
		return err
	}
	out := struct {
		Audits []apiAudit `json:"audits"`
	}{Audits: []apiAudit{}}
	for _, a := range as {
		vs := make([]catalog.Verdict, 0, len(a.Verdicts))
		for _, v := range a.Verdicts {
			if v.Verdict != "" {
				vs = append(vs, v)
			}
		}
		out.Audits = append(out.Audits, apiAudit{ID: a.ID, URL: s.cfg.BaseURL + "/hebergeurs/" + h.Acct() + "/audits/" + itoa64(a.ID),
			Published: *a.PublishedAt, Publisher: a.PublisherActor, CharterID: a.CharterID, CharterVersion: a.CharterVersion,
			Due: a.DueAt, Supersedes: a.Supersedes, Verdicts: vs})
	}
	return c.JSON(http.StatusOK, out)
}
