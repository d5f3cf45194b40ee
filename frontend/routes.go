package frontend

import (
	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/frontend/auth"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// Register mounts the directory's public pages, API, feeds and assets, and
// makes HandleError the error handler. Paths are French: they are what
// people read and share.
func (s *Server) Register(e *echo.Echo) {
	e.HTTPErrorHandler = s.HandleError
	e.GET("/static/:hash/*", s.assets.serve)
	g := e.Group("", middleware.Gzip(), securityHeaders)
	g.GET("/", s.homePage)
	g.GET("/recherche", s.searchPage)
	g.GET("/hebergeurs", s.hostersPage)
	g.GET("/hebergeurs/:acct", s.hosterPage)
	g.GET("/offres/:id", s.offerPage)
	g.GET("/categories/:category", s.categoryPage)
	g.GET("/carte", s.mapPage)
	g.GET("/entraide", s.entraidePage)
	g.GET("/entraide/:kind/ouvrir", s.entraideOpen)
	g.GET("/entraide/:kind", s.entraideKindPage)
	g.GET("/a-propos", s.aboutPage)
	g.GET("/flux/hebergeurs.atom", s.hostersFeed)
	g.GET("/flux/offres.atom", s.offersFeed)
	g.GET("/api/v1/search", s.apiSearch)
	g.GET("/api/v1/hosters", s.apiHosters)
	g.GET("/api/v1/hosters/:acct/observations", s.apiObservations)
	g.GET("/api/openapi.json", s.apiOpenAPI)
	g.GET("/conformite", s.compliancePage)
	g.GET("/conformite.csv", s.complianceCSV)
	g.GET("/api/v1/compliance", s.apiCompliance)
	g.GET("/statistiques", s.statisticsPage)
	g.GET("/healthz", s.healthz)
	g.GET("/hebergeurs/:acct/audits/:id", s.auditPublicPage)
	g.GET("/api/v1/hosters/:acct/audits", s.apiHosterAudits)
	g.GET(auth.SignInPath, s.signinPage, s.auth.Optional)
	g.POST(auth.SignInPath, s.signinSubmit)
	g.GET(auth.SignInPath+"/lien", s.signinLinkPage)
	g.POST(auth.SignInPath+"/lien", s.signinLinkSubmit)
	g.POST(auth.SignOutPath, s.signoutSubmit, s.requireStaff())
	g.GET(dashboardPath, s.dashboardOverview, s.requireStaff())
	g.GET(dashboardPath+"/audits", s.dashboardAudits, s.requireStaff())
	g.POST(dashboardPath+"/audits", s.dashboardAuditOpen, s.requireStaff())
	g.GET(dashboardPath+"/audits/:id", s.dashboardAuditPage, s.requireStaff())
	g.POST(dashboardPath+"/audits/:id", s.dashboardAuditSave, s.requireStaff())
	g.GET(dashboardPath+"/matrice", s.dashboardMatrix, s.requireStaff())
	g.POST(dashboardPath+"/observer", s.dashboardObserve, s.requireStaff())
	g.GET(dashboardPath+"/comptes", s.dashboardAccounts, s.requireAdmin())
	g.POST(dashboardPath+"/comptes", s.dashboardAccountsSubmit, s.requireAdmin())
	g.GET(dashboardPath+"/journal", s.dashboardActivity, s.requireAdmin())
	g.GET(dashboardPath+"/conformite", s.dashboardCompliance, s.requireStaff())
	g.GET(dashboardPath+"/chartes", s.dashboardCharters, s.requireAdmin())
	g.POST(dashboardPath+"/chartes", s.dashboardChartersLoad, middleware.BodyLimit("512K"), s.requireAdmin())
}

// RegisterNode mounts what a node serves to people besides its actors'
// pages (HosterActorPage): a home page listing its hosters, the assets and
// the health check.
func (s *Server) RegisterNode(e *echo.Echo) {
	e.HTTPErrorHandler = s.HandleError
	e.GET("/static/:hash/*", s.assets.serve)
	g := e.Group("", middleware.Gzip(), securityHeaders)
	g.GET("/", s.nodeHome)
	g.GET("/healthz", s.healthz)
	g.GET("/hosters/:username/audits/:id", s.nodeAuditPage)
	if s.cfg.Hoster == nil {
		return
	}
	admin := s.auth.Require(catalog.RoleAdmin)
	g.GET(auth.SignInPath, s.signinPage, s.auth.Optional)
	g.POST(auth.SignInPath, s.signinSubmit)
	g.GET(auth.SignInPath+"/lien", s.signinLinkPage)
	g.POST(auth.SignInPath+"/lien", s.signinLinkSubmit)
	g.POST(auth.SignOutPath, s.signoutSubmit, s.requireStaff())
	g.GET(nodeDashPath, s.nodeDashOverview, admin)
	g.POST(nodeDashPath+"/livraisons/:id", s.nodeDashRetry, admin)
	g.GET(nodeDashPath+"/identite", s.nodeDashIdentity, admin)
	g.POST(nodeDashPath+"/identite", s.nodeDashIdentitySave, admin)
	g.GET(nodeDashPath+"/offres", s.nodeDashOffers, admin)
	g.GET(nodeDashPath+"/nouvelle-offre", s.nodeDashOffer, admin)
	g.POST(nodeDashPath+"/nouvelle-offre", s.nodeDashOfferSave, admin)
	g.GET(nodeDashPath+"/offres/:key", s.nodeDashOffer, admin)
	g.POST(nodeDashPath+"/offres/:key", s.nodeDashOfferSave, admin)
	g.POST(nodeDashPath+"/offres/:key/etat", s.nodeDashOfferAction, admin)
	g.GET(nodeDashPath+"/charte", s.nodeDashCharter, admin)
	g.POST(nodeDashPath+"/charte", s.nodeDashCharterSave, admin)
}

// HosterActorPage is the HTML twin of a local hoster's actor on a node
// (param "username"); federation answers the same URL to ActivityPub clients.
func (s *Server) HosterActorPage() echo.HandlerFunc {
	return func(c echo.Context) error {
		setSecurityHeaders(c.Response().Header())
		return s.localHosterPage(c)
	}
}

func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		setSecurityHeaders(c.Response().Header())
		return next(c)
	}
}
