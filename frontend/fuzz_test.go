package frontend

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzSearchPage: whatever a visitor puts in the query string, the results
// page answers a known status and never echoes markup.
func FuzzSearchPage(f *testing.F) {
	fx := newFixture(f)
	for _, s := range [][4]string{
		{"pad", "44600", "", "1"}, {"", "Saint-Denis", "10", "2"}, {"<script>", "<b>", "-1", "x"},
		{strings.Repeat("a", 500), "47.2,-2.2", "1000", "99999"}, {"visio", "95,200", "1e9", "0"}, {"\x00\xff", "", "NaN", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, q, near, radius, page string) {
		v := url.Values{"q": {q}, "near": {near}, "radius_km": {radius}, "page": {page}}
		rec := fx.get("/recherche?" + v.Encode())
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusUnprocessableEntity:
		default:
			t.Fatalf("%v: status %d", v, rec.Code)
		}
		if strings.Contains(rec.Body.String(), "<script>") || strings.Contains(rec.Body.String(), "<b>") {
			t.Fatalf("%v: markup echoed", v)
		}
		api := fx.get("/api/v1/search?" + v.Encode())
		if api.Code >= 500 {
			t.Fatalf("%v: API status %d", v, api.Code)
		}
	})
}
