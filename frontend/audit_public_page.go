package frontend

import (
	"context"
	"net/http"
	"strconv"

	"codeberg.org/portee/portee/catalog"
	"github.com/labstack/echo/v4"
)

// auditSummary is a published audit counted per axis, for the hoster page.
type auditSummary struct {
	Audit     *catalog.Audit
	Publisher string
	Href      string
	Axes      []auditAxisCount
	Count     int // published audits of the hoster, history included
}

type auditAxisCount struct {
	Title                                         string
	Conforme, Partiel, NonConforme, NonVerifiable int
	SansObjet, None                               int
}

// publicAudit is the full public page of one published audit.
type publicAudit struct {
	Hoster  *catalog.Hoster
	Audit   *catalog.Audit
	Summary *auditSummary
	Axes    []auditFormAxis
	History []catalog.Audit
}

// latestAuditSummary is the hoster page's audit block: nil when the hoster
// has no published audit. Private notes are never read into it.
func (s *Server) latestAuditSummary(ctx context.Context, l *Localizer, h *catalog.Hoster, pathPrefix string) (*auditSummary, error) {
	as, err := s.store.Audits(ctx, catalog.AuditFilter{HosterID: h.ID, State: catalog.AuditPublished, WithVerdicts: true})
	if err != nil || len(as) == 0 {
		return nil, err
	}
	sum, err := s.summarizeAudit(ctx, l, &as[0])
	if err != nil {
		return nil, err
	}
	sum.Count = len(as)
	sum.Href = l.URL(pathPrefix + "/audits/" + itoa64(as[0].ID))
	return sum, nil
}

func (s *Server) summarizeAudit(ctx context.Context, l *Localizer, a *catalog.Audit) (*auditSummary, error) {
	ch, err := s.charterFor(ctx, a.CharterID, a.CharterVersion)
	if err != nil {
		return nil, err
	}
	sum := &auditSummary{Audit: a, Publisher: a.PublisherActor}
	idx := map[string]int{}
	for _, ax := range ch.Axes {
		idx[ax.ID] = len(sum.Axes)
		sum.Axes = append(sum.Axes, auditAxisCount{Title: pick(l, ax.TitleFR, ax.TitleEN)})
	}
	for _, cm := range ch.Commitments {
		i, ok := idx[cm.Axis]
		if !ok {
			continue
		}
		switch a.Verdict(cm.ID).Verdict {
		case catalog.VerdictConforme:
			sum.Axes[i].Conforme++
		case catalog.VerdictPartiel:
			sum.Axes[i].Partiel++
		case catalog.VerdictNonConforme:
			sum.Axes[i].NonConforme++
		case catalog.VerdictNonVerifiable:
			sum.Axes[i].NonVerifiable++
		case catalog.VerdictSansObjet:
			sum.Axes[i].SansObjet++
		default:
			sum.Axes[i].None++
		}
	}
	return sum, nil
}

// auditPublicPage is /hebergeurs/:acct/audits/:id: every verdict and public
// comment of a published audit. Drafts do not exist here (404).
func (s *Server) auditPublicPage(c echo.Context) error {
	ctx := c.Request().Context()
	h, err := s.hosterByAcctParam(ctx, c.Param("acct"))
	if err != nil {
		return err
	}
	return s.renderPublicAudit(c, h)
}

func (s *Server) renderPublicAudit(c echo.Context, h *catalog.Hoster) error {
	ctx := c.Request().Context()
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	a, err := s.store.AuditByID(ctx, id)
	if err != nil {
		return err
	}
	if a.HosterID != h.ID || a.State != catalog.AuditPublished {
		return errNotFound
	}
	for i := range a.Verdicts {
		a.Verdicts[i].PrivateNote = "" // never outside the dashboard
	}
	v := s.newView(c, "hosters")
	f, err := s.auditFormOf(ctx, v.L, a)
	if err != nil {
		return err
	}
	sum, err := s.summarizeAudit(ctx, v.L, a)
	if err != nil {
		return err
	}
	hist, err := s.store.Audits(ctx, catalog.AuditFilter{HosterID: h.ID, State: catalog.AuditPublished})
	if err != nil {
		return err
	}
	v.Title = v.L.T("audit.public.title", h.Name)
	v.Data = &publicAudit{Hoster: h, Audit: a, Summary: sum, Axes: f, History: hist}
	return s.render(c, http.StatusOK, "audit_public", v)
}

// auditFormOf lays an audit's verdicts out per axis, as the form does.
func (s *Server) auditFormOf(ctx context.Context, l *Localizer, a *catalog.Audit) ([]auditFormAxis, error) {
	ch, err := s.charterFor(ctx, a.CharterID, a.CharterVersion)
	if err != nil {
		return nil, err
	}
	answers := map[string]*catalog.Answer{}
	for i := range a.Declaration.Answers {
		answers[a.Declaration.Answers[i].Commitment] = &a.Declaration.Answers[i]
	}
	idx := map[string]int{}
	var axes []auditFormAxis
	for _, ax := range ch.Axes {
		idx[ax.ID] = len(axes)
		axes = append(axes, auditFormAxis{Title: pick(l, ax.TitleFR, ax.TitleEN)})
	}
	for _, cm := range ch.Commitments {
		i, ok := idx[cm.Axis]
		if !ok {
			continue
		}
		axes[i].Items = append(axes[i].Items, auditFormItem{Commitment: cm, Title: pick(l, cm.TitleFR, cm.TitleEN),
			Answer: answers[cm.ID], Verdict: a.Verdict(cm.ID)})
	}
	return axes, nil
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
