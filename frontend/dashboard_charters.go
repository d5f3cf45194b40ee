package frontend

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"path/filepath"

	"codeberg.org/portee/portee/catalog"
	"codeberg.org/portee/portee/frontend/auth"
	"github.com/labstack/echo/v4"
)

// charterUploadMax bounds an uploaded charter document: the shipped
// default, 25 commitments in two languages, is under 20 KB.
const charterUploadMax = 256 << 10

// chartersData is the admins' charter page.
type chartersData struct {
	Versions []catalog.CharterVersion
	Errors   []string // located errors of the submitted document
	Error    string   // a translation key
	Loaded   string   // "id version" just loaded
	Text     string   // the submitted document, shown again after an error
	Example  string
}

// dashboardCharters is GET /tableau-de-bord/chartes (admins).
func (s *Server) dashboardCharters(c echo.Context) error {
	d := &chartersData{}
	if v := c.QueryParam("chargee"); v != "" && len(v) <= 100 {
		d.Loaded = v
	}
	return s.renderCharters(c, http.StatusOK, d)
}

func (s *Server) renderCharters(c echo.Context, status int, d *chartersData) error {
	vs, err := s.store.CharterVersions(c.Request().Context())
	if err != nil {
		return err
	}
	d.Versions = vs
	d.Example = "id: " + catalog.DefaultCharterID + "\nversion: \"2025\"\ntitle_fr: …\naxes:\n  - {id: neutre, title_fr: Neutre, title_en: Neutral}\ncommitments:\n  - id: neutre-pistage\n    axis: neutre\n    required: true\n    title_fr: …\n    text_fr: …"
	return s.render(c, status, "dash_charters", s.newDashView(c, "charters", "dash.charters.title", d))
}

// dashboardChartersLoad is POST /tableau-de-bord/chartes (admins, CSRF
// checked by the session middleware): a charter document, pasted or sent
// as a file, in the format of the shipped default. Errors name the line
// and the field, as "portee charter load" does; nothing is stored then.
func (s *Server) dashboardChartersLoad(c echo.Context) error {
	me := auth.FromContext(c)
	name, text := "charte.yaml", c.FormValue("charter")
	if fh, err := c.FormFile("file"); err == nil && fh.Size > 0 {
		if fh.Size > charterUploadMax {
			return s.renderCharters(c, http.StatusRequestEntityTooLarge, &chartersData{Error: "dash.charters.too_big"})
		}
		fd, err := fh.Open()
		if err != nil {
			return err
		}
		b, err := io.ReadAll(io.LimitReader(fd, charterUploadMax+1))
		fd.Close()
		if err != nil {
			return err
		}
		name, text = filepath.Base(fh.Filename), string(b)
	}
	if len(text) > charterUploadMax {
		return s.renderCharters(c, http.StatusRequestEntityTooLarge, &chartersData{Error: "dash.charters.too_big"})
	}
	ch, err := catalog.ParseCharterFile(name, []byte(text))
	if err != nil {
		d := &chartersData{Error: "dash.charters.invalid", Text: text}
		var fes catalog.FileErrors
		var fe *catalog.FileError
		switch {
		case errors.As(err, &fes):
			for _, e := range fes {
				d.Errors = append(d.Errors, e.Error())
			}
		case errors.As(err, &fe):
			d.Errors = []string{fe.Error()}
		default:
			return err
		}
		return s.renderCharters(c, http.StatusUnprocessableEntity, d)
	}
	_, err = s.store.LoadCharter(c.Request().Context(), ch, c.FormValue("replace") == "1", me.Ref())
	if errors.Is(err, catalog.ErrCharterVersionExists) {
		return s.renderCharters(c, http.StatusConflict, &chartersData{Error: "dash.charters.exists", Text: text})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, dashboardPath+"/chartes?chargee="+url.QueryEscape(ch.ID+" "+ch.Version))
}
