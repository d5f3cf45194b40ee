package frontend

import (
	"net/http"

	"codeberg.org/portee/portee/catalog"
	"github.com/labstack/echo/v4"
)

// matrixData is hosters × commitments of one charter version.
type matrixData struct {
	Charter *catalog.Charter
	Columns []catalog.Commitment
	Rows    []matrixRow
}

type matrixRow struct {
	Hoster  catalog.Hoster
	AuditID int64 // the draft, else the latest published audit; 0: none
	Draft   bool
	Cells   []matrixCell
}

// matrixCell holds the declared answer and the verdict as text: the
// matrix reads without colour.
type matrixCell struct {
	Declared, Verdict string
}

// dashboardMatrix is GET /tableau-de-bord/matrice: one row per hoster, one
// column per commitment of the default charter version.
func (s *Server) dashboardMatrix(c echo.Context) error {
	ctx := c.Request().Context()
	ch := catalog.DefaultCharter()
	local := false
	hs, err := s.store.ListHosters(ctx, catalog.HosterFilter{Local: &local, IncludeHidden: true})
	if err != nil {
		return err
	}
	latest, err := s.store.LatestPublishedAudits(ctx)
	if err != nil {
		return err
	}
	decls, err := s.store.AllDeclarations(ctx)
	if err != nil {
		return err
	}
	received := false
	drafts, err := s.store.Audits(ctx, catalog.AuditFilter{State: catalog.AuditDraft, Received: &received})
	if err != nil {
		return err
	}
	draftOf := map[int64]int64{}
	for _, a := range drafts {
		draftOf[a.HosterID] = a.ID
	}
	d := &matrixData{Charter: ch, Columns: ch.Commitments}
	for _, h := range hs {
		r := matrixRow{Hoster: h, Cells: make([]matrixCell, len(ch.Commitments))}
		answers := map[string]string{}
		if decl := decls[h.ID]; decl != nil {
			for _, a := range decl.Answers {
				answers[a.Commitment] = a.Status
			}
		}
		verdicts := map[string]string{}
		if a := latest[h.ID]; a != nil {
			r.AuditID = a.ID
			for _, v := range a.Verdicts {
				verdicts[v.Commitment] = v.Verdict
			}
		}
		if id, ok := draftOf[h.ID]; ok {
			r.AuditID, r.Draft = id, true
		}
		for i, cm := range ch.Commitments {
			r.Cells[i] = matrixCell{Declared: answers[cm.ID], Verdict: verdicts[cm.ID]}
		}
		d.Rows = append(d.Rows, r)
	}
	return s.render(c, http.StatusOK, "dash_matrix", s.newDashView(c, "matrix", "dash.matrix.title", d))
}
