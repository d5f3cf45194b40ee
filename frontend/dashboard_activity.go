package frontend

import (
	"net/http"
	"strconv"

	"codeberg.org/portee/portee/catalog"
	"github.com/labstack/echo/v4"
)

// activityPerPage is the number of log lines per page.
const activityPerPage = 100

type activityData struct {
	Entries  []catalog.ActivityEntry
	Page     int
	NextPage int
}

// dashboardActivity is GET /tableau-de-bord/journal (admins): what staff
// changed, newest first.
func (s *Server) dashboardActivity(c echo.Context) error {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	page = max(page, 1)
	es, err := s.store.ActivityLog(c.Request().Context(), activityPerPage+1, (page-1)*activityPerPage)
	if err != nil {
		return err
	}
	d := &activityData{Entries: es, Page: page}
	if len(es) > activityPerPage {
		d.Entries, d.NextPage = es[:activityPerPage], page+1
	}
	return s.render(c, http.StatusOK, "dash_activity", s.newDashView(c, "activity", "dash.activity.title", d))
}
