package vocab

import (
	"strings"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
)

func sampleReport() *ObservationReport {
	tp := catalog.Finding{Kind: catalog.KindThirdParty, URL: "https://n.example/", Status: catalog.FindingProblem,
		Host: "fonts.googleapis.com", Category: "fonts", Code: "third-party", Detail: "SECRET raw evidence"}
	return &ObservationReport{ID: "https://annuaire.example/observations/1", DirectoryActor: "https://annuaire.example/actor",
		HosterActor: "https://n.example/hosters/a", ObservedAt: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC),
		Findings:      []catalog.Finding{tp, {Kind: catalog.KindTLS, URL: "https://n.example/", Status: catalog.FindingOK, Value: "TLS 1.3"}},
		Discrepancies: []catalog.ReportDiscrepancy{{Commitment: "pas-de-pistage", Declared: catalog.AnswerYes, Finding: tp}}}
}

func TestObservationReportRoundTrip(t *testing.T) {
	b, err := ObservationReportDoc(sampleReport())
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if strings.Contains(s, "SECRET") || !strings.Contains(s, `"type":"ObservationReport"`) || !strings.Contains(s, `"ObservationReport":"portee:ObservationReport"`) {
		t.Fatalf("document: %s", s)
	}
	r, err := ParseObservationReport(b)
	if err != nil {
		t.Fatal(err)
	}
	want := sampleReport()
	if r.ID != want.ID || r.DirectoryActor != want.DirectoryActor || r.HosterActor != want.HosterActor || !r.ObservedAt.Equal(want.ObservedAt) {
		t.Fatalf("identity: %+v", r)
	}
	if len(r.Findings) != 2 || r.Findings[0].Host != "fonts.googleapis.com" || r.Findings[0].Category != "fonts" || r.Findings[0].Detail != "" || r.Findings[1].Value != "TLS 1.3" {
		t.Fatalf("findings: %+v", r.Findings)
	}
	if len(r.Discrepancies) != 1 || r.Discrepancies[0].Commitment != "pas-de-pistage" || r.Discrepancies[0].Declared != "yes" || r.Discrepancies[0].Finding.Host != "fonts.googleapis.com" {
		t.Fatalf("discrepancies: %+v", r.Discrepancies)
	}
}

func TestParseObservationReportRefuses(t *testing.T) {
	b, err := ObservationReportDoc(sampleReport())
	if err != nil {
		t.Fatal(err)
	}
	good := string(b)
	cases := map[string]string{
		"not a report":  strings.Replace(good, `"type":"ObservationReport"`, `"type":"Note"`, 1),
		"bad status":    strings.Replace(good, `"portee:status":"problem"`, `"portee:status":"awful"`, 1),
		"bad subject":   strings.Replace(good, `"portee:subject":"https://n.example/"`, `"portee:subject":"javascript:alert(1)"`, 1),
		"no hoster":     strings.Replace(good, `"portee:observedHoster":"https://n.example/hosters/a"`, `"portee:other":"x"`, 1),
		"no date":       strings.Replace(good, `"portee:observedAt":"2026-12-01T10:00:00Z"`, `"portee:when":"x"`, 1),
		"no commitment": strings.Replace(good, `"portee:commitment":"pas-de-pistage"`, `"portee:x":"y"`, 1),
	}
	for name, doc := range cases {
		if doc == good {
			t.Fatalf("%s: the case changes nothing", name)
		}
		if _, err := ParseObservationReport([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParseObservationReport(f *testing.F) {
	fuzzSeeds(f)
	if b, err := ObservationReportDoc(sampleReport()); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseObservationReport(b)
		if err != nil {
			return
		}
		if r.ID == "" || r.DirectoryActor == "" || r.HosterActor == "" || r.ObservedAt.IsZero() {
			t.Fatalf("accepted a report without identity: %+v", r)
		}
		for _, x := range r.Findings {
			if x.Kind == "" || (x.Status != catalog.FindingOK && x.Status != catalog.FindingProblem && x.Status != catalog.FindingInfo) {
				t.Fatalf("accepted finding %+v", x)
			}
		}
	})
}
