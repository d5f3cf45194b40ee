package frontend

import (
	"errors"
	"net/http"
	"strings"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/federation"
	"codeberg.org/portee/portee/search/gazetteer"
	"github.com/labstack/echo/v4"
)

// hosterData is what the hoster page shows.
type hosterData struct {
	Hoster      *catalog.Hoster
	Status      string
	StatusClass string
	OrgType     string
	DepName     string
	Uptime      string
	Offers      []offerItem
	Charter     *charterSummary
	Map         *mapView
	Audit       *auditSummary // latest published audit, nil when none
	Observed    *observedFacts
}

// charterSummary counts a declaration's answers per axis of its charter,
// and over the required commitments. An unanswered commitment is counted
// as such, never as a "no", and "not applicable" is an answer of its own.
type charterSummary struct {
	Title, Version string
	Axes           []axisCount
	Required       axisCount
}

type axisCount struct {
	Title                                       string
	Yes, Partial, No, NotApplicable, Unanswered int
}

// Total is the number of commitments counted.
func (a axisCount) Total() int { return a.Yes + a.Partial + a.No + a.NotApplicable + a.Unanswered }

// Answered is the number of commitments with a declared answer.
func (a axisCount) Answered() int { return a.Total() - a.Unanswered }

func (a *axisCount) add(status string) {
	switch status {
	case catalog.AnswerYes:
		a.Yes++
	case catalog.AnswerPartial:
		a.Partial++
	case catalog.AnswerNo:
		a.No++
	case catalog.AnswerNotApplicable:
		a.NotApplicable++
	default:
		a.Unanswered++
	}
}

// hosterPage is /hebergeurs/user@host. ActivityPub clients are sent to the
// actor itself: the directory does not re-serve remote documents.
func (s *Server) hosterPage(c echo.Context) error {
	user, domain, ok := strings.Cut(c.Param("acct"), "@")
	if !ok || user == "" || domain == "" {
		return errNotFound
	}
	h, err := s.store.HosterByAcct(c.Request().Context(), strings.TrimPrefix(user, "@"), domain)
	if err != nil {
		return err
	}
	if !h.Discoverable {
		return errNotFound
	}
	c.Response().Header().Add("Vary", "Accept")
	if federation.WantsActivityJSON(c.Request()) {
		return c.Redirect(http.StatusSeeOther, h.ActorID)
	}
	return s.renderHoster(c, h)
}

// localHosterPage is the node's HTML page of one of its own hosters.
func (s *Server) localHosterPage(c echo.Context) error {
	hs, err := s.store.LocalHosters(c.Request().Context())
	if err != nil {
		return err
	}
	for i := range hs {
		if hs[i].Username == c.Param("username") {
			return s.renderHoster(c, &hs[i])
		}
	}
	return errNotFound
}

func (s *Server) renderHoster(c echo.Context, h *catalog.Hoster) error {
	ctx := c.Request().Context()
	v := s.newView(c, "hosters")
	v.Title = h.Name
	v.Alternates = append(v.Alternates, alternate{Type: "application/activity+json", Href: h.ActorID})
	d := &hosterData{Hoster: h, Status: knownStatus(h.Status)}
	d.StatusClass = d.Status
	if d.Status == catalog.HosterActive {
		d.StatusClass = "ok"
	}
	switch h.OrgType {
	case "association", "cooperative", "company", "individual", "informal", "public":
		d.OrgType = h.OrgType
	}
	if name, _, ok := gazetteer.Departement(h.Departement); ok {
		d.DepName = name
	}
	if h.Checks > 0 {
		d.Uptime = v.L.T("hoster.uptime_value", v.L.Percent(float64(h.ChecksOK)/float64(h.Checks)), v.L.Int(h.Checks))
	}
	offers, err := s.store.OffersByHoster(ctx, h.ID)
	if err != nil {
		return err
	}
	dir := s.cfg.Role == "directory"
	for i := range offers {
		d.Offers = append(d.Offers, itemFromOffer(v.L, h, &offers[i], dir))
	}
	d.Charter, err = s.charterSummary(c, v.L, h)
	if err != nil {
		return err
	}
	auditPrefix := "/hebergeurs/" + h.Acct()
	if s.cfg.Role == "node" {
		auditPrefix = c.Request().URL.Path
	}
	if d.Audit, err = s.latestAuditSummary(ctx, v.L, h, auditPrefix); err != nil {
		return err
	}
	if d.Observed, err = s.observedFor(ctx, v.L, h); err != nil {
		return err
	}
	if h.HasCoords() {
		if x, y, ok := s.geo.Project(*h.Latitude, *h.Longitude); ok {
			vb, scale := s.geo.view([][2]float64{{x, y}}, true, 260)
			d.Map = &mapView{ViewBox: vb, Base: s.assets.URL("france.svg"), W: mapWidth, H: mapHeight,
				Label: v.L.T("map.label_hoster"),
				Dots:  []mapDot{{X: num(x), Y: num(y), R: num(9 * scale), Href: v.L.URL(c.Request().URL.Path), Label: h.Name}}}
			v.MapFooter = true
		}
	}
	v.Data = d
	return s.render(c, http.StatusOK, "hoster", v)
}

// charterSummary loads the hoster's declaration and the charter version it
// answers; nil when there is no declaration or the charter is unknown.
func (s *Server) charterSummary(c echo.Context, l *Localizer, h *catalog.Hoster) (*charterSummary, error) {
	ctx := c.Request().Context()
	decl, err := s.store.DeclarationByHoster(ctx, h.ID)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ch, err := s.store.Charter(ctx, decl.CharterID, decl.CharterVersion)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return summarize(l, ch, decl), nil
}

func summarize(l *Localizer, ch *catalog.Charter, decl *catalog.CharterDeclaration) *charterSummary {
	answers := map[string]string{}
	for _, a := range decl.Answers {
		answers[a.Commitment] = a.Status
	}
	sum := &charterSummary{Title: ch.TitleFR, Version: ch.Version}
	if l.Lang == langEN && ch.TitleEN != "" {
		sum.Title = ch.TitleEN
	}
	index := map[string]int{}
	for _, ax := range ch.Axes {
		t := ax.TitleFR
		if l.Lang == langEN && ax.TitleEN != "" {
			t = ax.TitleEN
		}
		index[ax.ID] = len(sum.Axes)
		sum.Axes = append(sum.Axes, axisCount{Title: t})
	}
	for _, cm := range ch.Commitments {
		i, ok := index[cm.Axis]
		if !ok {
			continue
		}
		st := answers[cm.ID]
		sum.Axes[i].add(st)
		if cm.Required {
			sum.Required.add(st)
		}
	}
	return sum
}
