package frontend

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"codeberg.org/portee/portee/catalog"
	"github.com/labstack/echo/v4"
)

// statisticsMonths is how far back the growth chart goes.
const statisticsMonths = 24

// statisticsTopSoftware is how many software the page lists.
const statisticsTopSoftware = 20

// statisticsData is what /statistiques shows: each chart with the table
// that says the same for screen readers and for anyone who wants figures.
type statisticsData struct {
	Stats        *catalog.Statistics
	Growth       template.HTML
	Months       []statMonth
	Categories   statBreakdown
	Registration statBreakdown
	Load         statBreakdown
	Regions      statBreakdown
	Software     template.HTML
	SoftwareRows []statSoftware
}

type statMonth struct {
	Label           string
	Hosters, Offers string
}

type statBreakdown struct {
	Chart template.HTML
	Rows  []statRow
}

type statRow struct {
	Label, N string
}

type statSoftware struct {
	Name, Offers, Versions string
}

// statisticsPage is /statistiques: public figures of the visible hosters
// and their offers, charts drawn on the server.
func (s *Server) statisticsPage(c echo.Context) error {
	st, err := s.store.Statistics(c.Request().Context(), s.now(), statisticsMonths, statisticsTopSoftware)
	if err != nil {
		return err
	}
	v := s.newView(c, "statistics")
	l := v.L
	v.Title = l.T("statistics.title")
	d := &statisticsData{Stats: st}

	labels := make([]string, len(st.Months))
	hosters := make([]int, len(st.Months))
	offers := make([]int, len(st.Months))
	for i, m := range st.Months {
		labels[i] = fmt.Sprintf("%02d/%02d", int(m.Month.Month()), m.Month.Year()%100)
		hosters[i], offers[i] = m.Hosters, m.Offers
		d.Months = append(d.Months, statMonth{Label: l.T("month."+strconv.Itoa(int(m.Month.Month()))) + " " + strconv.Itoa(m.Month.Year()),
			Hosters: l.Int(m.Hosters), Offers: l.Int(m.Offers)})
	}
	d.Growth = lineChart(l, labels, []lineSeries{
		{Name: l.T("statistics.hosters"), Class: "a", Values: hosters},
		{Name: l.T("statistics.offers"), Class: "b", Values: offers},
	})
	d.Categories = breakdown(l, st.Categories, func(k string) string { return l.T("category." + k) }, catalog.IsCategory)
	d.Registration = breakdown(l, st.Registration, func(k string) string { return l.T("registration." + k) }, func(k string) bool {
		return k == catalog.RegistrationNone || k == catalog.RegistrationFree || k == catalog.RegistrationMember || k == catalog.RegistrationClient
	})
	d.Load = breakdown(l, st.Load, func(k string) string { return l.T("load." + k) }, func(k string) bool {
		return k == catalog.LoadOpen || k == catalog.LoadFull
	})
	d.Regions = breakdown(l, st.Regions, func(k string) string { return k }, func(k string) bool { return k != "" })
	var bars []barItem
	for _, sw := range st.Software {
		bars = append(bars, barItem{Label: sw.Name, N: sw.Offers})
		var vs []string
		for _, ver := range sw.Versions {
			name := ver.Key
			if name == "" {
				name = l.T("statistics.no_version")
			}
			vs = append(vs, l.T("statistics.version_count", name, l.Int(ver.N)))
		}
		d.SoftwareRows = append(d.SoftwareRows, statSoftware{Name: sw.Name, Offers: l.Int(sw.Offers), Versions: strings.Join(vs, ", ")})
	}
	d.Software = barChart(l, bars)
	v.Data = d
	return s.render(c, http.StatusOK, "statistics", v)
}

// breakdown turns counts into a bar chart and its table. Values the page
// does not know (remote data) are shown as "other".
func breakdown(l *Localizer, counts []catalog.KeyCount, label func(string) string, known func(string) bool) statBreakdown {
	var out statBreakdown
	var bars []barItem
	other := 0
	for _, kc := range counts {
		if !known(kc.Key) {
			other += kc.N
			continue
		}
		bars = append(bars, barItem{Label: label(kc.Key), N: kc.N})
	}
	if other > 0 {
		bars = append(bars, barItem{Label: l.T("statistics.other"), N: other})
	}
	for _, b := range bars {
		out.Rows = append(out.Rows, statRow{Label: b.Label, N: l.Int(b.N)})
	}
	out.Chart = barChart(l, bars)
	return out
}
