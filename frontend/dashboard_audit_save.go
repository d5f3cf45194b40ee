package frontend

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/frontend/auth"
	"github.com/labstack/echo/v4"
)

// maxEvidenceLinks bounds the evidence links of one verdict.
const maxEvidenceLinks = 20

// dashboardAuditSave is POST /tableau-de-bord/audits/:id: saves the form's
// verdicts (each commitment on its own, see catalog.SaveVerdicts) and, when
// the button was "publish" and nothing conflicted, publishes the audit.
func (s *Server) dashboardAuditSave(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	me := auth.FromContext(c)
	l := s.newView(c, "").L
	f, err := s.auditForm(ctx, id, l)
	if err != nil {
		return err
	}
	if f.Audit.State != catalog.AuditDraft {
		return &pageError{Status: http.StatusConflict, Key: "dash.audit.published_immutable"}
	}
	form, err := c.FormParams()
	if err != nil {
		return &pageError{Status: http.StatusBadRequest, Key: "error.400"}
	}
	var edits []catalog.VerdictEdit
	for _, cm := range f.Charter.Commitments {
		key := cm.ID
		if _, ok := form["v."+key]; !ok {
			continue
		}
		e := catalog.VerdictEdit{Verdict: catalog.Verdict{Commitment: key, Verdict: form.Get("v." + key),
			PublicComment: strings.TrimSpace(form.Get("c." + key)), PrivateNote: strings.TrimSpace(form.Get("n." + key))}}
		e.BaseRevision, _ = strconv.Atoi(form.Get("r." + key))
		if !catalog.ValidVerdict(e.Verdict.Verdict) {
			return &pageError{Status: http.StatusBadRequest, Key: "error.400"}
		}
		if len(e.PublicComment) > catalog.MaxAuditText || len(e.PrivateNote) > catalog.MaxAuditText {
			f.Error = "dash.audit.too_long"
			return s.renderAuditForm(c, http.StatusRequestEntityTooLarge, f)
		}
		for _, line := range strings.Split(form.Get("e."+key), "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			if u, err := url.Parse(line); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(line) > 2000 {
				f.Error = "dash.audit.bad_link"
				return s.renderAuditForm(c, http.StatusBadRequest, f)
			}
			e.Evidence = append(e.Evidence, line)
		}
		if len(e.Evidence) > maxEvidenceLinks {
			f.Error = "dash.audit.bad_link"
			return s.renderAuditForm(c, http.StatusBadRequest, f)
		}
		edits = append(edits, e)
	}
	conflicts, err := s.store.SaveVerdicts(ctx, id, edits, me.Ref())
	if errors.Is(err, catalog.ErrPublished) {
		return &pageError{Status: http.StatusConflict, Key: "dash.audit.published_immutable"}
	}
	if err != nil {
		return err
	}
	if len(conflicts) > 0 {
		f, err = s.auditForm(ctx, id, l)
		if err != nil {
			return err
		}
		for _, e := range edits {
			for _, k := range conflicts {
				if e.Commitment == k {
					f.Conflicts = append(f.Conflicts, conflictItem{Commitment: k, Mine: e.Verdict})
				}
			}
		}
		return s.renderAuditForm(c, http.StatusConflict, f)
	}
	if c.FormValue("action") == "publish" {
		acct := f.Hoster.Acct()
		_, err := s.store.PublishAudit(ctx, id, func(id int64) string { return AuditObjectID(s.cfg.BaseURL, acct, id) },
			PublisherActor(s.cfg.BaseURL), me.Ref())
		if errors.Is(err, catalog.ErrPublished) {
			return &pageError{Status: http.StatusConflict, Key: "dash.audit.published_immutable"}
		}
		if err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/hebergeurs/"+acct+"/audits/"+strconv.FormatInt(id, 10))
	}
	return c.Redirect(http.StatusSeeOther, dashboardPath+"/audits/"+strconv.FormatInt(id, 10)+"?enregistre=1")
}
