package frontend

import (
	"errors"
	"net/http"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/frontend/auth"
	"github.com/labstack/echo/v4"
)

// signinLinkData is the form behind a one-time sign-in link.
type signinLinkData struct {
	Token, Jeton, Error string
}

// signinLinkPage is GET /connexion/lien?jeton=…: a form to choose a
// password. The GET spends nothing (link previews must not burn the link).
func (s *Server) signinLinkPage(c echo.Context) error {
	return s.renderSigninLink(c, http.StatusOK, &signinLinkData{Jeton: c.QueryParam("jeton")})
}

func (s *Server) renderSigninLink(c echo.Context, status int, d *signinLinkData) error {
	v := s.newView(c, "signin")
	v.Alternates = nil
	v.FormReferrer = true
	v.Title = v.L.T("signin.link.title")
	d.Token = s.auth.FormToken()
	v.Data = d
	c.Response().Header().Set("Cache-Control", "no-store")
	auth.FormReferrerPolicy(c.Response().Header())
	return s.render(c, status, "signin_link", v)
}

// signinLinkSubmit is POST /connexion/lien: spends the token, sets the
// password and signs in.
func (s *Server) signinLinkSubmit(c echo.Context) error {
	if !auth.SameOrigin(c.Request()) || !s.auth.FormTokenOK(c.FormValue(auth.CSRFField)) {
		return errForbidden
	}
	d := &signinLinkData{Jeton: c.FormValue("jeton")}
	pw := c.FormValue("password")
	if err := auth.CheckPassword(pw); err != nil {
		d.Error = "signin.password.short"
		if errors.Is(err, auth.ErrPasswordCommon) {
			d.Error = "signin.password.common"
		}
		return s.renderSigninLink(c, http.StatusBadRequest, d)
	}
	if pw != c.FormValue("password2") {
		d.Error = "signin.password.differ"
		return s.renderSigninLink(c, http.StatusBadRequest, d)
	}
	ctx := c.Request().Context()
	acct, err := s.store.UseAccountToken(ctx, auth.HashToken(d.Jeton), catalog.TokenSignIn)
	if errors.Is(err, catalog.ErrNotFound) {
		d.Error = "signin.link.invalid"
		return s.renderSigninLink(c, http.StatusBadRequest, d)
	}
	if err != nil {
		return err
	}
	h, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	if err := s.store.UpdateAccount(ctx, acct.ID, h, "", nil, catalog.StaffRef{AccountID: acct.ID, Email: acct.Email}); err != nil {
		return err
	}
	if err := s.auth.StartSession(c, acct); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, s.dashHome())
}
