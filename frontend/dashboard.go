package frontend

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/frontend/auth"
	"github.com/labstack/echo/v4"
)

// The collective's dashboard lives under dashboardPath. Every page of it
// needs a session (auth.Manager.Require); pages for admins only say so in
// their route. Other areas (compliance, statistics, charters) add their
// entries to dashboardNav and their routes next to ours in routes.go.
const dashboardPath = "/tableau-de-bord"

// dashNavItem is one entry of the dashboard's menu.
type dashNavItem struct {
	Key, Path, Nav string
	AdminOnly      bool
}

// dashboardNav is the dashboard's menu, in order.
var dashboardNav = []dashNavItem{
	{Key: "dash.nav.overview", Path: dashboardPath, Nav: "overview"},
	{Key: "dash.nav.audits", Path: dashboardPath + "/audits", Nav: "audits"},
	{Key: "dash.nav.matrix", Path: dashboardPath + "/matrice", Nav: "matrix"},
	{Key: "dash.nav.accounts", Path: dashboardPath + "/comptes", Nav: "accounts", AdminOnly: true},
	{Key: "dash.nav.activity", Path: dashboardPath + "/journal", Nav: "activity", AdminOnly: true},
}

// dashboardPageNames are the templates of the dashboard and of the pages
// around it (sign-in, public audits).
var dashboardPageNames = []string{"signin", "signin_link", "dash_overview", "dash_audits", "dash_audit", "dash_matrix",
	"dash_accounts", "dash_activity", "audit_public"}

// dashView is what every dashboard page gets in view.Data.Dash.
type dashView struct {
	Me   *auth.Current
	CSRF string
	Menu []dashNavItem
	Nav  string
	Page any
}

// requireStaff and requireAdmin guard the dashboard's routes.
func (s *Server) requireStaff() echo.MiddlewareFunc { return s.auth.Require() }
func (s *Server) requireAdmin() echo.MiddlewareFunc {
	return s.auth.Require(catalog.RoleAdmin)
}

// Auth is the session manager, shared with whatever else mounts staff
// pages on this server.
func (s *Server) Auth() *auth.Manager { return s.auth }

// newDashView builds the dashboard frame of a page for the signed-in account.
func (s *Server) newDashView(c echo.Context, nav, titleKey string, page any) *view {
	v := s.newView(c, "dashboard")
	v.Alternates = nil
	v.FormReferrer = true
	me := auth.FromContext(c)
	d := &dashView{Me: me, Nav: nav, Page: page}
	if me != nil {
		d.CSRF = me.CSRF
		for _, it := range dashboardNav {
			if !it.AdminOnly || me.Account.Role == catalog.RoleAdmin {
				d.Menu = append(d.Menu, it)
			}
		}
	}
	v.Title = v.L.T(titleKey)
	v.Data = d
	return v
}

// dashboardKeys are the translation keys built at run time by the
// dashboard and the audit pages.
func dashboardKeys() []string {
	var keys []string
	for _, v := range catalog.Verdicts {
		keys = append(keys, "verdict."+v, "verdict."+v+".symbol", "verdict."+v+".about")
	}
	for _, it := range dashboardNav {
		keys = append(keys, it.Key)
	}
	for _, r := range []string{catalog.RoleAdmin, catalog.RoleAuditor} {
		keys = append(keys, "role."+r)
	}
	return keys
}

// hosterByAcctParam resolves ":acct" (user@host) to a hoster.
func (s *Server) hosterByAcctParam(ctx context.Context, acct string) (*catalog.Hoster, error) {
	user, domain, ok := strings.Cut(strings.TrimPrefix(acct, "@"), "@")
	if !ok || user == "" || domain == "" {
		return nil, errNotFound
	}
	return s.store.HosterByAcct(ctx, user, domain)
}

// idParam parses a positive integer route parameter, else 404.
func idParam(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

// charterFor returns the charter version an audit or declaration names,
// the default outline when it is not stored.
func (s *Server) charterFor(ctx context.Context, id, version string) (*catalog.Charter, error) {
	ch, err := s.store.Charter(ctx, id, version)
	if errors.Is(err, catalog.ErrNotFound) {
		return catalog.DefaultCharter(), nil
	}
	return ch, err
}

// errForbidden is the 403 page.
var errForbidden = &pageError{Status: http.StatusForbidden, Key: "error.403"}

// AuditObjectID is the ActivityPub id of a published audit: its public
// page on the directory at baseURL.
func AuditObjectID(baseURL, acct string, id int64) string {
	return strings.TrimRight(baseURL, "/") + "/hebergeurs/" + acct + "/audits/" + strconv.FormatInt(id, 10)
}

// PublisherActor is the directory actor that publishes audits (its
// Application actor).
func PublisherActor(baseURL string) string { return strings.TrimRight(baseURL, "/") + "/actor" }
