package frontend

import (
	"bytes"
	"encoding/csv"
	"errors"
	"math"
	"net/http"
	"regexp"
	"strconv"

	"codeberg.org/portee/portee/catalog"
	"github.com/labstack/echo/v4"
)

// complianceCSV is /conformite.csv: the table of /conformite for
// spreadsheets, one line per commitment then one summary line per axis
// (kind "axis", counts of answers), with the same filters.
func (s *Server) complianceCSV(c echo.Context) error {
	f, bad := complianceFilter(c.QueryParams())
	if bad != "" {
		return &pageError{Status: http.StatusBadRequest, Key: "error.400"}
	}
	r, err := s.complianceReport(c.Request().Context(), f)
	if errors.Is(err, errUnknownCharterVersion) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	head := []string{"kind", "charter", "version", "axis", "commitment", "title_fr", "required", "total"}
	for _, k := range catalog.ComplianceDeclaredKeys {
		head = append(head, "declared_"+k)
	}
	for _, k := range catalog.ComplianceAuditedKeys {
		head = append(head, "audited_"+k)
	}
	head = append(head, "yes_share", "conforme_share", "yes_change_points", "conforme_change_points")
	w.Write(head)
	ch := r.Now.Charter
	line := func(kind, axis, id string, row complianceRow) {
		rec := []string{kind, ch.ID, ch.Version, axis, id, row.TitleFR, strconv.FormatBool(row.Required), strconv.Itoa(row.Total)}
		for _, k := range catalog.ComplianceDeclaredKeys {
			rec = append(rec, strconv.Itoa(row.Declared[k]))
		}
		for _, k := range catalog.ComplianceAuditedKeys {
			rec = append(rec, strconv.Itoa(row.Audited[k]))
		}
		rec = append(rec, csvFloat(row.YesShare, 4), csvFloat(row.ConformeShare, 4), csvFloat(row.YesChange, 1), csvFloat(row.ConformeChange, 1))
		w.Write(rec)
	}
	for _, ax := range r.Axes {
		for _, row := range ax.Rows {
			line("commitment", ax.ID, row.ID, row)
		}
	}
	for _, ax := range r.Axes {
		line("axis", ax.ID, "", ax.Summary)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	h := c.Response().Header()
	name := unsafeFileChars.ReplaceAllString(ch.ID+"-"+ch.Version, "_")
	h.Set("Content-Disposition", `attachment; filename="conformite-`+name+`.csv"`)
	h.Set("Access-Control-Allow-Origin", "*")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", b.Bytes())
}

// unsafeFileChars are replaced in the suggested file name.
var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// csvFloat writes f with prec decimals, empty when unknown.
func csvFloat(f float64, prec int) string {
	if math.IsNaN(f) {
		return ""
	}
	return strconv.FormatFloat(f, 'f', prec, 64)
}
