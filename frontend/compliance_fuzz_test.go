package frontend

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzCompliance: whatever filters a visitor sends, the compliance page,
// its CSV and its JSON answer a known status and never echo markup.
func FuzzCompliance(f *testing.F) {
	fx := newFixture(f)
	for _, s := range [][4]string{
		{"2023", "Pays de la Loire", "44", "member"}, {"", "", "974", "other"}, {"<script>", "<b>x</b>", "2A", "vip"},
		{strings.Repeat("9", 100), "\x00\xff", "1234", ""}, {"../../etc", "Auvergne-Rhône-Alpes", "69", "member"},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, version, region, dep, membership string) {
		v := url.Values{"charter_version": {version}, "region": {region}, "departement": {dep}, "membership": {membership}}
		for _, p := range []string{"/conformite", "/conformite.csv", "/api/v1/compliance"} {
			rec := fx.get(p + "?" + v.Encode())
			switch rec.Code {
			case http.StatusOK, http.StatusBadRequest, http.StatusNotFound:
			default:
				t.Fatalf("%s %v: status %d", p, v, rec.Code)
			}
			if strings.Contains(rec.Body.String(), "<script>") || strings.Contains(rec.Body.String(), "<b>x") {
				t.Fatalf("%s %v: markup echoed", p, v)
			}
		}
	})
}
