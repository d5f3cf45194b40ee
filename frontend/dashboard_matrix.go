package frontend

import (
	"net/http"
	"strconv"

	"codeberg.org/portee/portee/catalog"
	"github.com/labstack/echo/v4"
)

// matrixPerPage bounds the hosters of one matrix page: 100 rows of 25
// cells keep the page within the weight budget.
const matrixPerPage = 100

// matrixData is hosters × commitments of one charter version.
type matrixData struct {
	Charter          *catalog.Charter
	Columns          []catalog.Commitment
	Rows             []matrixRow
	Page, Pages      int
	PrevPage, NextPg int
}

type matrixRow struct {
	Hoster  catalog.Hoster
	AuditID int64 // the draft, else the latest published audit; 0: none
	Draft   bool
	Cells   []matrixCell
}

// matrixCell holds the declared answer and the verdict as text and symbol:
// the matrix reads without colour. Class is the verdict, for styling only.
type matrixCell struct {
	Declared, Verdict, Class, Title string
}

// dashboardMatrix is GET /tableau-de-bord/matrice: one row per hoster, one
// column per commitment of the default charter version, 100 hosters a page.
func (s *Server) dashboardMatrix(c echo.Context) error {
	ctx := c.Request().Context()
	l := s.newView(c, "").L
	ch := catalog.DefaultCharter()
	local := false
	hs, err := s.store.ListHosters(ctx, catalog.HosterFilter{Local: &local, IncludeHidden: true})
	if err != nil {
		return err
	}
	page, _ := strconv.Atoi(c.QueryParam("page"))
	pages := max(1, (len(hs)+matrixPerPage-1)/matrixPerPage)
	page = min(max(page, 1), pages)
	hs = hs[(page-1)*matrixPerPage : min(page*matrixPerPage, len(hs))]
	verdicts, err := s.store.LatestVerdicts(ctx)
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
	heads, err := s.store.LatestAuditHeads(ctx)
	if err != nil {
		return err
	}
	draftOf := map[int64]int64{}
	for _, a := range drafts {
		draftOf[a.HosterID] = a.ID
	}
	// Cell texts are looked up once, not per cell in the template.
	answerText := map[string]string{"": "–"}
	for _, a := range []string{catalog.AnswerYes, catalog.AnswerPartial, catalog.AnswerNo, catalog.AnswerNotApplicable} {
		answerText[a] = l.T("dash.matrix.answer." + a)
	}
	verdictText := map[string]string{"": "·"}
	verdictTitle := map[string]string{"": l.T("verdict.none")}
	for _, v := range catalog.Verdicts {
		verdictText[v] = l.T("verdict." + v + ".symbol")
		verdictTitle[v] = l.T("verdict." + v)
	}
	d := &matrixData{Charter: ch, Columns: ch.Commitments, Page: page, Pages: pages}
	if page > 1 {
		d.PrevPage = page - 1
	}
	if page < pages {
		d.NextPg = page + 1
	}
	for _, h := range hs {
		r := matrixRow{Hoster: h, Cells: make([]matrixCell, len(ch.Commitments))}
		answers := map[string]string{}
		if decl := decls[h.ID]; decl != nil {
			for _, a := range decl.Answers {
				answers[a.Commitment] = a.Status
			}
		}
		if a := heads[h.ID]; a != nil {
			r.AuditID = a.ID
		}
		if id, ok := draftOf[h.ID]; ok {
			r.AuditID, r.Draft = id, true
		}
		vs := verdicts[h.ID]
		for i, cm := range ch.Commitments {
			v := vs[cm.ID]
			r.Cells[i] = matrixCell{Declared: answerText[answers[cm.ID]], Verdict: verdictText[v], Class: v, Title: verdictTitle[v]}
		}
		d.Rows = append(d.Rows, r)
	}
	return s.render(c, http.StatusOK, "dash_matrix", s.newDashView(c, "matrix", "dash.matrix.title", d))
}
