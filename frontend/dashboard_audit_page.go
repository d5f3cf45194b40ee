package frontend

import (
	"context"
	"errors"
	"net/http"

	"codeberg.org/portee/portee/catalog"
	"github.com/labstack/echo/v4"
)

// auditForm is the audit form: per commitment, side by side, the charter's
// text and how to verify it, the hoster's answer, the previous verdict, the
// observatory's findings that inform it (discrepancies first) and this
// audit's verdict.
type auditForm struct {
	Audit       *catalog.Audit
	Hoster      *catalog.Hoster
	Charter     *catalog.Charter
	Axes        []auditFormAxis
	Previous    *catalog.Audit
	History     []catalog.Audit // published audits of the hoster, newest first
	DeclChanged bool            // the hoster's declaration changed since the snapshot
	Verdicts    []string
	Saved       bool
	Conflicts   []conflictItem
	Error       string // translation key
	MaxText     int
	Observed    *auditObservations // the latest observation; nil if never observed
}

type auditFormAxis struct {
	Title string
	Items []auditFormItem
}

type auditFormItem struct {
	Commitment   catalog.Commitment
	Title        string
	Text         string
	Verify       string
	Answer       *catalog.Answer // from the declaration kept in the audit
	Previous     *catalog.Verdict
	Verdict      catalog.Verdict
	Evidence     string // one link per line
	Observations []auditObservation
}

// conflictItem is an edit that was not saved because another auditor saved
// the same commitment meanwhile: shown back so that nothing typed is lost.
type conflictItem struct {
	Commitment string
	Mine       catalog.Verdict
}

// dashboardAuditPage is GET /tableau-de-bord/audits/:id.
func (s *Server) dashboardAuditPage(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	f, err := s.auditForm(c.Request().Context(), id, s.newView(c, "").L)
	if err != nil {
		return err
	}
	f.Saved = c.QueryParam("enregistre") == "1"
	return s.renderAuditForm(c, http.StatusOK, f)
}

func (s *Server) renderAuditForm(c echo.Context, status int, f *auditForm) error {
	v := s.newDashView(c, "audits", "dash.audit.title", f)
	v.Title = v.L.T("dash.audit.title_of", f.Hoster.Name)
	return s.render(c, status, "dash_audit", v)
}

func (s *Server) auditForm(ctx context.Context, id int64, l *Localizer) (*auditForm, error) {
	a, err := s.store.AuditByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.Received {
		return nil, errNotFound
	}
	h, err := s.store.HosterByID(ctx, a.HosterID)
	if err != nil {
		return nil, err
	}
	ch, err := s.charterFor(ctx, a.CharterID, a.CharterVersion)
	if err != nil {
		return nil, err
	}
	f := &auditForm{Audit: a, Hoster: h, Charter: ch, Verdicts: catalog.Verdicts, MaxText: catalog.MaxAuditText}
	if a.Supersedes != nil {
		if f.Previous, err = s.store.AuditByID(ctx, *a.Supersedes); err != nil {
			return nil, err
		}
	}
	received := false
	if f.History, err = s.store.Audits(ctx, catalog.AuditFilter{HosterID: h.ID, State: catalog.AuditPublished, Received: &received}); err != nil {
		return nil, err
	}
	if decl, err := s.store.DeclarationByHoster(ctx, h.ID); err == nil {
		f.DeclChanged = a.DeclarationUpdated == nil || decl.Updated.After(*a.DeclarationUpdated)
	} else if !errors.Is(err, catalog.ErrNotFound) {
		return nil, err
	}
	if f.Observed, err = s.observationsForAudit(ctx, l, h); err != nil {
		return nil, err
	}
	answers := map[string]*catalog.Answer{}
	for i := range a.Declaration.Answers {
		answers[a.Declaration.Answers[i].Commitment] = &a.Declaration.Answers[i]
	}
	axisIndex := map[string]int{}
	for _, ax := range ch.Axes {
		axisIndex[ax.ID] = len(f.Axes)
		f.Axes = append(f.Axes, auditFormAxis{Title: pick(l, ax.TitleFR, ax.TitleEN)})
	}
	for _, cm := range ch.Commitments {
		i, ok := axisIndex[cm.Axis]
		if !ok {
			continue
		}
		it := auditFormItem{Commitment: cm, Title: pick(l, cm.TitleFR, cm.TitleEN), Text: pick(l, cm.TextFR, cm.TextEN),
			Verify: pick(l, cm.VerifyFR, cm.VerifyEN), Answer: answers[cm.ID], Verdict: a.Verdict(cm.ID)}
		if f.Previous != nil {
			if pv := f.Previous.Verdict(cm.ID); pv.Verdict != "" {
				it.Previous = &pv
			}
		}
		if f.Observed != nil {
			it.Observations = f.Observed.By[cm.ID]
		}
		for j, e := range it.Verdict.Evidence {
			if j > 0 {
				it.Evidence += "\n"
			}
			it.Evidence += e
		}
		f.Axes[i].Items = append(f.Axes[i].Items, it)
	}
	return f, nil
}

// pick chooses the English text on English pages when there is one.
func pick(l *Localizer, fr, en string) string {
	if l.Lang == langEN && en != "" {
		return en
	}
	return fr
}
