package frontend

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"codeberg.org/portee/portee/catalog"
	"github.com/labstack/echo/v4"
)

// charterRow is one commitment with the hoster's answer.
type charterRow struct {
	C       catalog.Commitment
	Title   string
	Text    string
	Verify  string
	A       catalog.Answer
	Field   int  // index of the answer in the file, for its errors
	Changed bool // differs from the declaration the last audit received judged
	Err     string
}

// charterForm is the charter answers page.
type charterForm struct {
	formState
	CharterID, CharterVersion string
	Rows                      []charterRow
	Answers                   []string
	Audited                   bool // an audit was received: Changed means something
}

// nodeDashCharter is GET /gestion/charte.
func (s *Server) nodeDashCharter(c echo.Context) error {
	f, st, err := s.loadHoster(c)
	if err != nil {
		return err
	}
	return s.renderCharter(c, http.StatusOK, f, &charterForm{formState: st}, nil)
}

// nodeDashCharterSave is POST /gestion/charte: one answer, evidence and
// comment per commitment (fields status.<id>, evidence.<id>, comment.<id>);
// a commitment left without status is left out of the declaration.
func (s *Server) nodeDashCharterSave(c echo.Context) error {
	f, st, err := s.loadHoster(c)
	if err != nil {
		return err
	}
	l := s.newView(c, "").L
	ch, err := s.hosterCharter(c.Request().Context(), f)
	if err != nil {
		return err
	}
	fc := &catalog.FileCharter{ID: ch.ID, Version: ch.Version}
	if f.Charter != nil {
		fc.ID = f.Charter.ID
	}
	for _, cm := range ch.Commitments {
		a := catalog.Answer{Commitment: cm.ID, Status: c.FormValue("status." + cm.ID),
			EvidenceURL: strings.TrimSpace(c.FormValue("evidence." + cm.ID)), Comment: strings.TrimSpace(c.FormValue("comment." + cm.ID))}
		if a.Status == "" && a.EvidenceURL == "" && a.Comment == "" {
			continue
		}
		fc.Answers = append(fc.Answers, a)
	}
	f.Charter = fc
	form := &charterForm{formState: st}
	form.Version = c.FormValue("version")
	if err := s.saveHoster(c, f, &form.formState, l, "charter.", map[string]bool{}); err != nil {
		return err
	}
	if form.Saved {
		return c.Redirect(http.StatusSeeOther, l.URL(nodeDashPath+"/charte", "enregistre", "1"))
	}
	status := http.StatusUnprocessableEntity
	if form.Conflict {
		status = http.StatusConflict
	}
	return s.renderCharter(c, status, f, form, ch)
}

// hosterCharter is the charter version the hoster answers (the default
// one when it answers none yet).
func (s *Server) hosterCharter(ctx context.Context, f *catalog.HosterFile) (*catalog.Charter, error) {
	if f.Charter == nil || f.Charter.Version == "" {
		return catalog.DefaultCharter(), nil
	}
	id := f.Charter.ID
	if id == "" {
		id = catalog.DefaultCharterID
	}
	return s.charterFor(ctx, id, f.Charter.Version)
}

func (s *Server) renderCharter(c echo.Context, status int, f *catalog.HosterFile, form *charterForm, ch *catalog.Charter) error {
	ctx := c.Request().Context()
	var err error
	if ch == nil {
		if ch, err = s.hosterCharter(ctx, f); err != nil {
			return err
		}
	}
	l := s.newView(c, "").L
	form.CharterID, form.CharterVersion = ch.ID, ch.Version
	form.Answers = []string{catalog.AnswerYes, catalog.AnswerPartial, catalog.AnswerNo, catalog.AnswerNotApplicable}
	answers := map[string]int{}
	if f.Charter != nil {
		for i, a := range f.Charter.Answers {
			answers[a.Commitment] = i
		}
	}
	audited, err := s.lastReceivedAnswers(ctx)
	if err != nil {
		return err
	}
	form.Audited = audited != nil
	// Errors name answers by their place in the file ("answers[3].status").
	errs := map[int]string{}
	for _, o := range form.Other {
		field, msg, _ := strings.Cut(o, "\u00a0: ")
		if rest, ok := strings.CutPrefix(field, "charter.answers["); ok {
			if n, err := strconv.Atoi(rest[:strings.IndexByte(rest+"]", ']')]); err == nil {
				errs[n] = msg
			}
		}
	}
	for _, cm := range ch.Commitments {
		r := charterRow{C: cm, Title: cm.TitleFR, Text: cm.TextFR, Verify: cm.VerifyFR, Field: -1}
		if l.Lang == langEN {
			r.Title, r.Text, r.Verify = cm.TitleEN, cm.TextEN, cm.VerifyEN
		}
		r.A.Commitment = cm.ID
		if i, ok := answers[cm.ID]; ok {
			r.A, r.Field = f.Charter.Answers[i], i
			r.Err = errs[i]
		}
		if audited != nil {
			prev := audited[cm.ID]
			prev.Commitment = cm.ID // unanswered then and now is no change
			r.Changed = prev != r.A
		}
		form.Rows = append(form.Rows, r)
	}
	form.Saved = form.Saved || (c.QueryParam("enregistre") == "1" && status == http.StatusOK)
	v := s.newNodeDashView(c, "charter", "gestion.charter.title", form)
	return s.render(c, status, "gestion_charter", v)
}

// lastReceivedAnswers are the answers of the declaration that the newest
// audit received judged, by commitment; nil when no audit was received.
func (s *Server) lastReceivedAnswers(ctx context.Context) (map[string]catalog.Answer, error) {
	hs, err := s.store.LocalHosters(ctx)
	if err != nil || len(hs) == 0 {
		return nil, err
	}
	yes := true
	as, err := s.store.Audits(ctx, catalog.AuditFilter{HosterID: hs[0].ID, Received: &yes, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, nil
	}
	out := map[string]catalog.Answer{}
	for _, a := range as[0].Declaration.Answers {
		out[a.Commitment] = a
	}
	return out, nil
}
