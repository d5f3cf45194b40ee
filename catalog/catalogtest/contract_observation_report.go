package catalogtest

import (
	"errors"
	"testing"
	"time"

	"codeberg.org/portee/portee/catalog"
)

// testObservationReports: a node keeps the latest report per directory, an
// older one changes nothing, a redelivered activity is refused.
func testObservationReports(t *testing.T, s *catalog.Store) {
	ctx := ctxT(t)
	h := mustHoster(t, s, "rapport")
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	tp := catalog.Finding{Kind: catalog.KindThirdParty, URL: "https://rapport.example/", Status: catalog.FindingProblem, Host: "cdn.example", Category: "cdn"}
	r := &catalog.ObservationReport{HosterID: h.ID, DirectoryActor: "https://annuaire.example/actor", ObjectID: "https://annuaire.example/o/1",
		ObservedAt: at, Findings: catalog.Findings{tp}, Discrepancies: catalog.ReportDiscrepancies{{Commitment: "c", Declared: "yes", Finding: tp}}}
	if err := s.ReceiveObservationReport(ctx, r, catalog.WriteMeta{ActivityID: "https://annuaire.example/a/1", ActorID: r.DirectoryActor}); err != nil {
		t.Fatal(err)
	}
	if err := s.ReceiveObservationReport(ctx, r, catalog.WriteMeta{ActivityID: "https://annuaire.example/a/1", ActorID: r.DirectoryActor}); !errors.Is(err, catalog.ErrAlreadyApplied) {
		t.Errorf("redelivery: %v, want ErrAlreadyApplied", err)
	}
	older := *r
	older.ObjectID, older.ObservedAt, older.Discrepancies = "https://annuaire.example/o/0", at.Add(-time.Hour), nil
	if err := s.ReceiveObservationReport(ctx, &older, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	other := *r
	other.DirectoryActor, other.ObjectID, other.ObservedAt = "https://autre.example/actor", "https://autre.example/o/1", at.Add(time.Hour)
	other.Discrepancies = nil
	if err := s.ReceiveObservationReport(ctx, &other, catalog.WriteMeta{}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ObservationReports(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].DirectoryActor != other.DirectoryActor || got[1].ObjectID != r.ObjectID || !got[1].ObservedAt.Equal(at) {
		t.Fatalf("reports: %+v", got)
	}
	if len(got[1].Discrepancies) != 1 || got[1].Discrepancies[0].Finding.Host != "cdn.example" || len(got[0].Discrepancies) != 0 {
		t.Fatalf("discrepancies: %+v", got)
	}
}
