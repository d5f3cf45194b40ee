package frontend

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/frontend/auth"
	"github.com/labstack/echo/v4"
)

// auditsData lists every hoster with its latest audit and open draft.
type auditsData struct {
	Rows []auditsRow
}

type auditsRow struct {
	Hoster catalog.Hoster
	Latest *catalog.Audit
	Draft  *catalog.Audit
}

// dashboardAudits is GET /tableau-de-bord/audits: every hoster, its latest
// published audit and its draft, with a button to open or continue one.
func (s *Server) dashboardAudits(c echo.Context) error {
	ctx := c.Request().Context()
	local := false
	hs, err := s.store.ListHosters(ctx, catalog.HosterFilter{Local: &local, IncludeHidden: true})
	if err != nil {
		return err
	}
	latest, err := s.store.LatestPublishedAudits(ctx)
	if err != nil {
		return err
	}
	received := false
	drafts, err := s.store.Audits(ctx, catalog.AuditFilter{State: catalog.AuditDraft, Received: &received})
	if err != nil {
		return err
	}
	draftOf := map[int64]*catalog.Audit{}
	for i := range drafts {
		draftOf[drafts[i].HosterID] = &drafts[i]
	}
	d := &auditsData{}
	for _, h := range hs {
		d.Rows = append(d.Rows, auditsRow{Hoster: h, Latest: latest[h.ID], Draft: draftOf[h.ID]})
	}
	return s.render(c, http.StatusOK, "dash_audits", s.newDashView(c, "audits", "dash.audits.title", d))
}

// dashboardAuditOpen is POST /tableau-de-bord/audits: opens a draft for the
// hoster (or finds the one open) and goes to its form.
func (s *Server) dashboardAuditOpen(c echo.Context) error {
	ctx := c.Request().Context()
	h, err := s.hosterByAcctParam(ctx, c.FormValue("hoster"))
	if err != nil {
		return err
	}
	ch := catalog.DefaultCharter()
	if decl, err := s.store.DeclarationByHoster(ctx, h.ID); err == nil {
		ch, err = s.charterFor(ctx, decl.CharterID, decl.CharterVersion)
		if err != nil {
			return err
		}
	} else if !errors.Is(err, catalog.ErrNotFound) {
		return err
	}
	var due time.Time
	if v := c.FormValue("due"); v != "" {
		if due, err = time.Parse(time.DateOnly, v); err != nil {
			return &pageError{Status: http.StatusBadRequest, Key: "error.400"}
		}
	}
	a, _, err := s.store.OpenAudit(ctx, h.ID, ch.ID, ch.Version, due, auth.FromContext(c).Ref())
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, dashboardPath+"/audits/"+strconv.FormatInt(a.ID, 10))
}
