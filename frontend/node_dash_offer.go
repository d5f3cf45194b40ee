package frontend

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"codeberg.org/portee/portee/catalog"
	"github.com/labstack/echo/v4"
)

// offerFields are the offer form's fields, named as the hoster file's
// validation names them (offers[i].<field>), so an error finds its field.
var offerFields = map[string]bool{"key": true, "name": true, "summary": true, "category": true,
	"software.name": true, "software.version": true, "software.license": true, "software.source": true,
	"software.website": true, "registration": true, "load": true, "price": true, "quota": true,
	"audience": true, "area": true, "area.departements": true, "area.radius_km": true, "languages": true,
	"status": true, "url": true, "start_date": true}

// offerForm is the page of one offer.
type offerForm struct {
	formState
	New                        bool
	O                          catalog.FileOffer
	Languages, Deps, Radius    string
	Categories, Registrations  []string
	Loads, Audiences, Statuses []string
	Preview                    offerItem
	Action                     string
}

var itemIndexRE = regexp.MustCompile(`\[\d+\]$`)

// nodeDashOffer is GET /gestion/offres/:key and GET /gestion/nouvelle-offre.
func (s *Server) nodeDashOffer(c echo.Context) error {
	f, st, err := s.loadHoster(c)
	if err != nil {
		return err
	}
	l := s.newView(c, "").L
	key := c.Param("key")
	form := &offerForm{formState: st, New: key == ""}
	if form.New {
		form.O = catalog.FileOffer{Registration: catalog.RegistrationFree, Load: catalog.LoadOpen,
			Audience: catalog.AudienceEveryone, Status: catalog.StatusOK, Languages: []string{"fr"}}
	} else {
		i := offerIndex(f, key)
		if i < 0 {
			return errNotFound
		}
		form.O = f.Offers[i]
	}
	return s.renderOffer(c, http.StatusOK, f, form, l)
}

func offerIndex(f *catalog.HosterFile, key string) int {
	for i := range f.Offers {
		if f.Offers[i].Key == key {
			return i
		}
	}
	return -1
}

// nodeDashOfferSave is POST /gestion/offres/:key and POST
// /gestion/nouvelle-offre: the whole offer from its one form.
func (s *Server) nodeDashOfferSave(c echo.Context) error {
	f, st, err := s.loadHoster(c)
	if err != nil {
		return err
	}
	l := s.newView(c, "").L
	key := c.Param("key")
	form := &offerForm{formState: st, New: key == ""}
	form.Version = c.FormValue("version")
	o := offerFromForm(c)
	i := len(f.Offers)
	if form.New {
		o.Key = strings.TrimSpace(c.FormValue("key"))
		f.Offers = append(f.Offers, o)
	} else {
		if i = offerIndex(f, key); i < 0 {
			return errNotFound
		}
		o.Key = key
		f.Offers[i] = o
	}
	form.O = o
	if err := s.saveHoster(c, f, &form.formState, l, "offers["+strconv.Itoa(i)+"].", offerFields); err != nil {
		return err
	}
	if form.Saved {
		return c.Redirect(http.StatusSeeOther, l.URL(nodeDashPath+"/offres/"+o.Key, "enregistre", "1"))
	}
	status := http.StatusUnprocessableEntity
	if form.Conflict {
		status = http.StatusConflict
	}
	return s.renderOffer(c, status, f, form, l)
}

// offerFromForm reads the offer form; empty optional parts stay empty so
// that the written file holds only what was given.
func offerFromForm(c echo.Context) catalog.FileOffer {
	v := func(k string) string { return strings.TrimSpace(c.FormValue(k)) }
	o := catalog.FileOffer{
		Name: v("name"), Summary: v("summary"), Category: v("category"),
		Software: catalog.FileSoftware{Name: v("software.name"), Version: v("software.version"),
			License: v("software.license"), Source: v("software.source"), Website: v("software.website")},
		Registration: v("registration"), Load: v("load"), Price: v("price"), Quota: v("quota"),
		Audience: v("audience"), Languages: splitList(v("languages")), Status: v("status"),
		URL: v("url"), StartDate: v("start_date"),
	}
	deps := splitList(v("area.departements"))
	radius, _ := strconv.ParseFloat(strings.Replace(v("area.radius_km"), ",", ".", 1), 64)
	if len(deps) > 0 || radius != 0 {
		o.Area = &catalog.FileArea{Departements: deps, RadiusKm: radius}
	}
	return o
}

func (s *Server) renderOffer(c echo.Context, status int, f *catalog.HosterFile, form *offerForm, l *Localizer) error {
	form.Categories = catalog.Categories
	form.Registrations = []string{catalog.RegistrationNone, catalog.RegistrationFree, catalog.RegistrationMember, catalog.RegistrationClient}
	form.Loads = []string{catalog.LoadOpen, catalog.LoadFull}
	form.Audiences = []string{catalog.AudienceEveryone, catalog.AudienceLocal}
	form.Statuses = []string{catalog.StatusOK, catalog.StatusWarning, catalog.StatusAlert, catalog.StatusError, catalog.StatusOver}
	form.Languages = strings.Join(form.O.Languages, ", ")
	if a := form.O.Area; a != nil {
		form.Deps = strings.Join(a.Departements, ", ")
		if a.RadiusKm != 0 {
			form.Radius = strconv.FormatFloat(a.RadiusKm, 'f', -1, 64)
		}
	}
	for k, msg := range form.Errors { // "languages[1]" → the languages field
		if base := itemIndexRE.ReplaceAllString(k, ""); base != k {
			if _, ok := form.Errors[base]; !ok {
				form.Errors[base] = msg
			}
		}
	}
	form.Saved = c.QueryParam("enregistre") == "1" && status == http.StatusOK
	h := &catalog.Hoster{Name: f.Name, Status: catalog.HosterActive, Source: catalog.SourcePortee,
		Location: catalog.Location{Commune: f.Commune, PostalCode: f.PostalCode}}
	o := &catalog.Offer{Name: form.O.Name, Summary: form.O.Summary, Category: form.O.Category,
		Software: catalog.Software{Name: form.O.Software.Name}, Registration: form.O.Registration,
		Load: form.O.Load, Price: form.O.Price}
	if !slices.Contains(catalog.Categories, o.Category) {
		o.Category = "other"
	}
	if !slices.Contains(form.Registrations, o.Registration) {
		o.Registration = catalog.RegistrationFree
	}
	if !slices.Contains(form.Loads, o.Load) {
		o.Load = catalog.LoadOpen
	}
	form.Preview = itemFromOffer(l, h, o, false)
	form.Action = nodeDashPath + "/nouvelle-offre"
	title := "gestion.offer.new"
	if !form.New {
		form.Action = nodeDashPath + "/offres/" + form.O.Key
		title = "gestion.offer.edit"
	}
	v := s.newNodeDashView(c, "offers", title, form)
	return s.render(c, status, "gestion_offer", v)
}
