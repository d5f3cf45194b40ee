package frontend

import (
	"net/http"
	"net/http/httptest"
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

// FuzzFeedConditionalGet: whatever validators a feed reader sends, the feed
// answers 200 with a body or 304 without one.
func FuzzFeedConditionalGet(f *testing.F) {
	fx := newFixture(f)
	etag := fx.get("/flux/offres.atom").Header().Get("ETag")
	for _, s := range [][2]string{{etag, ""}, {"", "Mon, 23 Nov 2026 10:00:00 GMT"}, {`W/` + etag + `, "x"`, "garbage"},
		{"*", ""}, {`"`, "Mon, 02 Jan 2006 15:04:05 MST"}, {",,,", "\x00"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, inm, ims string) {
		var h []string
		if inm != "" {
			h = append(h, "If-None-Match", inm)
		}
		if ims != "" {
			h = append(h, "If-Modified-Since", ims)
		}
		req, err := http.NewRequest(http.MethodGet, "/flux/offres.atom", nil)
		if err != nil {
			t.Skip()
		}
		for i := 0; i+1 < len(h); i += 2 {
			req.Header[h[i]] = []string{h[i+1]}
		}
		rec := httptest.NewRecorder()
		fx.e.ServeHTTP(rec, req)
		switch {
		case rec.Code == http.StatusOK && rec.Body.Len() > 0:
		case rec.Code == http.StatusNotModified && rec.Body.Len() == 0:
		default:
			t.Fatalf("If-None-Match %q, If-Modified-Since %q: %d with %d bytes", inm, ims, rec.Code, rec.Body.Len())
		}
	})
}
