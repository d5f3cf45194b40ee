package frontend

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/frontend/auth"
	"github.com/labstack/echo/v4"
)

// accountsData is the admins' account page.
type accountsData struct {
	Accounts []catalog.Account
	Link     string // the one-time link of the account just created
	Error    string
	Roles    []string
}

// dashboardAccounts is GET /tableau-de-bord/comptes (admins).
func (s *Server) dashboardAccounts(c echo.Context) error {
	return s.renderAccounts(c, http.StatusOK, &accountsData{})
}

func (s *Server) renderAccounts(c echo.Context, status int, d *accountsData) error {
	as, err := s.store.Accounts(c.Request().Context())
	if err != nil {
		return err
	}
	d.Accounts = as
	d.Roles = []string{catalog.RoleAuditor, catalog.RoleAdmin}
	return s.render(c, status, "dash_accounts", s.newDashView(c, "accounts", "dash.accounts.title", d))
}

// dashboardAccountsSubmit is POST /tableau-de-bord/comptes (admins):
// action "add" creates an account and shows its one-time sign-in link;
// "disable" and "enable" change an account (never one's own).
func (s *Server) dashboardAccountsSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	me := auth.FromContext(c)
	email := catalog.NormalizeEmail(c.FormValue("email"))
	switch c.FormValue("action") {
	case "add":
		role := c.FormValue("role")
		if !strings.Contains(email, "@") || len(email) > 320 || strings.ContainsAny(email, " <>\"") || (role != catalog.RoleAdmin && role != catalog.RoleAuditor) {
			return s.renderAccounts(c, http.StatusBadRequest, &accountsData{Error: "dash.accounts.invalid"})
		}
		a := &catalog.Account{Email: email, Role: role}
		if err := s.store.CreateAccount(ctx, a, me.Ref()); errors.Is(err, catalog.ErrExists) {
			return s.renderAccounts(c, http.StatusConflict, &accountsData{Error: "dash.accounts.exists"})
		} else if err != nil {
			return err
		}
		link, err := s.auth.SignInLink(ctx, s.cfg.BaseURL, a.ID, 24*time.Hour)
		if err != nil {
			return err
		}
		return s.renderAccounts(c, http.StatusOK, &accountsData{Link: link})
	case "disable", "enable":
		a, err := s.store.AccountByEmail(ctx, email)
		if err != nil {
			return err
		}
		if a.ID == me.Account.ID {
			return s.renderAccounts(c, http.StatusBadRequest, &accountsData{Error: "dash.accounts.self"})
		}
		disabled := c.FormValue("action") == "disable"
		if err := s.store.UpdateAccount(ctx, a.ID, "", "", &disabled, me.Ref()); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, dashboardPath+"/comptes")
	}
	return &pageError{Status: http.StatusBadRequest, Key: "error.400"}
}
