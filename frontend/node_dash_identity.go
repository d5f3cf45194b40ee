package frontend

import (
	"net/http"
	"strconv"
	"strings"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/search/gazetteer"
	"github.com/labstack/echo/v4"
)

var identityFields = map[string]bool{"name": true, "summary": true, "website": true, "email": true,
	"legal_url": true, "icon_url": true, "org_type": true, "address": true, "postal_code": true,
	"commune": true, "member_since": true, "portee": true}

// identityForm is the hoster's identity page.
type identityForm struct {
	formState
	H        catalog.HosterFile
	Portee   string
	OrgTypes []string
	Communes []string // of the postal code: the second step, without JavaScript
}

// nodeDashIdentity is GET /gestion/identite.
func (s *Server) nodeDashIdentity(c echo.Context) error {
	f, st, err := s.loadHoster(c)
	if err != nil {
		return err
	}
	return s.renderIdentity(c, http.StatusOK, &identityForm{formState: st, H: *f})
}

// nodeDashIdentitySave is POST /gestion/identite. With step=communes it
// only lists the communes of the postal code typed (the second step of
// the address, which works without JavaScript); otherwise it saves.
func (s *Server) nodeDashIdentitySave(c echo.Context) error {
	f, st, err := s.loadHoster(c)
	if err != nil {
		return err
	}
	l := s.newView(c, "").L
	v := func(k string) string { return strings.TrimSpace(c.FormValue(k)) }
	f.Name, f.Summary, f.Website, f.Email = v("name"), v("summary"), v("website"), v("email")
	f.LegalURL, f.IconURL, f.OrgType, f.Address = v("legal_url"), v("icon_url"), v("org_type"), v("address")
	if pc := v("postal_code"); pc != f.PostalCode {
		f.Latitude, f.Longitude = nil, nil // coordinates set by hand belonged to the old address
		f.PostalCode = pc
	}
	f.Commune, f.MemberSince = v("commune"), v("member_since")
	form := &identityForm{formState: st, H: *f, Portee: v("portee")}
	form.Version = c.FormValue("version")
	f.Portee = 0
	if form.Portee != "" {
		n, err := strconv.Atoi(form.Portee)
		if err != nil || n < 0 {
			form.Errors = map[string]string{"portee": l.T("gestion.reason.negative")}
			return s.renderIdentity(c, http.StatusUnprocessableEntity, form)
		}
		f.Portee = n
	}
	if c.FormValue("step") == "communes" {
		return s.renderIdentity(c, http.StatusOK, form)
	}
	if err := s.saveHoster(c, f, &form.formState, l, "", identityFields); err != nil {
		return err
	}
	if form.Saved {
		return c.Redirect(http.StatusSeeOther, l.URL(nodeDashPath+"/identite", "enregistre", "1"))
	}
	status := http.StatusUnprocessableEntity
	if form.Conflict {
		status = http.StatusConflict
	}
	return s.renderIdentity(c, status, form)
}

func (s *Server) renderIdentity(c echo.Context, status int, form *identityForm) error {
	form.OrgTypes = catalog.OrgTypes
	if form.Portee == "" && form.H.Portee > 0 {
		form.Portee = strconv.Itoa(form.H.Portee)
	}
	if ps, err := gazetteer.CommunesOf(form.H.PostalCode); err == nil {
		for _, p := range ps {
			form.Communes = append(form.Communes, p.Commune)
		}
	}
	form.Saved = form.Saved || (c.QueryParam("enregistre") == "1" && status == http.StatusOK)
	v := s.newNodeDashView(c, "identity", "gestion.identity.title", form)
	return s.render(c, status, "gestion_identity", v)
}
