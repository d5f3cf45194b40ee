package frontend

import (
	"net/http"

	"codeberg.org/portee/portee/catalog"
	"github.com/labstack/echo/v4"
)

// offersPage is the list of the hoster's offers.
type offersPage struct {
	formState
	Offers []catalog.FileOffer
}

// nodeDashOffers is GET /gestion/offres: every offer, a link to its form,
// and buttons to mark it full or open and to remove it.
func (s *Server) nodeDashOffers(c echo.Context) error {
	f, st, err := s.loadHoster(c)
	if err != nil {
		return err
	}
	return s.renderOffers(c, http.StatusOK, f, st)
}

func (s *Server) renderOffers(c echo.Context, status int, f *catalog.HosterFile, st formState) error {
	st.Saved = st.Saved || (c.QueryParam("enregistre") == "1" && status == http.StatusOK)
	v := s.newNodeDashView(c, "offers", "gestion.offers.title", &offersPage{formState: st, Offers: f.Offers})
	return s.render(c, status, "gestion_offers", v)
}

// nodeDashOfferAction is POST /gestion/offres/:key/etat: action=full,
// open or remove (the page puts remove behind a <details>, a confirmation
// that needs no JavaScript).
func (s *Server) nodeDashOfferAction(c echo.Context) error {
	f, st, err := s.loadHoster(c)
	if err != nil {
		return err
	}
	l := s.newView(c, "").L
	i := offerIndex(f, c.Param("key"))
	if i < 0 {
		return errNotFound
	}
	switch c.FormValue("action") {
	case catalog.LoadFull, catalog.LoadOpen:
		f.Offers[i].Load = c.FormValue("action")
	case "remove":
		f.Offers = append(f.Offers[:i], f.Offers[i+1:]...)
	default:
		return &pageError{Status: http.StatusBadRequest, Key: "error.400"}
	}
	st.Version = c.FormValue("version")
	if err := s.saveHoster(c, f, &st, l, "", nil); err != nil {
		return err
	}
	if st.Saved {
		return c.Redirect(http.StatusSeeOther, l.URL(nodeDashPath+"/offres", "enregistre", "1"))
	}
	f, _, err = s.cfg.Hoster.LoadHoster(c.Request().Context())
	if err != nil {
		return err
	}
	status := http.StatusUnprocessableEntity
	if st.Conflict {
		status = http.StatusConflict
	}
	return s.renderOffers(c, status, f, st)
}
