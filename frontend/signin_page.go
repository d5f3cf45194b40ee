package frontend

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"codeberg.org/portee/portee/frontend/auth"
	"github.com/labstack/echo/v4"
)

// signinData is the sign-in form.
type signinData struct {
	Token, Email, Return string
	Home                 string // the dashboard of this role
	Error                string // translation key
	Retry                int    // seconds, when throttled
	Me                   *auth.Current
}

// safeReturn keeps a return path only when it is a dashboard path of this
// site (no open redirect).
func (s *Server) safeReturn(p string) string {
	home := s.dashHome()
	if strings.HasPrefix(p, home) && !strings.HasPrefix(p, "//") && !strings.ContainsAny(p, "\\\r\n") {
		return p
	}
	return home
}

// signinPage is GET /connexion: the form, with a CSRF field that needs no
// cookie (visitors get none).
func (s *Server) signinPage(c echo.Context) error {
	return s.renderSignin(c, http.StatusOK, &signinData{Return: s.safeReturn(c.QueryParam("retour"))})
}

func (s *Server) renderSignin(c echo.Context, status int, d *signinData) error {
	v := s.newView(c, "signin")
	v.Alternates = nil
	v.FormReferrer = true
	v.Title = v.L.T("signin.title")
	d.Token = s.auth.FormToken()
	d.Me = auth.FromContext(c)
	d.Home = s.dashHome()
	v.Data = d
	c.Response().Header().Set("Cache-Control", "no-store")
	auth.FormReferrerPolicy(c.Response().Header())
	return s.render(c, status, "signin", v)
}

// signinSubmit is POST /connexion: a good email and password start a
// session and answer 303 to the dashboard; anything else shows the form
// again, without saying whether the email exists.
func (s *Server) signinSubmit(c echo.Context) error {
	if !auth.SameOrigin(c.Request()) || !s.auth.FormTokenOK(c.FormValue(auth.CSRFField)) {
		return errForbidden
	}
	email := c.FormValue("email")
	d := &signinData{Email: email, Return: s.safeReturn(c.FormValue("retour"))}
	if len(email) > 320 || len(c.FormValue("password")) > 1024 {
		d.Error = "signin.error.bad"
		return s.renderSignin(c, http.StatusBadRequest, d)
	}
	acct, retry, err := s.auth.SignIn(c.Request().Context(), email, c.FormValue("password"), c.RealIP())
	switch {
	case errors.Is(err, auth.ErrThrottled):
		d.Error = "signin.error.throttled"
		d.Retry = int(retry.Round(time.Second) / time.Second)
		c.Response().Header().Set("Retry-After", strconv.Itoa(d.Retry+1))
		return s.renderSignin(c, http.StatusTooManyRequests, d)
	case errors.Is(err, auth.ErrBadCredentials):
		d.Error = "signin.error.bad"
		return s.renderSignin(c, http.StatusUnauthorized, d)
	case err != nil:
		return err
	}
	if err := s.auth.StartSession(c, acct); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, d.Return)
}

// signoutSubmit is POST /deconnexion: deletes the session row and the cookie.
func (s *Server) signoutSubmit(c echo.Context) error {
	if err := s.auth.EndSession(c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/")
}
